"""Replay: an assembly's tables rebuilt from its events alone.

Each concept owns the projection of the events it appends (`app/<concept>/projection.py`);
this module gathers them and applies a verified log, event by event, into tables that hold
nothing of the assembly yet. An event type without a projection stops the replay: a copy
that silently skipped one would not be the assembly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.agenda.projection import PROJECTIONS as AGENDA
from app.assembly.projection import PROJECTIONS as ASSEMBLY
from app.blocks.projection import PROJECTIONS as BLOCKS
from app.copies.projection import PROJECTIONS as COPIES
from app.errors import Conflict
from app.events.projection import Projection, replayed
from app.events.service import store_event
from app.i18n import _
from app.mic.projection import PROJECTIONS as MIC
from app.minutes.projection import PROJECTIONS as MINUTES
from app.people.projection import PROJECTIONS as PEOPLE
from app.stack.projection import PROJECTIONS as STACK


def _gathered(*tables: dict[str, Projection]) -> dict[str, Projection]:
    merged: dict[str, Projection] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        assert not twice, f"two projections of {sorted(twice)}"
        merged.update(table)
    return merged


PROJECTIONS = _gathered(ASSEMBLY, PEOPLE, AGENDA, STACK, BLOCKS, MIC, MINUTES, COPIES)

# Tables whose ids events name: a replay writes the same ids, so PostgreSQL's sequences must
# then be moved past them before this server adds rows of its own.
ID_TABLES = (
    "participant",
    "agenda_item",
    "hand",
    "turn",
    "proposal",
    "amendment",
    "decision_round",
    "round_block",
)


class Unreplayable(Conflict):
    """An event type no projection rebuilds."""


def apply_event(
    session: Session,
    record: Mapping[str, Any],
    *,
    follows: str | None,
    owner: int | None = None,
) -> None:
    """Store one verified event and apply it to the tables, in the caller's transaction
    (`owner`: who gave it, when it is an open anonymous answer a primary told its mirror)."""
    projection = PROJECTIONS.get(str(record["type"]))
    if projection is None:
        raise Unreplayable(
            _("Event {seq} is of a type this server cannot replay: {type}.").format(
                seq=record["seq"], type=record["type"]
            ),
            code="unreplayable_event",
        )
    store_event(session, record, follows=follows)
    projection(session, replayed(record, owner=owner))


def apply_events(
    session: Session,
    records: Iterable[Mapping[str, Any]],
    *,
    follows: str | None,
    owners: Mapping[int, int] | None = None,
) -> int:
    """Apply verified events in order; the number applied. Sequences follow on PostgreSQL.
    `owners`: who gave the open anonymous answers among them, by seq (a mirror's)."""
    count, owners = 0, owners or {}
    for record in records:
        apply_event(session, record, follows=follows, owner=owners.get(record["seq"]))
        count += 1
    if count and session.get_bind().dialect.name == "postgresql":
        move_sequences(session)
    return count


def move_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences that rows written with their own ids do not
    move: set each past the largest id, so this server's next row gets a fresh one."""
    for table in ID_TABLES:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )
