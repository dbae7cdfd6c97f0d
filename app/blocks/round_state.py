"""Reading rounds as the API and the screens show them: counts only when they may be seen.

docs/api.md `GET /api/rounds/{rid}`: counts while results are live or once closed; blocks and
stand-asides once closed; never who answered what in an anonymous round.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.assembly.models import AgendaItem, Assembly, Participant
from app.assembly.state import words_of
from app.blocks.models import Proposal, Response, Round, RoundBlock
from app.blocks.tally import OUTCOME_WORDS, RESPONSES
from app.db import Database
from app.errors import NotFound
from app.events import head_of
from app.i18n import N_, _, translate

SHAPES = {  # not colour alone: each answer has a shape and a word
    "up": "▲",
    "sideways": "◆",
    "down": "▼",
    "agree": "✓",
    "stand_aside": "↷",
    "block": "⊘",
    "yes": "✓",
    "no": "✗",
}
WORDS = {
    "up": N_("up"),
    "sideways": N_("sideways"),
    "down": N_("down"),
    "agree": N_("agree"),
    "stand_aside": N_("stand aside"),
    "block": N_("block"),
    "yes": N_("yes"),
    "no": N_("no"),
}
FALLBACK_WORDS = N_("fallback vote")
KIND_WORDS = {
    "temperature": N_("temperature check"),
    "consensus": N_("call for consensus"),
    "block_review": N_("block review"),
    "minutes": N_("approval of the minutes"),
}


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    moment = _aware(moment)
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class RoundView:
    """One round as members may see it now."""

    id: int
    proposal_id: int | None  # None: the assembly approving its minutes
    number: int
    kind: str
    fallback: bool
    anonymous: bool
    results: str
    status: str
    version: int
    opened_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    closed_by_deadline: bool
    answers: int  # phones that answered
    eligible: int  # phones joined (now while open; at close once closed)
    analog: dict[str, int]
    counts: dict[str, int] | None  # phones + analog, None while hidden
    outcome: str | None
    explanation: str | None
    block: dict[str, Any] | None  # the block a review is about
    blocks: tuple[dict[str, Any], ...] = field(default=())
    stand_asides: tuple[dict[str, Any], ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def values(self) -> tuple[str, ...]:
        return RESPONSES[self.kind]

    @property
    def title(self) -> str:
        if self.kind == "consensus" and self.fallback:
            return translate(FALLBACK_WORDS)
        return translate(KIND_WORDS[self.kind])

    @property
    def counted(self) -> int:
        """Answers from phones plus hands counted in the room."""
        return self.answers + sum(self.analog.values())

    @property
    def outcome_words(self) -> str | None:
        return OUTCOME_WORDS.get(self.outcome or "")

    def share(self, value: str) -> int:
        """Percent of the counted answers (for meter widths), 0 with none."""
        if not self.counts:
            return 0
        total = sum(self.counts.values())
        return round(100 * self.counts.get(value, 0) / total) if total else 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "proposal_id": self.proposal_id,
            "number": self.number,
            "kind": self.kind,
            "fallback": self.fallback,
            "anonymous": self.anonymous,
            "results": self.results,
            "status": self.status,
            "version": self.version,
            "opened_at": _iso(self.opened_at),
            "deadline": _iso(self.closes_at),
            "closed_at": _iso(self.closed_at),
            "closed_by_deadline": self.closed_by_deadline,
            "answers": self.answers,
            "eligible": self.eligible,
            "block": self.block,
        }
        if self.counts is not None:
            data.update(counts=self.counts, analog=self.analog)
        if not self.is_open:
            data.update(
                tally=self.counts,
                outcome=self.outcome,
                explanation=self.explanation,
                blocks=list(self.blocks),
                stand_asides=list(self.stand_asides),
            )
        return data


def _admitted(session: Session, assembly_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(Participant)
        .where(Participant.assembly_id == assembly_id, Participant.status == "admitted")
    ).one()


def round_view(session: Session, row: Round) -> RoundView:
    """A round as members see it: counts only when live or closed; never an anonymous link."""
    per_value = _answers_per_value(session, row)
    analog: dict[str, int] = json.loads(row.analog_json or "{}").get("counts", {})
    closed = row.status != "open"
    counts = _visible_counts(row, per_value, analog)
    block = _reviewed_block(session, row)
    blocks = blocks_of(session, row.id or 0) if closed else []
    stand_asides = _stand_asides(session, row) if closed else []
    return RoundView(
        id=row.id or 0,
        proposal_id=row.proposal_id,
        number=row.number,
        kind=row.kind,
        fallback=row.fallback,
        anonymous=row.anonymous,
        results=row.results,
        status=row.status,
        version=row.version,
        opened_at=row.opened_at,
        closes_at=_aware(row.closes_at),
        closed_at=row.closed_at,
        closed_by_deadline=row.closed_by_deadline,
        answers=sum(per_value.values()),
        eligible=row.eligible
        if closed and row.eligible is not None
        else _admitted(session, row.assembly_id),
        analog=analog,
        counts=counts,
        outcome=row.outcome,
        explanation=row.explanation,
        block=block,
        blocks=tuple(blocks),
        stand_asides=tuple(stand_asides),
    )


def _answers_per_value(session: Session, row: Round) -> dict[str, int]:
    """How many phones gave each answer."""
    # Counted in the database: a screen render must not load 2,000 answers to count them.
    return {
        value: n
        for value, n in session.exec(
            select(Response.value, func.count())
            .where(Response.round_id == row.id)
            .group_by(col(Response.value))
        )
    }


def _visible_counts(
    row: Round, per_value: dict[str, int], analog: dict[str, int]
) -> dict[str, int] | None:
    """The tally as kept once closed; while open, phones and room together if results are live;
    else None: hidden results are hidden."""
    if row.status != "open" and row.tally_json:
        counts: dict[str, int] = json.loads(row.tally_json)
        return counts
    if row.results != "live":
        return None
    tally = Counter(per_value)
    tally.update(analog)
    return {v: tally.get(v, 0) for v in RESPONSES[row.kind]}


def _reviewed_block(session: Session, row: Round) -> dict[str, Any] | None:
    """The block a block review is about; None for other rounds."""
    reviewed = session.get(RoundBlock, row.block_id) if row.block_id is not None else None
    if reviewed is None:
        return None
    return {
        "id": reviewed.id,
        "name": reviewed.name,
        "reason": reviewed.reason,
        "principled": reviewed.principled,
    }


def _stand_asides(session: Session, row: Round) -> list[dict[str, Any]]:
    """A closed round's stand-asides with their reasons; named unless the round is anonymous."""
    answers = list(
        session.exec(
            select(Response)
            .where(Response.round_id == row.id, Response.value == "stand_aside")
            .order_by(col(Response.id))
        )
    )
    names = {} if row.anonymous else names_of(session, answers)
    return stand_aside_rows(row, answers, names)


