"""Closing decision rounds: the tally, the outcome with its arithmetic, and what it moves.

A call for consensus moves its proposal (docs/process.md's diagram); a block review may count the
call it came from again; anonymous rounds forget who answered; deadlines close rounds by
themselves, also after a restart.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock
from app.assembly.access import require_role
from app.assembly.logic import DecisionRule
from app.assembly.models import Assembly, Participant
from app.blocks import approval
from app.blocks.access import closed_error, round_for_write, rule_of
from app.blocks.models import Proposal, Response, Round, RoundBlock
from app.blocks.owners import forget_answer_owners
from app.blocks.round_state import names_of, stand_aside_rows
from app.blocks.service import (
    set_stage,
)
from app.blocks.stages import next_stage_after
from app.blocks.tally import (
    RESPONSES,
    Tally,
    block_review_accepts,
    decide,
    describe_counts,
    explain_block_review,
)
from app.db import Database
from app.errors import Conflict, DomainError
from app.events import Changed, append_event, facts
from app.i18n import N_, _
from app.stack.handover import give_blockers_the_floor


def close_round(
    *, db: Database, round_id: int, actor_id: int | None, by_deadline: bool = False
) -> Changed:
    """Close a round: its tally and outcome; a call (or a block review) moves the proposal.

    `actor_id` None is the deadline closing it (no role needed). The steps run in this order
    because each reads what the one before wrote: the names before the answers are made
    anonymous, the event before the stage move it causes, the stage before the blockers' hands.
    """
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the event's `at` (a replay's time)
        row, proposal, assembly = _round_to_close(session, round_id, actor_id)
        aid, rule = row.assembly_id, rule_of(assembly)
        count = _count(session, row)
        names = _names(session, row, count.answers)
        result = _judge(session, row, count.flat, rule, assembly.headcount)
        blocks: list[dict[str, Any]] = []
        if row.kind == "consensus":
            blocks = _keep_blocks(session, row, count.answers, count.analog_blocks, names)
        _mark_closed(session, row, count.flat, result, moment=moment, by_deadline=by_deadline)
        stand_asides = stand_aside_rows(row, count.answers, names)
        if row.anonymous:  # the link between a person and their answer ends here
            _forget_who_answered(session, row, count.answers)
        payload = _closed_payload(
            row,
            count,
            result,
            rule,
            blocks=blocks,
            stand_asides=stand_asides,
            by_deadline=by_deadline,
        )
        last = append_event(session, aid, actor_id, "round_closed", payload).seq
        changed = {facts.ROUND, facts.PROPOSAL}
        moved = _move_stage(session, proposal, actor_id, result)
        if moved is not None:
            last = moved
            changed.add(facts.HANDS)
        seqs = _give_blockers_the_floor(session, row, proposal, actor_id, result, blocks)
        last = seqs[-1] if seqs else last
    db.announce(aid, last, changed)
    return Changed(last, _reply(row, count.flat, result, rule, proposal), aid)


def _round_to_close(
    session: Session, round_id: int, actor_id: int | None
) -> tuple[Round, Proposal | None, Assembly]:
    """The open round under the write lock, its proposal and assembly; only a facilitator (or
    the deadline, `actor_id` None) closes it, and only once (409)."""
    row, proposal = round_for_write(session, round_id)
    if actor_id is not None:
        require_role(session, row.assembly_id, actor_id, ("facilitator",), N_("close a round"))
    if row.status != "open":
        raise closed_error(row)
    assembly = session.get(Assembly, row.assembly_id)
    assert assembly is not None
    return row, proposal, assembly


@dataclass(frozen=True)
class _Count:
    """A round's answers: the phones' rows and the hands counted in the room."""

    answers: list[Response]  # the phones', in the order given
    analog: dict[str, Any]  # the counts entered for the room, as entered
    analog_blocks: list[dict[str, str]]  # a name and a reason for each counted block
    flat: dict[str, int]  # phones and room together, every answer of the kind (zeros too)


def _count(session: Session, row: Round) -> _Count:
    """The analog merge: the phones' answers plus the hands counted in the room."""
    phones, answers = _phone_counts(session, row.id or 0)
    analog = json.loads(row.analog_json or "{}")
    tally = Counter(phones)
    tally.update(analog.get("counts", {}))
    flat = {value: tally.get(value, 0) for value in RESPONSES[row.kind]}
    return _Count(answers, analog.get("counts", {}), analog.get("blocks", []), flat)


