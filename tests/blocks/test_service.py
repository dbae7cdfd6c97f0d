"""Proposals through the service layer (app/blocks/service.py): submitting, stage moves,
withdrawing, a closed assembly, the event chain; amendments are in test_amendments.py.

Rounds are not built yet, so `block_discussion` (reached only by closing a blocked call) is
set directly in the database where a test needs it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.assembly.models import AgendaItem
from app.blocks import amendments, service
from app.blocks.models import Proposal, ProposalVersion
from app.blocks.stages import DISCUSSION_STAGES, STAGES
from app.blocks.state import load_proposal
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import events_after, verify_chain
from tests.blocks.proposals import (
    amend,
    decide,
    event_types,
    export_events_of,
    head,
    refused,
    submit,
    world,
)
from tests.blocks.tents import EMEKA_TEXT, QUENTIN_TEXT, TEXT
from tests.blocks.world import force_stage, move

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
