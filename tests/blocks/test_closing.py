"""Closing rounds (app/blocks/closing.py): docs/process.md's outcome arithmetic and where the
proposal goes, block reviews, deadlines, anonymity at close, and the blockers' hands.

Rules that touch storage run on SQLite and on PostgreSQL (`any_db`); the others on SQLite.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from app.agenda import service as agenda_service
from app.blocks import closing
from app.blocks.models import AnswerOwner, RoundBlock
from app.blocks.state import load_proposal
from app.db import Database
from app.errors import Conflict
from app.stack import service as stack_service
from app.stack.state import load_stack
from tests.blocks.world import (
    REASON,
    REVIEWED,
    World,
    analog,
    answer,
    blocked_call,
    chain_verifies,
    close,
    events_since,
    head,
    later,
    move,
    open_,
    open_item,
    refused,
    response_rows,
    shown,
    stage_of,
    submit,
    world,
)

# ---- closing: the outcome and where the proposal goes -------------------------------------


def test_a_call_with_a_block_moves_the_proposal_to_block_discussion(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.quentin, "stand_aside", "I will not help carry them.")
    for who in (w.marisol, w.chen):
        answer(w, rid, who, "agree")
    closed = close(w, rid)
    assert closed.data["outcome"] == "blocked" and closed.data["stage"] == "block_discussion"
    assert closed.data["tally"] == {"agree": 2, "stand_aside": 1, "block": 1}
    assert closed.data["explanation"] == "2 agree, 1 stand aside, 1 block: a block stands → blocked"
    assert stage_of(w, pid) == ("block_discussion", None)
    result = shown(w, rid)
    assert (result["status"], result["outcome"]) == ("closed", "blocked")
    assert result["blocks"] == [
        {"id": result["blocks"][0]["id"], "name": "Emeka", "reason": REASON, "analog": False,
         "principled": None},
    ]  # fmt: skip
    assert result["stand_asides"] == [{"name": "Quentin", "reason": "I will not help carry them."}]
    assert result["eligible"] == 6 and result["answers"] == 4
    with any_db.read() as session:
        [block] = session.exec(select(RoundBlock).where(RoundBlock.round_id == rid)).all()
    assert (block.participant_id, block.name, block.analog) == (w.emeka, "Emeka", False)


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (["agree"] * 5, "passed"),
        (["agree"] * 4 + ["stand_aside"], "passed_with_stand_asides"),
    ],
)
def test_a_call_that_passes_decides_the_proposal(
    any_db: Database, answers: list[str], outcome: str
) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus")
    for who, value in zip(w.everyone, answers, strict=True):
        answer(w, rid, who, value)
    before = head(any_db, w.aid)
    closed = close(w, rid)
    assert closed.data["outcome"] == outcome and closed.data["stage"] == "decided"
    assert stage_of(w, pid) == ("decided", outcome)
    events = events_since(any_db, w.aid, before)
    assert [e.type for e in events] == ["round_closed", "proposal_decided"]
    assert events[1].payload == {
        "proposal_id": pid, "from": "consensus_call", "to": "decided", "outcome": outcome,
        "tabled_to": None, "version": 1,
    }  # fmt: skip
    assert closed.seq == events[-1].seq


def test_a_first_call_without_enough_answers_is_no_quorum_and_stays(any_db: Database) -> None:
    w = world(any_db, {"quorum": 3})
    pid = submit(w, "consensus_call")
    empty = close(w, open_(w, pid, "consensus"))
    assert (empty.data["outcome"], empty.data["explanation"]) == (
        "no_quorum", "no quorum: no answers",
    )  # fmt: skip
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "agree")
    answer(w, rid, w.chen, "agree")
    short = close(w, rid)
    assert short.data["outcome"] == "no_quorum"
    assert short.data["explanation"] == "no quorum: 2 answers, quorum 3"
    assert short.data["rule"]["quorum"] == 3
    assert stage_of(w, pid) == ("consensus_call", None)
    assert [e.type for e in events_since(any_db, w.aid, short.seq - 1)] == ["round_closed"]


def fallback_after_a_block(w: World) -> tuple[int, int]:
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    move(w, pid, "consensus_call")
    return pid, open_(w, pid, "consensus", fallback=True)


def test_a_fallback_vote_of_27_to_2_passes_by_supermajority(any_db: Database) -> None:
    w = world(any_db)
    pid, rid = fallback_after_a_block(w)
    analog(w, rid, {"agree": 27}, [
        {"name": "Kofi", "reason": REASON}, {"name": "Ruth", "reason": "No tents on the lawn."},
    ])  # fmt: skip
    closed = close(w, rid)
    assert closed.data["outcome"] == "passed_by_supermajority"
    assert closed.data["explanation"] == (
        "27 agree, 2 block: 27/29 = 93% ≥ 90% → passed by supermajority"
    )
    assert closed.data["tally"] == {"agree": 27, "stand_aside": 0, "block": 2}
    assert stage_of(w, pid) == ("decided", "passed_by_supermajority")
    result = shown(w, rid)
    assert result["fallback"] is True
    assert [(b["name"], b["analog"]) for b in result["blocks"]] == [("Kofi", True), ("Ruth", True)]


def test_a_fallback_vote_below_the_threshold_decides_not_enough_support(
    any_db: Database,
) -> None:
    w = world(any_db)
    pid, rid = fallback_after_a_block(w)
    analog(w, rid, {"agree": 20}, [{"name": "Kofi", "reason": REASON}])
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.chen, "block", "Unsafe.")
    for who in (w.marisol, w.quentin, w.dolores):
        answer(w, rid, who, "agree")
    closed = close(w, rid)
    assert closed.data["outcome"] == "not_enough_support"
    assert closed.data["explanation"] == (
        "23 agree, 3 block: 23/26 = 88% < 90% → not enough support"
    )
    assert closed.data["stage"] == "decided"
    assert stage_of(w, pid) == ("decided", "not_enough_support")


def test_a_temperature_check_closes_without_moving_the_proposal(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "temperature_check")
    rid = open_(w, pid, "temperature")
    for who, value in zip(w.everyone, ["up", "up", "sideways", "down", "up"], strict=True):
        answer(w, rid, who, value)
    analog(w, rid, {"up": 10, "down": 1})
    closed = close(w, rid)
    assert closed.data["outcome"] is None
    assert closed.data["tally"] == {"up": 13, "sideways": 1, "down": 2}
    assert closed.data["explanation"] == "13 up, 1 sideways, 2 down"
    assert stage_of(w, pid) == ("temperature_check", None)
    assert [e.type for e in events_since(any_db, w.aid, closed.seq - 1)] == ["round_closed"]


# ---- block review -------------------------------------------------------------------------


def review_world(db: Database) -> tuple[World, int, int, dict[str, Any]]:
    """A 3/4 block review rule; Emeka's block stopped a call the other four agreed to."""
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    call = blocked_call(w, pid)
    [block] = shown(w, call)["blocks"]
    return w, pid, call, block