def _phone_counts(session: Session, round_id: int) -> tuple[Counter[str], list[Response]]:
    answers = list(
        session.exec(
            select(Response).where(Response.round_id == round_id).order_by(col(Response.id))
        )
    )
    return Counter(a.value for a in answers), answers


def _names(session: Session, row: Round, answers: list[Response]) -> dict[int, str]:
    """Who blocked or stood aside, by participant id; nobody in an anonymous round."""
    # Only blocks and stand-asides are named: no need to read who else answered.
    named = [a for a in answers if a.value in ("block", "stand_aside")]
    return names_of(session, named) if not row.anonymous else {}


def _mark_closed(
    session: Session,
    row: Round,
    flat: dict[str, int],
    result: _Result,
    *,
    moment: datetime,
    by_deadline: bool,
) -> None:
    """The round's row keeps its tally, outcome and how many could have answered."""
    row.status, row.closed_at, row.closed_by_deadline = "closed", moment, by_deadline
    row.tally_json = json.dumps(flat)
    row.outcome, row.explanation = result.outcome, result.explanation[:500]
    row.eligible = session.exec(
        select(func.count())
        .select_from(Participant)
        .where(Participant.assembly_id == row.assembly_id, Participant.status == "admitted")
    ).one()
    session.add(row)


def _forget_who_answered(session: Session, row: Round, answers: list[Response]) -> None:
    """Anonymisation: an anonymous round's answers keep their value and lose their person,
    here and in what the mirrors were told (`AnswerOwner`)."""
    for answer in answers:
        answer.participant_id = None
        session.add(answer)
    forget_answer_owners(session, row.id or 0)


def _closed_payload(
    row: Round,
    count: _Count,
    result: _Result,
    rule: DecisionRule,
    *,
    blocks: list[dict[str, Any]],
    stand_asides: list[dict[str, Any]],
    by_deadline: bool,
) -> dict[str, Any]:
    """The `round_closed` event: everything the minutes and a replaying screen need."""
    return {
        "round_id": row.id,
        "proposal_id": row.proposal_id,
        "kind": row.kind,
        "fallback": row.fallback,
        "anonymous": row.anonymous,
        "tally": count.flat,
        "analog": count.analog,
        "outcome": result.outcome,
        "explanation": result.explanation,
        "rule": rule.as_json(),
        "blocks": blocks,
        "stand_asides": stand_asides,
        "block": result.block,
        "by_deadline": by_deadline,
        "eligible": row.eligible,  # phones joined at the close: a replay keeps the count
    }


def _move_stage(
    session: Session, proposal: Proposal | None, actor_id: int | None, result: _Result
) -> int | None:
    """The stage move a call's (or a review's) outcome causes: the seq of its event, or None
    when the proposal stays where it is."""
    if proposal is None or result.stage is None or result.stage == proposal.stage:
        return None
    outcome = result.outcome if result.stage == "decided" else None
    return set_stage(session, proposal, actor_id, result.stage, outcome, None).seq


def _give_blockers_the_floor(
    session: Session,
    row: Round,
    proposal: Proposal | None,
    actor_id: int | None,
    result: _Result,
    blocks: list[dict[str, Any]],
) -> list[int]:
    """A blocked call sends the named blockers' hands to the head of the stack (their seqs)."""
    if proposal is None or result.stage != "block_discussion" or row.kind != "consensus":
        return []
    return give_blockers_the_floor(
        session,
        row.assembly_id,
        actor_id,
        proposal.agenda_item_id,
        [(b["participant_id"], b["name"]) for b in blocks if b["name"]],
    )


def _reply(
    row: Round,
    flat: dict[str, int],
    result: _Result,
    rule: DecisionRule,
    proposal: Proposal | None,
) -> dict[str, Any]:
    """What the closer is told: the outcome, its arithmetic and where the proposal now is."""
    return {
        "round_id": row.id,
        "kind": row.kind,
        "outcome": result.outcome,
        "tally": flat,
        "rule": rule.as_json(),
        "explanation": result.explanation,
        "stage": proposal.stage if proposal is not None else None,
    }


