"""Closing decision rounds: the tally, the outcome with its arithmetic, and what it moves.

A call for consensus moves its proposal (PROCESS.md's diagram); a block review may count the
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
from app.blocks.models import Response, Round, RoundBlock
from app.blocks.round_state import names_of
from app.blocks.rounds import closed_error, round_for_write, rule_of
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
from app.stack.service import give_blockers_the_floor


def _phone_counts(session: Session, round_id: int) -> tuple[Counter[str], list[Response]]:
    answers = list(
        session.exec(
            select(Response).where(Response.round_id == round_id).order_by(col(Response.id))
        )
    )
    return Counter(a.value for a in answers), answers


def close_round(
    *, db: Database, round_id: int, actor_id: int | None, by_deadline: bool = False
) -> Changed:
    """Close a round: its tally and outcome; a call (or a block review) moves the proposal.

    `actor_id` None is the deadline closing it (no role needed).
    """
    moment = clock.now()
    with db.write() as session:
        row, proposal = round_for_write(session, round_id)
        aid = row.assembly_id
        if actor_id is not None:
            require_role(session, aid, actor_id, ("facilitator",), N_("close a round"))
        if row.status != "open":
            raise closed_error(row)
        assembly = session.get(Assembly, aid)
        assert assembly is not None
        rule = rule_of(assembly)
        phones, answers = _phone_counts(session, round_id)
        analog = json.loads(row.analog_json or "{}")
        tally = Counter(phones)
        tally.update(analog.get("counts", {}))
        flat = {value: tally.get(value, 0) for value in RESPONSES[row.kind]}
        # Only blocks and stand-asides are named: no need to read who else answered.
        named = [a for a in answers if a.value in ("block", "stand_aside")]
        names = names_of(session, named) if not row.anonymous else {}
        result = _judge(session, row, flat, rule, assembly.headcount)
        blocks: list[dict[str, Any]] = []
        if row.kind == "consensus":
            blocks = _keep_blocks(session, row, answers, analog.get("blocks", []), names)
        row.status, row.closed_at, row.closed_by_deadline = "closed", moment, by_deadline
        row.tally_json = json.dumps(flat)
        row.outcome, row.explanation = result.outcome, result.explanation[:500]
        row.eligible = session.exec(
            select(func.count())
            .select_from(Participant)
            .where(Participant.assembly_id == aid, Participant.status == "admitted")
        ).one()
        session.add(row)
        stand_asides = [
            {
                "name": None if row.anonymous else names.get(a.participant_id or 0),
                "reason": a.reason,
            }
            for a in answers
            if a.value == "stand_aside"
        ]
        if row.anonymous:  # the link between a person and their answer ends here
            for answer in answers:
                answer.participant_id = None
                session.add(answer)
        event = append_event(
            session,
            aid,
            actor_id,
            "round_closed",
            {
                "round_id": round_id,
                "proposal_id": row.proposal_id,
                "kind": row.kind,
                "fallback": row.fallback,
                "anonymous": row.anonymous,
                "tally": flat,
                "analog": analog.get("counts", {}),
                "outcome": result.outcome,
                "explanation": result.explanation,
                "rule": rule.as_json(),
                "blocks": blocks,
                "stand_asides": stand_asides,
                "block": result.block,
                "by_deadline": by_deadline,
            },
        )
        changed, last = {facts.ROUND, facts.PROPOSAL}, event.seq
        if proposal is not None and result.stage is not None and result.stage != proposal.stage:
            last = set_stage(
                session,
                proposal,
                actor_id,
                result.stage,
                result.outcome if result.stage == "decided" else None,
                None,
            ).seq
            changed.add(facts.HANDS)
        if proposal is not None and result.stage == "block_discussion" and row.kind == "consensus":
            # The blockers get the floor: their hands go to the head of the stack.
            seqs = give_blockers_the_floor(
                session,
                aid,
                actor_id,
                proposal.agenda_item_id,
                [(b["participant_id"], b["name"]) for b in blocks if b["name"]],
            )
            last = seqs[-1] if seqs else last
    db.announce(aid, last, changed)
    return Changed(
        last,
        {
            "round_id": round_id,
            "kind": row.kind,
            "outcome": result.outcome,
            "tally": flat,
            "rule": rule.as_json(),
            "explanation": result.explanation,
            "stage": proposal.stage if proposal is not None else None,
        },
        aid,
    )


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