def test_a_block_not_accepted_as_principled_counts_as_a_stand_aside(any_db: Database) -> None:
    w, pid, call, block = review_world(any_db)
    rid = open_(w, pid, "block_review", block_id=block["id"])
    for who, value in zip(w.everyone, ["no", "yes", "no", "no", "yes"], strict=True):
        answer(w, rid, who, value)
    analog(w, rid, {"yes": 3, "no": 2})  # 5 yes of 10: 50% < 75%
    before = head(any_db, w.aid)
    closed = close(w, rid)
    assert closed.data["tally"] == {"yes": 5, "no": 5}
    assert closed.data["outcome"] == "passed_with_stand_asides"
    assert closed.data["explanation"] == (
        "5 yes, 5 no: 5/10 = 50% < 75% → not accepted as principled; the call counted again: "
        "4 agree, 1 stand aside → passed with stand-asides"
    )
    assert stage_of(w, pid) == ("decided", "passed_with_stand_asides")
    with any_db.read() as session:
        row = session.get(RoundBlock, block["id"])
    assert row is not None and row.principled is False
    assert shown(w, call)["blocks"][0]["principled"] is False
    assert shown(w, rid)["block"]["principled"] is False
    events = events_since(any_db, w.aid, before)
    assert [e.type for e in events] == ["round_closed", "proposal_decided"]
    assert events[0].payload["block"] == {"id": block["id"], "principled": False}


