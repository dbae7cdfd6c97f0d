"""The primary's view of its mirrors, in this process's memory: how many follow each assembly
and the newest seq one of them stored. With several workers, a mirror's socket counts on the
worker it landed on, and what it stored reaches every worker through the bus as a marker
(`stored_marker`, heard by `MirrorWatch.hearing`), so a reply waits for it on any worker
(docs/architecture.md, "Mirrors and take-over")."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

PREFIX = "mirror-stored:"


def stored_marker(seq: int) -> str:
    """The bus marker that tells every worker a mirror of the assembly stored `seq`."""
    return f"{PREFIX}{seq}"


@dataclass
class _Followed:
    connected: int = 0
    stored: int | None = None  # the newest seq a mirror said it stored
    moved: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class MirrorsNow:
    """What the console shows of an assembly's mirrors here."""

    connected: int
    stored: int | None


class MirrorWatch:
    """Counts each assembly's mirror sockets and the seqs they report stored. Used on the
    event loop alone (the copy stream's socket and the replies that wait)."""

    def __init__(self) -> None:
        self._followed: dict[str, _Followed] = {}

    def _of(self, assembly_id: str) -> _Followed:
        return self._followed.setdefault(assembly_id, _Followed())

    def joined(self, assembly_id: str) -> None:
        """A mirror's copy stream opened."""
        self._of(assembly_id).connected += 1

    def left(self, assembly_id: str) -> None:
        """A mirror's copy stream closed."""
        followed = self._of(assembly_id)
        followed.connected = max(0, followed.connected - 1)

    def stored(self, assembly_id: str, seq: int) -> None:
        """A mirror committed every event up to `seq`."""
        followed = self._of(assembly_id)
        if followed.stored is None or seq > followed.stored:
            followed.stored = seq
            followed.moved.set()
            followed.moved = asyncio.Event()

    def hearing(self, assembly_id: str, markers: frozenset[str]) -> tuple[str, ...]:
        """The hub's tap for `stored_marker`s, from any worker: nothing to render."""
        for marker in markers:
            seq = marker[len(PREFIX) :]
            if seq.isdigit():
                self.stored(assembly_id, int(seq))
        return ()

    def now(self, assembly_id: str) -> MirrorsNow:
        followed = self._followed.get(assembly_id)
        if followed is None:
            return MirrorsNow(connected=0, stored=None)
        return MirrorsNow(connected=followed.connected, stored=followed.stored)

    async def wait_stored(self, assembly_id: str, seq: int, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until a mirror stored `seq`; whether one did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            followed = self._of(assembly_id)
            if followed.stored is not None and followed.stored >= seq:
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(followed.moved.wait(), left)
            except TimeoutError:
                return False
