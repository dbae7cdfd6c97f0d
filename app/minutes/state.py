"""Reading the minutes: the assembly's events from the database, folded by `logic`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import col, select

from app.assembly.models import Assembly
from app.db import Database
from app.errors import NotFound
from app.events import Event, export_events
from app.i18n import DEFAULT, normal
from app.minutes import logic
from app.minutes.record import Minutes


@dataclass(frozen=True)
class MinutesRead:
    minutes: Minutes
    seq: int  # the newest event the minutes reflect
    language: str = "en"  # the assembly's: the minutes speak it, whoever reads them


def open_to_all(*, db: Database, assembly_id: str) -> bool:
    """Anyone may read the minutes of a closed public assembly; otherwise members only (404
    when there is no such assembly)."""
    with db.read() as session:
        assembly = session.get(Assembly, assembly_id)
    if assembly is None:
        raise NotFound("There is no assembly at this address.", code="assembly_not_found")
    return assembly.status == "closed" and assembly.visibility == "public"


def load_minutes(
    *, db: Database, assembly_id: str, speaker_names: bool | None = None
) -> MinutesRead:
    """The minutes as of the newest event, in the assembly's time zone and language."""
    with db.read() as session:
        assembly = session.get(Assembly, assembly_id)
        if assembly is None:
            raise NotFound("There is no assembly at this address.", code="assembly_not_found")
        export = export_events(session, assembly_id)
    language = normal(assembly.language) or DEFAULT
    minutes = logic.fold_minutes(
        export["events"],
        time_zone=assembly.time_zone,
        speaker_names=speaker_names,
        language=language,
    )
    return MinutesRead(minutes, minutes.head.seq, language)


@dataclass(frozen=True)
class NoteLine:
    """A note as the minute taker's screen lists it (the minutes show the same fact)."""

    note_id: int
    label: str | None
    text: str
    at: str
    corrects: int | None


def recent_notes(*, db: Database, assembly_id: str, limit: int = 8) -> tuple[NoteLine, ...]:
    """The newest notes, newest first: what the minute taker just wrote, read from the log."""
    with db.read() as session:
        rows = session.exec(
            select(Event)
            .where(Event.assembly_id == assembly_id, Event.type == "note_taken")
            .order_by(col(Event.seq).desc())
            .limit(limit)
        ).all()
    lines = []
    for event in rows:
        payload = json.loads(event.payload_json)
        lines.append(
            NoteLine(
                note_id=event.seq,
                label=payload.get("label"),
                text=payload.get("text", ""),
                at=event.at,
                corrects=payload.get("corrects"),
            )
        )
    return tuple(lines)
