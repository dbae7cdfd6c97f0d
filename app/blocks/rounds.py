"""Changes to decision rounds: open, answer, count hands in the room, close (one event each).

PROCESS.md "A proposal's way through the assembly" and "Outcome arithmetic"; the pure rules
are in `app.blocks.logic`, the stage changes a close causes in `app.blocks.service`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.assembly.access import require_role
from app.assembly.logic import parse_decision_rule
from app.assembly.models import Assembly, Participant
from app.blocks import logic
from app.blocks.models import Proposal, Response, Round, RoundBlock
from app.blocks.round_state import names_of
from app.blocks.service import (
    PROPOSAL,
    ROUND,
    Changed,
    now,
    open_round_of,
    proposal_for_write,
    set_stage,
)
from app.db import Database
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.events import append_event
from app.stack.service import STACK, give_blockers_the_floor

CLOSES_IN = (10, 3600)  # seconds a round may be given before it closes itself


def aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def rule_of(assembly: Assembly) -> logic.DecisionRule:
    return parse_decision_rule(json.loads(assembly.decision_rule_json))


def round_for_write(session: Session, round_id: int) -> tuple[Round, Proposal]:
    """The round (404) and its proposal, under the assembly's write lock."""
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound("There is no such round.", code="round_not_found")
    proposal = proposal_for_write(session, row.proposal_id)
    session.refresh(row)  # as of the lock: a close we waited for shows here
    return row, proposal


def _closed_error(row: Round) -> Conflict:
    return Conflict("This round has closed; the screen shows its result.", code="round_closed")


def is_due(row: Round, moment: datetime) -> bool:
    closes_at = aware(row.closes_at)
    return closes_at is not None and closes_at <= moment


def blocked_before(session: Session, proposal_id: int) -> bool:
    """Has a call on this proposal ended blocked? (A fallback vote needs one.)"""
    return (
        session.exec(
            select(Round.id).where(
                Round.proposal_id == proposal_id,
                Round.kind == "consensus",
                Round.outcome == "blocked",
            )
        ).first()
        is not None
    )


