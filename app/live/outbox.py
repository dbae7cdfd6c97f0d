"""One socket's side of the hub: what it is sent and how it is closed (what it says is read
in `frames`; the connection under it is reached in `wire`).

Page sockets get an `Outbox`. A push is sent inline when its socket is idle: the
`send_text` coroutine is started by hand and, on a healthy socket, finishes without ever
suspending, so no task is created. Only a socket that has to wait gets a task, which
drives the rest of that send; newer pushes meanwhile merge into the socket's mailbox,
latest wins per region id, and go out as one message when the send in flight completes.
Events sockets send through the same `Outbox`, one ordered message at a time (`deliver`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.live.wire import abort_transport, direct_writer, text_frame

# What a client says and the wire under the socket have their own modules; the names stay
# importable here, where the hub, the web layer and the tests have always found them.

logger = logging.getLogger(__name__)

SEQ_ID = "mc-seq"
ERROR_ID = "mc-error"


class Socket(Protocol):
    """What the hub needs from an accepted websocket; Starlette's `WebSocket` fits."""

    async def send_text(self, data: str) -> None: ...

    async def receive_text(self) -> str: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Push:
    """One rendered change: built once per (assembly, view) and offered to all its sockets.

    `parts` pairs each region element id with its fragment; the `#mc-seq` fragment is
    always last. `text` is their concatenation, the exact string most sockets receive.
    """

    seq: int
    parts: tuple[tuple[str, str], ...]
    text: str
    # Fragments that change without the seq (the wall's signal meter): a snapshot at the same
    # seq does not cover them.
    ambient: bool = False
    frame: bytes = field(init=False, repr=False, compare=False)  # `text` as a websocket frame

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", text_frame(self.text))

    @classmethod
    def build(
        cls, seq: int, fragments: Mapping[str, str], seq_fragment: str, *, ambient: bool = False
    ) -> Push:
        """Join region fragments and the seq fragment into one push."""
        parts = (*((k, v) for k, v in fragments.items() if k != SEQ_ID), (SEQ_ID, seq_fragment))
        return cls(seq, parts, "".join(html for _, html in parts), ambient)

    @property
    def has_regions(self) -> bool:
        """Whether the push carries more than the `#mc-seq` element."""
        return len(self.parts) > 1


async def finish(coro: Coroutine[Any, Any, Any], yielded: object) -> None:
    """Drive a coroutine whose first step already ran, as an asyncio Task would.

    Each step yields what the coroutine waits on: None, a bare yield asking for one turn of
    the loop, or a future. The future stays the coroutine's own await (asyncio refuses a
    second `await` on it while pending), so this waits for it with `asyncio.wait`, and the
    coroutine reads its outcome when resumed. Cancelling the caller's task cancels the
    future and the send, as cancelling the send's own task would.
    """
    while True:
        error: BaseException | None = None
        try:
            if yielded is None:
                await asyncio.sleep(0)
            elif asyncio.isfuture(yielded):
                if not yielded.done():
                    await asyncio.wait([yielded])
            else:
                error = RuntimeError(f"bad yield from a send: {yielded!r}")
        except asyncio.CancelledError as exc:
            if asyncio.isfuture(yielded):
                yielded.cancel()
            error = exc  # our task was cancelled: cancel the send the same way
        try:
            yielded = coro.send(None) if error is None else coro.throw(error)
        except StopIteration:
            return


