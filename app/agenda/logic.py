"""Pure rules of the agenda's clock: the time an item has used, counted while it is open."""

from __future__ import annotations

from datetime import UTC, datetime

from app.assembly.models import AgendaItem


def stop_clock(item: AgendaItem, at: datetime) -> int:
    """Add the time since the item was opened to its time used; returns the time used."""
    if item.opened_at is not None:
        opened = item.opened_at if item.opened_at.tzinfo else item.opened_at.replace(tzinfo=UTC)
        item.used_seconds += max(0, int((at - opened).total_seconds()))
    item.opened_at = None
    return item.used_seconds
