"""Looking after people through the service layer: a new link, mute, remove."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.auth import authenticate
from app.assembly.state import load_state, search_people
from app.blocks import amendments, closing, rounds
from app.blocks import service as blocks
from app.db import Database
from app.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from app.events import events_after, export_events
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from app.people import service as people
from app.stack import service as stack
from app.stack.state import load_stack


@dataclass
class Room:
    db: Database
    made: service.Created
    ruth: service.Joined
    keiko: service.Joined

    @property
    def aid(self) -> str:
        return self.made.assembly_id

    @property
    def noor(self) -> int:
        return self.made.participant_id


@pytest.fixture
def room(any_db: Database) -> Room:
    made = service.create_assembly(db=any_db, title="Riverside Commons GA", facilitator_name="Noor")
    ruth = service.join_assembly(db=any_db, join_code=made.join_code, name="Ruth")
    keiko = service.join_assembly(db=any_db, join_code=made.join_code, name="Keiko")
    return Room(any_db, made, ruth, keiko)


def grant(r: Room, who: int, role: str) -> None:
    service.grant_role(db=r.db, assembly_id=r.aid, actor_id=r.noor, participant_id=who, role=role)


def refused(error: type[DomainError], code: str, fn: object, **kw: object) -> None:
    with pytest.raises(error) as caught:
        fn(**kw)  # type: ignore[operator]
    assert caught.value.code == code


def types_after(r: Room, seq: int) -> list[str]:
    with r.db.read() as session:
        return [e.type for e in events_after(session, r.aid, seq)]


# ---- a new link ----------------------------------------------------------------------------


def test_a_reissued_link_works_and_the_old_one_stops_at_once(room: Room) -> None:
    made = people.reissue_link(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.noor,
        participant_id=room.ruth.participant_id,
    )
    with pytest.raises(Unauthorized):
        authenticate(db=room.db, assembly_id=room.aid, token=room.ruth.token)
    me = authenticate(db=room.db, assembly_id=room.aid, token=made.token)
    assert me.participant_id == room.ruth.participant_id and made.token != room.ruth.token


def test_no_token_reaches_the_event_log(room: Room) -> None:
    made = people.reissue_link(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.noor,
        participant_id=room.ruth.participant_id,
    )
    with room.db.read() as session:
        export = json.dumps(export_events(session, room.aid))
    assert made.token not in export and room.ruth.token not in export
    with room.db.read() as session:
        last = events_after(session, room.aid, made.seq - 1)[-1]
    assert last.type == "participant_link_reissued"
    assert json.loads(last.payload_json) == {
        "participant_id": room.ruth.participant_id,
        "name": "Ruth",
    }


def test_a_greeter_reissues_links_of_people_without_roles_only(room: Room) -> None:
    grant(room, room.keiko.participant_id, "greeter")
    people.reissue_link(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.keiko.participant_id,
        participant_id=room.ruth.participant_id,
    )
    refused(
        Forbidden,
        "role_required",
        people.reissue_link,
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.keiko.participant_id,
        participant_id=room.noor,
    )


@pytest.mark.parametrize("role", [None, "stack_keeper", "minute_taker"])
def test_only_a_facilitator_or_greeter_reissues_a_link(room: Room, role: str | None) -> None:
    if role:
        grant(room, room.keiko.participant_id, role)
    refused(
        Forbidden,
        "role_required",
        people.reissue_link,
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.keiko.participant_id,
        participant_id=room.ruth.participant_id,
    )


# ---- removing ------------------------------------------------------------------------------


def test_removing_lowers_hands_revokes_roles_and_refuses_the_token(room: Room) -> None:
    ruth = room.ruth.participant_id
    grant(room, ruth, "minute_taker")
    stack.raise_hand(db=room.db, assembly_id=room.aid, actor_id=ruth, kind="speak")
    stack.raise_hand(db=room.db, assembly_id=room.aid, actor_id=ruth, kind="point_of_information")
    before = load_state(db=room.db, assembly_id=room.aid).seq
    changed = people.remove_participant(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=ruth
    )
    assert changed.data == {
        "participant_id": ruth,
        "status": "removed",
        "roles_revoked": ["minute_taker"],
    }
    assert types_after(room, before) == [
        "hand_lowered", "hand_lowered", "role_revoked", "participant_removed",
    ]  # fmt: skip
    assert load_stack(db=room.db, assembly_id=room.aid).queue == ()
    state = load_state(db=room.db, assembly_id=room.aid)
    assert "minute_taker" not in state.roles and state.admitted_count == 2
    refused(
        Forbidden, "removed", authenticate, db=room.db, assembly_id=room.aid, token=room.ruth.token
    )


def test_a_removed_speaker_loses_the_floor(room: Room) -> None:
    ruth = room.ruth.participant_id
    stack.raise_hand(db=room.db, assembly_id=room.aid, actor_id=ruth, kind="speak")
    stack.call_next_speaker(db=room.db, assembly_id=room.aid, actor_id=room.noor)
    people.remove_participant(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=ruth
    )
    assert load_stack(db=room.db, assembly_id=room.aid).current is None


def test_the_last_facilitator_cannot_be_removed_even_by_themselves(room: Room) -> None:
    refused(
        Conflict,
        "last_facilitator",
        people.remove_participant,
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.noor,
        participant_id=room.noor,
    )
    grant(room, room.keiko.participant_id, "facilitator")
    people.remove_participant(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.keiko.participant_id,
        participant_id=room.noor,
    )
    assert [p.name for p in load_state(db=room.db, assembly_id=room.aid).roles["facilitator"]] == [
        "Keiko"
    ]


def test_removing_twice_or_acting_on_a_removed_person_is_a_conflict(room: Room) -> None:
    ruth = room.ruth.participant_id
    people.remove_participant(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=ruth
    )
    kw = {"db": room.db, "assembly_id": room.aid, "actor_id": room.noor, "participant_id": ruth}
    refused(Conflict, "already_removed", people.remove_participant, **kw)
    refused(Conflict, "participant_removed", people.reissue_link, **kw)
    refused(Conflict, "participant_removed", people.set_muted, muted=True, **kw)


@pytest.mark.parametrize("role", [None, "stack_keeper", "greeter", "minute_taker"])
def test_only_a_facilitator_removes_someone(room: Room, role: str | None) -> None:
    if role:
        grant(room, room.keiko.participant_id, role)
    refused(
        Forbidden,
        "role_required",
        people.remove_participant,
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.keiko.participant_id,
        participant_id=room.ruth.participant_id,
    )


def test_a_removed_persons_answer_in_an_open_round_is_kept(room: Room) -> None:
    ruth = room.ruth.participant_id
    proposal = blocks.submit_proposal(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, title="Tarps", text="Buy ten."
    ).data["proposal_id"]
    blocks.move_stage(db=room.db, proposal_id=proposal, actor_id=room.noor, stage="concerns")
    opened = rounds.open_round(
        db=room.db, proposal_id=proposal, actor_id=room.noor, kind="temperature"
    )
    rid = opened.data["round_id"]
    rounds.respond(db=room.db, round_id=rid, actor_id=ruth, value="up")
    people.remove_participant(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=ruth
    )
    closed = closing.close_round(db=room.db, round_id=rid, actor_id=room.noor)
    assert closed.data["tally"]["up"] == 1


def test_the_minutes_say_who_was_removed_and_by_whom(room: Room) -> None:
    people.remove_participant(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.noor,
        participant_id=room.ruth.participant_id,
    )
    minutes = load_minutes(db=room.db, assembly_id=room.aid).minutes
    [gone] = minutes.header.removed
    assert (gone.name, gone.by) == ("Ruth", "Noor")
    line = f"- Removed: Ruth was removed by the facilitator Noor at {gone.at.time}"
    assert line in render_markdown(minutes).splitlines()


# ---- muting --------------------------------------------------------------------------------


def test_a_muted_person_cannot_raise_hands_or_amend_but_can_answer(room: Room) -> None:
    keiko = room.keiko.participant_id
    stack.raise_hand(db=room.db, assembly_id=room.aid, actor_id=keiko, kind="speak")
    proposal = blocks.submit_proposal(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, title="Tarps", text="Buy ten."
    ).data["proposal_id"]
    blocks.move_stage(db=room.db, proposal_id=proposal, actor_id=room.noor, stage="amendments")
    before = load_state(db=room.db, assembly_id=room.aid).seq
    people.set_muted(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=keiko, muted=True
    )
    assert types_after(room, before) == ["hand_lowered", "participant_muted"]
    assert [p.name for p in load_state(db=room.db, assembly_id=room.aid).muted] == ["Keiko"]
    refused(
        Conflict,
        "muted",
        stack.raise_hand,
        db=room.db,
        assembly_id=room.aid,
        actor_id=keiko,
        kind="point_of_process",
    )
    refused(
        Conflict, "muted", amendments.propose_amendment,
        db=room.db, proposal_id=proposal, actor_id=keiko, text="Buy twelve.",
    )  # fmt: skip
    opened = rounds.open_round(
        db=room.db, proposal_id=proposal, actor_id=room.noor, kind="temperature"
    )
    rounds.respond(db=room.db, round_id=opened.data["round_id"], actor_id=keiko, value="down")
    people.set_muted(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=keiko, muted=False
    )
    assert load_state(db=room.db, assembly_id=room.aid).muted == ()
    stack.raise_hand(db=room.db, assembly_id=room.aid, actor_id=keiko, kind="speak")


def test_a_stack_keeper_mutes_but_a_greeter_cannot(room: Room) -> None:
    grant(room, room.keiko.participant_id, "stack_keeper")
    kw = {"db": room.db, "assembly_id": room.aid, "participant_id": room.ruth.participant_id}
    people.set_muted(actor_id=room.keiko.participant_id, muted=True, **kw)  # type: ignore[arg-type]
    refused(Conflict, "already_muted", people.set_muted, actor_id=room.noor, muted=True, **kw)
    people.set_muted(actor_id=room.keiko.participant_id, muted=False, **kw)  # type: ignore[arg-type]
    refused(Conflict, "not_muted", people.set_muted, actor_id=room.noor, muted=False, **kw)
    service.revoke_role(
        db=room.db, assembly_id=room.aid, actor_id=room.noor,
        participant_id=room.keiko.participant_id, role="stack_keeper",
    )  # fmt: skip
    grant(room, room.keiko.participant_id, "greeter")
    refused(
        Forbidden,
        "role_required",
        people.set_muted,
        actor_id=room.keiko.participant_id,
        muted=True,
        **kw,
    )


def test_a_hand_added_by_name_is_not_affected_by_muting(room: Room) -> None:
    stack.add_named_hand(
        db=room.db, assembly_id=room.aid, actor_id=room.noor, kind="speak", name="Keiko"
    )
    people.set_muted(
        db=room.db, assembly_id=room.aid, actor_id=room.noor,
        participant_id=room.keiko.participant_id, muted=True,
    )  # fmt: skip
    assert [p.entry.name for p in load_stack(db=room.db, assembly_id=room.aid).queue] == ["Keiko"]


# ---- wrong people, wrong places ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "kw"),
    [
        (people.reissue_link, {}),
        (people.remove_participant, {}),
        (people.set_muted, {"muted": True}),
    ],
)
def test_an_unknown_or_another_assemblys_participant_is_not_found(
    room: Room, fn: object, kw: dict[str, object]
) -> None:
    other = service.create_assembly(db=room.db, title="Elsewhere", facilitator_name="Ola")
    stranger = service.join_assembly(db=room.db, join_code=other.join_code, name="Sam")
    for pid in (stranger.participant_id, 10**9):
        refused(
            NotFound, "participant_not_found", fn,
            db=room.db, assembly_id=room.aid, actor_id=room.noor, participant_id=pid, **kw,
        )  # fmt: skip


def test_nothing_changes_once_the_assembly_has_closed(room: Room) -> None:
    agenda_service.close_assembly(db=room.db, assembly_id=room.aid, actor_id=room.noor)
    kw = {
        "db": room.db,
        "assembly_id": room.aid,
        "actor_id": room.noor,
        "participant_id": room.ruth.participant_id,
    }
    refused(Conflict, "assembly_closed", people.reissue_link, **kw)
    refused(Conflict, "assembly_closed", people.remove_participant, **kw)
    refused(Conflict, "assembly_closed", people.set_muted, muted=True, **kw)


def test_searching_people_matches_part_of_a_name_in_any_case_and_wildcards_literally(
    room: Room,
) -> None:
    service.join_assembly(db=room.db, join_code=room.made.join_code, name="100% Ruthless")
    found = search_people(db=room.db, assembly_id=room.aid, text="RUTH")
    assert [p.name for p in found] == ["100% Ruthless", "Ruth"]
    assert [p.name for p in search_people(db=room.db, assembly_id=room.aid, text="%")] == [
        "100% Ruthless"
    ]
    people.remove_participant(
        db=room.db,
        assembly_id=room.aid,
        actor_id=room.noor,
        participant_id=room.ruth.participant_id,
    )
    assert [p.name for p in search_people(db=room.db, assembly_id=room.aid, text="ruth")] == [
        "100% Ruthless"
    ]
