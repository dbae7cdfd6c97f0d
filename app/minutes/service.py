"""The minute taker's notes: one `note_taken` event each, and no table (the note is its event)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import select

from app.assembly.access import assembly_for_write, item_in, require_role
from app.assembly.models import AgendaItem
from app.db import Database
from app.errors import NotFound
from app.events import Event, append_event
from app.minutes import logic

NOTES = "notes"  # the live region of the minutes (the minute taker's screen renders it)
TAKERS = ("minute_taker", "facilitator")


@dataclass(frozen=True)
class Noted:
    note_id: int  # the seq of the note's event
    seq: int


def take_note(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    text: str,
    label: str | None = None,
    agenda_item_id: int | None = None,
    corrects: int | None = None,
) -> Noted:
    """A note in the minutes, bound to the open item unless another is named.

    A correction is a new note naming the earlier one (`corrects`, its note id): the minutes
    show it as a dated correction, and the note it corrects stays as it was written.
    """
    body, label = logic.clean_note(text, label)
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        taker = require_role(session, assembly_id, actor_id, TAKERS, "take notes for the minutes")
        corrected = None
        if corrects is not None:
            corrected = session.exec(
                select(Event).where(
                    Event.assembly_id == assembly_id,
                    Event.seq == corrects,
                    Event.type == "note_taken",
                )
            ).first()
            if corrected is None:
                raise NotFound(
                    "There is no such note in this assembly's minutes.", code="note_not_found"
                )
        if agenda_item_id is not None:
            item_in(session, assembly_id, agenda_item_id)
        elif corrected is not None:  # a correction stays with the note it corrects
            agenda_item_id = json.loads(corrected.payload_json).get("agenda_item_id")
        else:
            agenda_item_id = session.exec(
                select(AgendaItem.id).where(
                    AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open"
                )
            ).first()
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "note_taken",
            {
                "text": body,
                "label": label,
                "agenda_item_id": agenda_item_id,
                "corrects": corrects,
                "by": taker.name,
            },
        )
    db.announce(assembly_id, event.seq, {NOTES})
    return Noted(note_id=event.seq, seq=event.seq)
