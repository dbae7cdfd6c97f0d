"""Decision rounds through the service layer (app/blocks/rounds.py): answers, hands counted in
the room, closing with PROCESS.md's outcome arithmetic, deadlines, anonymity and the stack.

Rules that touch storage (concurrency, anonymity, deadlines, the event chain) run on SQLite
and on PostgreSQL (`any_db`); pure refusals run on SQLite.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from app import clock
from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.blocks import closing, rounds, service
from app.blocks.logic import DISCUSSION_STAGES, STAGES
from app.blocks.models import Proposal, Response, Round, RoundBlock
from app.blocks.round_state import load_round
from app.blocks.state import load_proposal
from app.db import Database
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.events import events_after, export_events, verify_chain
from app.stack import service as stack_service
from app.stack.state import load_stack

TEXT = "Buy four winter tents for the camp, up to $600 from the general fund."
AMENDED = "Buy four winter tents for the camp, up to $600, set at least 3 m from the fire lane."
REASON = "The fund is promised to the legal team; this breaks that promise."
REVIEWED = "3/4"  # Boston's block review threshold


@dataclass
class World:
    """An open assembly: Noor facilitates, Marisol presents, the others take part."""

    db: Database
    aid: str
    join_code: str
    noor: int
    marisol: int
    emeka: int
    quentin: int
    chen: int
    dolores: int

    @property
    def everyone(self) -> list[int]:
        return [self.marisol, self.emeka, self.quentin, self.chen, self.dolores]


def world(db: Database, rule: dict[str, Any] | None = None) -> World:
    made = assembly_service.create_assembly(
        db=db, title="Riverside GA", facilitator_name="Noor", decision_rule=rule
    )
    ids = [
        assembly_service.join_assembly(db=db, join_code=made.join_code, name=n).participant_id
        for n in ("Marisol", "Emeka", "Quentin", "Chen", "Dolores")
    ]
    return World(db, made.assembly_id, made.join_code, made.participant_id, *ids)


def submit(w: World, stage: str = "presented") -> int:
    changed = service.submit_proposal(
        db=w.db, assembly_id=w.aid, actor_id=w.noor, title="Winter tents", text=TEXT,
        presenter_id=w.marisol, working_group="Comfort",
    )  # fmt: skip
    pid: int = changed.data["proposal_id"]
    if stage != "presented":
        move(w, pid, stage)
    return pid


def move(w: World, pid: int, stage: str, **kw: Any) -> service.Changed:
    return service.move_stage(db=w.db, proposal_id=pid, actor_id=w.noor, stage=stage, **kw)


def force_stage(db: Database, pid: int, stage: str) -> None:
    with db.write() as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None
        proposal.stage = stage
        session.add(proposal)


def open_(w: World, pid: int, kind: str, **kw: Any) -> int:
    changed = rounds.open_round(db=w.db, proposal_id=pid, actor_id=w.noor, kind=kind, **kw)
    rid: int = changed.data["round_id"]
    return rid


def answer(w: World, rid: int, who: int, value: str, reason: str | None = None) -> Any:
    return rounds.respond(db=w.db, round_id=rid, actor_id=who, value=value, reason=reason)


def close(w: World, rid: int) -> service.Changed:
    return closing.close_round(db=w.db, round_id=rid, actor_id=w.noor)


def analog(w: World, rid: int, counts: dict[str, Any], blocks: Any = None) -> service.Changed:
    return rounds.record_analog(
        db=w.db, round_id=rid, actor_id=w.noor, counts=counts, blocks=blocks
    )


def shown(w: World, rid: int, who: int | None = None) -> dict[str, Any]:
    return load_round(db=w.db, round_id=rid, participant_id=who)


def stage_of(w: World, pid: int) -> tuple[str, str | None]:
    proposal = load_proposal(db=w.db, proposal_id=pid)
    return proposal["stage"], proposal["outcome"]


def blocked_call(w: World, pid: int, **kw: Any) -> int:
    """A call in which Emeka blocks and the rest agree; the proposal goes to block_discussion."""
    rid = open_(w, pid, "consensus", **kw)
    answer(w, rid, w.emeka, "block", REASON)
    for who in (w.marisol, w.quentin, w.chen, w.dolores):
        answer(w, rid, who, "agree")
    assert close(w, rid).data["outcome"] == "blocked"
    return rid


def head(db: Database, assembly_id: str) -> int:
    with db.read() as session:
        events = events_after(session, assembly_id)
    return events[-1].seq if events else 0


@dataclass(frozen=True)
class Logged:
    """One event as exported: seq, type, actor and payload."""

    seq: int
    type: str
    actor_id: int | None
    payload: dict[str, Any]


def events_since(db: Database, assembly_id: str, after: int) -> list[Logged]:
    with db.read() as session:
        records = export_events(session, assembly_id, after)["events"]
    return [Logged(r["seq"], r["type"], r["actor_id"], r["payload"]) for r in records]


def chain_verifies(db: Database, assembly_id: str) -> bool:
    with db.read() as session:
        export = export_events(session, assembly_id)
    return verify_chain(export["events"], export["head"]) is None


def response_rows(db: Database, rid: int) -> list[tuple[int | None, str, str | None]]:
    """round_response as stored: (participant_id, value, reason), read with plain SQL."""
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT participant_id, value, reason FROM round_response "
                "WHERE round_id = :rid ORDER BY id"
            ),
            {"rid": rid},
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def refused(exc_type: type[DomainError], code: str, fn: Any, *args: Any, **kw: Any) -> str:
    """Call fn, expect the refusal (exactly that class and code), return its message."""
    with pytest.raises(exc_type) as caught:
        fn(*args, **kw)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def later(seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


# ---- one answer per person, the last one counts -------------------------------------------


def test_fifty_concurrent_answers_from_one_person_leave_one_row(any_db: Database) -> None:
    """Every one of the 50 calls succeeds (the round is open and each value is valid): no
    DomainError, no IntegrityError, and one row holds the last answer committed."""
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus")
    before = head(any_db, w.aid)
    values = ["agree", "stand_aside", "block"]

    def respond(i: int) -> str:
        value = values[i % 3]
        answer(w, rid, w.emeka, value, f"reason {i}" if value != "agree" else None)
        return value

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(respond, range(50)))
    assert len(results) == 50

    rows = response_rows(any_db, rid)
    assert len(rows) == 1
    [(who, value, _reason)] = rows
    cast = events_since(any_db, w.aid, before)
    assert [e.type for e in cast] == ["response_cast"] * 50
    assert sum(not e.payload["changed"] for e in cast) == 1  # only the first one made the row
    assert who == w.emeka and value == cast[-1].payload["value"]
    with any_db.read() as session:
        [stored] = session.exec(select(Response).where(Response.round_id == rid)).all()
    assert stored.changes == 49
    closed = close(w, rid)
    assert sum(closed.data["tally"].values()) == 1
    assert closed.data["tally"][value] == 1
    assert chain_verifies(any_db, w.aid)


def test_the_last_answer_counts(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus")
    first = answer(w, rid, w.quentin, "agree", "ignored: an agree keeps no reason")
    assert first.data == {"round_id": rid, "value": "agree", "reason": None}
    answer(w, rid, w.quentin, "block", REASON)
    assert shown(w, rid, w.quentin)["mine"] == {"round_id": rid, "value": "block", "reason": REASON}
    last = answer(w, rid, w.quentin, "stand_aside", "  I will not help carry them.  ")
    assert last.data["reason"] == "I will not help carry them."
    assert response_rows(any_db, rid) == [(w.quentin, "stand_aside", "I will not help carry them.")]
    assert shown(w, rid, w.quentin)["mine"]["value"] == "stand_aside"
    assert shown(w, rid, w.emeka)["mine"] is None  # the answer is Quentin's alone
    cast = events_since(any_db, w.aid, first.seq - 1)
    assert [e.payload["changed"] for e in cast] == [False, True, True]
    closed = close(w, rid)
    assert closed.data["tally"] == {"agree": 0, "stand_aside": 1, "block": 0}
    assert closed.data["outcome"] == "passed_with_stand_asides"


def test_answers_racing_the_close_either_count_or_get_round_closed(any_db: Database) -> None:
    """Each answer sent while the facilitator closes is counted or refused with round_closed
    (409); none is lost after the tally and none slips in after it."""
    w = world(any_db)
    people = [
        assembly_service.join_assembly(
            db=any_db, join_code=w.join_code, name=f"Hand {i}"
        ).participant_id
        for i in range(24)
    ]
    rid = open_(w, submit(w, "consensus_call"), "consensus")

    def respond(i: int) -> str:
        if i == 12:
            close(w, rid)
            return "closer"
        try:
            answer(w, rid, people[i], "agree")
        except Conflict as exc:
            return exc.code
        return "counted"

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(respond, range(24)))
    assert set(results) <= {"closer", "counted", "round_closed"}
    counted = results.count("counted")
    assert len(response_rows(any_db, rid)) == counted
    result = shown(w, rid)
    assert result["tally"]["agree"] == counted == result["answers"]
    closing = [e for e in events_since(any_db, w.aid, 0) if e.type == "round_closed"]
    assert len(closing) == 1
    cast = [e for e in events_since(any_db, w.aid, 0) if e.type == "response_cast"]
    assert len(cast) == counted and all(e.seq < closing[0].seq for e in cast)


# ---- what an answer may be ----------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_block_without_reason_is_rejected(db: Database, reason: str | None) -> None:
    w = world(db)
    rid = open_(w, submit(w, "consensus_call"), "consensus")
    before = head(db, w.aid)
    message = refused(Invalid, "reason_required", answer, w, rid, w.emeka, "block", reason)
    assert "reason" in message
    assert head(db, w.aid) == before and response_rows(db, rid) == []


@pytest.mark.parametrize("value", ["block", "stand_aside"])
def test_a_reason_over_1000_characters_is_refused(db: Database, value: str) -> None:
    w = world(db)
    rid = open_(w, submit(w, "consensus_call"), "consensus")
    before = head(db, w.aid)
    refused(Invalid, "reason_too_long", answer, w, rid, w.emeka, value, "r" * 1001)
    assert head(db, w.aid) == before and response_rows(db, rid) == []
    answer(w, rid, w.emeka, value, "r" * 1000)
    assert response_rows(db, rid) == [(w.emeka, value, "r" * 1000)]


@pytest.mark.parametrize(
    ("kind", "stage", "value"),
    [
        ("temperature", "temperature_check", "agree"),
        ("temperature", "temperature_check", "block"),
        ("temperature", "concerns", "UP"),
        ("consensus", "consensus_call", "up"),
        ("consensus", "consensus_call", "yes"),
        ("consensus", "consensus_call", ""),
        ("consensus", "consensus_call", "stand aside"),
    ],
)
def test_an_answer_the_round_does_not_take_is_refused(
    db: Database, kind: str, stage: str, value: str
) -> None:
    w = world(db)
    rid = open_(w, submit(w, stage), kind)
    before = head(db, w.aid)
    refused(Invalid, "bad_value", answer, w, rid, w.emeka, value, REASON)
    assert head(db, w.aid) == before and response_rows(db, rid) == []


def test_a_block_review_takes_yes_or_no(db: Database) -> None:
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    call = blocked_call(w, pid)
    [block] = shown(w, call)["blocks"]
    rid = open_(w, pid, "block_review", block_id=block["id"])
    for value in ("agree", "block", "up"):
        refused(Invalid, "bad_value", answer, w, rid, w.chen, value, REASON)
    assert answer(w, rid, w.chen, "no", "kept?").data["reason"] is None


def test_answering_a_closed_round_is_a_conflict(any_db: Database) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "temperature_check"), "temperature")
    answer(w, rid, w.emeka, "up")
    close(w, rid)
    before = head(any_db, w.aid)
    refused(Conflict, "round_closed", answer, w, rid, w.emeka, "down")
    refused(Conflict, "round_closed", answer, w, rid, w.chen, "up")
    refused(Conflict, "round_closed", close, w, rid)
    assert head(any_db, w.aid) == before
    assert response_rows(any_db, rid) == [(w.emeka, "up", None)]


def test_answering_after_the_deadline_before_the_closer_ran_is_a_conflict(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "consensus_call"), "consensus", closes_in_seconds=10)
    answer(w, rid, w.emeka, "agree")
    eleven_seconds_on = later(11)
    monkeypatch.setattr(clock, "now", lambda: eleven_seconds_on)
    before = head(any_db, w.aid)
    refused(Conflict, "round_closed", answer, w, rid, w.emeka, "block", REASON)
    refused(Conflict, "round_closed", answer, w, rid, w.chen, "agree")
    assert head(any_db, w.aid) == before
    assert shown(w, rid)["status"] == "open"  # the closer has not run yet
    assert response_rows(any_db, rid) == [(w.emeka, "agree", None)]
    assert closing.close_due_rounds(db=any_db, at=eleven_seconds_on) == [rid]
    assert shown(w, rid)["tally"] == {"agree": 1, "stand_aside": 0, "block": 0}


def test_only_admitted_members_of_the_assembly_answer(db: Database) -> None:
    w = world(db)
    rid = open_(w, submit(w, "temperature_check"), "temperature")
    checked = assembly_service.create_assembly(
        db=db, title="Elsewhere", facilitator_name="Tomás", admission="checked_in"
    )
    pending = assembly_service.join_assembly(db=db, join_code=checked.join_code, name="Gus")
    refused(Forbidden, "not_admitted", answer, w, rid, checked.participant_id, "up")
    refused(Forbidden, "not_admitted", answer, w, rid, pending.participant_id, "up")
    refused(NotFound, "round_not_found", answer, w, 999_999, w.emeka, "up")


# ---- which rounds, when -------------------------------------------------------------------

TAKES = {
    "temperature": set(DISCUSSION_STAGES),
    "consensus": {"consensus_call"},
    "block_review": {"block_discussion"},
}
KIND_STAGE = [(k, s) for k in TAKES for s in STAGES if s not in TAKES[k]]


@pytest.mark.parametrize(("kind", "stage"), KIND_STAGE, ids=[f"{k}-in-{s}" for k, s in KIND_STAGE])
def test_a_round_the_stage_does_not_take_is_refused(db: Database, kind: str, stage: str) -> None:
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w)
    force_stage(db, pid, stage)
    before = head(db, w.aid)
    block_id = 1 if kind == "block_review" else None
    refused(Conflict, "round_not_allowed", open_, w, pid, kind, block_id=block_id)
    assert head(db, w.aid) == before


@pytest.mark.parametrize("stage", DISCUSSION_STAGES)
def test_temperature_rounds_open_in_every_discussion_stage(db: Database, stage: str) -> None:
    w = world(db)
    rid = open_(w, submit(w, stage), "temperature")
    assert shown(w, rid)["status"] == "open"


def test_one_open_round_per_proposal(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "temperature_check")
    first = open_(w, pid, "temperature")
    before = head(any_db, w.aid)
    refused(Conflict, "round_open", open_, w, pid, "temperature")
    assert head(any_db, w.aid) == before
    other = submit(w, "temperature_check")  # another proposal may have its own
    open_(w, other, "temperature")
    close(w, first)
    second = open_(w, pid, "temperature")
    assert shown(w, second)["number"] == 2


def test_rounds_opened_at_once_on_one_proposal_leave_one_open(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "concerns")

    def try_open(_: int) -> str:
        try:
            open_(w, pid, "temperature")
        except Conflict as exc:
            return exc.code
        return "opened"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(try_open, range(8)))
    assert sorted(results) == ["opened"] + ["round_open"] * 7
    with any_db.read() as session:
        opened = session.exec(select(Round).where(Round.proposal_id == pid)).all()
    assert [(r.number, r.status) for r in opened] == [(1, "open")]


def test_a_fallback_vote_needs_modified_consensus_and_a_blocked_call(db: Database) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    message = refused(Conflict, "fallback_not_allowed", open_, w, pid, "consensus", fallback=True)
    assert "blocked call" in message
    temperature = submit(w, "concerns")
    refused(Conflict, "fallback_not_allowed", open_, w, temperature, "temperature", fallback=True)
    # A no-quorum call is not a blocked one.
    close(w, open_(w, pid, "consensus"))
    refused(Conflict, "fallback_not_allowed", open_, w, pid, "consensus", fallback=True)

    strict = world(db, {"kind": "consensus"})
    strict_pid = submit(strict, "consensus_call")
    blocked_call(strict, strict_pid)
    move(strict, strict_pid, "consensus_call")
    message = refused(
        Conflict, "fallback_not_allowed", open_, strict, strict_pid, "consensus", fallback=True
    )
    assert "modified consensus" in message
    open_(strict, strict_pid, "consensus")  # a re-call is fine


def test_a_block_review_needs_the_rules_threshold(db: Database) -> None:
    w = world(db)  # the default rule: no block review
    pid = submit(w, "consensus_call")
    call = blocked_call(w, pid)
    [block] = shown(w, call)["blocks"]
    before = head(db, w.aid)
    refused(Conflict, "block_review_not_enabled", open_, w, pid, "block_review",
            block_id=block["id"])  # fmt: skip
    assert head(db, w.aid) == before


def test_a_block_review_is_about_one_block_of_this_proposal(db: Database) -> None:
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    other = submit(w, "consensus_call")
    [other_block] = shown(w, blocked_call(w, other))["blocks"]
    [block] = shown(w, blocked_call(w, pid))["blocks"]
    before = head(db, w.aid)
    refused(Invalid, "block_required", open_, w, pid, "block_review")
    refused(NotFound, "block_not_found", open_, w, pid, "block_review", block_id=999_999)
    refused(NotFound, "block_not_found", open_, w, pid, "block_review", block_id=other_block["id"])
    refused(Invalid, "block_not_expected", open_, w, pid, "temperature", block_id=block["id"])
    assert head(db, w.aid) == before
    review = open_(w, pid, "block_review", block_id=block["id"])
    assert shown(w, review)["block"] == {
        "id": block["id"], "name": "Emeka", "reason": REASON, "principled": None,
    }  # fmt: skip
    for who in (w.chen, w.dolores, w.quentin):
        answer(w, review, who, "yes")
    close(w, review)
    refused(Conflict, "block_reviewed", open_, w, pid, "block_review", block_id=block["id"])


def test_a_block_from_a_call_since_re_called_cannot_be_reviewed(db: Database) -> None:
    """Only the latest call's blocks are reviewed: judging an older one would count a call the
    assembly has already replaced (and could decide the proposal past a standing block)."""
    w = world(db, {"block_review_threshold": REVIEWED})
    pid = submit(w, "consensus_call")
    [old] = shown(w, blocked_call(w, pid))["blocks"]
    move(w, pid, "consensus_call")  # a re-call: Chen blocks this time
    recall = open_(w, pid, "consensus")
    answer(w, recall, w.chen, "block", "Tents in the fire lane are unsafe.")
    close(w, recall)
    assert stage_of(w, pid) == ("block_discussion", None)
    before = head(db, w.aid)
    refused(Conflict, "block_superseded", open_, w, pid, "block_review", block_id=old["id"])
    assert head(db, w.aid) == before


@pytest.mark.parametrize("bad", [9, 3601, 0, -10])
def test_a_deadline_is_10_to_3600_seconds(db: Database, bad: int) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    refused(Invalid, "bad_closes_in", open_, w, pid, "temperature", closes_in_seconds=bad)
    refused(Invalid, "bad_results", open_, w, pid, "temperature", results="sometimes")
    for good in (10, 3600):
        rid = open_(w, pid, "temperature", closes_in_seconds=good)
        deadline = datetime.fromisoformat(shown(w, rid)["deadline"])
        assert good - 5 < (deadline - clock.now()).total_seconds() <= good
        close(w, rid)


def test_only_a_facilitator_opens_closes_and_counts_hands(db: Database) -> None:
    w = world(db)
    pid = submit(w, "temperature_check")
    refused(Forbidden, "role_required", rounds.open_round, db=db, proposal_id=pid,
            actor_id=w.marisol, kind="temperature")  # fmt: skip
    rid = open_(w, pid, "temperature")
    before = head(db, w.aid)
    refused(Forbidden, "role_required", closing.close_round, db=db, round_id=rid,
            actor_id=w.marisol)  # fmt: skip
    refused(Forbidden, "role_required", rounds.record_analog, db=db, round_id=rid,
            actor_id=w.emeka, counts={"up": 3})  # fmt: skip
    assert head(db, w.aid) == before
    refused(NotFound, "proposal_not_found", rounds.open_round, db=db, proposal_id=999_999,
            actor_id=w.noor, kind="temperature")  # fmt: skip


# ---- nothing moves under an open round ----------------------------------------------------


def test_stage_withdrawal_and_amendment_decisions_wait_for_the_round(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "concerns")
    amendment = service.propose_amendment(
        db=any_db, proposal_id=pid, actor_id=w.emeka, text=AMENDED
    ).data["amendment_id"]
    rid = open_(w, pid, "temperature")
    before = head(any_db, w.aid)
    refused(Conflict, "round_open", move, w, pid, "amendments")
    refused(Conflict, "round_open", move, w, pid, "decided", outcome="tabled", tabled_to="Comfort")
    refused(Conflict, "round_open", service.withdraw, db=any_db, proposal_id=pid,
            actor_id=w.marisol)  # fmt: skip
    for accept in (True, False):
        refused(Conflict, "round_open", service.decide_amendment, db=any_db,
                amendment_id=amendment, actor_id=w.marisol, accept=accept)  # fmt: skip
    assert head(any_db, w.aid) == before
    assert stage_of(w, pid) == ("concerns", None)
    close(w, rid)
    service.decide_amendment(db=any_db, amendment_id=amendment, actor_id=w.marisol, accept=True)
    move(w, pid, "consensus_call")
    assert load_proposal(db=any_db, proposal_id=pid)["version"] == 2


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


# ---- hands counted in the room ------------------------------------------------------------


def test_analog_counts_replace_the_previous_count_and_add_to_phones(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", results="live")
    answer(w, rid, w.emeka, "agree")
    answer(w, rid, w.chen, "stand_aside")
    first = analog(w, rid, {"agree": 30, "stand_aside": 2})
    assert first.data == {"round_id": rid, "analog": {"agree": 30, "stand_aside": 2}}
    assert shown(w, rid)["counts"] == {"agree": 31, "stand_aside": 3, "block": 0}
    second = analog(w, rid, {"agree": 12, "stand_aside": 0})
    assert second.data["analog"] == {"agree": 12}
    view = shown(w, rid)
    assert view["analog"] == {"agree": 12}
    assert view["counts"] == {"agree": 13, "stand_aside": 1, "block": 0}
    assert view["answers"] == 2
    closed = close(w, rid)
    assert closed.data["tally"] == {"agree": 13, "stand_aside": 1, "block": 0}
    events = events_since(any_db, w.aid, first.seq - 1)
    assert [e.type for e in events][:2] == ["analog_counted", "analog_counted"]
    assert events[1].payload == {"round_id": rid, "counts": {"agree": 12}, "blocks": []}


@pytest.mark.parametrize(
    ("counts", "blocks", "code"),
    [
        ({"block": 2}, [{"name": "Kofi", "reason": REASON}], "analog_block_unnamed"),
        ({"block": 1}, [], "analog_block_unnamed"),
        ({"block": 1}, [{"name": "Kofi", "reason": REASON}] * 2, "analog_block_unnamed"),
        ({}, [{"name": "  ", "reason": REASON}], "name_required"),
        ({}, [{"name": "Kofi", "reason": " "}], "reason_required"),
        ({}, [{"name": "Kofi"}], "reason_required"),
        ({}, [{"name": "Kofi", "reason": "r" * 1001}], "reason_too_long"),
        ({"up": 3}, [], "bad_value"),
        ({"yes": 3}, [], "bad_value"),
        ({"agree": -1}, [], "bad_count"),
        ({"agree": 100_001}, [], "bad_count"),
        ({"agree": 2.5}, [], "bad_count"),
        ({"agree": True}, [], "bad_count"),
    ],
)
def test_bad_analog_counts_are_refused(
    db: Database, counts: dict[str, Any], blocks: list[dict[str, Any]], code: str
) -> None:
    """A counted block needs a name and a reason; counts are whole numbers for this kind."""
    w = world(db)
    rid = open_(w, submit(w, "consensus_call"), "consensus")
    before = head(db, w.aid)
    refused(Invalid, code, analog, w, rid, counts, blocks)
    assert head(db, w.aid) == before
    with db.read() as session:
        row = session.get(Round, rid)
    assert row is not None and row.analog_json == "{}"


def test_a_temperature_check_has_no_counted_blocks(db: Database) -> None:
    w = world(db)
    rid = open_(w, submit(w, "temperature_check"), "temperature")
    refused(Invalid, "block_not_expected", analog, w, rid, {"up": 2},
            [{"name": "Kofi", "reason": REASON}])  # fmt: skip
    refused(Invalid, "bad_value", analog, w, rid, {"agree": 2})


def test_counting_hands_on_a_closed_round_is_a_conflict(any_db: Database) -> None:
    w = world(any_db)
    rid = open_(w, submit(w, "temperature_check"), "temperature")
    analog(w, rid, {"up": 4})
    close(w, rid)
    before = head(any_db, w.aid)
    refused(Conflict, "round_closed", analog, w, rid, {"up": 40})
    assert head(any_db, w.aid) == before
    assert shown(w, rid)["tally"] == {"up": 4, "sideways": 0, "down": 0}


def test_counting_hands_after_the_deadline_is_a_conflict(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its deadline a round takes nothing more, phones or hands, even before the closer
    has run: what it counts must not depend on how soon the closer comes round."""
    w = world(db)
    rid = open_(w, submit(w, "consensus_call"), "consensus", closes_in_seconds=10)
    analog(w, rid, {"agree": 4})
    eleven_seconds_on = later(11)
    monkeypatch.setattr(clock, "now", lambda: eleven_seconds_on)
    before = head(db, w.aid)
    refused(Conflict, "round_closed", analog, w, rid, {"agree": 40})
    assert head(db, w.aid) == before
    assert closing.close_due_rounds(db=db, at=eleven_seconds_on) == [rid]
    assert shown(w, rid)["tally"] == {"agree": 4, "stand_aside": 0, "block": 0}


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


