"""Settings of an assembly's minutes: whether they name who spoke (docs/process.md "What the minutes
record": "who spoke, in order, with their speaking time (a setting may leave names out)"), and
whether each turn leaves one line about how the room took it, from its hand signals ("signals:
mostly agree"; off unless the assembly turns it on).

A setting is an event (`minutes_settings_changed`), so the minutes — folded from events
only — follow it; `assembly.minutes_speaker_names` and `assembly.minutes_signals` keep the
current values for the screens. The last word counts for the whole minutes: names for every
turn, and the signals lines for the turns that recorded one (a turn records its line only
while the setting is on: the signals themselves are never kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.assembly.access import assembly_for_write, require_role
from app.db import Database
from app.errors import Invalid
from app.events import append_event, facts
from app.i18n import N_, _
from app.minutes.service import TAKERS


@dataclass(frozen=True)
class Settings:
    speaker_names: bool
    signals: bool
    seq: int


def change_settings(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    speaker_names: bool | None = None,
    signals: bool | None = None,
) -> Settings:
    """Name speakers in the minutes or leave their names out (their turns and times stay);
    keep a line per turn about how the room took it, or not. None leaves a setting as it is;
    at least one must be given."""
    changed = {
        key: value
        for key, value in (("speaker_names", speaker_names), ("signals", signals))
        if value is not None
    }
    if not changed:
        raise Invalid(
            _("Say what the minutes should do: name speakers, or note the room's signals."),
            code="no_setting",
        )
    with db.write() as session:
        assembly = assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, TAKERS, N_("change what the minutes record"))
        if speaker_names is not None:
            assembly.minutes_speaker_names = speaker_names
        if signals is not None:
            assembly.minutes_signals = signals
        session.add(assembly)
        event = append_event(session, assembly_id, actor_id, "minutes_settings_changed", changed)
        now = Settings(assembly.minutes_speaker_names, assembly.minutes_signals, event.seq)
    db.announce(assembly_id, event.seq, {facts.MINUTES})
    return now