def stand_aside_rows(
    row: Round, answers: list[Response], names: dict[int, str]
) -> list[dict[str, Any]]:
    """Every stand-aside among `answers` with its reason; named unless the round is anonymous."""
    return [
        {
            "name": None if row.anonymous else names.get(a.participant_id or 0),
            "reason": a.reason,
        }
        for a in answers
        if a.value == "stand_aside"
    ]


def names_of(session: Session, answers: list[Response]) -> dict[int, str]:
    ids = [a.participant_id for a in answers if a.participant_id is not None]
    if not ids:
        return {}
    people = session.exec(select(Participant).where(col(Participant.id).in_(ids)))
    return {p.id or 0: p.name for p in people}


def blocks_of(session: Session, round_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(RoundBlock).where(RoundBlock.round_id == round_id).order_by(col(RoundBlock.id))
    )
    return [
        {
            "id": b.id,
            "name": b.name,
            "reason": b.reason,
            "analog": b.analog,
            "principled": b.principled,
        }
        for b in rows
    ]


def rounds_of(session: Session, proposal_id: int) -> list[RoundView]:
    rows = session.exec(
        select(Round).where(Round.proposal_id == proposal_id).order_by(col(Round.number))
    ).all()
    return [round_view(session, r) for r in rows]


def my_answer(session: Session, round_id: int, participant_id: int) -> dict[str, Any] | None:
    """The caller's own current answer (private: only in replies to them)."""
    answer = session.exec(
        select(Response).where(
            Response.round_id == round_id, Response.participant_id == participant_id
        )
    ).first()
    if answer is None:
        return None
    return {"round_id": round_id, "value": answer.value, "reason": answer.reason}


