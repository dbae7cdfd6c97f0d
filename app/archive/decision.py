"""A decision's permanent page: its final text, its outcome with the counts and arithmetic of
the round that closed on it, and the assembly it was decided in."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.archive import logic
from app.archive.search import ArchivedDecision, search_in
from app.assembly.logic import parse_decision_rule
from app.assembly.models import Assembly, Participant
from app.blocks.models import Amendment, Proposal, ProposalVersion, Response, Round, RoundBlock
from app.blocks.tally import RESPONSES
from app.db import Database
from app.errors import NotFound
from app.events.chain import GENESIS_HASH, check_commands, fingerprint
from app.events.models import EventHead
from app.i18n import _


@dataclass(frozen=True)
class Block:
    name: str | None  # None in an anonymous round
    reason: str
    principled: bool | None


@dataclass(frozen=True)
class StandAside:
    name: str | None  # None in an anonymous round
    reason: str | None


@dataclass(frozen=True)
class ClosingRound:
    """The last round that closed on the proposal with an outcome: counts and arithmetic."""

    kind: str
    number: int
    fallback: bool
    anonymous: bool
    counts: list[tuple[str, int]]  # (answer, n) in the kind's order, e.g. ("stand_aside", 3)
    analog: int  # of those, hands counted in the room
    outcome: str | None
    explanation: str
    blocks: list[Block]
    stand_asides: list[StandAside]  # from phones (hands counted in the room have no names)

    @property
    def label(self) -> str:
        if self.kind == "block_review":
            return _("Block review")
        return _("Fallback vote") if self.fallback else _("Call for consensus")

    @property
    def outcome_words(self) -> str:
        return logic.outcome_word(self.outcome) if self.outcome else ""


@dataclass(frozen=True)
class DecisionPage:
    decision: ArchivedDecision
    final_text: str
    first_text: str | None  # as presented, when amendments changed it
    versions: int
    amendments_accepted: int
    amendments_rejected: int
    closing: ClosingRound | None
    rule: str
    time_zone: str
    code: str | None  # the join code it was opened with (private: links must keep it)
    head_seq: int  # the assembly's event log head, as its minutes print it (final once closed)
    head_hash: str
    check: tuple[str, str]  # the commands that export the log and check it against that head

    @property
    def fingerprint(self) -> str:
        """The head's short form, to compare by eye (app/events/chain.py fingerprint)."""
        return fingerprint(self.head_hash)


def _closing_round(session: Session, proposal_id: int) -> ClosingRound | None:
    row = session.exec(
        select(Round)
        .where(
            Round.proposal_id == proposal_id,
            Round.status == "closed",
            col(Round.kind).in_(("consensus", "block_review")),
        )
        .order_by(col(Round.closed_at).desc(), col(Round.id).desc())
    ).first()
    if row is None:
        return None
    tally = json.loads(row.tally_json or "{}")
    analog = json.loads(row.analog_json or "{}").get("counts", {})
    call_id = row.id
    if row.kind == "block_review":  # the blocks shown are the call's it reviewed
        reviewed = session.get(RoundBlock, row.block_id or 0)
        call_id = reviewed.round_id if reviewed else row.id
    blocks = session.exec(
        select(RoundBlock).where(RoundBlock.round_id == call_id).order_by(col(RoundBlock.id))
    ).all()
    asides = session.exec(
        select(Response, Participant.name)
        .outerjoin(Participant, col(Participant.id) == col(Response.participant_id))
        .where(Response.round_id == call_id, Response.value == "stand_aside")
        .order_by(col(Response.id))
    ).all()
    return ClosingRound(
        kind=row.kind,
        number=row.number,
        fallback=row.fallback,
        anonymous=row.anonymous,
        counts=[(v, int(tally.get(v, 0))) for v in RESPONSES[row.kind]],
        analog=sum(int(n) for n in analog.values()),
        outcome=row.outcome,
        explanation=row.explanation or "",
        blocks=[Block(b.name, b.reason, b.principled) for b in blocks],
        stand_asides=[StandAside(name, answer.reason) for answer, name in asides],
    )


def decision_page(*, db: Database, proposal_id: int, code: str | None = None) -> DecisionPage:
    """One archived decision, for its permanent page (404 unless closed and visible)."""
    query = logic.parse_query(code=code)
    with db.read() as session:
        found = search_in(session, (), code=query.code, proposal_id=proposal_id, limit=1)
        if not found:
            raise NotFound(
                _(
                    "There is no archived decision at this address (its assembly may be private "
                    "or still open)."
                ),
                code="decision_not_found",
            )
        proposal = session.get(Proposal, proposal_id)
        assembly = session.get(Assembly, found[0].assembly_id)
        assert proposal is not None and assembly is not None
        texts = session.exec(
            select(ProposalVersion.text)
            .where(ProposalVersion.proposal_id == proposal_id)
            .order_by(col(ProposalVersion.number))
        ).all()
        fates = session.exec(
            select(Amendment.status).where(Amendment.proposal_id == proposal_id)
        ).all()
        closing = _closing_round(session, proposal_id)
        head = session.get(EventHead, assembly.id)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    return DecisionPage(
        decision=found[0],
        final_text=texts[-1],
        first_text=texts[0] if len(texts) > 1 else None,
        versions=len(texts),
        amendments_accepted=sum(1 for f in fates if f == "accepted"),
        amendments_rejected=sum(1 for f in fates if f == "rejected"),
        closing=closing,
        rule=parse_decision_rule(json.loads(assembly.decision_rule_json)).describe(),
        time_zone=assembly.time_zone,
        code=query.code if assembly.visibility == "private" else None,
        head_seq=head_seq,
        head_hash=head_hash,
        check=check_commands(assembly.id, head_hash),
    )
