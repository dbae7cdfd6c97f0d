"""The live hub: which sockets this process serves, and what reaches them when.

Sockets register per assembly (one backend subscription each). Notifications
`(assembly_id, seq, regions)` arrive from the backend and go to every `ViewChannel`
(which renders once per view key — a kind, and a language where sockets differ in it —
at most `push_rates[view]` times a second, and offers the
push to each socket's `Outbox`) and to every `EventFeed`. The hub also sends heartbeats,
closes sockets stuck sending, and shuts everything down.

It stays one module past ~400 lines because it is one class: registration, sending,
notifications, the sweep and the heartbeat all read and change the same rooms and members
and close sockets through the one `_drop`, so any split would reach into another's state.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.i18n import _
from app.live.backends import Backend
from app.live.events import EventFeed, EventLoader
from app.live.fanout import ViewChannel
from app.live.frames import MAX_FRAME_BYTES, Action, parse_frame
from app.live.outbox import ERROR_ID, SEQ_ID, Outbox, Push, Socket, close_quietly

logger = logging.getLogger(__name__)

DEFAULT_PUSH_RATES: dict[str, float] = {"phone": 4.0, "projector": 10.0, "console": 10.0}
CLOSE_ERROR, CLOSE_RESTARTING, CLOSE_TRY_AGAIN = 1011, 1012, 1013

SEAT = "seat:"  # a region naming a person whose rights changed: "seat:12"
SEAT_CHANGED = "Your seat in this assembly changed; reconnecting."

# A tap: given an assembly and the markers of one notification that start with its prefix,
# take them in (news this process keeps in memory) and name the regions to render instead.
Tap = Callable[[str, frozenset[str]], Iterable[str]]


@dataclass(frozen=True)
class Asked:
    """A client frame of a type the web layer answers (`Hub.answer`), and who sent it."""

    assembly_id: str
    view: str  # the socket's view key ("phone:es")
    who: int | None  # the participant behind the socket; None for a key
    seq: int  # the newest seq this process has heard of for the assembly (0: none yet)
    data: Mapping[str, Any]  # the frame's JSON object


# An answer: one message for the asking socket alone, as (key, HTML fragments): a newer one
# under the same key replaces it while unsent. Pushes to everyone go the usual way, by the bus.
Answer = Callable[[Asked], Awaitable[tuple[str, str]]]


def seat(participant_id: int) -> str:
    """The region a service announces when a person's rights change (removed, given a new
    link, a role taken back): their open sockets close and reconnect, so they are let in
    again only as what they are now."""
    return f"{SEAT}{participant_id}"


@dataclass(frozen=True)
class Rendered:
    """Fragments of a view's regions, by element id, as of the assembly's event `seq`."""

    seq: int
    fragments: dict[str, str]
    ambient: bool = False  # some fragment changes without the seq (see Push.ambient)


class PageRenderer(Protocol):
    """Renders live regions; supplied by the web layer (it owns templates and the DB)."""

    async def render(self, assembly_id: str, view: str, regions: frozenset[str] | None) -> Rendered:
        """Fragments for `regions` of `view` (None: all of them), with their seq."""
        ...

    def seq_fragment(self, seq: int) -> str:
        """The out-of-band `#mc-seq` element carrying `data-seq`."""
        ...

    def error_fragment(self, code: str, message: str) -> str:
        """The out-of-band `#mc-error` element."""
        ...

    async def current_seq(self, assembly_id: str) -> int:
        """The assembly's newest seq, as committed."""
        ...


class _Room:
    """Everything this process holds for one assembly."""

    def __init__(self, assembly_id: str, ready: asyncio.Task[None]) -> None:
        self.assembly_id = assembly_id
        self.ready = ready  # the backend subscription
        self.channels: dict[str, ViewChannel] = {}
        self.events: dict[EventFeed, None] = {}
        self.seats: dict[int, set[Outbox]] = {}  # a person's open sockets, by participant id
        self.seq = 0  # the newest seq notified here

    def count(self) -> int:
        return sum(len(c.boxes) for c in self.channels.values()) + len(self.events)


