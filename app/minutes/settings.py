"""Settings of an assembly's minutes: whether they name who spoke (PROCESS.md "Minutes": "who
spoke, in order, with their speaking time (a setting may leave names out)").

The setting is an event (`minutes_settings_changed`), so the minutes — folded from events
only — follow it; `assembly.minutes_speaker_names` keeps the current value for the screens.
The last word counts for the whole minutes, turns before it included.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.assembly.access import assembly_for_write, require_role
from app.db import Database
from app.events import append_event
from app.i18n import N_
from app.minutes.service import NOTES, TAKERS


@dataclass(frozen=True)
class Settings:
    speaker_names: bool
    seq: int


def set_speaker_names(
    *, db: Database, assembly_id: str, actor_id: int, speaker_names: bool
) -> Settings:
    """Name speakers in the minutes, or leave their names out (their turns and times stay)."""
    with db.write() as session:
        assembly = assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, TAKERS, N_("change what the minutes record"))
        assembly.minutes_speaker_names = speaker_names
        session.add(assembly)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "minutes_settings_changed",
            {"speaker_names": speaker_names},
        )
    db.announce(assembly_id, event.seq, {NOTES})
    return Settings(speaker_names, event.seq)