def _keep_blocks(
    session: Session,
    row: Round,
    answers: list[Response],
    analog_blocks: list[dict[str, str]],
    names: dict[int, str],
) -> list[dict[str, Any]]:
    """Every block of a closed call, as a row a block review can be about."""
    kept: list[RoundBlock] = []
    for answer in answers:
        if answer.value == "block":
            kept.append(
                RoundBlock(
                    round_id=row.id or 0,
                    proposal_id=row.proposal_id or 0,
                    participant_id=None if row.anonymous else answer.participant_id,
                    name=None if row.anonymous else names.get(answer.participant_id or 0),
                    reason=answer.reason or "",
                )
            )
    for counted in analog_blocks:
        kept.append(
            RoundBlock(
                round_id=row.id or 0,
                proposal_id=row.proposal_id or 0,
                name=None if row.anonymous else counted["name"],
                reason=counted["reason"],
                analog=True,
            )
        )
    for block in kept:
        session.add(block)
    session.flush()
    return [
        {
            "id": b.id,
            "participant_id": b.participant_id,
            "name": b.name,
            "reason": b.reason,
            "analog": b.analog,
        }
        for b in kept
    ]


@dataclass(frozen=True)
class _Result:
    """What closing a round says: outcome, arithmetic, and where the proposal goes."""

    outcome: str | None
    explanation: str
    stage: str | None = None
    block: dict[str, Any] | None = None


def _judge(
    session: Session,
    row: Round,
    flat: dict[str, int],
    rule: DecisionRule,
    headcount: int | None,
) -> _Result:
    if row.kind == approval.KIND:
        return _Result(*approval.judge(flat))
    if row.kind == "temperature":
        return _Result(None, describe_counts(row.kind, flat))
    if row.kind == "consensus":
        decision = decide(Tally.from_counts(flat), rule, fallback=row.fallback, headcount=headcount)
        return _Result(
            decision.outcome,
            decision.explanation,
            next_stage_after(decision.outcome, fallback=row.fallback),
        )
    # A block review: is the block principled? If not, the call it came from is counted again.
    block = session.get(RoundBlock, row.block_id or 0)
    call = session.get(Round, block.round_id) if block else None
    if block is None or call is None:
        raise DomainError(_("The block under review is missing."))
    threshold = rule.block_review_threshold or Fraction(1)
    yes, no = flat.get("yes", 0), flat.get("no", 0)
    block.principled = block_review_accepts(yes, no, threshold)
    session.add(block)
    session.flush()
    unprincipled = session.exec(
        select(func.count())
        .select_from(RoundBlock)
        .where(RoundBlock.round_id == call.id, RoundBlock.principled == False)  # noqa: E712
    ).one()
    call_tally = Tally.from_counts(json.loads(call.tally_json or "{}"))
    decision = decide(
        call_tally.with_unprincipled(unprincipled),
        rule,
        fallback=call.fallback,
        headcount=headcount,
    )
    review = explain_block_review(yes, no, threshold)
    return _Result(
        decision.outcome,
        f"{review}; the call counted again: {decision.explanation}",
        next_stage_after(decision.outcome, fallback=call.fallback),
        {"id": block.id, "principled": block.principled},
    )


def close_due_rounds(*, db: Database, at: datetime | None = None) -> list[int]:
    """Close every round whose deadline has passed (also the ones a restart left behind)."""
    moment = at or clock.now()
    with db.read() as session:
        due = session.exec(
            select(Round.id)
            .join(Assembly, col(Assembly.id) == col(Round.assembly_id))
            .where(
                Assembly.status == "open",  # a closed assembly's rounds stay as they were left
                Round.status == "open",
                col(Round.closes_at).is_not(None),
                col(Round.closes_at) <= moment,
            )
        ).all()
    closed = []
    for round_id in due:
        try:
            close_round(db=db, round_id=round_id or 0, actor_id=None, by_deadline=True)
        except Conflict:  # someone closed it first
            continue
        closed.append(round_id or 0)
    return closed
