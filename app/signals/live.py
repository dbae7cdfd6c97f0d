"""Signals sent over a phone's socket: the cheap way, for a room twinkling all at once.

A signal over HTTP costs a request, a session lookup and two reads; over the socket the phone
already holds, the person is known (the socket was let in as them, and closes when their seat
changes) and the turn on the floor is read once per change of the assembly (`Floor`), not once
per signal. Signals are then told to the bus in small batches (`Crier`), one marker per turn
and kind with how many: 2,000 phones become a few dozen bus messages, not 2,000.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.signals.board import marker, parse_marker

logger = logging.getLogger(__name__)

BATCH_SECONDS = 0.05  # how long signals gather before they go to the bus together
FLOOR_SECONDS = 1.0  # the longest a floor read is trusted without news of a change


@dataclass(frozen=True)
class _Read:
    seq: int
    turn_id: int | None
    at: float


class Floor:
    """Who has the floor in each assembly, as of a seq: read once per change, shared by every
    signal until the process hears of a newer seq (or a second has passed, in case news of a
    change got lost). Runs on the event loop; the reads themselves happen in `read`."""

    def __init__(
        self,
        read: Callable[[str], Awaitable[tuple[int, int | None]]],
        *,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = FLOOR_SECONDS,
    ) -> None:
        self._read, self._clock, self._max_age = read, clock, max_age
        self._known: dict[str, _Read] = {}
        self._reading: dict[str, asyncio.Future[_Read]] = {}

    async def turn(self, assembly_id: str, heard_seq: int) -> tuple[int, int | None]:
        """(seq, turn id or None) for the assembly, at least as new as `heard_seq` (the newest
        seq this process was told of): many signals at once share one read."""
        known = self._known.get(assembly_id)
        if known is None or known.seq < heard_seq or self._clock() - known.at > self._max_age:
            known = await self._fresh(assembly_id)
        return known.seq, known.turn_id

    async def _fresh(self, assembly_id: str) -> _Read:
        if (reading := self._reading.get(assembly_id)) is not None:
            return await asyncio.shield(reading)
        reading = self._reading[assembly_id] = asyncio.get_running_loop().create_future()
        try:
            started = self._clock()
            seq, turn_id = await self._read(assembly_id)
            known = _Read(seq, turn_id, started)
            self._known[assembly_id] = known
            reading.set_result(known)
            return known
        except BaseException as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._reading[assembly_id]


Announce = Callable[[str, int, frozenset[str]], Awaitable[None]]


class Crier:
    """Gathers the signals a process takes in over sockets and tells them to the bus every
    BATCH_SECONDS, per assembly one marker per turn and kind carrying how many. Runs on the
    event loop; `announce` tells the bus (in a thread: on Redis it is a network round trip)."""

    def __init__(self, announce: Announce, *, every: float = BATCH_SECONDS) -> None:
        self._announce, self._every = announce, every
        self._due: dict[str, tuple[int, Counter[tuple[int, str]]]] = {}
        self._flushing: asyncio.Task[None] | None = None

    def cry(self, assembly_id: str, seq: int, claimed: str) -> None:
        """Queue one claimed signal (its marker from `service.claim_signal`)."""
        parsed = parse_marker(claimed)
        if parsed is None:
            raise ValueError(f"not a signal marker: {claimed!r}")
        turn_id, kind, count = parsed
        known_seq, counts = self._due.get(assembly_id, (seq, Counter()))
        counts[turn_id, kind] += count
        self._due[assembly_id] = (max(known_seq, seq), counts)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        while self._due:  # what came in while the last batch went out goes next
            await asyncio.sleep(self._every)
            await self.flush()

    async def flush(self) -> None:
        """Tell the bus everything gathered so far."""
        due, self._due = self._due, {}
        for assembly_id, (seq, counts) in due.items():
            markers = frozenset(marker(turn, kind, n) for (turn, kind), n in counts.items())
            try:
                await self._announce(assembly_id, seq, markers)
            except Exception:  # ambient news: a lost batch dims the meter, nothing else
                logger.exception("telling the bus of %d signals failed", counts.total())
