"""The minutes' part of a replay (docs/architecture.md, "The log is the truth"). Notes and
action items live in the log alone (the minutes read them from it), so they change no table;
the minutes' settings live on the assembly's row."""

from __future__ import annotations

from sqlmodel import Session

from app.assembly.models import Assembly
from app.events.projection import Projection, Replayed, earlier


def in_the_log_only(session: Session, event: Replayed) -> None:
    """Nothing to rebuild: the event itself, stored, is the note or the action item."""


def minutes_settings_changed(session: Session, event: Replayed) -> None:
    assembly = earlier(session, event, Assembly, event.assembly_id)
    if "speaker_names" in event.payload:
        assembly.minutes_speaker_names = event.payload["speaker_names"]
    if "signals" in event.payload:
        assembly.minutes_signals = event.payload["signals"]
    session.add(assembly)


PROJECTIONS: dict[str, Projection] = {
    "note_taken": in_the_log_only,
    "action_item_recorded": in_the_log_only,
    "minutes_settings_changed": minutes_settings_changed,
}
