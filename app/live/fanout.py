"""Fan-out: one (assembly, view)'s sockets and the coalescer that renders once for them all.

Changed regions are coalesced on the leading and trailing edge (at most one render per
`interval`), rendered once, and the same `Push` is offered to each socket's `Outbox`.

Snapshots (a socket's full state on connect or resync) are batched: at most one snapshot
render is in flight per channel. Sockets asking while it renders join the next batch,
whose render starts when the current one ends, so a storm of connects costs a handful of
renders, and every socket still gets a render that started after it asked.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine
from typing import Any, Protocol

from app.live.outbox import Outbox, Push

logger = logging.getLogger(__name__)


class PushSource(Protocol):
    """What a channel needs from its hub: the loop, and one view rendered as a push."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    async def render_push(
        self, assembly_id: str, view: str, regions: frozenset[str] | None
    ) -> Push: ...


class ViewChannel:
    """The sockets of one (assembly, view), with the coalescer that feeds them."""

    def __init__(self, hub: PushSource, assembly_id: str, view: str, *, interval: float) -> None:
        self.hub, self.assembly_id, self.view = hub, assembly_id, view
        self.interval = interval  # seconds between render starts
        self.boxes: dict[Outbox, None] = {}  # an ordered set
        self.seq = 0  # newest seq rendered for this view: what its heartbeat carries
        self._regions: set[str] = set()
        self._everything = self._dirty = self._closed = False
        self._last_start = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._render: asyncio.Task[None] | None = None
        self._snapshot: asyncio.Future[Push | None] | None = None  # the batch still open
        self._snapshotting: asyncio.Future[Push | None] | None = None  # the batch rendering
        self._snapshot_job: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()

    def request(self, regions: frozenset[str] | None) -> None:
        """Note changed regions (None: all); render now if idle, else at the window's end."""
        if regions is None:
            self._everything = True
        else:
            self._regions.update(regions)
        self._dirty = True
        self._schedule()

    def snapshot(self) -> asyncio.Future[Push | None]:
        """A full render (None if it failed) started after this call, shared meanwhile.

        Callers join the open batch: its render has not started yet. It starts now if no
        snapshot renders, else as soon as the one rendering finishes.
        """
        if self._snapshot is None:
            self._snapshot = self.hub.loop.create_future()
            if self._snapshot_job is None and not self._closed:
                self._start_snapshot()
        return self._snapshot

    def offer(self, push: Push) -> None:
        """Offer one push to every socket: inline sends, never an await per socket."""
        self.seq = max(self.seq, push.seq)
        for box in tuple(self.boxes):
            box.offer(push)

    def close(self) -> None:
        """Cancel pending work (the channel lost its last socket, or the hub stops)."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        for job in tuple(self._jobs):
            job.cancel()
        for batch in (self._snapshot, self._snapshotting):
            if batch is not None:
                batch.cancel()  # its waiters stop waiting

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self.hub.loop.create_task(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return task

    def _schedule(self) -> None:
        if self._closed or self._render is not None or self._timer is not None or not self._dirty:
            return
        delay = self._last_start + self.interval - self.hub.loop.time()
        if delay <= 0:
            self._flush()
        else:
            self._timer = self.hub.loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if self._closed or self._render is not None or not self._dirty:
            return
        regions = None if self._everything else frozenset(self._regions)
        self._regions, self._everything, self._dirty = set(), False, False
        self._last_start = self.hub.loop.time()
        self._render = self._start(self._render_and_push(regions))
        self._render.add_done_callback(self._rendered)

    def _rendered(self, task: asyncio.Task[None]) -> None:
        self._render = None
        self._schedule()

    async def _render_and_push(self, regions: frozenset[str] | None) -> None:
        push = await self._render_push(regions)
        if push is None:
            return
        if regions is not None and not push.has_regions:
            self.seq = max(self.seq, push.seq)  # nothing of this view changed
            return
        self.offer(push)

    def _start_snapshot(self) -> None:
        self._snapshot_job = self._start(self._render_snapshot())
        self._snapshot_job.add_done_callback(self._snapshot_rendered)

    def _snapshot_rendered(self, task: asyncio.Task[None]) -> None:
        self._snapshot_job = self._snapshotting = None
        if self._snapshot is not None and not self._closed:
            self._start_snapshot()  # the sockets that asked meanwhile

    async def _render_snapshot(self) -> None:
        # The batch closes as the render starts: sockets asking from now on need a later one.
        batch, self._snapshot = self._snapshot, None
        if batch is None or batch.done():
            return
        self._snapshotting = batch
        try:
            push = await self._render_push(None)
        except asyncio.CancelledError:
            batch.cancel()  # the channel closed: its waiters stop waiting
            raise
        if push is not None:
            self.seq = max(self.seq, push.seq)
        if not batch.done():
            batch.set_result(push)

    async def _render_push(self, regions: frozenset[str] | None) -> Push | None:
        try:
            return await self.hub.render_push(self.assembly_id, self.view, regions)
        except Exception:
            logger.exception("rendering %s of %s failed", self.view, self.assembly_id)
            return None
