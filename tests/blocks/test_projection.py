"""The blocks tables rebuilt from their events alone (app/blocks/projection.py): proposals, their
versions and amendments, rounds, answers and blocks replayed into an empty database equal the
live rows, with the ids, texts, counts, outcomes and deadlines the events name."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from app.assembly.models import AgendaItem
from app.blocks import amendments, closing, rounds, service
from app.blocks.models import Amendment, Proposal, Response, Round, RoundBlock
from app.copies.replay import apply_events
from app.db import Database
from app.events import export_events
from tests.blocks.world import (
    AMENDED,
    REASON,
    REVIEWED,
    World,
    analog,
    answer,
    blocked_call,
    close,
    later,
    move,
    open_,
    shown,
    submit,
    world,
)
from tests.copies.replays import replay_into
from tests.copies.tables import differences, rows_of

BLOCKS_TABLES = (
    "proposal",
    "proposal_version",
    "amendment",
    "decision_round",
    "round_response",
    "round_block",
)


def blocks_differences(w: World, copy_db: Database) -> list[str]:
    """The assembly replayed into `copy_db`: what differs in the blocks' tables (and the agenda
    items' proposal_stage, which blocks keeps), row by row."""
    replay_into(w.db, copy_db, w.aid)
    live, copy = rows_of(w.db, w.aid), rows_of(copy_db, w.aid)
    found = differences(
        {t: live[t] for t in BLOCKS_TABLES}, {t: copy.get(t, []) for t in BLOCKS_TABLES}
    )
    return found + _stages_differ(w.db, copy_db, w.aid)


def _stages_differ(live: Database, copy: Database, assembly_id: str) -> list[str]:
    def stages(db: Database) -> list[tuple[int | None, str | None]]:
        with db.read() as session:
            items = session.exec(
                select(AgendaItem)
                .where(AgendaItem.assembly_id == assembly_id)
                .order_by(col(AgendaItem.id))
            )
            return [(i.id, i.proposal_stage) for i in items]

    a, b = stages(live), stages(copy)
    return [] if a == b else [f"agenda_item.proposal_stage: {a} live, {b} in the copy"]


def copied(copy_db: Database, model: Any, row_id: Any) -> Any:
    with copy_db.read() as session:
        row = session.get(model, row_id)
        assert row is not None
        return row


def test_a_proposal_with_accepted_and_rejected_amendments_replays_with_every_version(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "amendments")
    taken = amendments.propose_amendment(
        db=db, proposal_id=pid, actor_id=w.emeka, text=AMENDED, rationale="The fire lane."
    ).data["amendment_id"]
    left = amendments.propose_amendment(
        db=db, proposal_id=pid, actor_id=w.quentin, text="Buy two tents."
    ).data["amendment_id"]
    amendments.decide_amendment(db=db, amendment_id=taken, actor_id=w.marisol, accept=True)
    amendments.decide_amendment(db=db, amendment_id=left, actor_id=w.noor, accept=False)
    amendments.set_amendments_open(
        db=db, proposal_id=pid, actor_id=w.noor, amendments_open=False, max_amendment_rounds=2
    )
    service.turn_wall_page(db=db, proposal_id=pid, actor_id=w.noor, page=2)
    assert blocks_differences(w, copy_db) == []
    proposal = copied(copy_db, Proposal, pid)
    assert (proposal.version, proposal.wall_page, proposal.amendments_open) == (2, 2, False)
    assert proposal.max_amendment_rounds == 2
    accepted, rejected = copied(copy_db, Amendment, taken), copied(copy_db, Amendment, left)
    assert (accepted.status, accepted.decided_by_id, accepted.on_presenters_word) == (
        "accepted", w.marisol, False,
    )  # fmt: skip
    assert (rejected.status, rejected.proposer_id, rejected.on_presenters_word) == (
        "rejected", w.quentin, True,
    )  # fmt: skip


