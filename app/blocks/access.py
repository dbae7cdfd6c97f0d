"""What every change to a proposal or a round starts from: the row (404), found under the
assembly's write lock and read again as of it, and the refusals the changes share.

The same for proposals and rounds as `app.assembly.access` is for the assembly's own rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from app.assembly.access import assembly_for_write
from app.assembly.logic import DecisionRule, parse_decision_rule
from app.assembly.models import Assembly
from app.blocks.models import Proposal, Round
from app.errors import Conflict, NotFound
from app.i18n import _


def proposal_for_write(session: Session, proposal_id: int) -> Proposal:
    """The proposal (404), its assembly open (409), locked like every other write."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("There is no such proposal."), code="proposal_not_found")
    assembly_for_write(session, proposal.assembly_id)
    session.refresh(proposal)  # read again under the lock: a writer we waited for may have moved it
    return proposal


def open_round_of(session: Session, proposal_id: int) -> Round | None:
    return session.exec(
        select(Round).where(Round.proposal_id == proposal_id, Round.status == "open")
    ).first()


def aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def rule_of(assembly: Assembly) -> DecisionRule:
    return parse_decision_rule(json.loads(assembly.decision_rule_json))


def round_for_write(session: Session, round_id: int) -> tuple[Round, Proposal | None]:
    """The round (404) and its proposal (None: approving the minutes), under the assembly's
    write lock."""
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound(_("There is no such round."), code="round_not_found")
    proposal = None
    if row.proposal_id is None:
        assembly_for_write(session, row.assembly_id)
    else:
        proposal = proposal_for_write(session, row.proposal_id)
    session.refresh(row)  # as of the lock: a close we waited for shows here
    return row, proposal


def round_to_answer(session: Session, round_id: int) -> Round:
    """The round (404) under the assembly's write lock, without its proposal: an answer needs
    only the round (the hot path of a call, 2,000 times in a minute)."""
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound(_("There is no such round."), code="round_not_found")
    assembly_for_write(session, row.assembly_id)
    session.refresh(row)  # as of the lock: a close we waited for shows here
    return row


def open_minutes_round(session: Session, assembly_id: str) -> Round | None:
    return session.exec(
        select(Round).where(
            Round.assembly_id == assembly_id,
            col(Round.proposal_id).is_(None),
            Round.status == "open",
        )
    ).first()


def closed_error(row: Round) -> Conflict:
    return Conflict(_("This round has closed; the screen shows its result."), code="round_closed")


def is_due(row: Round, moment: datetime) -> bool:
    closes_at = aware(row.closes_at)
    return closes_at is not None and closes_at <= moment