def open_round(
    *,
    db: Database,
    proposal_id: int,
    actor_id: int,
    kind: str,
    fallback: bool = False,
    block_id: int | None = None,
    anonymous: bool = False,
    results: str | None = None,
    closes_in_seconds: int | None = None,
) -> Changed:
    """The facilitator opens a round the stage takes; one open round per proposal."""
    if results is not None and results not in ("live", "hidden"):
        raise Invalid("Results are shown live or hidden until close.", code="bad_results")
    if closes_in_seconds is not None and not CLOSES_IN[0] <= closes_in_seconds <= CLOSES_IN[1]:
        raise Invalid(
            f"A round closes itself after {CLOSES_IN[0]} to {CLOSES_IN[1]} seconds.",
            code="bad_closes_in",
        )
    if kind == "block_review" and block_id is None:
        raise Invalid(
            "A block review is about one block: give its block_id.", code="block_required"
        )
    if kind != "block_review" and block_id is not None:
        raise Invalid("Only a block review is about a block.", code="block_not_expected")
    moment = now()
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), "open a round")
        if open_round_of(session, proposal_id) is not None:
            raise Conflict("A round is open on this proposal already.", code="round_open")
        assembly = session.get(Assembly, aid)
        assert assembly is not None
        rule = rule_of(assembly)
        logic.check_round_kind(
            proposal.stage,
            kind,
            fallback=fallback,
            blocked_before=blocked_before(session, proposal_id) if fallback else False,
            rule_kind=rule.kind,
        )
        if kind == "block_review":
            _check_reviewable(session, proposal_id, block_id or 0, rule)
        number = session.exec(
            select(func.count()).select_from(Round).where(Round.proposal_id == proposal_id)
        ).one()
        row = Round(
            assembly_id=aid,
            proposal_id=proposal_id,
            number=number + 1,
            kind=kind,
            fallback=fallback,
            block_id=block_id,
            anonymous=anonymous,
            results=results or ("live" if kind == "temperature" else "hidden"),
            stage=proposal.stage,
            version=proposal.version,
            opened_at=moment,
            closes_at=moment + timedelta(seconds=closes_in_seconds) if closes_in_seconds else None,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:  # the partial unique index: one open round per proposal
            raise Conflict("A round is open on this proposal already.", code="round_open") from exc
        event = append_event(
            session,
            aid,
            actor_id,
            "round_opened",
            {
                "round_id": row.id,
                "proposal_id": proposal_id,
                "number": row.number,
                "kind": kind,
                "fallback": fallback,
                "block_id": block_id,
                "anonymous": anonymous,
                "results": row.results,
                "version": row.version,
                "closes_at": row.closes_at.isoformat() if row.closes_at else None,
            },
        )
    db.announce(aid, event.seq, {ROUND, PROPOSAL})
    return Changed(aid, event.seq, {"round_id": row.id, "kind": kind, "results": row.results})


def _check_reviewable(
    session: Session, proposal_id: int, block_id: int, rule: logic.DecisionRule
) -> None:
    if rule.block_review_threshold is None:
        raise Conflict(
            "This assembly's decision rule has no block review (block_review_threshold).",
            code="block_review_not_enabled",
        )
    block = session.get(RoundBlock, block_id)
    if block is None or block.proposal_id != proposal_id:
        raise NotFound("There is no such block on this proposal.", code="block_not_found")
    if block.principled is not None:
        raise Conflict("That block has been reviewed already.", code="block_reviewed")
    latest_call = session.exec(
        select(Round.id)
        .where(
            Round.proposal_id == proposal_id, Round.kind == "consensus", Round.status == "closed"
        )
        .order_by(col(Round.number).desc())
    ).first()
    if block.round_id != latest_call:
        # Counting a replaced call again could decide the proposal past a block that stands.
        raise Conflict(
            "That block is from an earlier call; only the latest call's blocks are reviewed.",
            code="block_superseded",
        )


def respond(
    *, db: Database, round_id: int, actor_id: int, value: str, reason: str | None = None
) -> Changed:
    """A participant answers (or changes their answer); the last answer counts."""
    with db.write() as session:
        row, proposal = round_for_write(session, round_id)
        aid = proposal.assembly_id
        person = session.get(Participant, actor_id)
        if person is None or person.assembly_id != aid or person.status != "admitted":
            raise Forbidden("Only admitted participants answer rounds.", code="not_admitted")
        if row.status != "open" or is_due(row, now()):
            raise _closed_error(row)
        kept = logic.check_response(row.kind, value, reason)
        answer = session.exec(
            select(Response).where(
                Response.round_id == round_id, Response.participant_id == actor_id
            )
        ).first()
        changed = answer is not None
        if answer is None:
            answer = Response(
                round_id=round_id, participant_id=actor_id, value=value, answered_at=now()
            )
        else:
            answer.changes += 1
        answer.value, answer.reason, answer.answered_at = value, kept, now()
        session.add(answer)
        payload: dict[str, Any] = {
            "round_id": round_id,
            "proposal_id": proposal.id,
            "value": value,
            "reason": kept,
            "changed": changed,
        }
        if not row.anonymous:
            payload.update(participant_id=actor_id, name=person.name)
        # An anonymous answer's event names nobody, not even as its actor.
        event = append_event(
            session, aid, None if row.anonymous else actor_id, "response_cast", payload
        )
    db.announce(aid, event.seq, {ROUND})
    return Changed(aid, event.seq, {"round_id": round_id, "value": value, "reason": kept})


def record_analog(
    *,
    db: Database,
    round_id: int,
    actor_id: int,
    counts: Mapping[str, Any],
    blocks: Sequence[Mapping[str, Any]] | None = None,
) -> Changed:
    """Hands counted in the room for people without phones; replaces the previous count."""
    with db.write() as session:
        row, proposal = round_for_write(session, round_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), "add counted hands")
        if row.status != "open" or is_due(row, now()):  # past its deadline, as good as closed
            raise _closed_error(row)
        clean_counts, clean_blocks = logic.check_analog(row.kind, counts, blocks or [])
        row.analog_json = json.dumps({"counts": clean_counts, "blocks": clean_blocks})
        session.add(row)
        event = append_event(
            session,
            aid,
            actor_id,
            "analog_counted",
            {"round_id": round_id, "counts": clean_counts, "blocks": clean_blocks},
        )
    db.announce(aid, event.seq, {ROUND})
    return Changed(aid, event.seq, {"round_id": round_id, "analog": clean_counts})


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
    moment = now()
    with db.write() as session:
        row, proposal = round_for_write(session, round_id)
        aid = proposal.assembly_id
        if actor_id is not None:
            require_role(session, aid, actor_id, ("facilitator",), "close a round")
        if row.status != "open":
            raise _closed_error(row)
        assembly = session.get(Assembly, aid)
        assert assembly is not None
        rule = rule_of(assembly)
        phones, answers = _phone_counts(session, round_id)
        analog = json.loads(row.analog_json or "{}")
        tally = Counter(phones)
        tally.update(analog.get("counts", {}))
        flat = {value: tally.get(value, 0) for value in logic.RESPONSES[row.kind]}
        names = names_of(session, answers) if not row.anonymous else {}
        result = _judge(session, row, proposal, flat, rule, assembly.headcount)
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
                "proposal_id": proposal.id,
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
        regions, last = {ROUND, PROPOSAL}, event.seq
        if result.stage is not None and result.stage != proposal.stage:
            last = set_stage(
                session,
                proposal,
                actor_id,
                result.stage,
                result.outcome if result.stage == "decided" else None,
                None,
            ).seq
            regions.add(STACK)
        if result.stage == "block_discussion" and row.kind == "consensus":
            # The blockers get the floor: their hands go to the head of the stack.
            seqs = give_blockers_the_floor(
                session,
                aid,
                actor_id,
                proposal.agenda_item_id,
                [(b["participant_id"], b["name"]) for b in blocks if b["name"]],
            )
            last = seqs[-1] if seqs else last
    db.announce(aid, last, regions)
    return Changed(
        aid,
        last,
        {
            "round_id": round_id,
            "kind": row.kind,
            "outcome": result.outcome,
            "tally": flat,
            "rule": rule.as_json(),
            "explanation": result.explanation,
            "stage": proposal.stage,
        },
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
                    proposal_id=row.proposal_id,
                    participant_id=None if row.anonymous else answer.participant_id,
                    name=None if row.anonymous else names.get(answer.participant_id or 0),
                    reason=answer.reason or "",
                )
            )
    for counted in analog_blocks:
        kept.append(
            RoundBlock(
                round_id=row.id or 0,
                proposal_id=row.proposal_id,
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


class _Result:
    """What closing a round says: outcome, arithmetic, and where the proposal goes."""

    def __init__(
        self,
        outcome: str | None,
        explanation: str,
        stage: str | None = None,
        block: dict[str, Any] | None = None,
    ) -> None:
        self.outcome, self.explanation, self.stage, self.block = outcome, explanation, stage, block


def _judge(
    session: Session,
    row: Round,
    proposal: Proposal,
    flat: dict[str, int],
    rule: logic.DecisionRule,
    headcount: int | None,
) -> _Result:
    if row.kind == "temperature":
        return _Result(None, logic.describe_counts(row.kind, flat))
    if row.kind == "consensus":
        decision = logic.decide(
            logic.Tally.from_counts(flat), rule, fallback=row.fallback, headcount=headcount
        )
        return _Result(
            decision.outcome,
            decision.explanation,
            logic.next_stage_after(decision.outcome, fallback=row.fallback),
        )
    # A block review: is the block principled? If not, the call it came from is counted again.
    block = session.get(RoundBlock, row.block_id or 0)
    call = session.get(Round, block.round_id) if block else None
    if block is None or call is None:
        raise DomainError("The block under review is missing.")
    threshold = rule.block_review_threshold or Fraction(1)
    yes, no = flat.get("yes", 0), flat.get("no", 0)
    block.principled = logic.block_review_accepts(yes, no, threshold)
    session.add(block)
    session.flush()
    unprincipled = session.exec(
        select(func.count())
        .select_from(RoundBlock)
        .where(RoundBlock.round_id == call.id, RoundBlock.principled == False)  # noqa: E712
    ).one()
    call_tally = logic.Tally.from_counts(json.loads(call.tally_json or "{}"))
    decision = logic.decide(
        call_tally.with_unprincipled(unprincipled),
        rule,
        fallback=call.fallback,
        headcount=headcount,
    )
    review = logic.explain_block_review(yes, no, threshold)
    return _Result(
        decision.outcome,
        f"{review}; the call counted again: {decision.explanation}",
        logic.next_stage_after(decision.outcome, fallback=call.fallback),
        {"id": block.id, "principled": block.principled},
    )


def close_due_rounds(*, db: Database, at: datetime | None = None) -> list[int]:
    """Close every round whose deadline has passed (also the ones a restart left behind)."""
    moment = at or now()
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