@pytest.mark.parametrize(("yes", "no"), [(3, 1), (4, 0), (0, 0)])
def test_a_block_accepted_as_principled_keeps_the_proposal_in_block_discussion(
    any_db: Database, yes: int, no: int
) -> None:
    w, pid, _call, block = review_world(any_db)
    rid = open_(w, pid, "block_review", block_id=block["id"])
    analog(w, rid, {"yes": yes, "no": no})
    closed = close(w, rid)
    assert closed.data["outcome"] == "blocked" and closed.data["stage"] == "block_discussion"
    assert stage_of(w, pid) == ("block_discussion", None)
    with any_db.read() as session:
        row = session.get(RoundBlock, block["id"])
    assert row is not None and row.principled is True
    assert [e.type for e in events_since(any_db, w.aid, closed.seq - 1)] == ["round_closed"]
    refused(Conflict, "block_reviewed", open_, w, pid, "block_review", block_id=block["id"])


def test_with_two_blocks_one_found_unprincipled_the_other_still_stands(db: Database) -> None:
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    call = open_(w, pid, "consensus")
    answer(w, call, w.emeka, "block", REASON)
    answer(w, call, w.chen, "block", "Unsafe near the fire lane.")
    for who in (w.marisol, w.quentin, w.dolores):
        answer(w, call, who, "agree")
    close(w, call)
    emeka, chen = shown(w, call)["blocks"]
    first = open_(w, pid, "block_review", block_id=emeka["id"])
    analog(w, first, {"yes": 1, "no": 9})
    assert close(w, first).data["outcome"] == "blocked"
    assert stage_of(w, pid) == ("block_discussion", None)
    second = open_(w, pid, "block_review", block_id=chen["id"])
    analog(w, second, {"yes": 2, "no": 8})
    closed = close(w, second)
    assert closed.data["outcome"] == "passed_with_stand_asides"
    assert stage_of(w, pid) == ("decided", "passed_with_stand_asides")


# ---- deadlines ----------------------------------------------------------------------------


def test_a_round_closes_itself_at_its_deadline(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", closes_in_seconds=10)
    endless = open_(w, submit(w, "temperature_check"), "temperature")
    for who in w.everyone:
        answer(w, rid, who, "agree")
    assert closing.close_due_rounds(db=any_db, at=later(5)) == []
    assert shown(w, rid)["status"] == "open"
    before = head(any_db, w.aid)
    assert closing.close_due_rounds(db=any_db, at=later(11)) == [rid]
    result = shown(w, rid)
    assert (result["status"], result["closed_by_deadline"], result["outcome"]) == (
        "closed", True, "passed",
    )  # fmt: skip
    assert stage_of(w, pid) == ("decided", "passed")
    events = events_since(any_db, w.aid, before)
    assert [e.type for e in events] == ["round_closed", "proposal_decided"]
    assert events[0].actor_id is None and events[0].payload["by_deadline"] is True
    assert closing.close_due_rounds(db=any_db, at=later(20)) == []
    assert head(any_db, w.aid) == events[-1].seq
    assert shown(w, endless)["status"] == "open"  # no deadline, never due


def test_a_round_with_a_later_deadline_is_left_alone(any_db: Database) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "concerns"), "temperature", closes_in_seconds=600)
    before = head(any_db, w.aid)
    assert closing.close_due_rounds(db=any_db, at=later(599)) == []
    assert closing.close_due_rounds(db=any_db) == []
    assert shown(w, rid)["status"] == "open" and head(any_db, w.aid) == before


