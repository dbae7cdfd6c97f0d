"""Proposals and friendly amendments through the service layer (app/blocks/service.py and
app/blocks/amendments.py).

Rounds are not built yet, so `block_discussion` (reached only by closing a blocked call) is
set directly in the database where a test needs it.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.assembly.models import AgendaItem
from app.blocks import amendments, service
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.blocks.stages import DISCUSSION_STAGES, STAGES
from app.blocks.state import load_proposal
from app.db import Database
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.events import events_after, export_events, verify_chain
from tests.blocks.tents import EMEKA_TEXT, QUENTIN_TEXT, TENTS, TEXT


@dataclass
class World:
    """An open assembly: Noor facilitates, Marisol presents, Emeka and Quentin take part."""

    db: Database
    aid: str
    join_code: str
    noor: int
    marisol: int
    emeka: int
    quentin: int


def world(db: Database) -> World:
    made = assembly_service.create_assembly(db=db, title="Riverside GA", facilitator_name="Noor")
    ids = [
        assembly_service.join_assembly(db=db, join_code=made.join_code, name=n).participant_id
        for n in ("Marisol", "Emeka", "Quentin")
    ]
    return World(db, made.assembly_id, made.join_code, made.participant_id, *ids)


def submit(w: World, **kw: Any) -> int:
    body: dict[str, Any] = {
        "title": "Winter tents", "text": TEXT, "presenter_id": w.marisol,
        "working_group": "Comfort", **kw,
    }  # fmt: skip
    changed = service.submit_proposal(db=w.db, assembly_id=w.aid, actor_id=w.noor, **body)
    pid: int = changed.data["proposal_id"]
    return pid


def move(w: World, pid: int, stage: str, **kw: Any) -> service.Changed:
    return service.move_stage(db=w.db, proposal_id=pid, actor_id=w.noor, stage=stage, **kw)


def force_stage(db: Database, pid: int, stage: str) -> None:
    with db.write() as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None
        proposal.stage = stage
        session.add(proposal)


def amend(w: World, pid: int, by: int, text: str, rationale: str | None = None) -> int:
    changed = amendments.propose_amendment(
        db=w.db, proposal_id=pid, actor_id=by, text=text, rationale=rationale
    )
    aid: int = changed.data["amendment_id"]
    return aid


def decide(w: World, aid: int, by: int, accept: bool = True) -> service.Changed:
    return amendments.decide_amendment(db=w.db, amendment_id=aid, actor_id=by, accept=accept)


def head(db: Database, assembly_id: str) -> int:
    with db.read() as session:
        events = events_after(session, assembly_id)
    return events[-1].seq if events else 0


def event_types(db: Database, assembly_id: str, after: int = 0) -> list[str]:
    with db.read() as session:
        return [e.type for e in events_after(session, assembly_id, after)]


def refused(exc_type: type[DomainError], code: str, fn: Any, *args: Any, **kw: Any) -> str:
    """Call fn, expect the refusal, return its message."""
    with pytest.raises(exc_type) as caught:
        fn(*args, **kw)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


# ---- submitting ----------------------------------------------------------------------------


def test_submitting_without_an_item_makes_a_proposal_item_and_version_1_is_the_text(
    db: Database,
) -> None:
    w = world(db)
    changed = service.submit_proposal(
        db=db, assembly_id=w.aid, actor_id=w.noor, title="  Winter   tents ", text=f"\n{TEXT}\n",
        presenter_id=w.marisol, working_group="Comfort",
    )  # fmt: skip
    pid, item_id = changed.data["proposal_id"], changed.data["agenda_item_id"]
    with db.read() as session:
        item = session.get(AgendaItem, item_id)
        versions = session.exec(
            select(ProposalVersion).where(ProposalVersion.proposal_id == pid)
        ).all()
    assert item is not None
    assert (item.kind, item.title, item.working_group, item.status) == (
        "proposal", "Winter tents", "Comfort", "pending",
    )  # fmt: skip
    assert [(v.number, v.text, v.amendment_id) for v in versions] == [(1, TEXT, None)]
    shown = load_proposal(db=db, proposal_id=pid)
    assert shown["stage"] == "presented" and shown["version"] == 1 and shown["text"] == TEXT
    assert shown["agenda_item_id"] == item_id and shown["outcome"] is None
    assert shown["amendments_open"] is True and shown["amendments"] == []
    assert shown["versions"] == [{"number": 1, "text": TEXT, "amendment_id": None}]
    assert shown["seq"] == changed.seq == head(db, w.aid)


def test_submitting_to_an_existing_proposal_item_attaches_to_it(db: Database) -> None:
    w = world(db)
    added = agenda_service.add_agenda_item(
        db=db, assembly_id=w.aid, actor_id=w.noor, title="Winter tents", kind="proposal"
    )
    item_id = added.data["item_id"]
    changed = service.submit_proposal(
        db=db, assembly_id=w.aid, actor_id=w.noor, title="Winter tents", text=TEXT,
        presenter_id=w.marisol, agenda_item_id=item_id,
    )  # fmt: skip
    assert changed.data["agenda_item_id"] == item_id
    with db.read() as session:
        items = session.exec(select(AgendaItem).where(AgendaItem.assembly_id == w.aid)).all()
    assert [i.id for i in items] == [item_id]


def test_an_item_that_is_not_a_proposal_item_or_already_has_one_is_refused(db: Database) -> None:
    w = world(db)
    report = agenda_service.add_agenda_item(
        db=db, assembly_id=w.aid, actor_id=w.noor, title="Kitchen report-back", kind="report"
    ).data["item_id"]
    taken = submit(w)
    with db.read() as session:
        taken_item = session.get(Proposal, taken)
    assert taken_item is not None
    before = head(db, w.aid)
    refused(Conflict, "not_a_proposal_item", submit, w, agenda_item_id=report)
    refused(Conflict, "item_has_proposal", submit, w, agenda_item_id=taken_item.agenda_item_id)
    refused(NotFound, "item_not_found", submit, w, agenda_item_id=999_999)
    assert head(db, w.aid) == before


def test_the_presenter_is_named_by_participant_id_or_by_name(db: Database) -> None:
    w = world(db)
    by_id = load_proposal(db=db, proposal_id=submit(w, presenter_name="ignored"))
    assert by_id["presenter"] == {"participant_id": w.marisol, "name": "Marisol"}
    by_name = load_proposal(
        db=db, proposal_id=submit(w, presenter_id=None, presenter_name=" Mr. Alvarez ")
    )
    assert by_name["presenter"] == {"participant_id": None, "name": "Mr. Alvarez"}
    refused(
        Invalid, "presenter_name_too_long", submit, w, presenter_id=None, presenter_name="n" * 61
    )
    other = assembly_service.create_assembly(db=db, title="Elsewhere", facilitator_name="Tomás")
    refused(NotFound, "participant_not_found", submit, w, presenter_id=other.participant_id)


@pytest.mark.parametrize(
    ("working_group", "presented_by"),
    [
        ("Comfort", {"participant_id": None, "name": "Comfort"}),
        (" Comfort ", {"participant_id": None, "name": "Comfort"}),
        ("W" * 80, {"participant_id": None, "name": "W" * 59 + "…"}),
        (None, "the facilitator"),
        ("  ", "the facilitator"),
    ],
)
def test_without_a_presenter_the_working_group_presents_it_else_the_facilitator_who_put_it_forward(
    db: Database, working_group: str | None, presented_by: Any
) -> None:
    w = world(db)
    for blank in ({}, {"presenter_name": "  "}):
        pid = submit(w, presenter_id=None, working_group=working_group, **blank)
        shown = load_proposal(db=db, proposal_id=pid)["presenter"]
        if presented_by == "the facilitator":
            presented_by = {"participant_id": w.noor, "name": "Noor"}
        assert shown == presented_by
    with db.read() as session:
        event = events_after(session, w.aid)[-1]
    assert event.type == "proposal_submitted"
    assert json.loads(event.payload_json)["presenter_id"] == presented_by["participant_id"]


def test_the_facilitator_who_presents_by_default_accepts_amendments_as_the_presenter(
    db: Database,
) -> None:
    w = world(db)
    pid = submit(w, presenter_id=None, working_group=None)
    service.move_stage(db=db, proposal_id=pid, actor_id=w.noor, stage="amendments")
    aid = amendments.propose_amendment(
        db=db, proposal_id=pid, actor_id=w.emeka, text=EMEKA_TEXT, rationale=None
    ).data["amendment_id"]
    amendments.decide_amendment(db=db, amendment_id=aid, actor_id=w.noor, accept=True)
    (amendment,) = load_proposal(db=db, proposal_id=pid)["amendments"]
    assert (amendment["status"], amendment["on_presenters_word"]) == ("accepted", False)


def test_empty_title_or_text_is_refused(db: Database) -> None:
    w = world(db)
    refused(Invalid, "title_required", submit, w, title="   ")
    refused(Invalid, "text_required", submit, w, text="\n \n")
    refused(Invalid, "too_long", submit, w, text="x" * 20_001)
    assert event_types(db, w.aid)[-1] == "participant_joined"


def test_only_a_facilitator_submits_moves_and_stops_amendments(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    before = head(db, w.aid)
    refused(
        Forbidden, "role_required", service.submit_proposal, db=db, assembly_id=w.aid,
        actor_id=w.marisol, title="Winter tents", text=TEXT, presenter_id=w.marisol,
    )  # fmt: skip
    refused(
        Forbidden, "role_required", service.move_stage, db=db, proposal_id=pid,
        actor_id=w.marisol, stage="concerns",
    )  # fmt: skip
    refused(
        Forbidden, "role_required", amendments.set_amendments_open, db=db, proposal_id=pid,
        actor_id=w.emeka, amendments_open=False,
    )  # fmt: skip
    assert head(db, w.aid) == before
    assert load_proposal(db=db, proposal_id=pid)["stage"] == "presented"


# ---- stages --------------------------------------------------------------------------------

MOVES: dict[str, set[str]] = {  # docs/process.md's table, written out (decided apart)
    "presented": {*DISCUSSION_STAGES, "consensus_call"},
    **{s: {*DISCUSSION_STAGES, "consensus_call"} - {s} for s in DISCUSSION_STAGES},
    "consensus_call": {*DISCUSSION_STAGES, "consensus_call"},
    "block_discussion": {*DISCUSSION_STAGES, "consensus_call"},
}
PAIRS = [(a, b) for a in MOVES for b in STAGES if b != "decided"]


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_stage_moves_follow_the_table(db: Database, start: str, to: str) -> None:
    w = world(db)
    pid = submit(w)
    force_stage(db, pid, start)
    before = head(db, w.aid)
    if to in MOVES[start]:
        changed = move(w, pid, to)
        assert changed.seq == before + 1 and changed.data == {"stage": to, "outcome": None}
        assert load_proposal(db=db, proposal_id=pid)["stage"] == to
        with db.read() as session:
            [event] = events_after(session, w.aid, before)
        assert event.type == "stage_changed"
        return
    message = refused(Conflict, "stage_not_allowed", move, w, pid, to)
    assert message.startswith(f"From {start} a proposal can move to ")
    for allowed in MOVES[start]:
        assert allowed in message
    blocked = start == "block_discussion"
    ends = "(tabled, withdrawn or blocked)" if blocked else "(tabled or withdrawn)"
    assert message.endswith(f"decided {ends}.")
    assert load_proposal(db=db, proposal_id=pid)["stage"] == start
    assert head(db, w.aid) == before


def test_deciding_as_tabled_needs_a_destination(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    before = head(db, w.aid)
    refused(Invalid, "tabled_to_required", move, w, pid, "decided", outcome="tabled")
    refused(Invalid, "tabled_to_required", move, w, pid, "decided", outcome="tabled", tabled_to=" ")
    refused(Invalid, "outcome_required", move, w, pid, "decided")
    refused(Invalid, "bad_outcome", move, w, pid, "decided", outcome="passed")
    refused(Invalid, "outcome_not_expected", move, w, pid, "amendments", outcome="tabled")
    refused(Invalid, "outcome_not_expected", move, w, pid, "decided", outcome="withdrawn",
            tabled_to="Comfort")  # fmt: skip
    assert head(db, w.aid) == before
    changed = move(w, pid, "decided", outcome="tabled", tabled_to="Comfort")
    shown = load_proposal(db=db, proposal_id=pid)
    assert [shown[k] for k in ("stage", "outcome", "tabled_to")] == ["decided", "tabled", "Comfort"]
    with db.read() as session:
        [event] = events_after(session, w.aid, before)
    assert event.seq == changed.seq and event.type == "proposal_decided"


def test_blocked_is_decided_only_from_block_discussion(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "consensus_call")
    message = refused(Conflict, "stage_not_allowed", move, w, pid, "decided", outcome="blocked")
    assert "block discussion" in message
    force_stage(db, pid, "block_discussion")
    move(w, pid, "decided", outcome="blocked")
    shown = load_proposal(db=db, proposal_id=pid)
    assert (shown["stage"], shown["outcome"], shown["tabled_to"]) == ("decided", "blocked", None)


def test_a_decided_proposal_does_not_move(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "decided", outcome="withdrawn")
    for to in STAGES:
        message = refused(Conflict, "stage_not_allowed", move, w, pid, to, outcome="tabled",
                          tabled_to="a later assembly")  # fmt: skip
        assert message == "A decided proposal does not move."


def test_an_unknown_stage_or_proposal_is_refused(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    refused(Invalid, "bad_stage", move, w, pid, "voting")
    refused(NotFound, "proposal_not_found", move, w, 999_999, "concerns")


# ---- withdrawing ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["marisol", "noor"])
def test_the_presenter_or_a_facilitator_withdraws(db: Database, who: str) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "temperature_check")
    changed = service.withdraw(db=db, proposal_id=pid, actor_id=getattr(w, who))
    assert changed.data == {"stage": "decided", "outcome": "withdrawn"}
    shown = load_proposal(db=db, proposal_id=pid)
    assert (shown["stage"], shown["outcome"]) == ("decided", "withdrawn")
    with db.read() as session:
        event = events_after(session, w.aid, changed.seq - 1)[0]
    assert event.type == "proposal_decided" and event.actor_id == getattr(w, who)
    refused(Conflict, "stage_not_allowed", service.withdraw, db=db, proposal_id=pid,
            actor_id=w.marisol)  # fmt: skip


def test_another_participant_cannot_withdraw(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    before = head(db, w.aid)
    refused(Forbidden, "role_required", service.withdraw, db=db, proposal_id=pid, actor_id=w.emeka)
    assert head(db, w.aid) == before
    assert load_proposal(db=db, proposal_id=pid)["stage"] == "presented"


# ---- friendly amendments -------------------------------------------------------------------

AMENDING = ("concerns", "amendments", "block_discussion")


@pytest.mark.parametrize("stage", STAGES)
def test_amendments_are_proposed_only_in_concerns_amendments_or_block_discussion(
    db: Database, stage: str
) -> None:
    w = world(db)
    pid = submit(w)
    force_stage(db, pid, stage)
    if stage in AMENDING:
        aid = amend(w, pid, w.emeka, EMEKA_TEXT, "Keep the fire lane clear.")
        [shown] = load_proposal(db=db, proposal_id=pid)["amendments"]
        assert shown["id"] == aid and shown["status"] == "proposed"
        return
    before = head(db, w.aid)
    message = refused(Conflict, "amendment_not_allowed", amend, w, pid, w.emeka, EMEKA_TEXT)
    assert "concerns, amendments or block_discussion" in message
    assert head(db, w.aid) == before


def test_no_amendments_once_the_facilitator_stops_them(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "amendments")
    stopped = amendments.set_amendments_open(
        db=db, proposal_id=pid, actor_id=w.noor, amendments_open=False
    )
    assert stopped.data == {"amendments_open": False}
    assert load_proposal(db=db, proposal_id=pid)["amendments_open"] is False
    refused(Conflict, "amendments_closed", amend, w, pid, w.emeka, EMEKA_TEXT)
    amendments.set_amendments_open(db=db, proposal_id=pid, actor_id=w.noor, amendments_open=True)
    amend(w, pid, w.emeka, EMEKA_TEXT)
    assert event_types(db, w.aid, stopped.seq - 1) == [
        "proposal_settings_changed", "proposal_settings_changed", "amendment_proposed",
    ]  # fmt: skip


def test_an_amendment_identical_to_the_current_text_is_refused(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    refused(Conflict, "amendment_unchanged", amend, w, pid, w.emeka, f"  {TEXT}\n")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    decide(w, aid, w.marisol)
    refused(Conflict, "amendment_unchanged", amend, w, pid, w.quentin, EMEKA_TEXT)
    amend(w, pid, w.quentin, TEXT)  # going back to v1 is a change from v2
    refused(Invalid, "text_required", amend, w, pid, w.quentin, "   ")


def test_a_participant_not_yet_admitted_cannot_propose_an_amendment(db: Database) -> None:
    made = assembly_service.create_assembly(
        db=db, title="GA", facilitator_name="Noor", admission="checked_in"
    )
    pending = assembly_service.join_assembly(db=db, join_code=made.join_code, name="Gus")
    pid = service.submit_proposal(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, title="Winter tents",
        text=TEXT, presenter_name="Marisol",
    ).data["proposal_id"]  # fmt: skip
    service.move_stage(db=db, proposal_id=pid, actor_id=made.participant_id, stage="concerns")
    refused(Forbidden, "forbidden", amendments.propose_amendment, db=db, proposal_id=pid,
            actor_id=pending.participant_id, text=EMEKA_TEXT)  # fmt: skip


def test_accepting_by_the_presenter_makes_version_2_with_what_changed(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT, "Keep the fire lane clear.")
    changed = decide(w, aid, w.marisol)
    assert changed.data == {"status": "accepted", "version": 2}
    shown = load_proposal(db=db, proposal_id=pid)
    assert shown["version"] == 2 and shown["text"] == EMEKA_TEXT
    v1, v2 = shown["versions"]
    assert v1 == {"number": 1, "text": TEXT, "amendment_id": None}
    assert v2["number"] == 2 and v2["text"] == EMEKA_TEXT and v2["amendment_id"] == aid
    assert v2["changes"]["summary"] == "13 words added"
    assert "set them up {+at least three metres from the fire lane" in v2["changes"]["text"]
    [amendment] = shown["amendments"]
    assert amendment["status"] == "accepted" and amendment["on_presenters_word"] is False
    assert amendment["by"] == {"participant_id": w.emeka, "name": "Emeka"}
    assert amendment["rationale"] == "Keep the fire lane clear."
    assert amendment["based_on_version"] == 1
    with db.read() as session:
        row = session.get(Amendment, aid)
    assert row is not None and row.decided_by_id == w.marisol and row.decided_at is not None


def test_a_facilitator_accepting_is_recorded_as_on_the_presenters_word(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "amendments")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    changed = decide(w, aid, w.noor)
    [amendment] = load_proposal(db=db, proposal_id=pid)["amendments"]
    assert amendment["on_presenters_word"] is True
    with db.read() as session:
        [event] = events_after(session, w.aid, changed.seq - 1)
        row = session.get(Amendment, aid)
    assert row is not None and row.decided_by_id == w.noor
    assert event.type == "amendment_accepted" and event.actor_id == w.noor
    export = export_events_of(db, w.aid)
    assert export["events"][-1]["payload"]["on_presenters_word"] is True


def export_events_of(db: Database, assembly_id: str) -> dict[str, Any]:
    with db.read() as session:
        return export_events(session, assembly_id)


@pytest.mark.parametrize("who", ["emeka", "quentin"])
def test_another_participant_cannot_accept_or_reject(db: Database, who: str) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    before = head(db, w.aid)
    for accept in (True, False):
        refused(Forbidden, "role_required", decide, w, aid, getattr(w, who), accept)
    assert head(db, w.aid) == before
    assert load_proposal(db=db, proposal_id=pid)["amendments"][0]["status"] == "proposed"


def test_an_amendment_is_decided_once(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    decide(w, aid, w.marisol)
    before = head(db, w.aid)
    refused(Conflict, "amendment_decided", decide, w, aid, w.marisol)
    refused(Conflict, "amendment_decided", decide, w, aid, w.noor, False)
    assert head(db, w.aid) == before
    assert load_proposal(db=db, proposal_id=pid)["version"] == 2
    refused(NotFound, "amendment_not_found", decide, w, 999_999, w.marisol)


def test_a_decided_proposal_refuses_amendment_decisions(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    move(w, pid, "decided", outcome="tabled", tabled_to="a later assembly")
    for accept in (True, False):
        refused(Conflict, "decided", decide, w, aid, w.marisol, accept)
    shown = load_proposal(db=db, proposal_id=pid)
    assert shown["version"] == 1 and shown["amendments"][0]["status"] == "proposed"


def test_a_closed_assembly_refuses_every_change(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)
    agenda_service.close_assembly(db=db, assembly_id=w.aid, actor_id=w.noor)
    before = head(db, w.aid)
    calls: list[Any] = [
        lambda: submit(w),
        lambda: move(w, pid, "amendments"),
        lambda: service.withdraw(db=db, proposal_id=pid, actor_id=w.marisol),
        lambda: amendments.set_amendments_open(
            db=db, proposal_id=pid, actor_id=w.noor, amendments_open=False
        ),
        lambda: amend(w, pid, w.quentin, QUENTIN_TEXT),
        lambda: decide(w, aid, w.marisol),
    ]
    for call in calls:
        refused(Conflict, "assembly_closed", call)
    assert head(db, w.aid) == before


# ---- events, the chain, the demo -----------------------------------------------------------


def test_every_change_is_one_event_and_the_chain_verifies(any_db: Database) -> None:
    w = world(any_db)
    start = head(any_db, w.aid)
    pid = submit(w)
    move(w, pid, "concerns")
    first = amend(w, pid, w.emeka, EMEKA_TEXT, "Keep the fire lane clear.")
    second = amend(w, pid, w.quentin, QUENTIN_TEXT)
    decide(w, first, w.marisol)
    decide(w, second, w.noor, accept=False)
    amendments.set_amendments_open(
        db=any_db, proposal_id=pid, actor_id=w.noor, amendments_open=False
    )
    move(w, pid, "decided", outcome="tabled", tabled_to="Comfort")
    export = export_events_of(any_db, w.aid)
    mine = [e for e in export["events"] if e["seq"] > start]
    assert [e["type"] for e in mine] == [
        "agenda_item_added", "proposal_submitted", "stage_changed", "amendment_proposed",
        "amendment_proposed",
        "amendment_accepted", "amendment_rejected", "proposal_settings_changed",
        "proposal_decided",
    ]  # fmt: skip
    item, *payloads = [e["payload"] for e in mine]
    # Made with its proposal, the item is an event of its own (the minutes number it).
    assert item == {
        "item_id": item["item_id"], "position": item["position"], "title": "Winter tents",
        "kind": "proposal", "time_box_minutes": 15, "working_group": "Comfort",
    }  # fmt: skip
    assert payloads[0]["agenda_item_id"] == item["item_id"]
    assert payloads[0] == {
        "proposal_id": pid, "agenda_item_id": payloads[0]["agenda_item_id"],
        "title": "Winter tents", "text": TEXT, "presenter_id": w.marisol,
        "presenter_name": "Marisol", "working_group": "Comfort",
    }  # fmt: skip
    assert payloads[1] == {"proposal_id": pid, "from": "presented", "to": "concerns"}
    assert payloads[2]["amendment_id"] == first and payloads[2]["based_on_version"] == 1
    assert payloads[4] == {
        "proposal_id": pid, "amendment_id": first, "by": "Emeka", "on_presenters_word": False,
        "version": 2,
    }  # fmt: skip
    assert payloads[5] == {
        "proposal_id": pid, "amendment_id": second, "by": "Quentin", "on_presenters_word": True,
    }  # fmt: skip
    assert payloads[6] == {"proposal_id": pid, "amendments_open": False}
    assert payloads[7] == {
        "proposal_id": pid, "from": "concerns", "to": "decided", "outcome": "tabled",
        "tabled_to": "Comfort", "version": 2,
    }  # fmt: skip
    assert verify_chain(export["events"], export["head"]) is None


def test_the_winter_tents_demo_amendments(any_db: Database) -> None:
    """Emeka's fire-lane amendment is accepted; Quentin's heaters amendment is rejected."""
    w = world(any_db)
    pid = submit(w, title="Winter tents")
    move(w, pid, "clarifying_questions")
    move(w, pid, "concerns")
    by = {"Emeka": w.emeka, "Quentin": w.quentin}
    ids = {}
    for amendment in TENTS["amendments"]:
        ids[amendment["by"]] = amend(
            w, pid, by[amendment["by"]], amendment["text"], amendment["rationale"]
        )
    for amendment in TENTS["amendments"]:
        decide(w, ids[amendment["by"]], w.marisol, accept=amendment["fate"] == "accepted")
    move(w, pid, "temperature_check")
    shown = load_proposal(db=any_db, proposal_id=pid)
    assert shown["stage"] == "temperature_check"
    assert shown["version"] == 2 and shown["text"] == EMEKA_TEXT
    assert [(a["by"]["name"], a["status"]) for a in shown["amendments"]] == [
        ("Emeka", "accepted"), ("Quentin", "rejected"),
    ]  # fmt: skip
    assert shown["versions"][1]["changes"]["summary"] == "13 words added"
    quentin = shown["amendments"][1]
    assert quentin["based_on_version"] == 1
    assert "{+2,000+}" in quentin["changes"] and "[-" in quentin["changes"]
    with any_db.read() as session:
        versions = session.exec(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == pid)
            .order_by(col(ProposalVersion.number))
        ).all()
    assert [v.text for v in versions] == [TEXT, EMEKA_TEXT]
    export = export_events_of(any_db, w.aid)
    assert verify_chain(export["events"], export["head"]) is None


def test_accepting_one_amendment_from_many_threads_makes_one_version(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w)
    move(w, pid, "concerns")
    aid = amend(w, pid, w.emeka, EMEKA_TEXT)

    def accept(_: int) -> str:
        try:
            decide(w, aid, w.marisol)
        except Conflict as exc:
            return exc.code
        return "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(accept, range(8)))
    assert sorted(results) == ["accepted"] + ["amendment_decided"] * 7
    shown = load_proposal(db=any_db, proposal_id=pid)
    assert shown["version"] == 2 and [v["number"] for v in shown["versions"]] == [1, 2]
    assert event_types(any_db, w.aid).count("amendment_accepted") == 1


def test_two_amendments_accepted_at_once_make_versions_2_and_3(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w)
    move(w, pid, "concerns")
    first = amend(w, pid, w.emeka, EMEKA_TEXT)
    second = amend(w, pid, w.quentin, QUENTIN_TEXT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda a: decide(w, a, w.marisol).data["version"], [first, second]))
    assert sorted(done) == [2, 3]
    shown = load_proposal(db=any_db, proposal_id=pid)
    assert shown["version"] == 3 and [v["number"] for v in shown["versions"]] == [1, 2, 3]
