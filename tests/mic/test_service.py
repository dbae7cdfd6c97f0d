"""The people's mic through its services: who may run it, what it says, and its events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from app.agenda import service as agenda_service
from app.assembly import service as assembly
from app.blocks import amendments
from app.blocks import service as blocks
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid
from app.events import Event, events_after, export_events, verify_chain
from app.mic import service
from app.mic.logic import split_phrases
from app.mic.state import MicView, load_mic

TARPS = (
    "The kitchen working group proposes that we buy ten tarps, at $1,200 in all, from the "
    "army-surplus store on Fifth. We will put them up by Friday, before the rain comes."
)


@dataclass
class Room:
    db: Database
    id: str
    noor: int
    code: str

    def join(self, name: str, role: str | None = None) -> int:
        pid = assembly.join_assembly(db=self.db, join_code=self.code, name=name).participant_id
        if role:
            assembly.grant_role(
                db=self.db, assembly_id=self.id, actor_id=self.noor, participant_id=pid, role=role
            )
        return pid

    def proposal(self, text: str = TARPS) -> int:
        made = blocks.submit_proposal(
            db=self.db, assembly_id=self.id, actor_id=self.noor, title="Tarps", text=text
        )
        agenda_service.open_agenda_item(
            db=self.db,
            assembly_id=self.id,
            actor_id=self.noor,
            item_id=int(made.data["agenda_item_id"]),
        )
        return int(made.data["proposal_id"])

    def start(self, source: str, text: str | None = None, by: int | None = None) -> int:
        changed = service.start_mic(
            db=self.db, assembly_id=self.id, actor_id=by or self.noor, source=source, text=text
        )
        return changed.seq

    def move(self, to: str | int, by: int | None = None) -> service.Changed:
        return service.move_mic(db=self.db, assembly_id=self.id, actor_id=by or self.noor, to=to)

    def stop(self, by: int | None = None) -> service.Changed:
        return service.stop_mic(db=self.db, assembly_id=self.id, actor_id=by or self.noor)

    def mic(self) -> MicView | None:
        return load_mic(db=self.db, assembly_id=self.id)[0]

    def events(self, after: int = 0) -> list[Event]:
        with self.db.read() as session:
            return events_after(session, self.id, after)


def payload(event: Event) -> dict[str, Any]:
    return dict(json.loads(event.payload_json))


@pytest.fixture
def room(db: Database) -> Room:
    made = assembly.create_assembly(db=db, title="Riverside Commons GA", facilitator_name="Noor")
    return Room(db=db, id=made.assembly_id, noor=made.participant_id, code=made.join_code)


def test_the_mic_starts_on_the_open_proposals_text_at_its_first_phrase(room: Room) -> None:
    proposal = room.proposal()
    seq = room.start("proposal")
    mic = room.mic()
    assert mic is not None
    assert mic.phrases == tuple(split_phrases(TARPS))
    assert (mic.position, mic.phrase, mic.next_phrase) == (1, mic.phrases[0], mic.phrases[1])
    assert (mic.source, mic.proposal_id, mic.proposal_version) == ("proposal", proposal, 1)
    [event] = room.events(seq - 1)
    assert event.type == "mic_started"
    assert payload(event) == {
        "text": TARPS,
        "source": "proposal",
        "proposal_id": proposal,
        "proposal_version": 1,
        "phrase_count": mic.count,
        "position": 1,
    }


def test_proposal_source_with_no_open_proposal_is_refused(room: Room) -> None:
    with pytest.raises(Conflict) as refused:
        room.start("proposal")
    assert refused.value.code == "no_open_proposal"
    assert room.mic() is None


@pytest.mark.parametrize("source", ["prepared", "live"])
def test_a_typed_text_is_said_phrase_by_phrase(room: Room, source: str) -> None:
    room.start(source, "Mic check!   The kitchen\ncloses at ten tonight, so bring your cups back.")
    mic = room.mic()
    assert mic is not None and mic.source == source and mic.proposal_id is None
    assert " ".join(mic.phrases) == (
        "Mic check! The kitchen closes at ten tonight, so bring your cups back."
    )


@pytest.mark.parametrize(
    ("source", "text", "code"),
    [
        ("prepared", "", "text_required"),
        ("live", "   \n ", "text_required"),
        ("live", None, "text_required"),
        ("prepared", "word " * 1001, "too_long"),
        ("live", "Mic\x00check", "bad_text"),
        ("shouted", "Mic check!", "bad_source"),
    ],
)
def test_bad_input_is_rejected(room: Room, source: str, text: str | None, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        room.start(source, text)
    assert refused.value.code == code
    assert room.mic() is None


@pytest.mark.parametrize("role", [None, "minute_taker", "greeter"])
def test_only_a_facilitator_or_stack_keeper_runs_the_mic(room: Room, role: str | None) -> None:
    someone = room.join("Chen", role)
    with pytest.raises(Forbidden):
        room.start("live", "Mic check!", by=someone)
    room.start("live", "Mic check! The kitchen closes at ten tonight, so bring your cups.")
    with pytest.raises(Forbidden):
        room.move("next", by=someone)
    with pytest.raises(Forbidden):
        room.stop(by=someone)


def test_a_stack_keeper_runs_the_mic(room: Room) -> None:
    keeper = room.join("Keiko", "stack_keeper")
    room.start("live", "Mic check! The kitchen closes at ten tonight, so bring cups.", by=keeper)
    assert room.move("next", by=keeper).data["position"] == 2
    room.stop(by=keeper)
    assert room.mic() is None


def test_next_and_back_move_one_phrase_and_a_number_jumps(room: Room) -> None:
    room.proposal()
    room.start("proposal")
    count = len(split_phrases(TARPS))
    assert count >= 4
    assert room.move("next").data == {"position": 2, "phrase_count": count}
    assert room.move("next").data["position"] == 3
    assert room.move("back").data["position"] == 2
    assert room.move(count).data["position"] == count
    assert room.move("1").data["position"] == 1  # a form sends the number as text
    last = room.events()[-1]
    assert (last.type, payload(last)["from"], payload(last)["position"]) == ("mic_moved", count, 1)


def test_moving_past_either_end_is_refused_and_stays_put(room: Room) -> None:
    room.start("live", "Mic check! The kitchen closes at ten tonight, so bring your cups back.")
    mic = room.mic()
    assert mic is not None and mic.count == 2
    with pytest.raises(Conflict) as at_start:
        room.move("back")
    assert at_start.value.code == "mic_at_start"
    room.move("next")
    with pytest.raises(Conflict) as at_end:
        room.move("next")
    assert at_end.value.code == "mic_at_end"
    mic = room.mic()
    assert mic is not None and (mic.position, mic.next_phrase) == (2, None)


@pytest.mark.parametrize("to", [0, 3, 99, "sideways", ""])
def test_a_move_to_no_such_phrase_is_invalid(room: Room, to: str | int) -> None:
    room.start("live", "Mic check! The kitchen closes at ten tonight, so bring your cups back.")
    with pytest.raises(Invalid):
        room.move(to)


def test_moving_or_stopping_with_the_mic_off_is_a_conflict(room: Room) -> None:
    for act in (lambda: room.move("next"), room.stop):
        with pytest.raises(Conflict) as refused:
            act()
        assert refused.value.code == "mic_off"


def test_starting_again_replaces_the_text_from_its_first_phrase(room: Room) -> None:
    room.start("live", "Mic check! The kitchen closes at ten tonight, so bring your cups back.")
    room.move("next")
    room.start("live", "Mic check! Mic check! The legal team is at the info tent.")
    mic = room.mic()
    assert mic is not None and mic.position == 1 and mic.phrase.startswith("Mic check! Mic check!")


def test_stopping_turns_the_mic_off_and_the_chain_holds(room: Room) -> None:
    room.proposal()
    first = room.start("proposal")
    room.move("next")
    changed = room.stop()
    assert room.mic() is None
    types = [e.type for e in room.events(first - 1)]
    assert types == ["mic_started", "mic_moved", "mic_stopped"]
    assert payload(room.events()[-1])["position"] == 2
    with room.db.read() as session:
        export = export_events(session, room.id)
    assert verify_chain(export["events"], export["head"]) is None
    assert changed.seq == room.events()[-1].seq


def test_the_mic_keeps_the_text_it_started_with_when_the_proposal_is_amended(room: Room) -> None:
    proposal = room.proposal()
    room.start("proposal")
    blocks.move_stage(db=room.db, proposal_id=proposal, actor_id=room.noor, stage="amendments")
    chen = room.join("Chen")
    amendment = amendments.propose_amendment(
        db=room.db, proposal_id=proposal, actor_id=chen, text=TARPS.replace("ten", "twelve")
    )
    amendments.decide_amendment(
        db=room.db,
        amendment_id=int(amendment.data["amendment_id"]),
        actor_id=room.noor,
        accept=True,
    )
    mic = room.mic()
    assert mic is not None and mic.proposal_version == 1 and "ten tarps" in " ".join(mic.phrases)


def test_a_closed_assembly_refuses_the_mic(room: Room) -> None:
    agenda_service.close_assembly(db=room.db, assembly_id=room.id, actor_id=room.noor)
    with pytest.raises(Conflict) as refused:
        room.start("live", "Mic check!")
    assert refused.value.code == "assembly_closed"
