"""Pushes written as whole frames straight to uvicorn's connection (app.live.outbox)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode
from websockets.sync.client import connect

from app.live.wire import direct_writer, text_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_is_the_frame_the_websockets_library_would_send(size: int) -> None:
    text = ("é" * size)[:size] if size % 2 else "x" * size
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    assert text_frame(text) == expected


class Seen:
    def __init__(self) -> None:
        self.writer: list[bool] = []
        self.full_after: list[int] = []


def app_for(seen: Seen, *, fill: bool = False) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        write = direct_writer(websocket)
        seen.writer.append(write is not None)
        if write is None:
            await websocket.send_text("by the ASGI path")
        elif not fill:
            assert write(text_frame("written whole"))
        else:  # a client that never reads: the writer stops once the buffer is full
            frame = text_frame("x" * 16_000)
            for n in range(10_000):
                if not write(frame):
                    seen.full_after.append(n)
                    break
                await asyncio.sleep(0)
        await asyncio.sleep(0.5)

    return app


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any, *, deflate: bool = False) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", ws_per_message_deflate=deflate
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        servers.append((server, thread))
        return f"ws://127.0.0.1:{sock.getsockname()[1]}/ws"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def test_a_push_is_written_whole_to_an_uncompressed_uvicorn_connection(serve: Any) -> None:
    seen = Seen()
    with connect(serve(app_for(seen)), compression=None) as client:
        assert client.recv(timeout=5) == "written whole"
    assert seen.writer == [True]


def test_with_compression_negotiated_pushes_take_the_asgi_path(serve: Any) -> None:
    seen = Seen()
    with connect(serve(app_for(seen), deflate=True), compression="deflate") as client:
        assert client.recv(timeout=5) == "by the ASGI path"
    assert seen.writer == [False]


def test_a_connection_that_stops_reading_refuses_direct_writes_once_its_buffer_is_full(
    serve: Any,
) -> None:
    # The send then takes the ASGI path, which waits for the buffer to drain, and the hub's
    # send timeout drops that phone (tests/live/test_uvicorn_stuck_socket.py).
    seen = Seen()
    url = serve(app_for(seen, fill=True))
    raw = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0])))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.sendall(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    for _ in range(100):
        if seen.full_after:
            break
        threading.Event().wait(0.05)
    raw.close()
    assert seen.writer == [True]
    assert seen.full_after and seen.full_after[0] < 10_000
