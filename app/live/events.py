"""The events feed: a JSON socket sent every event after `since`, in order, never merged.

Unlike page sockets, which get the latest rendered state, an events socket gets the event
log itself: one pump per socket loads from the log and sends each event exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from app.live.frames import MAX_FRAME_BYTES, Action, parse_frame
from app.live.outbox import Outbox

logger = logging.getLogger(__name__)

EventLoader = Callable[[str, int, int | None], Awaitable[list[dict[str, Any]]]]
"""(assembly_id, after_seq, up_to_seq or None) -> redacted events in seq order. A frame without
"seq" among them (a mirror's secrets, app/web/sockets.py) is sent as it is, in its place."""

AHEAD = "since is past the newest event this socket has sent; nothing was resent or skipped."


class EventFeed:
    """A JSON events socket's sender: every event after `since`, in order, no gaps or dups.

    One pump per socket loads from the event log and sends; notifications only move the
    target, so those racing a slow backlog load are picked up by the next load.
    """

    def __init__(
        self,
        box: Outbox,
        assembly_id: str,
        since: int,
        load: EventLoader,
        *,
        on_action: Callable[[Action], None] | None = None,
        actions: tuple[str, ...] = (),
        with_head: bool = False,
    ) -> None:
        self.box, self.assembly_id, self.load = box, assembly_id, load
        # A mirror's copy stream: its "stored" frames go to `on_action`, and its pongs and
        # heartbeats also carry "head", the newest seq notified here (what it lags behind).
        self.on_action, self.actions, self.with_head = on_action, actions, with_head
        self.last_sent = since
        self.target = since  # newest seq notified
        self.reload_from: int | None = since  # load everything after this seq next
        self.controls: deque[dict[str, Any]] = deque()
        self.wake = asyncio.Event()

    def advance(self, seq: int) -> None:
        """A notification: events up to `seq` exist now."""
        if seq > self.target:
            self.target = seq
            self.wake.set()

    def reload(self, since: int) -> None:
        """Send every event after `since` again (a resync)."""
        self.reload_from = since
        self.wake.set()

    def queue(self, frame: dict[str, Any]) -> None:
        """Queue a control frame; "pong" and "heartbeat" get the seq when sent."""
        if len(self.controls) < 64 and (frame["type"] != "heartbeat" or frame not in self.controls):
            self.controls.append(frame)  # bounded: a client spamming frames can't grow it
        self.wake.set()

    async def serve(
        self,
        ready: asyncio.Task[None],
        on_load_failure: Callable[[], None],
        max_frame_bytes: int = MAX_FRAME_BYTES,
    ) -> None:
        """Once `ready` (subscribed), pump events and answer client frames until the socket
        goes. A bad frame gets an error frame and the socket stays open."""
        pump: asyncio.Task[None] | None = None
        try:
            await asyncio.wait([ready])
            pump = asyncio.get_running_loop().create_task(self.run(on_load_failure))
            self.wake.set()
            while (text := await self.box.next_frame()) is not None:
                frame = parse_frame(text, max_frame_bytes, self.actions)  # never raises
                if isinstance(frame, Action) and self.on_action is not None:
                    self.on_action(frame)
                elif frame == ("ping", 0):
                    self.queue({"type": "pong"})
                elif isinstance(frame, tuple) and frame[1] > max(self.target, self.last_sent):
                    # Past every seq this socket sent or was told of: reloading from there would
                    # skip the events up to it, so refuse and carry on from where we are.
                    self.queue({"type": "error", "code": "since_ahead", "message": AHEAD})
                elif isinstance(frame, tuple):
                    self.reload(frame[1])
                else:
                    self.queue({"type": "error", "code": "bad_frame", "message": frame})
        finally:
            if pump is not None:
                pump.cancel()
                await asyncio.wait([pump])

    async def run(self, on_load_failure: Callable[[], None]) -> None:
        """Pump until cancelled; a failed send or load ends it through the hub."""
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while await self._send_due_events():
                    pass
                while self.controls:
                    frame = self.controls.popleft()
                    if frame["type"] in ("pong", "heartbeat"):
                        frame = {**frame, "seq": self.last_sent}
                        if self.with_head:
                            frame["head"] = max(self.target, self.last_sent)
                    await self.box.deliver(json.dumps(frame, separators=(",", ":")))
        except _LoadFailed:
            on_load_failure()
        except Exception as exc:
            self.box.fail(exc)

    async def _send_due_events(self) -> bool:
        if self.reload_from is not None:
            after, up_to = self.reload_from, None
            self.reload_from, self.last_sent = None, after
        elif self.target > self.last_sent:
            after, up_to = self.last_sent, self.target
        else:
            return False
        try:
            events = await self.load(self.assembly_id, after, up_to)
            texts = [(e.get("seq"), json.dumps(e, separators=(",", ":"))) for e in events]
        except Exception as exc:
            logger.exception("loading events of %s failed", self.assembly_id)
            raise _LoadFailed from exc
        for seq, text in texts:
            if seq is None:
                await self.box.deliver(text)
            elif seq > self.last_sent:  # never twice, even when a reload raced this load
                await self.box.deliver(text)
                self.last_sent = seq
        return True


class _LoadFailed(Exception):
    """The event loader raised (already logged)."""
