"""Changes to decision rounds: open, answer, count hands in the room (one event each).

docs/process.md "A proposal's way through the assembly" and "How a call is decided"; the pure rules
are in `app.blocks.stages` and `app.blocks.tally`, closing and what it moves in
`app.blocks.closing`, the rows a change starts from in `app.blocks.access`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import clock
from app.assembly.access import assembly_for_write, require_role
from app.assembly.logic import DecisionRule
from app.assembly.models import Assembly, Participant
from app.blocks import approval, stages, tally
from app.blocks.access import (
    closed_error,
    is_due,
    open_minutes_round,
    open_round_of,
    proposal_for_write,
    round_for_write,
    round_to_answer,
    rule_of,
)
from app.blocks.models import Proposal, Response, Round, RoundBlock
from app.blocks.owners import keep_answer_owner
from app.blocks.service import set_stage
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Changed, append_event, facts
from app.i18n import N_, _

CLOSES_IN = (10, 3600)  # seconds a round may be given before it closes itself


def check_round_options(results: str | None, closes_in_seconds: int | None) -> None:
    if results is not None and results not in ("live", "hidden"):
        raise Invalid(_("Results are shown live or hidden until close."), code="bad_results")
    if closes_in_seconds is not None and not CLOSES_IN[0] <= closes_in_seconds <= CLOSES_IN[1]:
        raise Invalid(
            _("A round closes itself after {shortest} to {longest} seconds.").format(
                shortest=CLOSES_IN[0], longest=CLOSES_IN[1]
            ),
            code="bad_closes_in",
        )


def approving_minutes_error() -> Conflict:
    return Conflict(
        _("The assembly is approving the minutes; close that round first."), code="round_open"
    )


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
    recall: bool = False,
) -> Changed:
    """The facilitator opens a round the stage takes; one open round per proposal.

    `recall`: a consensus round asked for in `block_discussion` (the console's "Call for
    consensus again" and "Fallback vote" after a blocked call) first moves the proposal back to
    `consensus_call`: one step for the facilitator, two facts in the log.
    """
    check_round_options(results, closes_in_seconds)
    _check_block_given(kind, block_id)
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the event's `at` (a replay's time)
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), N_("open a round"))
        if open_round_of(session, proposal_id) is not None:
            raise _round_open_error()
        if open_minutes_round(session, aid) is not None:
            raise approving_minutes_error()
        assembly = session.get(Assembly, aid)
        assert assembly is not None
        rule = rule_of(assembly)
        recalled = recall and kind == "consensus" and proposal.stage == "block_discussion"
        if recalled:
            stages.check_move(proposal.stage, "consensus_call", round_open=False)
            set_stage(session, proposal, actor_id, "consensus_call", None, None)
        _check_round_fits(session, proposal, kind, rule, fallback=fallback, block_id=block_id)
        row = _proposal_round(
            session,
            proposal,
            kind=kind,
            fallback=fallback,
            block_id=block_id,
            anonymous=anonymous,
            results=results or ("live" if kind == "temperature" else "hidden"),
            closes_at=_closes_at(moment, closes_in_seconds),
            moment=moment,
        )
        _insert_round(session, row, busy=_round_open_error)
        payload = _opened_payload(row, version=row.version)
        event = append_event(session, aid, actor_id, "round_opened", payload)
    # A recall moved the stage too, which ranks clarifying questions on the stack.
    db.announce(
        aid, event.seq, {facts.ROUND, facts.PROPOSAL} | ({facts.HANDS} if recalled else set())
    )
    return Changed(event.seq, {"round_id": row.id, "kind": kind, "results": row.results}, aid)


def _check_block_given(kind: str, block_id: int | None) -> None:
    """A block review names the block it is about; no other round does (422)."""
    if kind == "block_review" and block_id is None:
        raise Invalid(
            _("A block review is about one block: give its block_id."), code="block_required"
        )
    if kind != "block_review" and block_id is not None:
        raise Invalid(_("Only a block review is about a block."), code="block_not_expected")


def _round_open_error() -> Conflict:
    return Conflict(_("A round is open on this proposal already."), code="round_open")


def _check_round_fits(
    session: Session,
    proposal: Proposal,
    kind: str,
    rule: DecisionRule,
    *,
    fallback: bool,
    block_id: int | None,
) -> None:
    """The stage takes this kind of round (a fallback vote only after a blocked call), and a
    block review is about a block that may be reviewed (409)."""
    stages.check_round_kind(
        proposal.stage,
        kind,
        fallback=fallback,
        blocked_before=blocked_before(session, proposal.id or 0) if fallback else False,
        rule_kind=rule.kind,
    )
    if kind == "block_review":
        _check_reviewable(session, proposal.id or 0, block_id or 0, rule)


def _closes_at(moment: datetime, closes_in_seconds: int | None) -> datetime | None:
    return moment + timedelta(seconds=closes_in_seconds) if closes_in_seconds else None


def _proposal_round(
    session: Session,
    proposal: Proposal,
    *,
    kind: str,
    fallback: bool,
    block_id: int | None,
    anonymous: bool,
    results: str,
    closes_at: datetime | None,
    moment: datetime,
) -> Round:
    """The proposal's next round, numbered after its others, about its stage and text now."""
    number = session.exec(
        select(func.count()).select_from(Round).where(Round.proposal_id == proposal.id)
    ).one()
    return Round(
        assembly_id=proposal.assembly_id,
        proposal_id=proposal.id,
        number=number + 1,
        kind=kind,
        fallback=fallback,
        block_id=block_id,
        anonymous=anonymous,
        results=results,
        stage=proposal.stage,
        version=proposal.version,
        opened_at=moment,
        closes_at=closes_at,
    )


def _insert_round(session: Session, row: Round, *, busy: Callable[[], Conflict]) -> None:
    """Add the round; a partial unique index keeps one open round per proposal and one open
    approval of the minutes, also against a racing request (then `busy()`, 409)."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise busy() from exc


def _opened_payload(row: Round, *, version: int | None) -> dict[str, Any]:
    """The `round_opened` event (`version` None for the minutes: no proposal text)."""
    return {
        "round_id": row.id,
        "proposal_id": row.proposal_id,
        "number": row.number,
        "kind": row.kind,
        "fallback": row.fallback,
        "block_id": row.block_id,
        "anonymous": row.anonymous,
        "results": row.results,
        "version": version,
        "closes_at": row.closes_at.isoformat() if row.closes_at else None,
    }


def _check_reviewable(
    session: Session, proposal_id: int, block_id: int, rule: DecisionRule
) -> None:
    if rule.block_review_threshold is None:
        raise Conflict(
            _("This assembly's decision rule has no block review (block_review_threshold)."),
            code="block_review_not_enabled",
        )
    block = session.get(RoundBlock, block_id)
    if block is None or block.proposal_id != proposal_id:
        raise NotFound(_("There is no such block on this proposal."), code="block_not_found")
    if block.principled is not None:
        raise Conflict(_("That block has been reviewed already."), code="block_reviewed")
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
            _("That block is from an earlier call; only the latest call's blocks are reviewed."),
            code="block_superseded",
        )


def respond(
    *, db: Database, round_id: int, actor_id: int, value: str, reason: str | None = None
) -> Changed:
    """A participant answers (or changes their answer); the last answer counts."""
    with db.write() as session:
        row = round_to_answer(session, round_id)
        aid = row.assembly_id
        person = session.get(Participant, actor_id)
        if person is None or person.assembly_id != aid or person.status != "admitted":
            raise Forbidden(_("Only admitted participants answer rounds."), code="not_admitted")
        if row.status != "open" or is_due(row, clock.now()):
            raise closed_error(row)
        kept = tally.check_response(row.kind, value, reason)
        answer = session.exec(
            select(Response).where(
                Response.round_id == round_id, Response.participant_id == actor_id
            )
        ).first()
        changed = answer is not None
        # What a changed anonymous answer replaced, so a replay changes a row like it (the
        # live tally showed as much): never who, nor when they first answered.
        was = {"value": answer.value, "reason": answer.reason} if answer is not None else None
        if answer is None:
            answer = Response(
                round_id=round_id, participant_id=actor_id, value=value, answered_at=clock.now()
            )
        else:
            answer.changes += 1
        answer.value, answer.reason, answer.answered_at = value, kept, clock.now()
        session.add(answer)
        payload: dict[str, Any] = {
            "round_id": round_id,
            "proposal_id": row.proposal_id,
            "value": value,
            "reason": kept,
            "changed": changed,
        }
        if not row.anonymous:
            payload.update(participant_id=actor_id, name=person.name)
        elif was is not None:
            payload.update(was=was)
        # An anonymous answer's event names nobody, not even as its actor.
        event = append_event(
            session, aid, None if row.anonymous else actor_id, "response_cast", payload
        )
        if row.anonymous:  # who it was, beside the log, for the mirrors until the close
            keep_answer_owner(
                session, assembly_id=aid, seq=event.seq, round_id=round_id, participant_id=actor_id
            )
    db.announce(aid, event.seq, {facts.ANSWERS})
    return Changed(event.seq, {"round_id": round_id, "value": value, "reason": kept}, aid)


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
        row, _proposal = round_for_write(session, round_id)
        aid = row.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), N_("add counted hands"))
        if row.status != "open" or is_due(row, clock.now()):  # past its deadline, as good as closed
            raise closed_error(row)
        clean_counts, named = tally.check_analog(row.kind, counts, blocks or [])
        # In an anonymous round a counted block keeps its reason, never its author, here too.
        clean_blocks: list[dict[str, str | None]] = [
            {"name": None if row.anonymous else b["name"], "reason": b["reason"]} for b in named
        ]
        row.analog_json = json.dumps({"counts": clean_counts, "blocks": clean_blocks})
        session.add(row)
        event = append_event(
            session,
            aid,
            actor_id,
            "analog_counted",
            {"round_id": round_id, "counts": clean_counts, "blocks": clean_blocks},
        )
    db.announce(aid, event.seq, {facts.ANSWERS})
    return Changed(event.seq, {"round_id": round_id, "analog": clean_counts}, aid)


def open_minutes_approval(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    anonymous: bool = False,
    results: str | None = None,
    closes_in_seconds: int | None = None,
) -> Changed:
    """The facilitator asks the assembly to approve the minutes (app/blocks/approval.py).

    Temperature-style (up, sideways, down); results live unless asked otherwise. Held while
    the assembly is open, usually just before closing it, and while no other round is open:
    every phone answers one question at a time.
    """
    check_round_options(results, closes_in_seconds)
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the event's `at` (a replay's time)
        assembly_for_write(session, assembly_id)
        require_role(
            session, assembly_id, actor_id, ("facilitator",), N_("ask to approve the minutes")
        )
        _check_no_round_open(session, assembly_id)
        number = session.exec(
            select(func.count())
            .select_from(Round)
            .where(Round.assembly_id == assembly_id, col(Round.proposal_id).is_(None))
        ).one()
        row = Round(
            assembly_id=assembly_id,
            proposal_id=None,
            number=number + 1,
            kind=approval.KIND,
            anonymous=anonymous,
            results=results or "live",
            stage="minutes",
            version=0,
            opened_at=moment,
            closes_at=_closes_at(moment, closes_in_seconds),
        )
        _insert_round(session, row, busy=approving_minutes_error)
        payload = _opened_payload(row, version=None)
        event = append_event(session, assembly_id, actor_id, "round_opened", payload)
    db.announce(assembly_id, event.seq, {facts.ROUND})
    return Changed(
        event.seq, {"round_id": row.id, "kind": approval.KIND, "results": row.results}, assembly_id
    )


def _check_no_round_open(session: Session, assembly_id: str) -> None:
    """The minutes are approved while no other round is open: one question per phone (409)."""
    if open_minutes_round(session, assembly_id) is not None:
        raise approving_minutes_error()
    busy = session.exec(
        select(Round.id).where(Round.assembly_id == assembly_id, Round.status == "open")
    ).first()
    if busy is not None:
        raise Conflict(
            _("A round is open on a proposal; close it before approving the minutes."),
            code="round_open",
        )
