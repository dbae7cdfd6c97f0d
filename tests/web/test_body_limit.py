"""Bodies past the size limit are refused with 413, with or without a Content-Length
(app/web/app.py BodyLimit)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import MAX_BODY_BYTES, create_app
from tests.conftest import GA, error_of
from tests.e2e.harness import serve_in_thread


def chunks(total: int, size: int = 16_384) -> Iterator[bytes]:
    """A body sent chunked, with no Content-Length: `total` bytes in pieces."""
    yield b'{"join_code": "ABCDEF", "name": "'
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece
    yield b'"}'


def test_a_chunked_json_body_past_the_limit_is_refused_with_413(client: TestClient) -> None:
    response = client.post(
        "/api/join",
        content=chunks(MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_a_chunked_page_form_past_the_limit_is_refused_with_413(
    client: TestClient, assembly: GA
) -> None:
    def form() -> Iterator[bytes]:
        yield b"join_code=" + assembly.join_code.encode() + b"&name="
        yield from (b"y" * 16_384 for _ in range(MAX_BODY_BYTES // 16_384 + 2))

    response = client.post(
        "/join",
        content=form(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "origin": "http://testserver",
        },
        follow_redirects=False,
    )
    assert response.status_code == 413
    state = client.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers)
    assert state.json()["seq"] == 1  # nobody joined: nothing was appended after the creation


def test_a_small_chunked_body_is_read_as_usual(client: TestClient, assembly: GA) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"join_code": "' + assembly.join_code.encode()
        yield b'", "name": "Chunked Chen"}'

    response = client.post(
        "/api/join", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[str]:
    with serve_in_thread(create_app(settings, db)) as base:
        yield base


def test_a_real_server_stops_reading_a_huge_chunked_body_and_answers_413(server: str) -> None:
    # 300 MB announced by nobody: the server answers once the limit is passed, long before.
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            b"POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        piece = b"x" * 65_536
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        reply = b""
        try:
            for _ in range(300_000_000 // len(piece)):
                raw.sendall(chunk)
                raw.settimeout(0)
                with contextlib.suppress(BlockingIOError):
                    reply += raw.recv(65_536)
                raw.settimeout(10)
                if b"\r\n\r\n" in reply:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed: what is left is its answer
        raw.settimeout(10)
        while b"\r\n\r\n" not in reply:
            more = raw.recv(65_536)
            if not more:
                break
            reply += more
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"too_large" in reply or b"transfer-encoding: chunked" in reply.lower()
