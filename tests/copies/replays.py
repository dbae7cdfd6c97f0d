"""Replaying one database's assemblies into another and saying what differs."""

from __future__ import annotations

from sqlmodel import select

from app.copies.replay import apply_events
from app.db import Database
from app.events import export_events
from app.events.models import EventHead
from tests.copies.tables import differences, rows_of


def assemblies_in(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(EventHead.assembly_id)).all())


def replay_into(source: Database, target: Database, assembly_id: str) -> None:
    """The assembly's export replayed into `target`'s tables, as this server's own log."""
    with source.read() as session:
        export = export_events(session, assembly_id)
    with target.write() as session:
        apply_events(session, export["events"], follows=None)


def replay_differences(source: Database, target: Database) -> list[str]:
    """Every assembly of `source` replayed into `target`: what differs, row by row."""
    found: list[str] = []
    for assembly_id in assemblies_in(source):
        replay_into(source, target, assembly_id)
        found += differences(rows_of(source, assembly_id), rows_of(target, assembly_id))
    return found