def assembly_of_round(*, db: Database, round_id: int) -> str:
    with db.read() as session:
        row = session.get(Round, round_id)
    if row is None:
        raise NotFound(_("There is no such round."), code="round_not_found")
    return row.assembly_id


def load_round(*, db: Database, round_id: int, participant_id: int | None) -> dict[str, Any]:
    """GET /api/rounds/{rid}, with the caller's own answer as `mine`."""
    with db.read() as session:
        row = session.get(Round, round_id)
        if row is None:
            raise NotFound(_("There is no such round."), code="round_not_found")
        view = round_view(session, row)
        mine = my_answer(session, round_id, participant_id) if participant_id else None
        seq = head_of(session, row.assembly_id)
    return {**view.as_json(), "mine": mine, "seq": seq}


def unreviewed_blocks(session: Session, proposal: Proposal) -> list[dict[str, Any]]:
    """Blocks of the latest blocked call on the proposal that no review has judged yet."""
    call = session.exec(
        select(Round)
        .where(
            Round.proposal_id == proposal.id, Round.kind == "consensus", Round.status == "closed"
        )
        .order_by(col(Round.number).desc())
    ).first()
    if call is None:
        return []
    return [b for b in blocks_of(session, call.id or 0) if b["principled"] is None]


def load_my_answer(*, db: Database, round_id: int, participant_id: int) -> dict[str, Any] | None:
    with db.read() as session:
        return my_answer(session, round_id, participant_id)


def minutes_round_view(session: Session, assembly_id: str) -> RoundView | None:
    """The assembly's latest "approve the minutes" round (app/blocks/approval.py), if held."""
    row = session.exec(
        select(Round)
        .where(Round.assembly_id == assembly_id, col(Round.proposal_id).is_(None))
        .order_by(col(Round.id).desc())
    ).first()
    return round_view(session, row) if row is not None else None


@dataclass(frozen=True)
class OpenTally:
    """What an answer changes on the screens: the open round's counts, with the headcount
    they are shown beside and the seq they reflect."""

    round: RoundView
    headcount: int | None
    seq: int
    language: str = "en"  # the assembly's: the projector speaks it
    words: dict[str, dict[str, str]] = field(default_factory=dict)  # its own words for answers


def load_open_tally(*, db: Database, assembly_id: str) -> OpenTally | None:
    """The round on screen while it is open, read on its own (a push during a round needs
    nothing else); None when no single open round is on screen (the whole round is due)."""
    with db.read() as session:
        seq = head_of(session, assembly_id)  # first: what is read after is at least as new
        rows = session.exec(
            select(Round).where(Round.assembly_id == assembly_id, Round.status == "open")
        ).all()
        if len(rows) != 1:
            return None
        row = rows[0]
        if row.proposal_id is not None:
            item_status = session.exec(
                select(AgendaItem.status)
                .join(Proposal, col(Proposal.agenda_item_id) == col(AgendaItem.id))
                .where(Proposal.id == row.proposal_id)
            ).first()
            if item_status != "open":
                return None  # a round left open on an item that is not on screen
        assembly = session.get(Assembly, assembly_id)
        headcount = assembly.headcount if assembly is not None else None
        language = assembly.language if assembly is not None else "en"
        words = words_of(session, assembly_id)
        return OpenTally(round_view(session, row), headcount, seq, language, words)