def test_a_deadline_survives_a_restart(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", closes_in_seconds=30)
    answer(w, rid, w.emeka, "block", REASON)
    restarted = Database(any_db.url)  # a new process on the same database
    try:
        assert closing.close_due_rounds(db=restarted, at=later(31)) == [rid]
    finally:
        restarted.dispose()
    result = shown(w, rid)
    assert result["closed_by_deadline"] is True and result["outcome"] == "blocked"
    assert stage_of(w, pid) == ("block_discussion", None)
    assert chain_verifies(any_db, w.aid)


def test_a_facilitator_closing_first_leaves_the_closer_nothing(any_db: Database) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "concerns"), "temperature", closes_in_seconds=10)
    close(w, rid)
    assert closing.close_due_rounds(db=any_db, at=later(11)) == []
    assert shown(w, rid)["closed_by_deadline"] is False


def test_an_assembly_with_a_round_open_cannot_close_until_the_round_does(
    any_db: Database,
) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "concerns"), "temperature", closes_in_seconds=10)
    with pytest.raises(Conflict) as refused:
        agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)
    assert refused.value.code == "round_open"
    assert closing.close_due_rounds(db=any_db, at=later(11)) == [rid]
    agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)


# ---- anonymous rounds ---------------------------------------------------------------------


def test_an_anonymous_round_forgets_who_answered_at_close(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    start = head(any_db, w.aid)
    rid = open_(w, pid, "consensus", anonymous=True)
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.quentin, "stand_aside", "I will not help carry them.")
    answer(w, rid, w.chen, "agree")
    answer(w, rid, w.chen, "agree")  # a changed answer stays one answer
    # While open, the link keeps one answer each.
    assert sorted(r[0] or 0 for r in response_rows(any_db, rid)) == sorted(
        [w.emeka, w.quentin, w.chen]
    )
    assert shown(w, rid, w.emeka)["mine"] == {"round_id": rid, "value": "block", "reason": REASON}
    closed = close(w, rid)
    assert closed.data["tally"] == {"agree": 1, "stand_aside": 1, "block": 1}

    rows = response_rows(any_db, rid)
    assert [r[0] for r in rows] == [None, None, None]
    assert sorted((r[1], r[2] or "") for r in rows) == [
        ("agree", ""), ("block", REASON), ("stand_aside", "I will not help carry them."),
    ]  # fmt: skip
    with any_db.read() as session:
        [block] = session.exec(select(RoundBlock).where(RoundBlock.round_id == rid)).all()
    assert (block.participant_id, block.name, block.reason) == (None, None, REASON)

    names = ("Emeka", "Quentin", "Chen")
    ids = {w.emeka, w.quentin, w.chen}
    events = [e for e in events_since(any_db, w.aid, start) if e.type != "round_opened"]
    assert [e.type for e in events] == ["response_cast"] * 4 + ["round_closed", "stage_changed"]
    for event in events[:4]:
        assert event.actor_id is None
        assert "participant_id" not in event.payload and "name" not in event.payload
    closing = events[4].payload
    assert all(b["participant_id"] is None and b["name"] is None for b in closing["blocks"])
    assert closing["stand_asides"] == [{"name": None, "reason": "I will not help carry them."}]
    for event in events[:5]:
        dumped = json.dumps(event.payload)
        assert not any(name in dumped for name in names)
        assert event.actor_id not in ids

    result = shown(w, rid, w.emeka)
    assert result["mine"] is None  # not even the blocker's own link survives
    assert result["blocks"] == [
        {"id": block.id, "name": None, "reason": REASON, "analog": False, "principled": None},
    ]  # fmt: skip
    assert result["stand_asides"] == [{"name": None, "reason": "I will not help carry them."}]
    assert not any(name in json.dumps(result) for name in names)
    proposal = load_proposal(db=any_db, proposal_id=pid)
    assert not any(name in json.dumps(proposal["rounds"]) for name in names)
    assert chain_verifies(any_db, w.aid)


