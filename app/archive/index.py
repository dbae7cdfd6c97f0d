"""Filling the archive from the facts: when an assembly closes, and whole on demand.

Why at close, not at every write: the archive shows closed assemblies only, and a closed
assembly takes no more writes (`assembly_for_write` refuses them), so one pass in the
closing transaction sees the final facts and can never fall out of step; open assemblies
cost the index nothing. The entries are derived: `rebuild` makes them again from the tables.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app import clock
from app.archive import fts, logic
from app.archive.models import ArchiveEntry
from app.assembly.models import Assembly
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.db import Database
from app.events import Event
from app.groups.logic import working_group_key


def _notes_by_item(session: Session, assembly_id: str) -> dict[int, list[str]]:
    """The minute taker's notes (`note_taken` events) by the agenda item they were taken on."""
    notes: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(Event.payload_json)
        .where(Event.assembly_id == assembly_id, Event.type == "note_taken")
        .order_by(col(Event.seq))
    ).all()
    for raw in rows:
        payload = json.loads(raw)
        item, note = payload.get("agenda_item_id"), payload.get("text")
        if isinstance(item, int) and isinstance(note, str):
            notes[item].append(note)
    return notes


def index_assembly(session: Session, assembly_id: str) -> int:
    """(Re)write the entries of one closed assembly, inside the caller's transaction.

    Returns how many proposals it holds.
    """
    for old in session.exec(select(ArchiveEntry).where(ArchiveEntry.assembly_id == assembly_id)):
        session.delete(old)
    session.flush()
    assembly = session.get(Assembly, assembly_id)
    if assembly is None or assembly.status != "closed":
        return 0
    proposals = session.exec(
        select(Proposal).where(Proposal.assembly_id == assembly_id).order_by(col(Proposal.id))
    ).all()
    ids = [p.id for p in proposals]
    texts: dict[int, list[str]] = defaultdict(list)
    for version in session.exec(
        select(ProposalVersion)
        .where(col(ProposalVersion.proposal_id).in_(ids))
        .order_by(col(ProposalVersion.number))
    ):
        texts[version.proposal_id].append(version.text)
    amendments: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for amendment in session.exec(
        select(Amendment).where(col(Amendment.proposal_id).in_(ids)).order_by(col(Amendment.id))
    ):
        amendments[amendment.proposal_id].append((amendment.text, amendment.rationale))
    notes = _notes_by_item(session, assembly_id)
    closed_at = assembly.closed_at or clock.now()
    for proposal in proposals:
        pid = proposal.id or 0
        decided_at = proposal.decided_at or closed_at
        session.add(
            ArchiveEntry(
                proposal_id=pid,
                assembly_id=assembly_id,
                group_id=assembly.group_id,
                working_group_key=working_group_key(proposal.working_group)[:80]
                if proposal.working_group
                else None,
                tabled_to_key=working_group_key(proposal.tabled_to)[:120]
                if proposal.tabled_to
                else None,
                outcome=proposal.outcome or logic.UNDECIDED,
                decided_at=decided_at,
                decided_on=logic.local_day(decided_at, assembly.time_zone),
                body=logic.compose_document(
                    title=proposal.title,
                    texts=texts[pid],
                    amendments=amendments[pid],
                    notes=notes.get(proposal.agenda_item_id, []),
                    names=(proposal.working_group, proposal.tabled_to, proposal.presenter_name),
                ),
            )
        )
    session.flush()
    return len(proposals)


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild wrote: the closed assemblies it read and the entries (decisions) it made."""

    assemblies: int
    decisions: int


def rebuild(*, db: Database) -> Rebuilt:
    """Make the whole archive again from the tables (it is derived data)."""
    with db.write() as session:
        for old in session.exec(select(ArchiveEntry)):
            session.delete(old)
        session.flush()
        closed = session.exec(
            select(Assembly.id).where(Assembly.status == "closed").order_by(col(Assembly.id))
        ).all()
        count = sum(index_assembly(session, assembly_id) for assembly_id in closed)
        for statement in fts.resync_statements(db.engine.dialect.name):
            session.connection().exec_driver_sql(statement)
    return Rebuilt(assemblies=len(closed), decisions=count)