def test_a_decided_proposal_replays_with_its_outcome_and_its_items_stage(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "amendments")
    move(w, pid, "decided", outcome="tabled", tabled_to="next week's assembly")
    other = submit(w)
    service.withdraw(db=db, proposal_id=other, actor_id=w.marisol)
    assert blocks_differences(w, copy_db) == []
    tabled = copied(copy_db, Proposal, pid)
    assert (tabled.stage, tabled.outcome, tabled.tabled_to) == (
        "decided", "tabled", "next week's assembly",
    )  # fmt: skip
    assert tabled.decided_at is not None
    assert copied(copy_db, AgendaItem, tabled.agenda_item_id).proposal_stage == "decided"


def test_a_blocked_call_replays_with_its_answers_changes_counted_hands_and_blocks(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.chen, "agree")
    answer(w, rid, w.chen, "stand_aside", "Not my kind of tent.")
    answer(w, rid, w.emeka, "block", REASON)
    for who in (w.marisol, w.quentin, w.dolores):
        answer(w, rid, who, "agree")
    analog(w, rid, {"block": 1, "agree": 12}, [{"name": "Kofi", "reason": "The fund."}])
    assert close(w, rid).data["outcome"] == "blocked"
    assert blocks_differences(w, copy_db) == []
    row = copied(copy_db, Round, rid)
    assert json.loads(row.tally_json) == {"agree": 15, "stand_aside": 1, "block": 2}
    assert (row.outcome, row.eligible, row.status) == ("blocked", 6, "closed")
    with copy_db.read() as session:
        chen = session.exec(select(Response).where(Response.participant_id == w.chen)).one()
        blocks = session.exec(select(RoundBlock).where(RoundBlock.round_id == rid)).all()
    assert (chen.value, chen.changes) == ("stand_aside", 1)
    assert sorted((b.name, b.analog) for b in blocks) == [("Emeka", False), ("Kofi", True)]
    assert copied(copy_db, Proposal, pid).stage == "block_discussion"


def test_a_block_review_replays_its_verdict_on_the_block_and_the_recounted_decision(
    db: Database, copy_db: Database
) -> None:
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    call = blocked_call(w, pid)
    [block] = shown(w, call)["blocks"]
    review = open_(w, pid, "block_review", block_id=block["id"])
    analog(w, review, {"yes": 1, "no": 9})
    close(w, review)
    assert blocks_differences(w, copy_db) == []
    assert copied(copy_db, RoundBlock, block["id"]).principled is False
    assert copied(copy_db, Round, review).block_id == block["id"]
    assert copied(copy_db, Proposal, pid).outcome == "passed_with_stand_asides"


