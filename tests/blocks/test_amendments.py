"""Friendly amendments through the service layer (app/blocks/amendments.py): where they may be
proposed, who decides them, versions and what changed, once each, under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import col, select

from app.assembly import service as assembly_service
from app.blocks import amendments, service
from app.blocks.models import Amendment, ProposalVersion
from app.blocks.stages import STAGES
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
from tests.blocks.tents import EMEKA_TEXT, QUENTIN_TEXT, TENTS, TEXT
from tests.blocks.world import force_stage, move

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
