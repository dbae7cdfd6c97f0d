"""A phone that stops reading, against a real uvicorn server.

Starlette's TestClient buffers without limit and never blocks, so only real TCP shows
this: the non-reading client's buffers fill, the server's send to it stalls, the hub
closes it with 1013 after `send_timeout`, and the clients that do read keep getting
every push meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.live import Hub, MemoryBackend

SMALL_BUFFER = 32 * 1024  # small TCP buffers make the non-reader stall after a few pushes


class RecordingWebSocket(WebSocket):
    """Starlette's WebSocket, noting the close code the hub asked for, by client name."""

    closes: ClassVar[dict[str, int]] = {}

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closes[self.query_params["name"]] = code
        await super().close(code, reason)


def build_app(hub: Hub, released: set[str]) -> Starlette:
    """A minimal app: one websocket endpoint serving projector pages through the hub."""

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = RecordingWebSocket(scope, receive, send)
        await websocket.accept()
        try:
            await hub.serve_page(websocket, assembly_id="room", view="projector", since=None)
        finally:
            released.add(websocket.query_params["name"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.stop()

    # Mounted inside Starlette so its middleware wraps `send`, as in the real app.
    return Starlette(routes=[Mount("/ws", app=page)], lifespan=lifespan)


@contextlib.contextmanager
def serving(app: Starlette) -> Iterator[tuple[int, uvicorn.Server]]:
    """Run uvicorn in a background thread on a free port; stop it and join on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)  # inherited
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        ws_per_message_deflate=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.01)
        assert server.started, "uvicorn did not start"
        yield listener.getsockname()[1], server
    finally:
        server.should_exit = True
        thread.join(15)
        listener.close()
        assert not thread.is_alive(), "uvicorn did not stop"


async def open_client(port: int, name: str, *, reads: bool) -> ClientConnection:
    sock = None
    if not reads:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
        sock.connect(("127.0.0.1", port))
    return await connect(
        f"ws://127.0.0.1:{port}/ws/page?name={name}",
        sock=sock,
        compression=None,
        max_size=None,
        max_queue=1 if not reads else 16,
        ping_interval=None,
    )


class Reader:
    """A client that reads every push and remembers the newest seq it saw."""

    def __init__(self, live: Any, connection: ClientConnection) -> None:
        self.live, self.connection = live, connection
        self.seqs: list[int] = []
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in self.connection:
                self.seqs.append(self.live.seq_of(str(message)))

    @property
    def newest(self) -> int:
        return self.seqs[-1] if self.seqs else -1


async def drain(connection: ClientConnection) -> int | None:
    """Start reading at last; return the close code the server sent (None: cut off)."""
    with contextlib.suppress(ConnectionClosed):
        async for _ in connection:
            pass
    received = connection.protocol.close_rcvd
    return received.code if received is not None else None


def test_a_client_that_stops_reading_is_closed_with_1013_and_readers_keep_up(live):
    renderer = live.FakeRenderer(fragment_size=50_000)
    hub = Hub(
        renderer=renderer,
        backend=MemoryBackend(),
        push_rates={"projector": 50},
        send_timeout=3.0,
        close_timeout=3.0,
    )
    released: set[str] = set()
    RecordingWebSocket.closes.clear()

    async def publish(seq: int) -> None:
        renderer.seq = seq
        hub.notify("room", seq, ["stack"])  # from this thread: notify is thread-safe
        await asyncio.sleep(0.01)

    async def scenario(port: int, server: uvicorn.Server) -> None:
        readers = [Reader(live, await open_client(port, f"r{i}", reads=True)) for i in range(3)]
        # "late" starts reading once dropped and sees the close; "gone" never reads.
        late = await open_client(port, "late", reads=False)
        gone = await open_client(port, "gone", reads=False)
        await live.until(lambda: hub.socket_count("room") == 5)
        seq = 0
        while len(hub._stalled) < 2:  # until both non-readers have a send stuck in flight
            seq += 1
            assert seq < 2000, "the non-reading clients never stalled"
            await publish(seq)
        for _ in range(3):  # the room goes on while two sockets are stuck
            seq += 1
            await publish(seq)
            await live.until(lambda seq=seq: all(r.newest == seq for r in readers), timeout=5)
        await live.until(lambda: "late" in RecordingWebSocket.closes, timeout=10)
        late_code = await drain(late)
        await live.until(lambda: "gone" in released, timeout=10)
        # Its peer still reads nothing, yet the server holds no connection for it any more:
        # the transport was aborted (a graceful close would wait for the peer forever).
        await live.until(lambda: len(server.server_state.connections) == 3, timeout=5)
        gone_code = await drain(gone)
        seq += 1
        await publish(seq)
        await live.until(lambda: all(r.newest == seq for r in readers), timeout=5)

        assert RecordingWebSocket.closes == {"late": 1013, "gone": 1013}
        assert late_code == 1013  # took the close frame once it read again
        assert gone_code is None  # never read: the server cut the connection
        assert hub.socket_count("room") == 3
        assert all(r.seqs == sorted(r.seqs) for r in readers)
        for reader in readers:
            await reader.connection.close()
            await reader.task

    with serving(build_app(hub, released)) as (port, server):
        live.run(scenario(port, server), timeout=60)
    assert released == {"r0", "r1", "r2", "late", "gone"}


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not [t for t in leftover if not t.name.startswith("asyncio_")], leftover