def test_a_recalled_call_and_a_fallback_vote_replay_with_their_stages_and_numbers(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    again = open_(w, pid, "consensus", recall=True)
    answer(w, again, w.emeka, "block", REASON)
    close(w, again)
    vote = open_(w, pid, "consensus", recall=True, fallback=True)
    for who in w.everyone:
        answer(w, vote, who, "agree")
    close(w, vote)
    assert blocks_differences(w, copy_db) == []
    replayed = copied(copy_db, Round, vote)
    assert (replayed.number, replayed.fallback, replayed.stage) == (3, True, "consensus_call")


def test_a_round_closed_by_its_deadline_replays_with_its_deadline_and_how_it_closed(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature", closes_in_seconds=10, results="hidden")
    answer(w, rid, w.chen, "up")
    assert closing.close_due_rounds(db=db, at=later(11)) == [rid]
    assert blocks_differences(w, copy_db) == []
    row = copied(copy_db, Round, rid)
    assert row.closes_at is not None and row.closed_by_deadline is True
    assert (row.results, row.outcome) == ("hidden", None)


def test_an_open_round_replays_open_with_its_deadline_still_ahead(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature", closes_in_seconds=600)
    answer(w, rid, w.emeka, "down")
    analog(w, rid, {"down": 2, "up": 30})
    assert blocks_differences(w, copy_db) == []
    row = copied(copy_db, Round, rid)
    assert (row.status, row.closed_at) == ("open", None)
    assert json.loads(row.analog_json)["counts"] == {"up": 30, "down": 2}


def test_the_close_replays_the_recorded_arithmetic_without_counting_again(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature")
    answer(w, rid, w.chen, "up")
    close(w, rid)
    with db.read() as session:
        records = export_events(session, w.aid)["events"]
    [closed] = [r for r in records if r["type"] == "round_closed"]
    closed["payload"] = {
        **closed["payload"],
        "tally": {"up": 7, "sideways": 0, "down": 0},
        "explanation": "as recorded",
    }
    with copy_db.write() as session:
        apply_events(session, records, follows=None)
    row = copied(copy_db, Round, rid)
    assert (json.loads(row.tally_json), row.explanation) == (
        {"up": 7, "sideways": 0, "down": 0}, "as recorded",
    )  # fmt: skip


def test_a_close_logged_without_eligible_replays_the_phones_admitted_then(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature")
    close(w, rid)
    with db.read() as session:
        records = export_events(session, w.aid)["events"]
    for record in records:
        if record["type"] == "round_closed":
            record["payload"] = {k: v for k, v in record["payload"].items() if k != "eligible"}
    with copy_db.write() as session:
        apply_events(session, records, follows=None)
    assert copied(copy_db, Round, rid).eligible == 6


def test_an_anonymous_round_replays_its_answers_without_anyone_behind_them(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", anonymous=True)
    answer(w, rid, w.emeka, "block", REASON)
    for who in (w.marisol, w.quentin, w.chen, w.dolores):
        answer(w, rid, who, "agree")
    close(w, rid)
    assert blocks_differences(w, copy_db) == []
    with copy_db.read() as session:
        answers = session.exec(select(Response).where(Response.round_id == rid)).all()
        [block] = session.exec(select(RoundBlock).where(RoundBlock.round_id == rid)).all()
    assert {a.participant_id for a in answers} == {None}
    assert (block.participant_id, block.name, block.reason) == (None, None, REASON)


def test_a_changed_anonymous_answer_replays_as_a_change_though_not_whose(
    db: Database, copy_db: Database
) -> None:
    """Its event names nobody, so the copy cannot tell which answer it replaced: the number of
    answers, of changes and the round's own tally stay exact (app/blocks/projection.py)."""
    w = world(db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature", anonymous=True)
    answer(w, rid, w.emeka, "down")
    answer(w, rid, w.chen, "up")
    answer(w, rid, w.emeka, "sideways")
    close(w, rid)
    replay_into(db, copy_db, w.aid)
    with copy_db.read() as session:
        answers = session.exec(select(Response).where(Response.round_id == rid)).all()
        row = session.get(Round, rid)
    assert len(answers) == 2 and sum(a.changes for a in answers) == 1
    assert row is not None and json.loads(row.tally_json or "{}") == {
        "up": 1, "sideways": 1, "down": 0,
    }  # fmt: skip


def test_the_approval_of_the_minutes_replays_as_a_round_without_a_proposal(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    rid = rounds.open_minutes_approval(db=db, assembly_id=w.aid, actor_id=w.noor).data["round_id"]
    for who, value in zip(w.everyone, ["up", "up", "sideways", "down", "up"], strict=True):
        answer(w, rid, who, value)
    close(w, rid)
    second = rounds.open_minutes_approval(
        db=db, assembly_id=w.aid, actor_id=w.noor, closes_in_seconds=60
    ).data["round_id"]
    assert blocks_differences(w, copy_db) == []
    first = copied(copy_db, Round, rid)
    assert (first.proposal_id, first.stage, first.version, first.outcome) == (
        None, "minutes", 0, "approved",
    )  # fmt: skip
    assert copied(copy_db, Round, second).number == 2