class Hub:
    """Live updates for every websocket of this process (docs/architecture.md, "The life of one
    answer")."""

    def __init__(
        self,
        *,
        renderer: PageRenderer,
        backend: Backend,
        push_rates: dict[str, float] | None = None,
        send_timeout: float = 5.0,
        heartbeat_seconds: float = 15.0,
        close_timeout: float = 2.0,
        max_frame_bytes: int = MAX_FRAME_BYTES,
    ) -> None:
        self.renderer, self.backend = renderer, backend
        self.push_rates = {**DEFAULT_PUSH_RATES, **(push_rates or {})}
        if any(rate <= 0 for rate in self.push_rates.values()):
            raise ValueError("push rates must be positive")
        self.send_timeout, self.heartbeat_seconds = send_timeout, heartbeat_seconds
        self.close_timeout = close_timeout  # grace for a close frame before the line is cut
        self.max_frame_bytes = max_frame_bytes  # a longer client frame gets an error, unparsed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rooms: dict[str, _Room] = {}
        self._members: dict[Outbox, tuple[_Room, ViewChannel | EventFeed]] = {}
        self._who: dict[Outbox, int] = {}  # the participant behind a socket, when one is
        self._stalled: set[Outbox] = set()  # outboxes with a send in flight
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: set[asyncio.Task[None]] = set()
        self._unsubscribing: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._taps: dict[str, Tap] = {}
        self._answers: dict[str, Answer] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the hub runs on (set by `start`)."""
        if self._loop is None:
            raise RuntimeError("Hub.start() has not been called")
        return self._loop

    async def start(self) -> None:
        """Start the backend, the stuck-send sweep and the heartbeat; call from the lifespan."""
        self._loop, self._stopping = asyncio.get_running_loop(), False  # a restart is fine
        await self.backend.start(self._on_notification, self._on_resync)
        self._tasks = [
            self._loop.create_task(self._sweep_forever()),
            self._loop.create_task(self._beat_forever()),
        ]

    async def stop(self) -> None:
        """Close every socket with 1012 (restarting: clients reconnect) and stop."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for room in self._rooms.values():
            for channel in room.channels.values():
                channel.close()
        for box in tuple(self._members):
            self._drop(box, CLOSE_RESTARTING, "server restarting")
        if pending := self._closers | set(self._unsubscribing.values()):
            await asyncio.wait(pending, timeout=self.close_timeout + 1.0)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.backend.stop()
        except Exception:
            logger.exception("stopping the broadcast backend failed")

    def notify(self, assembly_id: str, seq: int, regions: Iterable[str]) -> None:
        """Announce a committed change. Thread-safe: meant for sync service code after its
        commit (on Redis it makes one short, bounded round trip in the calling thread)."""
        try:
            self.backend.publish_threadsafe(assembly_id, seq, frozenset(regions))
        except Exception:
            logger.exception("publishing a change of %s failed", assembly_id)

    def tap(self, prefix: str, listener: Tap) -> None:
        """Hand notified regions starting with `prefix` to `listener` in every process, whether
        or not it holds sockets of that assembly, and render the regions it returns instead.

        For news that lives in memory rather than in the database (the room's hand signals):
        the bus carries it as markers like `seat:` ones; the web layer says what they mean."""
        self._taps[prefix] = listener

    def answer(self, frame_type: str, answer: Answer) -> None:
        """Have page sockets' frames of `frame_type` answered by `answer`, in the socket's own
        task (its language), one frame at a time per socket. For what a phone sends often and
        cheaply over the socket it already holds (a hand signal) rather than as a request."""
        self._answers[frame_type] = answer

    def socket_count(self, assembly_id: str | None = None) -> int:
        """Sockets registered, in one assembly or in all."""
        if assembly_id is None:
            return len(self._members)
        room = self._rooms.get(assembly_id)
        return room.count() if room is not None else 0

    def build_push(self, rendered: Rendered) -> Push:
        """A render's fragments plus its `#mc-seq`, joined once for every socket."""
        seq_fragment = self.renderer.seq_fragment(rendered.seq)
        return Push.build(rendered.seq, rendered.fragments, seq_fragment, ambient=rendered.ambient)

    async def render_push(
        self, assembly_id: str, view: str, regions: frozenset[str] | None
    ) -> Push:
        """Render `regions` of `view` (None: all of them) as one push for its sockets."""
        return self.build_push(await self.renderer.render(assembly_id, view, regions))

    async def serve_page(
        self,
        socket: Socket,
        *,
        assembly_id: str,
        view: str,
        since: int | None,
        whole: bool = False,
        who: int | None = None,
    ) -> None:
        """Push a page's live regions until the socket goes; don't close it afterwards.

        Registers, then sends a full snapshot, then answers client frames. `since` counts
        only with `whole` (the page was just rendered, so it holds every region as of
        `since`): when the assembly is still at `since`, the page gets just the seq instead,
        and a room loading its pages does not download everything twice. Without `whole`,
        `since` is not used: a reconnecting page's seq came from pushes, which may have
        reached it out of order, so a seq alone does not say it has every region.
        """
        kind = view.partition(":")[0]  # "phone:es": phones speaking Spanish share renders
        if kind not in self.push_rates:
            raise ValueError(f"unknown view {view!r}")
        if (box := await self._new_box(socket)) is None:
            return
        box.hold()  # pushes wait until the snapshot is out
        room = self._join(assembly_id)
        channel = room.channels.get(view) or ViewChannel(
            self, assembly_id, view, interval=1.0 / self.push_rates[kind]
        )
        room.channels[view] = channel
        channel.boxes[box] = None
        self._members[box] = (room, channel)
        self._seat(room, box, who)
        try:
            await asyncio.wait([room.ready])  # subscribed: no notification can slip past now
            if whole and since is not None and await self._is_current(assembly_id, since):
                box.release(self._seq_push(since))  # changes from now on come as pushes
            else:
                await self._send_snapshot(box, channel)
            while (text := await box.next_frame()) is not None:
                frame = parse_frame(text, self.max_frame_bytes, self._answers)  # never raises
                if isinstance(frame, Action):
                    asked = Asked(assembly_id, view, who, room.seq, frame.data)
                    await self._answer(box, self._answers[frame.type], asked)
                elif frame == ("ping", 0):
                    if (push := self._seq_push(channel.seq)) is not None:
                        box.offer(push)
                elif isinstance(frame, tuple):
                    await self._send_snapshot(box, channel)
                else:
                    self._page_error(box, "bad_frame", frame)
        finally:
            await self._unregister(box)

    async def serve_events(
        self,
        socket: Socket,
        *,
        assembly_id: str,
        since: int,
        load: EventLoader,
        who: int | None = None,
        on_action: Callable[[Action], None] | None = None,
        actions: tuple[str, ...] = (),
        with_head: bool = False,
    ) -> None:
        """Send JSON events after `since`, then live ones, in order, until the socket goes.
        `who`: the participant watching (None for a key), whose seat changes close it.
        `on_action` hears client frames of the types in `actions` (a mirror's "stored");
        `with_head` adds the newest seq notified to pongs and heartbeats."""
        if (box := await self._new_box(socket)) is None:
            return
        feed = EventFeed(
            box,
            assembly_id,
            since,
            load,
            on_action=on_action,
            actions=actions,
            with_head=with_head,
        )
        room = self._join(assembly_id)
        room.events[feed] = None
        self._members[box] = (room, feed)
        self._seat(room, box, who)
        try:
            await feed.serve(
                room.ready,
                lambda: self._drop(box, CLOSE_TRY_AGAIN, "events unavailable"),
                self.max_frame_bytes,
            )
        finally:
            await self._unregister(box)

    # -- registration -------------------------------------------------------------------

    async def _new_box(self, socket: Socket) -> Outbox | None:
        if self._stopping:
            await close_quietly(socket, CLOSE_RESTARTING, "server restarting", self.close_timeout)
            return None
        if self._loop is None:
            raise RuntimeError("Hub.start() has not been called")
        return Outbox(socket, stalled=self._stalled, on_failure=self._send_failed)

    def _join(self, assembly_id: str) -> _Room:
        room = self._rooms.get(assembly_id)
        if room is None:
            after = self._unsubscribing.pop(assembly_id, None)
            ready = self.loop.create_task(
                self._in_order(self.backend.subscribe, assembly_id, after)
            )
            room = self._rooms[assembly_id] = _Room(assembly_id, ready)
        return room

    async def _in_order(
        self,
        call: Callable[[str], Awaitable[None]],
        assembly_id: str,
        after: asyncio.Task[None] | None,
    ) -> None:
        if after is not None:
            await asyncio.wait([after])  # an unsubscribe never overtakes a subscribe
        try:
            await call(assembly_id)
        except Exception:
            logger.exception("%s of %s failed", getattr(call, "__name__", call), assembly_id)

    def _seat(self, room: _Room, box: Outbox, who: int | None) -> None:
        if who is not None:
            self._who[box] = who
            room.seats.setdefault(who, set()).add(box)

    def _leave(self, box: Outbox) -> None:
        entry = self._members.pop(box, None)
        if entry is None:
            return
        room, place = entry
        if (who := self._who.pop(box, None)) is not None and (boxes := room.seats.get(who)):
            boxes.discard(box)
            if not boxes:
                del room.seats[who]
        if isinstance(place, ViewChannel):
            place.boxes.pop(box, None)
            if not place.boxes and room.channels.get(place.view) is place:
                place.close()
                del room.channels[place.view]
        else:
            room.events.pop(place, None)
        if room.count() == 0 and self._rooms.get(room.assembly_id) is room:
            del self._rooms[room.assembly_id]
            if not self._stopping:
                aid = room.assembly_id
                task = self.loop.create_task(
                    self._in_order(self.backend.unsubscribe, aid, room.ready)
                )
                self._unsubscribing[aid] = task
                task.add_done_callback(functools.partial(self._unsubscribed, aid))

    def _unsubscribed(self, assembly_id: str, task: asyncio.Task[None]) -> None:
        if self._unsubscribing.get(assembly_id) is task:
            del self._unsubscribing[assembly_id]

    async def _unregister(self, box: Outbox) -> None:
        self._leave(box)
        box.abandon()
        if box.closer is not None:
            await asyncio.wait([box.closer])  # the hub is closing it: let that finish first

    def _drop(self, box: Outbox, code: int, reason: str) -> None:
        """Stop serving a socket at once and close it in the background."""
        if box.closed:
            return
        box.abandon()
        self._leave(box)
        closer = self.loop.create_task(close_quietly(box.socket, code, reason, self.close_timeout))
        box.closer = closer
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    def _send_failed(self, box: Outbox, exc: BaseException) -> None:
        logger.debug("a websocket send failed: %r", exc)
        self._drop(box, CLOSE_ERROR, "send failed")

    # -- sending ------------------------------------------------------------------------

    def _seq_push(self, seq: int) -> Push | None:
        try:
            fragment = self.renderer.seq_fragment(seq)
        except Exception:
            logger.exception("rendering the seq fragment failed")
            return None
        return Push(seq, ((SEQ_ID, fragment),), fragment)

    async def _answer(self, box: Outbox, answer: Answer, asked: Asked) -> None:
        try:
            key, fragments = await answer(asked)
        except Exception:
            logger.exception("answering a %r frame failed", asked.data.get("type"))
            self._page_error(box, "failed", _("That could not be done; try again."))
            return
        box.offer_extra(key, fragments)

    def _page_error(self, box: Outbox, code: str, message: str) -> None:
        try:
            box.offer_extra(ERROR_ID, self.renderer.error_fragment(code, message))
        except Exception:
            logger.exception("rendering an error fragment failed")

    async def _is_current(self, assembly_id: str, since: int) -> bool:
        try:
            return await self.renderer.current_seq(assembly_id) == since
        except Exception:
            logger.exception("reading the seq of %s failed", assembly_id)
            return False  # the snapshot is always safe

    async def _send_snapshot(self, box: Outbox, channel: ViewChannel) -> None:
        if box.closed:
            return
        box.hold()
        batch = channel.snapshot()
        either: list[asyncio.Future[Any]] = [batch, box.gone]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)  # batch is shared
        push = batch.result() if batch.done() and not batch.cancelled() else None
        box.release(push)
        if push is None and not box.closed:
            self._page_error(box, "render_failed", _("The page could not be brought up to date."))

    # -- notifications, resyncs, sweeps and heartbeats ----------------------------------

    def _on_notification(self, assembly_id: str, seq: int, regions: frozenset[str]) -> None:
        if self._taps:
            regions = self._tapped(assembly_id, regions)
            if not regions:
                return  # markers alone, heard by their taps: nothing to render
        room = self._rooms.get(assembly_id)
        if room is None:
            return  # no socket here: nothing to render
        room.seq = max(room.seq, seq)
        if seats := {r for r in regions if r.startswith(SEAT)}:
            regions = regions - seats
            for marker in seats:
                pid = marker[len(SEAT) :]
                for box in tuple(room.seats.get(int(pid), ()) if pid.isdigit() else ()):
                    self._drop(box, CLOSE_TRY_AGAIN, SEAT_CHANGED)
        for channel in tuple(room.channels.values()):
            channel.request(regions)
        for feed in tuple(room.events):
            feed.advance(seq)

    def _tapped(self, assembly_id: str, regions: frozenset[str]) -> frozenset[str]:
        for prefix, listener in self._taps.items():
            if markers := frozenset(r for r in regions if r.startswith(prefix)):
                regions = regions - markers
                try:
                    regions = regions.union(listener(assembly_id, markers))
                except Exception:
                    logger.exception("the tap for %r failed", prefix)
        return regions

    def _on_resync(self) -> None:
        for room in tuple(self._rooms.values()):
            for channel in tuple(room.channels.values()):
                channel.request(None)
            for feed in tuple(room.events):
                if feed.reload_from is None:  # else a reload is already due
                    feed.reload(feed.last_sent)

    async def _sweep_forever(self) -> None:
        interval = min(0.5, max(0.02, self.send_timeout / 3))
        while True:
            await asyncio.sleep(interval)
            now = self.loop.time()
            for box in tuple(self._stalled):
                since = box.sending_since
                if since is not None and now - since > self.send_timeout:
                    logger.info("closing a websocket stuck sending for %.1f s", now - since)
                    self._drop(box, CLOSE_TRY_AGAIN, "too slow")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            for room in tuple(self._rooms.values()):
                for channel in tuple(room.channels.values()):
                    if (push := self._seq_push(channel.seq)) is not None:
                        channel.offer(push)
                for feed in tuple(room.events):
                    feed.queue({"type": "heartbeat"})
