"""Fakes for the live hub: sockets, a renderer and an event log, plus small async helpers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from html.parser import HTMLParser
from typing import Any, TypeVar

import pytest

from app.live import Hub, MemoryBackend, Rendered

T = TypeVar("T")

VIEW_REGIONS = {
    "phone": ("agenda", "stack", "round"),
    "projector": ("agenda", "stack", "speaker"),
    "console": ("agenda", "stack", "people"),
}


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run one test coroutine on a fresh loop, bounded so a bug cannot hang the suite."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds; fail the test if it does not within `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


class Disconnected(Exception):
    """What FakeSocket.receive_text raises once the peer is gone."""


class FakeSocket:
    """A websocket double: records what is sent, feeds frames, can stall its sends."""

    def __init__(self, *, stuck_after: int | None = None, close_blocks: bool = False) -> None:
        self.sent: list[str] = []
        self.frames: asyncio.Queue[str | None] = asyncio.Queue()
        self.closed_with: tuple[int, str | None] | None = None
        self.stuck_after = stuck_after  # sends after this many never complete
        self.close_blocks = close_blocks
        self.gate: asyncio.Event | None = None  # when set up, each send waits for it
        self.attempts = 0

    async def send_text(self, data: str) -> None:
        self.attempts += 1
        if self.closed_with is not None:
            raise Disconnected("send after close")
        if self.stuck_after is not None and len(self.sent) >= self.stuck_after:
            await asyncio.get_running_loop().create_future()  # a peer that never reads
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(data)

    async def receive_text(self) -> str:
        frame = await self.frames.get()
        if frame is None:
            raise Disconnected("peer went away")
        return frame

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        if self.close_blocks:
            await asyncio.get_running_loop().create_future()
        self.closed_with = (code, reason)
        self.frames.put_nowait(None)

    def disconnect(self) -> None:
        """The peer goes away."""
        self.frames.put_nowait(None)


class FakeRenderer:
    """Renders `<div id="mc-REGION" data-seq=N>` fragments for the "database" seq."""

    def __init__(self, *, fragment_size: int = 0) -> None:
        self.seq = 0  # the database's current seq
        self.calls: list[tuple[str, str, frozenset[str] | None]] = []
        self.snapshot_gate: asyncio.Event | None = None
        self.push_gate: asyncio.Event | None = None
        self.fail = False
        self.padding = "x" * fragment_size

    async def render(self, assembly_id: str, view: str, regions: frozenset[str] | None) -> Rendered:
        self.calls.append((assembly_id, view, regions))
        seq = self.seq  # read at the start, like a query
        gate = self.snapshot_gate if regions is None else self.push_gate
        if gate is not None:
            await gate.wait()
        if self.fail:
            raise RuntimeError("template exploded")
        kind = view.partition(":")[0]  # "phone:es": a kind and a language
        names = [r for r in VIEW_REGIONS[kind] if regions is None or r in regions]
        return Rendered(
            seq,
            {
                f"mc-{name}": (
                    f'<div id="mc-{name}" hx-swap-oob="true" data-seq="{seq}">'
                    f"{name}@{seq}{self.padding}</div>"
                )
                for name in names
            },
        )

    def seq_fragment(self, seq: int) -> str:
        return f'<div id="mc-seq" hx-swap-oob="true" data-seq="{seq}"></div>'

    async def current_seq(self, assembly_id: str) -> int:
        return self.seq

    def error_fragment(self, code: str, message: str) -> str:
        return f'<div id="mc-error" hx-swap-oob="true" data-code="{code}">{message}</div>'

    def renders(self, view: str, *, snapshots: bool = False) -> int:
        """How many renders of `view` ran: region renders, or full snapshots."""
        return sum(
            1
            for _, v, regions in self.calls
            if v == view and (regions is None) == snapshots and regions != frozenset()
        )


class CountingTasks:
    """Counts the tasks created on the running loop while in use (via its task factory)."""

    def __init__(self) -> None:
        self.created = 0

    def __enter__(self) -> CountingTasks:
        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kw: Any) -> asyncio.Task[Any]:
            self.created += 1
            return asyncio.Task(coro, loop=loop, **kw)

        asyncio.get_running_loop().set_task_factory(factory)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.get_running_loop().set_task_factory(None)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[str(attributes["id"])] = attributes


def elements(message: str) -> dict[str, dict[str, str | None]]:
    """Top-level elements of a push by id, with their attributes (parsed, not grepped)."""
    parser = _Elements()
    parser.feed(message)
    return parser.by_id


def seq_of(message: str) -> int:
    """The `data-seq` of a push's `#mc-seq` element."""
    return int(str(elements(message)["mc-seq"]["data-seq"]))


@contextlib.asynccontextmanager
async def running_hub(renderer: FakeRenderer | None = None, **options: Any) -> AsyncIterator[Hub]:
    """A started Hub on a MemoryBackend; stopped on exit."""
    hub = Hub(renderer=renderer or FakeRenderer(), backend=MemoryBackend(), **options)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


def open_page(
    hub: Hub,
    socket: FakeSocket,
    *,
    view: str = "phone",
    assembly_id: str = "a1",
    since: int | None = None,
    whole: bool = False,
    who: int | None = None,
) -> asyncio.Task[None]:
    """Serve a page socket in the background, as the web layer's endpoint would."""
    return asyncio.ensure_future(
        hub.serve_page(
            socket, assembly_id=assembly_id, view=view, since=since, whole=whole, who=who
        )
    )


async def open_pages(
    hub: Hub, count: int, *, view: str = "phone", assembly_id: str = "a1"
) -> list[tuple[FakeSocket, asyncio.Task[None]]]:
    """Connect `count` page sockets and wait until each has its snapshot."""
    pages = []
    for _ in range(count):
        socket = FakeSocket()
        pages.append((socket, open_page(hub, socket, view=view, assembly_id=assembly_id)))
    await until(lambda: all(socket.sent for socket, _ in pages))
    return pages


def notify_from_thread(hub: Hub, *changes: tuple[str, int, tuple[str, ...]]) -> Awaitable[None]:
    """Call `hub.notify` from a worker thread, as sync service code does after a commit."""

    def publish() -> None:
        for assembly_id, seq, regions in changes:
            hub.notify(assembly_id, seq, regions)

    return asyncio.to_thread(publish)


class LiveKit:
    """The helpers above, handed to tests by the `live` fixture.

    Test directories here have no `__init__.py`, so `import conftest` could pick up another
    directory's conftest; a fixture is the reliable way in.
    """

    FakeSocket = FakeSocket
    FakeRenderer = FakeRenderer
    Disconnected = Disconnected
    CountingTasks = CountingTasks
    run = staticmethod(run)
    until = staticmethod(until)
    elements = staticmethod(elements)
    seq_of = staticmethod(seq_of)
    running_hub = staticmethod(running_hub)
    open_page = staticmethod(open_page)
    open_pages = staticmethod(open_pages)
    notify_from_thread = staticmethod(notify_from_thread)


@pytest.fixture
def live() -> type[LiveKit]:
    """Fakes and helpers for live-update tests."""
    return LiveKit
