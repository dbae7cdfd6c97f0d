"""What comes after a blocked call (the console's one-click recall, the blockers' floor passing
with the decision) and the pages of a long text on the wall.

After a blocked call the facilitator calls for consensus again or opens the fallback vote in
one click (`open_round(recall=True)`): the move back to `consensus_call` and the round are
two facts in the log, one transaction. A text too long for the wall is shown a page at a time
(`turn_wall_page`), a fact of the record like any other.
"""

from __future__ import annotations

import pytest

from app.blocks import service
from app.blocks.models import Proposal
from app.blocks.state import ItemOutcome, load_proposal
from app.blocks.tally import OUTCOME_WORDS
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid
from app.stack import service as stack_service
from app.stack.state import load_stack
from tests.blocks.world import (
    REASON,
    analog,
    answer,
    blocked_call,
    chain_verifies,
    close,
    events_since,
    head,
    move,
    open_,
    open_item,
    stage_of,
    submit,
    world,
)

# ---- one click after a blocked call -------------------------------------------------------


@pytest.mark.parametrize("fallback", [False, True], ids=["call-again", "fallback-vote"])
def test_a_recall_from_block_discussion_moves_the_stage_and_opens_the_round(
    any_db: Database, fallback: bool
) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    assert stage_of(w, pid) == ("block_discussion", None)
    before = head(any_db, w.aid)

    rid = open_(w, pid, "consensus", fallback=fallback, recall=True)

    assert stage_of(w, pid) == ("consensus_call", None)
    logged = events_since(any_db, w.aid, before)
    assert [e.type for e in logged] == ["stage_changed", "round_opened"]
    assert logged[0].payload == {
        "proposal_id": pid,
        "from": "block_discussion",
        "to": "consensus_call",
    }
    assert logged[1].payload["round_id"] == rid and logged[1].payload["fallback"] is fallback
    assert chain_verifies(any_db, w.aid)


def test_without_recall_a_call_in_block_discussion_is_still_refused(db: Database) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    with pytest.raises(Conflict):
        open_(w, pid, "consensus")
    assert stage_of(w, pid) == ("block_discussion", None)


def test_a_refused_recall_leaves_the_stage_where_it_was(db: Database) -> None:
    """A fallback vote under plain consensus is refused, and the move back is undone with it."""
    w = world(db, {"kind": "consensus"})
    pid = submit(w, "consensus_call")
    blocked_call(w, pid)
    before = head(db, w.aid)
    with pytest.raises(Conflict):
        open_(w, pid, "consensus", fallback=True, recall=True)
    assert stage_of(w, pid) == ("block_discussion", None)
    assert head(db, w.aid) == before


def test_recall_outside_block_discussion_changes_nothing_about_the_stage(db: Database) -> None:
    w = world(db)
    pid = submit(w, "concerns")
    before = head(db, w.aid)
    open_(w, pid, "temperature", recall=True)
    assert stage_of(w, pid) == ("concerns", None)
    assert [e.type for e in events_since(db, w.aid, before)] == ["round_opened"]


# ---- the pages of a long text on the wall --------------------------------------------------


def test_the_facilitator_turns_the_wall_page_and_the_log_says_so(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "concerns")
    before = head(any_db, w.aid)
    changed = service.turn_wall_page(db=any_db, proposal_id=pid, actor_id=w.noor, page=2)
    assert changed.data == {"wall_page": 2}
    assert [(e.type, e.payload) for e in events_since(any_db, w.aid, before)] == [
        ("wall_page_turned", {"proposal_id": pid, "page": 2})
    ]
    with any_db.read() as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None and proposal.wall_page == 2
    assert load_proposal(db=any_db, proposal_id=pid)["stage"] == "concerns"


def test_only_a_facilitator_turns_the_wall_page(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    with pytest.raises(Forbidden):
        service.turn_wall_page(db=db, proposal_id=pid, actor_id=w.marisol, page=2)


@pytest.mark.parametrize("page", [0, -1, 101])
def test_a_wall_page_is_1_to_100(db: Database, page: int) -> None:
    w = world(db)
    pid = submit(w)
    with pytest.raises(Invalid):
        service.turn_wall_page(db=db, proposal_id=pid, actor_id=w.noor, page=page)


def test_a_decided_proposal_keeps_its_wall_page(db: Database) -> None:
    w = world(db)
    pid = submit(w)
    move(w, pid, "decided", outcome="withdrawn")
    with pytest.raises(Conflict):
        service.turn_wall_page(db=db, proposal_id=pid, actor_id=w.noor, page=2)


# ---- the blockers' floor passes with the decision -----------------------------------------


def test_a_decision_lowers_the_hands_given_to_the_blockers_and_keeps_the_others(
    any_db: Database,
) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    open_item(w, pid)
    stack_service.raise_hand(db=any_db, assembly_id=w.aid, actor_id=w.chen, kind="speak")
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.quentin, "agree")
    close(w, rid)
    queue = load_stack(db=any_db, assembly_id=w.aid).as_json()["queue"]
    assert (queue[0]["name"], queue[0]["reason"]) == ("Emeka", "block")

    move(w, pid, "consensus_call")
    fallback = open_(w, pid, "consensus", fallback=True)
    analog(w, fallback, {"agree": 27}, [{"name": "Kofi", "reason": REASON}])
    before = head(any_db, w.aid)
    closed = close(w, fallback)

    assert stage_of(w, pid) == ("decided", "passed_by_supermajority")
    queue = load_stack(db=any_db, assembly_id=w.aid).as_json()["queue"]
    assert [q["name"] for q in queue] == ["Chen"]
    logged = events_since(any_db, w.aid, before)
    assert [e.type for e in logged] == ["round_closed", "hand_lowered", "proposal_decided"]
    assert logged[1].payload["because"] == "proposal decided"
    assert closed.seq == logged[-1].seq  # the decision is the seq the screens are told
    assert chain_verifies(any_db, w.aid)


@pytest.mark.parametrize(
    "outcome, tabled_to, line, mark",
    [
        ("passed_by_supermajority", None, "passed by supermajority", "✓"),
        ("blocked", None, "blocked", "⊘"),
        ("tabled", "the Comfort working group", "tabled to the Comfort working group", "→"),
    ],
)
def test_a_decided_item_says_how_it_ended_in_one_line(
    outcome: str, tabled_to: str | None, line: str, mark: str
) -> None:
    ended = ItemOutcome(outcome, OUTCOME_WORDS.get(outcome, outcome), tabled_to)
    assert (ended.line, ended.mark) == (line, mark)
