"""Compressed responses (app/web/compression.py): brotli or gzip as the client asks, for text
bodies of 500 bytes or more sent whole; websockets, streamed bodies, small replies and bodies
already encoded pass through untouched."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from urllib.parse import quote

import brotli
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from app.web.compression import (
    MIN_SIZE,
    SLOWEST_MAX_SIZE,
    Compression,
    choose_encoding,
    compress,
)
from tests.conftest import GA

TEXT = ("The stack keeper calls the next speaker. " * 40).encode()


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("GZIP", "gzip"),
        ("br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.4", "gzip"),
        ("gzip;q=0.5, br;q=0.5", "br"),
        ("br;q=nonsense, gzip", "gzip"),
        ("*", "br"),
        ("*;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("identity", None),
        ("deflate", None),
        ("", None),
    ],
)
def test_the_encoding_is_the_one_the_client_weighs_most_brotli_first(
    accept: str, chosen: str | None
) -> None:
    assert choose_encoding(accept) == chosen


def test_static_files_get_the_slowest_levels_and_a_big_one_faster_ones() -> None:
    text = b"".join(b"<li>hand %d raised</li>" % i for i in range(3000))
    assert len(compress(text, "gzip", best=True)) < len(gzip.compress(text, 9))  # Zopfli
    assert compress(text, "br", best=True) == brotli.compress(text, quality=11)
    big = text * (SLOWEST_MAX_SIZE // len(text) + 1)
    assert compress(big, "gzip", best=True) == gzip.compress(big, 9, mtime=0)
    assert compress(big, "br", best=True) == brotli.compress(big, quality=9)
    for encoding, unpack in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        assert unpack(compress(text, encoding, best=True)) == text
        assert unpack(compress(text, encoding)) == text


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError):
        compress(TEXT, "zstd")


def small_app() -> Starlette:
    """An app with each kind of reply the middleware must tell apart."""

    async def text(request: Request) -> Response:
        size = int(request.query_params.get("size", len(TEXT)))
        kind = request.query_params.get("type", "text/html; charset=utf-8")
        headers = {"ETag": '"v1"'} if "etag" in request.query_params else {}
        if "no-transform" in request.query_params:
            headers["Cache-Control"] = "no-transform"
        return Response(TEXT[:size], media_type=kind, headers=headers)

    async def encoded(request: Request) -> Response:
        body = gzip.compress(TEXT)
        return Response(body, media_type="text/css", headers={"Content-Encoding": "gzip"})

    async def streamed(request: Request) -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield TEXT

        return StreamingResponse(parts(), media_type="text/html")

    async def empty(request: Request) -> Response:
        return Response(status_code=204)

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        message = await websocket.receive_text()
        await websocket.send_text(message * 100)
        await websocket.close()

    app = Starlette(
        routes=[
            Route("/text", text),
            Route("/encoded", encoded),
            Route("/streamed", streamed),
            Route("/empty", empty),
            WebSocketRoute("/ws", echo),
        ]
    )
    app.add_middleware(Compression)
    return app


@pytest.fixture
def small() -> TestClient:
    return TestClient(small_app())


def raw(client: TestClient, url: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    with client.stream("GET", url, headers={"Accept-Encoding": accept}) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_raw())


@pytest.mark.parametrize(
    ("accept", "unpack"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_a_page_is_compressed_and_unpacks_to_the_same_bytes(
    small: TestClient, accept: str, unpack: object
) -> None:
    status, headers, body = raw(small, "/text", accept)
    assert status == 200 and headers["content-encoding"] == accept
    assert headers["content-length"] == str(len(body)) and len(body) < len(TEXT) / 5
    assert headers["vary"] == "Accept-Encoding"
    assert callable(unpack) and unpack(body) == TEXT


@pytest.mark.parametrize(
    "kind",
    ["text/css", "text/javascript", "application/json", "image/svg+xml", "application/atom+xml"],
)
def test_text_of_every_kind_is_compressed(small: TestClient, kind: str) -> None:
    _, headers, _ = raw(small, f"/text?type={quote(kind)}", "gzip")
    assert headers["content-encoding"] == "gzip"


def test_a_client_that_asks_for_nothing_gets_identity_with_vary(small: TestClient) -> None:
    status, headers, body = raw(small, "/text", "")
    assert status == 200 and "content-encoding" not in headers and body == TEXT
    assert headers["vary"] == "Accept-Encoding"  # a shared cache keeps both copies apart


def test_a_reply_under_the_minimum_is_sent_as_it_is(small: TestClient) -> None:
    _, headers, body = raw(small, f"/text?size={MIN_SIZE - 1}", "gzip, br")
    assert "content-encoding" not in headers and "vary" not in headers
    assert body == TEXT[: MIN_SIZE - 1]
    _, headers, _ = raw(small, f"/text?size={MIN_SIZE}", "gzip, br")
    assert headers["content-encoding"] == "br"


@pytest.mark.parametrize("kind", ["image/png", "application/octet-stream", "text/event-stream"])
def test_a_body_that_is_not_text_is_sent_as_it_is(small: TestClient, kind: str) -> None:
    _, headers, body = raw(small, f"/text?type={quote(kind)}", "gzip, br")
    assert "content-encoding" not in headers and body == TEXT


def test_a_body_already_encoded_is_left_alone(small: TestClient) -> None:
    _, headers, body = raw(small, "/encoded", "br")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == TEXT


def test_no_transform_is_respected(small: TestClient) -> None:
    _, headers, body = raw(small, "/text?no-transform=1", "gzip, br")
    assert "content-encoding" not in headers and body == TEXT


def test_a_streamed_body_goes_out_as_it_comes(small: TestClient) -> None:
    with small.stream("GET", "/streamed", headers={"Accept-Encoding": "gzip, br"}) as response:
        assert "content-encoding" not in response.headers
        assert b"".join(response.iter_raw()) == TEXT * 3


def test_an_empty_reply_is_untouched(small: TestClient) -> None:
    response = small.get("/empty", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 204 and "content-encoding" not in response.headers


def test_a_strong_etag_becomes_weak_once_compressed(small: TestClient) -> None:
    assert raw(small, "/text?etag=1", "gzip")[1]["etag"] == 'W/"v1"'
    assert raw(small, "/text?etag=1", "")[1]["etag"] == '"v1"'


def test_a_websocket_passes_through_untouched(small: TestClient) -> None:
    with small.websocket_connect("/ws", headers={"Accept-Encoding": "gzip, br"}) as socket:
        socket.send_text("hand raised. ")
        assert socket.receive_text() == "hand raised. " * 100


def test_the_app_compresses_its_json_and_pages(client: TestClient, assembly: GA) -> None:
    _, headers, body = raw(client, "/openapi.json", "gzip, deflate, br")
    assert headers["content-encoding"] == "br" and headers["vary"] == "Accept-Encoding"
    assert brotli.decompress(body) == client.get("/openapi.json").content
    _, headers, body = raw(client, f"/j/{assembly.join_code}", "gzip")
    assert headers["content-encoding"] == "gzip" and b"<form" in gzip.decompress(body)


def test_the_app_sends_small_replies_as_they_are(client: TestClient, assembly: GA) -> None:
    response = client.get("/api/assemblies/nope", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code in (401, 404)
    assert "content-encoding" not in response.headers


def test_the_body_limit_still_refuses_a_large_request(client: TestClient) -> None:
    response = client.post(
        "/api/assemblies",
        content=b"x" * (256 * 1024 + 1),
        headers={"Content-Type": "application/json", "Accept-Encoding": "gzip, br"},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