def open_item(w: World, pid: int) -> None:
    with w.db.read() as session:
        proposal = session.get(Proposal, pid)
    assert proposal is not None
    agenda_service.open_agenda_item(
        db=w.db, assembly_id=w.aid, actor_id=w.noor, item_id=proposal.agenda_item_id
    )


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


# ---- results: live or hidden --------------------------------------------------------------


def test_temperature_results_are_live_and_consensus_results_hidden_by_default(
    db: Database,
) -> None:
    w = world(db)
    temperature = open_(w, submit(w, "temperature_check"), "temperature")
    answer(w, temperature, w.emeka, "up")
    live = shown(w, temperature, w.chen)
    assert live["results"] == "live"
    assert live["counts"] == {"up": 1, "sideways": 0, "down": 0} and live["analog"] == {}
    assert "tally" not in live and "outcome" not in live

    call = open_(w, submit(w, "consensus_call"), "consensus")
    answer(w, call, w.emeka, "block", REASON)
    analog(w, call, {"agree": 9})
    hidden = shown(w, call, w.chen)
    assert hidden["results"] == "hidden"
    assert "counts" not in hidden and "analog" not in hidden and "blocks" not in hidden
    assert hidden["answers"] == 1 and hidden["eligible"] == 6 and hidden["status"] == "open"
    close(w, call)
    after = shown(w, call, w.chen)
    assert after["counts"] == after["tally"] == {"agree": 9, "stand_aside": 0, "block": 1}
    assert after["analog"] == {"agree": 9}


