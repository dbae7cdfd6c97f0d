"""The one clock the domain reads: `now()`, in UTC.

Services, states and the event log's stamps all call `clock.now()` (never `datetime.now`), so a
test freezes time for everything by patching this one function.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The moment, in UTC."""
    return datetime.now(UTC)
