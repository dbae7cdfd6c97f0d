"""The one clock the domain reads: `now()`, in UTC.

Services, states and the event log's stamps all call `clock.now()` (never `datetime.now`), so a
test freezes time for everything by patching this one function.

Inside one write transaction (`Database.write`) the clock stands still: the first reading is
the moment of the whole transaction, so the rows it writes and the `at` of the events it
appends name the same instant, and a replay of the log rebuilds the rows exactly
(docs/architecture.md, "The log is the truth").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

# The current transaction's moment, once read: a one-element list per transaction (None:
# not read yet); the variable itself is None outside a write transaction.
_moment: ContextVar[list[datetime | None] | None] = ContextVar("moment", default=None)


def now() -> datetime:
    """The moment, in UTC: the transaction's own, inside a write transaction."""
    held = _moment.get()
    if held is None:
        return datetime.now(UTC)
    moment = held[0]
    if moment is None:
        moment = held[0] = datetime.now(UTC)
    return moment


@contextmanager
def one_moment() -> Iterator[None]:
    """Within the block, every reading of `now()` gives the first one's value."""
    token = _moment.set([None])
    try:
        yield
    finally:
        _moment.reset(token)