def test_the_facilitator_may_show_a_call_live_or_hide_a_temperature_check(db: Database) -> None:
    w = world(db)
    call = open_(w, submit(w, "consensus_call"), "consensus", results="live")
    answer(w, call, w.emeka, "agree")
    assert shown(w, call)["counts"] == {"agree": 1, "stand_aside": 0, "block": 0}
    temperature = open_(w, submit(w, "concerns"), "temperature", results="hidden")
    answer(w, temperature, w.emeka, "down")
    assert "counts" not in shown(w, temperature)
    close(w, temperature)
    assert shown(w, temperature)["counts"] == {"up": 0, "sideways": 0, "down": 1}


# ---- events and the chain -----------------------------------------------------------------


def test_every_round_change_is_one_event_and_the_chain_verifies(any_db: Database) -> None:
    w = world(any_db, {"block_review_threshold": REVIEWED})
    start = head(any_db, w.aid)
    pid = submit(w, "consensus_call")
    rid = open_(w, pid, "consensus", closes_in_seconds=120)
    answer(w, rid, w.emeka, "block", REASON)
    answer(w, rid, w.chen, "agree")
    analog(w, rid, {"agree": 3})
    close(w, rid)
    [block] = shown(w, rid)["blocks"]
    review = open_(w, pid, "block_review", block_id=block["id"])
    answer(w, review, w.chen, "no")
    close(w, review)
    with any_db.read() as session:
        export = export_events(session, w.aid)
    mine = [e for e in export["events"] if e["seq"] > start]
    assert [e["type"] for e in mine] == [
        "agenda_item_added", "proposal_submitted", "stage_changed",
        "round_opened", "response_cast", "response_cast", "analog_counted", "round_closed",
        "stage_changed",
        "round_opened", "response_cast", "round_closed", "proposal_decided",
    ]  # fmt: skip
    mine = mine[1:]  # the proposal's own agenda item is checked in tests/blocks/test_service.py
    opened = mine[2]["payload"]
    assert opened == {
        "round_id": rid, "proposal_id": pid, "number": 1, "kind": "consensus", "fallback": False,
        "block_id": None, "anonymous": False, "results": "hidden", "version": 1,
        "closes_at": opened["closes_at"],
    }  # fmt: skip
    assert opened["closes_at"] is not None
    assert mine[3]["payload"] == {
        "round_id": rid, "proposal_id": pid, "value": "block", "reason": REASON,
        "changed": False, "participant_id": w.emeka, "name": "Emeka",
    }  # fmt: skip
    assert mine[3]["actor_id"] == w.emeka
    closing = mine[6]["payload"]
    assert closing["tally"] == {"agree": 4, "stand_aside": 0, "block": 1}
    assert closing["analog"] == {"agree": 3} and closing["outcome"] == "blocked"
    assert closing["rule"]["block_review_threshold"] == "3/4"
    assert closing["blocks"] == [
        {"id": block["id"], "participant_id": w.emeka, "name": "Emeka", "reason": REASON,
         "analog": False},
    ]  # fmt: skip
    assert mine[6]["actor_id"] == w.noor
    assert mine[7]["payload"] == {"proposal_id": pid, "from": "consensus_call",
                                  "to": "block_discussion"}  # fmt: skip
    assert mine[8]["payload"]["block_id"] == block["id"]
    assert mine[11]["payload"]["outcome"] == "passed_with_stand_asides"
    assert verify_chain(export["events"], export["head"]) is None


def test_counted_blocks_in_an_anonymous_round_keep_their_reasons_but_never_their_names(
    any_db: Database,
) -> None:
    w = world(any_db)
    pid = submit(w, "consensus_call")
    before = head(any_db, w.aid)
    rid = open_(w, pid, "consensus", anonymous=True)
    analog(w, rid, {"agree": 30}, [{"name": "Big Mike", "reason": "noise"}])
    close(w, rid)
    logged = [e for e in events_since(any_db, w.aid, before) if e.type == "analog_counted"]
    assert logged[0].payload["blocks"] == [{"name": None, "reason": "noise"}]
    with any_db.read() as session:
        stored = session.exec(select(Round).where(Round.id == rid)).one()
    assert "Big Mike" not in stored.analog_json
    assert "Big Mike" not in str(shown(w, rid))
