"""What the archive's lists and feeds show: decisions and closed assemblies, by group and
working group (a decision's own page is in `app.archive.decision`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.archive import logic
from app.archive.models import ArchiveEntry
from app.archive.search import ArchivedDecision, find_group, search_in, visible
from app.assembly.models import Assembly, AssemblyGroup
from app.db import Database
from app.errors import NotFound
from app.events import EventHead
from app.groups.logic import working_group_key
from app.groups.service import GroupView, view_of
from app.i18n import _

RECENT_ASSEMBLIES = 30


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ArchivedAssembly:
    """A closed assembly as the archive lists it."""

    id: str
    title: str
    number: int | None
    group_slug: str | None
    group_name: str | None
    met_on: str  # YYYY-MM-DD where it met
    location: str | None
    decisions: int
    private: bool

    @property
    def met_on_words(self) -> str:
        return logic.human_day(self.met_on)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "number": self.number,
            "group": self.group_slug,
            "met_on": self.met_on,
            "location": self.location,
            "decisions": self.decisions,
        }


def _met_on(assembly: Assembly) -> str:
    moment = assembly.starts_at or assembly.created_at
    return logic.local_day(_aware(moment), assembly.time_zone)


def _assemblies(
    session: Session, query: logic.ArchiveQuery, group: AssemblyGroup | None
) -> list[ArchivedAssembly]:
    rows = select(Assembly).where(Assembly.status == "closed", visible(query.code))
    if group is not None:
        rows = rows.where(Assembly.group_id == group.id)
    found = session.exec(rows.order_by(col(Assembly.closed_at).desc()).limit(500)).all()
    start, end = query.date_from, query.date_to
    kept = [
        a
        for a in found
        if (start is None or _met_on(a) >= start.isoformat())
        and (end is None or _met_on(a) <= end.isoformat())
    ][:RECENT_ASSEMBLIES]
    ids = [a.id for a in kept]
    counts = dict(
        session.exec(
            select(ArchiveEntry.assembly_id, func.count())
            .where(col(ArchiveEntry.assembly_id).in_(ids))
            .group_by(col(ArchiveEntry.assembly_id))
        ).all()
    )
    groups = {
        g.id: g
        for g in session.exec(
            select(AssemblyGroup).where(
                col(AssemblyGroup.id).in_({a.group_id for a in kept if a.group_id})
            )
        )
    }
    listed = []
    for a in kept:
        grp = groups.get(a.group_id) if a.group_id else None
        listed.append(
            ArchivedAssembly(
                id=a.id,
                title=a.title,
                number=a.number,
                group_slug=grp.slug if grp else None,
                group_name=grp.name if grp else None,
                met_on=_met_on(a),
                location=a.location,
                decisions=counts.get(a.id, 0),
                private=a.visibility == "private",
            )
        )
    return listed


@dataclass(frozen=True)
class ArchivePage:
    """/archive, /archive/{group} and /archive/{group}/{working group}, and GET /api/archive."""

    query: logic.ArchiveQuery
    decisions: list[ArchivedDecision]
    more: bool
    assemblies: list[ArchivedAssembly]
    groups: list[tuple[str, str]]  # (slug, name) of every group, for the form
    group: GroupView | None
    working_group: str | None  # the working group's name as its group lists it

    def as_json(self) -> dict[str, Any]:
        return {
            "filters": self.query.as_json(),
            "group": self.group.as_json() if self.group else None,
            "working_group": (
                {"name": self.working_group, "key": self.query.working_group}
                if self.query.working_group
                else None
            ),
            "decisions": [d.as_json() for d in self.decisions],
            "assemblies": [a.as_json() for a in self.assemblies],
            "next_page": self.query.page + 1 if self.more else None,
        }


def _working_group_name(
    group: GroupView | None, key: str, decisions: list[ArchivedDecision]
) -> str | None:
    """The name as the group lists it, else as a decision wrote it (None: nobody names it)."""
    for name, listed in group.working_groups if group else ():
        if listed == key:
            return name
    for d in decisions:
        for named in (d.working_group, d.tabled_to):
            if named and working_group_key(named) == key:
                return named
    return None


def _named_working_group(
    group: GroupView | None,
    query: logic.ArchiveQuery,
    decisions: list[ArchivedDecision],
    *,
    known: bool,
) -> str | None:
    """The asked working group's name; with `known`, 404 when nobody names it."""
    if not query.working_group:
        return None
    name = _working_group_name(group, query.working_group, decisions)
    if name is None and known:
        raise NotFound(
            _("No working group of this group goes by that name."),
            code="working_group_not_found",
        )
    return name


def archive_page(
    *,
    db: Database,
    q: str | None = None,
    group: str | None = None,
    working_group: str | None = None,
    outcome: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    code: str | None = None,
    page: str | int | None = None,
    known_working_group: bool = False,
) -> ArchivePage:
    """Decisions (and, unfiltered, the assemblies) matching what a form or the API sent.

    `known_working_group`: 404 unless the group lists the working group or a decision
    names it (its page's address must mean something).
    """
    query = logic.parse_query(
        q=q, group=group, working_group=working_group, outcome=outcome,
        date_from=date_from, date_to=date_to, code=code, page=page,
    )  # fmt: skip
    with db.read() as session:
        group_row = find_group(session, query.group) if query.group else None
        group_view = view_of(session, group_row) if group_row else None
        found = search_in(
            session,
            query.words,
            group=query.group,
            working_group=query.working_group,
            outcome=query.outcome,
            date_from=query.date_from,
            date_to=query.date_to,
            code=query.code,
            limit=logic.PAGE_SIZE + 1,
            offset=(query.page - 1) * logic.PAGE_SIZE,
        )
        assemblies = (
            _assemblies(session, query, group_row) if not query.narrowed and query.page == 1 else []
        )
        groups = [
            (g.slug, g.name)
            for g in session.exec(select(AssemblyGroup).order_by(col(AssemblyGroup.name)))
        ]
    name = _named_working_group(group_view, query, found, known=known_working_group)
    return ArchivePage(
        query=query,
        decisions=found[: logic.PAGE_SIZE],
        more=len(found) > logic.PAGE_SIZE,
        assemblies=assemblies,
        groups=groups,
        group=group_view,
        working_group=name or query.working_group,
    )


@dataclass(frozen=True)
class DecisionFeed:
    """An Atom feed's content: a group's (or one working group's) newest public decisions."""

    group: GroupView
    working_group: str | None  # name
    working_group_key: str | None
    decisions: list[ArchivedDecision]  # newest first
    updated: datetime
    heads: dict[str, tuple[int, str]]  # each decision's assembly id: its log head (seq, hash)


def decision_feed(*, db: Database, group: str, working_group: str | None = None) -> DecisionFeed:
    """Public decisions only (a feed is read by anyone who has its address)."""
    page = archive_page(db=db, group=group, working_group=working_group, known_working_group=True)
    assert page.group is not None
    newest = sorted(page.decisions, key=lambda d: _aware(d.decided_at), reverse=True)
    public = [d for d in newest if not d.private]
    with db.read() as session:
        created = session.exec(
            select(AssemblyGroup.created_at).where(AssemblyGroup.slug == page.group.slug)
        ).one()
        ids = {d.assembly_id for d in public}
        heads = session.exec(select(EventHead).where(col(EventHead.assembly_id).in_(ids))).all()
    return DecisionFeed(
        group=page.group,
        working_group=page.working_group if working_group else None,
        working_group_key=page.query.working_group,
        decisions=public,
        updated=_aware(public[0].decided_at) if public else _aware(created),
        heads={h.assembly_id: (h.seq, h.hash) for h in heads},
    )
