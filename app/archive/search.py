"""Searching the archive: one function over SQLite FTS5 and PostgreSQL text search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.archive import fts, logic
from app.archive.models import ArchiveEntry
from app.assembly.models import Assembly, AssemblyGroup
from app.blocks.models import Proposal, ProposalVersion
from app.db import Database
from app.groups.logic import working_group_key
from app.groups.service import group_by_slug
from app.i18n import DEFAULT, normal


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ArchivedDecision:
    """One proposal of a closed assembly, as a list of decisions shows it."""

    proposal_id: int
    title: str
    outcome: str
    working_group: str | None
    tabled_to: str | None
    presenter_name: str
    decided_at: datetime
    decided_on: str
    excerpt: logic.Excerpt
    assembly_id: str
    assembly_title: str
    assembly_closed_at: datetime
    number: int | None
    group_slug: str | None
    group_name: str | None
    private: bool
    language: str = "en"  # the assembly's: its decision page and feed entry speak it

    @property
    def outcome_words(self) -> str:
        return logic.outcome_word(self.outcome)

    @property
    def outcome_mark(self) -> str:
        return logic.outcome_mark(self.outcome)

    @property
    def adopted(self) -> bool:
        return self.outcome in logic.PASSES

    @property
    def working_group_key(self) -> str | None:
        return working_group_key(self.working_group) if self.working_group else None

    @property
    def tabled_to_key(self) -> str | None:
        return working_group_key(self.tabled_to) if self.tabled_to else None

    @property
    def decided_on_words(self) -> str:
        return logic.human_day(self.decided_on)

    def as_json(self) -> dict[str, Any]:
        group = (
            {"slug": self.group_slug, "name": self.group_name, "number": self.number}
            if self.group_slug
            else None
        )
        return {
            "proposal_id": self.proposal_id,
            "title": self.title,
            "outcome": self.outcome,
            "outcome_words": self.outcome_words,
            "working_group": self.working_group,
            "tabled_to": self.tabled_to,
            "presenter": self.presenter_name,
            "decided_at": _utc(self.decided_at).isoformat().replace("+00:00", "Z"),
            "decided_on": self.decided_on,
            "excerpt": self.excerpt.text,
            "assembly": {
                "id": self.assembly_id,
                "title": self.assembly_title,
                "group": group,
                "visibility": "private" if self.private else "public",
            },
        }


def find_group(session: Session, slug: str) -> AssemblyGroup:
    return group_by_slug(session, slug)


def visible(code: str | None) -> Any:
    """Public assemblies; a private one only for whoever gives its join code."""
    public = col(Assembly.visibility) == "public"
    if code is None:
        return public
    return or_(
        public,
        and_(col(Assembly.visibility) == "private", col(Assembly.join_code) == code),
    )


def search_in(
    session: Session,
    words: list[str] | tuple[str, ...],
    *,
    group: str | None = None,
    working_group: str | None = None,
    outcome: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    code: str | None = None,
    limit: int = logic.PAGE_SIZE,
    offset: int = 0,
    proposal_id: int | None = None,
) -> list[ArchivedDecision]:
    """`search` inside a read session the caller holds (pages read more in the same one)."""
    query = _filtered(
        session,
        _closed_decisions(code),
        group=group,
        working_group=working_group,
        outcome=outcome,
        date_from=date_from,
        date_to=date_to,
        proposal_id=proposal_id,
    )
    rows = session.exec(_ordered(session, query, words).offset(offset).limit(limit)).all()
    group_ids = {a.group_id for _e, _p, a, _t in rows if a.group_id is not None}
    groups = {
        g.id: g
        for g in session.exec(
            select(AssemblyGroup).where(col(AssemblyGroup.id).in_(group_ids))
        ).all()
    }
    return [
        _decision(
            entry,
            proposal,
            assembly,
            excerpt=logic.excerpt(text, words),  # the last version: what was decided
            group=groups.get(assembly.group_id) if assembly.group_id is not None else None,
        )
        for entry, proposal, assembly, text in rows
    ]


def _closed_decisions(code: str | None) -> Any:
    """Every archived decision of a closed assembly the reader may see, with its last text."""
    final = ProposalVersion
    return (
        select(ArchiveEntry, Proposal, Assembly, final.text)
        .join(Proposal, col(Proposal.id) == col(ArchiveEntry.proposal_id))
        .join(Assembly, col(Assembly.id) == col(ArchiveEntry.assembly_id))
        .join(
            final,
            and_(
                col(final.proposal_id) == col(Proposal.id),
                col(final.number) == col(Proposal.version),
            ),
        )
        .where(Assembly.status == "closed", visible(code))
    )


def _filtered(
    session: Session,
    query: Any,
    *,
    group: str | None,
    working_group: str | None,
    outcome: str | None,
    date_from: date | None,
    date_to: date | None,
    proposal_id: int | None,
) -> Any:
    """The query narrowed by each filter given (None or empty: not narrowed by it)."""
    outcomes = logic.outcomes_for(outcome)
    if proposal_id is not None:
        query = query.where(ArchiveEntry.proposal_id == proposal_id)
    if group is not None:
        query = query.where(ArchiveEntry.group_id == find_group(session, group).id)
    if working_group:
        key = working_group_key(working_group)
        query = query.where(
            or_(col(ArchiveEntry.working_group_key) == key, col(ArchiveEntry.tabled_to_key) == key)
        )
    if outcomes is not None:
        query = query.where(col(ArchiveEntry.outcome).in_(outcomes))
    if date_from is not None:
        query = query.where(col(ArchiveEntry.decided_on) >= date_from.isoformat())
    if date_to is not None:
        query = query.where(col(ArchiveEntry.decided_on) <= date_to.isoformat())
    return query


def _ordered(session: Session, query: Any, words: list[str] | tuple[str, ...]) -> Any:
    """With words, only the matches, best first; without, every decision in meeting order."""
    if words:
        hits = fts.hits(session.get_bind().dialect.name, words)
        return query.join(hits, hits.c.proposal_id == col(ArchiveEntry.proposal_id)).order_by(
            hits.c.rank.desc(), col(ArchiveEntry.decided_at).desc(), col(Proposal.id)
        )
    # the newest meetings first, each one's decisions in the order they were brought
    return query.order_by(col(Assembly.closed_at).desc(), col(Assembly.id), col(Proposal.id))


def _decision(
    entry: ArchiveEntry,
    proposal: Proposal,
    assembly: Assembly,
    *,
    excerpt: logic.Excerpt,
    group: AssemblyGroup | None,
) -> ArchivedDecision:
    return ArchivedDecision(
        proposal_id=entry.proposal_id,
        title=proposal.title,
        outcome=entry.outcome,
        working_group=proposal.working_group,
        tabled_to=proposal.tabled_to,
        presenter_name=proposal.presenter_name,
        decided_at=entry.decided_at,
        decided_on=entry.decided_on,
        excerpt=excerpt,
        assembly_id=assembly.id,
        assembly_title=assembly.title,
        assembly_closed_at=assembly.closed_at or entry.decided_at,
        number=assembly.number,
        group_slug=group.slug if group else None,
        group_name=group.name if group else None,
        private=assembly.visibility == "private",
        language=normal(assembly.language) or DEFAULT,
    )


def search(
    db: Database,
    q: str | None = None,
    *,
    group: str | None = None,
    working_group: str | None = None,
    outcome: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    code: str | None = None,
    limit: int = logic.PAGE_SIZE,
    offset: int = 0,
) -> list[ArchivedDecision]:
    """Decisions of closed assemblies, public ones (and the private one whose join code is
    given), newest meeting first — or, with words, best match first.

    `q` is any text (every word must appear, stemmed: "tarpaulins" finds "tarpaulin");
    `group` a group's slug (404 when unknown); `working_group` a name or key, matched as the
    proposal's working group or as where it was tabled to; `outcome` a proposal outcome,
    "undecided", or "adopted" for any pass; dates are days where the assembly met.
    """
    with db.read() as session:
        return search_in(
            session,
            logic.query_words(q),
            group=group,
            working_group=working_group,
            outcome=outcome,
            date_from=date_from,
            date_to=date_to,
            code=code,
            limit=limit,
            offset=offset,
        )