def test_who_gave_an_open_anonymous_answer_is_kept_beside_the_log_until_the_close(
    any_db: Database,
) -> None:
    """For the mirrors alone (app/blocks/owners.py): by each answer's seq, never in an event;
    a named round keeps nothing there (its events name their people)."""
    w = world(any_db)
    named = open_(w, submit(w, "consensus_call"), "consensus")
    answer(w, named, w.chen, "agree")
    assert owners_of(any_db) == {}
    close(w, named)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", anonymous=True)
    start = head(any_db, w.aid)
    answer(w, rid, w.emeka, "agree")
    answer(w, rid, w.chen, "stand_aside")
    answer(w, rid, w.emeka, "block", REASON)
    assert owners_of(any_db) == {start + 1: w.emeka, start + 2: w.chen, start + 3: w.emeka}
    close(w, rid)
    assert owners_of(any_db) == {}


def owners_of(db: Database) -> dict[int, int]:
    with db.read() as session:
        return {row.seq: row.participant_id for row in session.exec(select(AnswerOwner))}


def test_an_anonymous_round_keeps_counted_blocks_reasons_but_not_their_names(
    db: Database,
) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", anonymous=True)
    analog(w, rid, {"agree": 3}, [{"name": "Kofi", "reason": REASON}])
    close(w, rid)
    [block] = shown(w, rid)["blocks"]
    assert (block["name"], block["reason"], block["analog"]) == (None, REASON, True)
    [event] = [e for e in events_since(db, w.aid, 0) if e.type == "round_closed"]
    assert "Kofi" not in json.dumps(event.payload["blocks"])


# ---- the blockers get the floor -----------------------------------------------------------


def test_after_a_blocked_call_the_blockers_head_the_stack(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    open_item(w, pid)
    for who in (w.chen, w.dolores):
        stack_service.raise_hand(db=any_db, assembly_id=w.aid, actor_id=who, kind="speak")
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.quentin, "agree")
    analog(w, rid, {"agree": 20}, [{"name": "Kofi", "reason": "No money for tents."}])
    before = head(any_db, w.aid)
    closed = close(w, rid)
    queue = load_stack(db=any_db, assembly_id=w.aid).as_json()["queue"]
    heads = [(q["participant_id"], q["name"], q["kind"], q["reason"]) for q in queue]
    assert heads[:2] == [(w.emeka, "Emeka", "speak", "block"), (None, "Kofi", "speak", "block")]
    assert [h[1] for h in heads[2:]] == ["Chen", "Dolores"]
    events = events_since(any_db, w.aid, before)
    assert [e.type for e in events] == ["round_closed", "stage_changed", "hand_raised",
                                        "hand_raised"]  # fmt: skip
    assert [e.payload["note"] for e in events[2:]] == ["block", "block"]
    assert closed.seq == events[-1].seq


def test_a_blocker_with_a_hand_up_is_moved_to_the_head(db: Database) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    open_item(w, pid)
    for who in (w.chen, w.emeka):
        stack_service.raise_hand(db=db, assembly_id=w.aid, actor_id=who, kind="speak")
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "block", REASON)
    closed = close(w, rid)
    queue = load_stack(db=db, assembly_id=w.aid).as_json()["queue"]
    assert (queue[0]["name"], queue[0]["reason"]) == ("Emeka", "block")
    assert [q["name"] for q in queue] == ["Emeka", "Chen"]
    assert events_since(db, w.aid, closed.seq - 1)[0].type == "hand_moved"


def test_an_anonymous_blocked_call_adds_no_hands(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    open_item(w, pid)
    rid = open_(w, pid, "consensus", anonymous=True)
    answer(w, rid, w.emeka, "block", REASON)
    analog(w, rid, {}, [{"name": "Kofi", "reason": REASON}])
    before = head(any_db, w.aid)
    close(w, rid)
    assert stage_of(w, pid) == ("block_discussion", None)
    assert load_stack(db=any_db, assembly_id=w.aid).queue == ()
    assert [e.type for e in events_since(any_db, w.aid, before)] == [
        "round_closed", "stage_changed",
    ]  # fmt: skip


def test_no_hands_when_the_proposals_item_is_not_open(db: Database) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    assert load_stack(db=db, assembly_id=w.aid).queue == ()
