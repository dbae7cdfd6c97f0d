"""The mirror's own events rebuilt by a replay: both live in the log alone (no table holds
them), so replaying one is storing it, which `apply_event` already did."""

from __future__ import annotations

from sqlmodel import Session

from app.events.projection import Projection, Replayed


def _in_the_log(_session: Session, _event: Replayed) -> None:
    """Nothing to write: the mirrors an assembly announced and its take-overs are read from
    the events themselves (app/copies/service.py)."""


PROJECTIONS: dict[str, Projection] = {
    "mirror_announced": _in_the_log,
    "taken_over": _in_the_log,
}