class Outbox:
    """A socket's sender: inline when idle, a latest-wins mailbox while a send is in flight."""

    __slots__ = (
        "_held",
        "_loop",
        "_mailbox",
        "_on_failure",
        "_stalled",
        "_task",
        "_write",
        "closed",
        "closer",
        "floor",
        "gone",
        "sending_since",
        "socket",
    )

    def __init__(
        self,
        socket: Socket,
        *,
        stalled: set[Outbox],
        on_failure: Callable[[Outbox, BaseException], None],
    ) -> None:
        self.socket = socket
        self.floor = -1  # seq of the last snapshot sent: pushes at or below it are stale
        self.closed = False
        self.sending_since: float | None = None  # loop time the pending send started
        self.closer: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        self.gone: asyncio.Future[None] = self._loop.create_future()
        self._mailbox: dict[str, tuple[int, str]] = {}
        self._held = False
        self._task: asyncio.Task[None] | None = None
        self._stalled = stalled
        self._on_failure = on_failure
        self._write = direct_writer(socket)

    @property
    def busy(self) -> bool:
        """Whether a send is in flight (it has suspended and a task is driving it)."""
        return self._task is not None

    async def next_frame(self) -> str | bytes | None:
        """The next client frame, text or binary, or None once the socket is gone or the hub
        dropped it.

        Takes the raw ASGI message where the socket offers it (Starlette's `receive_text`
        raises on a binary frame), so a bad frame is answered, never a reason to drop.
        """
        receive = getattr(self.socket, "receive", None)
        receiving = asyncio.ensure_future(
            receive() if callable(receive) else self.socket.receive_text()
        )
        either: list[asyncio.Future[Any]] = [receiving, self.gone]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not receiving.done():
                receiving.cancel()
        if (
            not receiving.done()  # cancelled just now: the hub dropped the socket
            or receiving.cancelled()
            or receiving.exception() is not None  # read whenever there is one: never unretrieved
            or self.gone.done()
        ):
            return None  # dropped, or disconnected
        message = receiving.result()
        if isinstance(message, str):
            return message
        if not isinstance(message, Mapping) or message.get("type") != "websocket.receive":
            return None  # websocket.disconnect
        if isinstance(text := message.get("text"), str):
            return text
        data = message.get("bytes")
        return bytes(data) if isinstance(data, bytes | bytearray | memoryview) else b""

    def fail(self, exc: BaseException) -> None:
        """Report a failed send to the hub, which drops the socket."""
        self._on_failure(self, exc)

    def offer(self, push: Push) -> None:
        """Send a push now if idle, else merge it into the mailbox. Never waits."""
        stale = push.seq == self.floor and push.has_regions and not push.ambient
        if self.closed or push.seq < self.floor or stale:
            return
        if self._task is None and not self._held and not self._mailbox:
            self._start(push.text, push.frame)  # the shared bytes: render once, send to many
            return
        self._merge(push.seq, push.parts)
        self._kick()

    def offer_extra(self, key: str, fragment: str) -> None:
        """Queue a fragment that no snapshot covers (like `#mc-error`), whatever the seq."""
        if self.closed:
            return
        self._merge(self.floor, ((key, fragment),))
        self._kick()

    def hold(self) -> None:
        """Keep pushes in the mailbox until `release` (while a snapshot renders)."""
        self._held = True

    def release(self, snapshot: Push | None) -> None:
        """Send the snapshot merged with any newer held pushes, and resume sending."""
        self._held = False
        if snapshot is not None and not self.closed:
            self.floor = max(self.floor, snapshot.seq)
            covered = {key for key, _ in snapshot.parts} & self._mailbox.keys()
            for key in [k for k in covered if self._mailbox[k][0] <= snapshot.seq]:
                del self._mailbox[key]
            if self._task is None and not self._mailbox:
                self._start(snapshot.text, snapshot.frame)
                return
            self._merge(snapshot.seq, snapshot.parts)
        self._kick()

    def abandon(self) -> None:
        """Stop using the socket: drop queued pushes and cancel a send in flight."""
        if self.closed:
            return
        self.closed = True
        self._mailbox.clear()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        self._stalled.discard(self)
        if not self.gone.done():
            self.gone.set_result(None)

    async def deliver(self, text: str) -> None:
        """Send one message and wait for it, for sockets where order beats latest-wins."""
        coro = self.socket.send_text(text)
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
        self._task = asyncio.current_task()  # so that abandon() can cancel a stuck send
        self._watch()
        try:
            await finish(coro, yielded)
        finally:
            self._unwatch()

    def _merge(self, seq: int, parts: tuple[tuple[str, str], ...]) -> None:
        for key, html in parts:
            current = self._mailbox.get(key)
            if current is None or seq >= current[0]:
                self._mailbox[key] = (seq, html)

    def _take(self) -> str | None:
        if self.closed or self._held or not self._mailbox:
            return None
        seq_entry = self._mailbox.pop(SEQ_ID, None)
        parts = [html for _, html in self._mailbox.values()]
        if seq_entry is not None:
            parts.append(seq_entry[1])  # `#mc-seq` last, as in every push
        self._mailbox.clear()
        return "".join(parts)

    def _kick(self) -> None:
        if self._task is None and (text := self._take()) is not None:
            self._start(text)

    def _start(self, text: str, frame: bytes | None = None) -> None:
        if self._write is not None and self._write(frame or text_frame(text)):
            return  # written whole to the connection: the common case
        coro = self.socket.send_text(text)
        try:
            yielded = coro.send(None)
        except StopIteration:
            return  # finished inline: the common case, no task at all
        except Exception as exc:
            self.fail(exc)
            return
        self._watch()
        self._task = self._loop.create_task(self._drive(coro, yielded))

    async def _drive(self, coro: Coroutine[Any, Any, Any], yielded: object) -> None:
        try:
            await finish(coro, yielded)
            while (text := self._take()) is not None:
                self.sending_since = self._loop.time()
                await self.socket.send_text(text)
        except Exception as exc:
            self._unwatch()
            self.fail(exc)
        finally:
            self._unwatch()

    def _watch(self) -> None:
        self.sending_since = self._loop.time()
        self._stalled.add(self)

    def _unwatch(self) -> None:
        self._task = None
        self.sending_since = None
        self._stalled.discard(self)


async def close_quietly(socket: Socket, code: int, reason: str, timeout: float) -> None:
    """Close with `code` if the peer takes the close frame in time; otherwise cut the line."""
    try:
        async with asyncio.timeout(timeout):
            await socket.close(code, reason)
        return
    except TimeoutError:
        pass
    except Exception:
        return  # already closed or disconnected: nothing left to free
    if not abort_transport(socket):
        logger.warning("could not abort a stuck websocket; it stays open until its peer goes")
