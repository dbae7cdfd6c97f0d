"""What a phone downloads, counted on the wire of a real uvicorn server.

A realistic evening is set up through the JSON API (40 people, a proposal amended once and on
screen with a call for consensus open, hands on the stack, other items on the agenda); then a
phone comes in from the QR code as a browser does (join page, form, cookie) and loads its page
and every stylesheet, script and icon the pages name, asking for compression as Chromium does.
Bytes are counted as they arrive: status line, headers and body as transferred. The figures are
stable (the same markup and files give the same bytes), so the budgets are asserted.
"""

from __future__ import annotations

import gzip
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import brotli
import httpx
import pytest
from bs4 import BeautifulSoup
from websockets.sync.client import connect

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.e2e.harness import free_port, serve_in_thread

FIRST_LOAD_BUDGET = 40_000  # bytes: the page and everything it loads, on a phone's first visit
SECOND_VIEW_BUDGET = 8_000  # bytes: the page again, every static file cached as immutable
# What Chromium asks for: brotli over HTTPS only; a room served over plain HTTP gets gzip.
CHROMIUM = "gzip, deflate, br"
CHROMIUM_PLAIN_HTTP = "gzip, deflate"
PROPOSAL = (
    "From the first frost until the end of March the commons keeps six winter tents on the "
    "north lawn for anyone who needs a warm place to sleep. The tents working group puts them "
    "up and takes them down, keeps a rota of two volunteers each night, and reports to every "
    "general assembly how many people slept there, what broke and what it spent. Money for "
    "repairs comes from the general fund up to 300 a month; anything above that comes back "
    "to the assembly as a proposal of its own."
)
NAMES = [
    "Abebe", "Bianca", "Chen", "Dolores", "Emeka", "Farah", "Gus", "Hannah", "Ines", "Jamal",
    "Kofi", "Lena", "Mateo", "Nia", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tomasz",
]  # fmt: skip


@dataclass
class Wire:
    """One HTTP response as it crossed the socket."""

    status: int
    headers: dict[str, str]  # lower-case names; repeated ones joined with "\n"
    body: bytes  # as sent: still compressed, de-chunked
    size: int  # every byte received: status line, headers, body with its framing

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def decoded(self) -> bytes:
        encoding = self.header("content-encoding")
        if encoding == "br":
            return bytes(brotli.decompress(self.body))
        if encoding == "gzip":
            return gzip.decompress(self.body)
        assert encoding == "", encoding
        return self.body


class Connection:
    """A kept-alive HTTP/1.1 connection, as a browser holds one, reading one reply at a time."""

    def __init__(self, base: str) -> None:
        where = urlsplit(base)
        self.host = where.netloc
        self.socket = socket.create_connection((where.hostname, where.port), timeout=10)
        self.buffer = b""

    def close(self) -> None:
        self.socket.close()

    def exchange(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Wire:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = self._until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
        status = int(status_line.split()[1])
        parsed: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            parsed[key] = f"{parsed[key]}\n{value.strip()}" if key in parsed else value.strip()
        size = len(head)
        if method == "HEAD" or status in (204, 304):
            content = b""
        elif parsed.get("transfer-encoding") == "chunked":
            content, framed = self._chunked()
            size += framed
        else:
            content = self._take(int(parsed["content-length"]))
            size += len(content)
        return Wire(status, parsed, content, size)

    def _chunked(self) -> tuple[bytes, int]:
        """A chunked body, and how many bytes it took with its framing."""
        content, framed = bytearray(), 0
        while True:
            size_line = self._until(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            data = self._take(size + 2)
            framed += len(size_line) + len(data)
            content += data[:size]
            if size == 0:
                return bytes(content), framed

    def _fill(self) -> None:
        chunk = self.socket.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-reply")
        self.buffer += chunk

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        cut = self.buffer.index(marker) + len(marker)
        found, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return found

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        found, self.buffer = self.buffer[:n], self.buffer[n:]
        return found


def fetch(base: str, path: str, *, headers: dict[str, str] | None = None) -> Wire:
    """One GET on a connection of its own."""
    connection = Connection(base)
    try:
        return connection.exchange("GET", path, headers or {})
    finally:
        connection.close()


def assets_of(html: bytes) -> list[str]:
    """Every stylesheet, script and icon a page makes the browser load."""
    page = BeautifulSoup(html, "html.parser")
    found = [str(tag["src"]) for tag in page.find_all("script", src=True)]
    found += [
        str(tag["href"])
        for tag in page.find_all("link", href=True)
        if {"stylesheet", "icon"} & set(tag.get("rel") or [])
    ]
    return list(dict.fromkeys(found))


class Browser:
    """A phone's browser: a cookie jar and a cache that keeps immutable responses."""

    def __init__(self, base: str, accept_encoding: str = CHROMIUM) -> None:
        self.base = base
        self.accept_encoding = accept_encoding
        self.cookies: dict[str, str] = {}
        self.cache: set[str] = set()
        self.log: list[tuple[str, Wire]] = []
        self.connection = Connection(base)  # kept alive, as browsers do

    def close(self) -> None:
        self.connection.close()

    def request(
        self, path: str, *, method: str = "GET", form: dict[str, str] | None = None
    ) -> Wire:
        headers = {"Accept-Encoding": self.accept_encoding, "Accept": "text/html,*/*"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base
        wire = self.connection.exchange(method, path, headers, body)
        for cookie in filter(None, wire.header("set-cookie").split("\n")):
            name, _, value = cookie.split(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        self.log.append((path, wire))
        return wire

    def load(self, path: str) -> Wire:
        """A page and the files it names that are not in the cache yet."""
        page = self.request(path)
        assert page.status == 200, page.status
        for url in assets_of(page.decoded()):
            if url in self.cache:
                continue
            asset = self.request(url)
            assert asset.status == 200, url
            if "immutable" in asset.header("cache-control"):
                self.cache.add(url)
        return page

    def bytes_since(self, start: int) -> int:
        return sum(wire.size for _, wire in self.log[start:])


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": base}), db)
    with serve_in_thread(app, port=port) as url:
        assert url == base
        yield base


@pytest.fixture
def browsers(server: str) -> Iterator[Callable[..., Browser]]:
    """browsers(accept_encoding): a new phone's browser, on its own kept-alive connection."""
    made: list[Browser] = []

    def make(accept_encoding: str = CHROMIUM) -> Browser:
        made.append(Browser(server, accept_encoding))
        return made[-1]

    yield make
    for browser in made:
        browser.close()


@pytest.fixture
def evening(server: str) -> dict[str, Any]:
    """An assembly in the middle of its evening, built through the JSON API."""
    with httpx.Client(base_url=server, timeout=10) as api:

        def call(method: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
            reply = api.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert reply.status_code in (200, 201), (path, reply.text)
            data: dict[str, Any] = reply.json()
            return data

        made = api.post(
            "/api/assemblies",
            json={"title": "Riverside Commons GA", "facilitator_name": "Noor", "location": "Hall"},
        ).json()
        aid, boss = made["id"], made["facilitator_token"]
        people = [
            api.post(
                "/api/join", json={"join_code": made["join_code"], "name": f"{NAMES[i % 20]} {i}"}
            ).json()
            for i in range(40)
        ]
        tokens = [p["token"] for p in people]
        call("POST", f"/api/assemblies/{aid}/headcount", boss, {"count": 64})
        call("POST", f"/api/assemblies/{aid}/roles", boss,
             {"participant_id": people[0]["participant_id"], "role": "stack_keeper"})  # fmt: skip
        base = f"/api/assemblies/{aid}/agenda"
        report = call("POST", base, boss, {"title": "Kitchen report", "kind": "report"})
        call("POST", base, boss, {"title": "Drumming hours", "kind": "discussion"})
        call("POST", f"{base}/{report['item_id']}/open", boss, {})
        proposal = call("POST", f"/api/assemblies/{aid}/proposals", boss, {
            "title": "Winter tents", "text": PROPOSAL, "working_group": "Tents",
            "presenter_id": people[1]["participant_id"],
        })  # fmt: skip
        pid = proposal["proposal_id"]
        item = proposal["agenda_item_id"]
        call("POST", f"{base}/{item}/open", boss, {})
        call("POST", f"/api/proposals/{pid}/stage", boss, {"stage": "amendments"})
        amended = PROPOSAL.replace("six winter tents", "eight winter tents")
        amendment = call("POST", f"/api/proposals/{pid}/amendments", tokens[5], {"text": amended})
        amendment_id = amendment["amendment_id"]
        call("POST", f"/api/amendments/{amendment_id}/accept", tokens[1], {})
        call("POST", f"/api/proposals/{pid}/stage", boss, {"stage": "consensus_call"})
        round_ = call("POST", f"/api/proposals/{pid}/rounds", boss, {"kind": "consensus"})
        rid = round_["round_id"]
        for token in tokens[2:14]:
            call("PUT", f"/api/rounds/{rid}/response", token, {"value": "agree"})
        for kind, token in zip(
            ("speak", "clarifying_question", "speak", "direct_response", "speak"),
            tokens[20:25],
            strict=True,
        ):
            call("POST", f"/api/assemblies/{aid}/stack", token, {"kind": kind})
        call("POST", f"/api/assemblies/{aid}/stack/next", boss, {})
        return {"id": aid, "join_code": made["join_code"]}


@pytest.mark.parametrize(("accept", "encoding"), [(CHROMIUM, "br"), (CHROMIUM_PLAIN_HTTP, "gzip")])
def test_a_phones_first_load_and_second_view_stay_within_budget(
    browsers: Callable[..., Browser], evening: dict[str, Any], accept: str, encoding: str
) -> None:
    phone = browsers(accept)
    join_page = phone.load(f"/j/{evening['join_code']}")  # the QR code's address
    assert join_page.header("content-encoding") == encoding
    joined = phone.request(
        "/join", method="POST", form={"join_code": evening["join_code"], "name": "Wren"}
    )
    assert joined.status == 303 and joined.header("location") == f"/a/{evening['id']}"
    assert phone.cookies, "the join form sets the session cookie"
    phone.load(f"/a/{evening['id']}")
    whole_way = phone.bytes_since(0)  # join page, form, phone page, each file once

    # The phone page with every file it names, none of them cached yet.
    fresh = browsers(accept)
    fresh.cookies = dict(phone.cookies)
    page = fresh.load(f"/a/{evening['id']}")
    html = page.decoded().decode()
    assert "Winter tents" in html and "Wren" in html  # the proposal on screen, and who I am
    names = [path for path, _ in fresh.log]
    assert any("htmx" in name for name in names) and any(".css" in name for name in names)
    assert any("favicon" in name for name in names)
    assert all(wire.header("content-encoding") == encoding for _, wire in fresh.log)
    first_load = fresh.bytes_since(0) + socket_opening(fresh, evening["id"], html)

    again = len(fresh.log)
    fresh.load(f"/a/{evening['id']}")
    assert len(fresh.log) == again + 1  # only the page: every file it names is cached
    second_view = fresh.bytes_since(again)

    report = "\n".join(
        f"{wire.size:>7} {wire.header('content-encoding') or '-':>4} {path}"
        for path, wire in phone.log + fresh.log
    )
    figures = (
        f"{encoding}: first load {first_load} B, from the QR code {whole_way} B, "
        f"again {second_view} B"
    )
    print(f"\n{figures}\n{report}")
    assert first_load <= FIRST_LOAD_BUDGET, f"{figures}\n{report}"
    assert whole_way <= FIRST_LOAD_BUDGET, f"{figures}\n{report}"
    assert second_view <= SECOND_VIEW_BUDGET, f"{figures}\n{report}"


def socket_opening(browser: Browser, assembly_id: str, html: str) -> int:
    """Bytes the page's live socket brings before anything changes, opened as static/live.js
    opens it (the page's seq, whole=1): the handshake reply and the first message, which is
    only the seq when nothing has changed since the page was rendered (no second snapshot)."""
    seq = BeautifulSoup(html, "html.parser").select_one("#mc-seq")["data-seq"]
    url = browser.base.replace("http://", "ws://")
    url += f"/ws/assemblies/{assembly_id}?view=phone&since={seq}&whole=1"
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    headers = {"Cookie": cookie, "Origin": browser.base}
    with connect(url, additional_headers=headers, compression=None, open_timeout=10) as ws:
        first = ws.recv(timeout=10)
        assert isinstance(first, str)
        ids = [e["id"] for e in BeautifulSoup(first, "html.parser").find_all(recursive=False)]
        assert ids == ["mc-seq"], ids
        assert ws.response is not None
        reply = len(f"HTTP/1.1 {ws.response.status_code} {ws.response.reason_phrase}\r\n")
        reply += sum(len(f"{k}: {v}\r\n") for k, v in ws.response.headers.raw_items()) + 2
    return reply + len(first.encode()) + 2  # a small frame's header is 2 bytes


def test_a_browser_without_compression_gets_the_same_page_uncompressed(
    server: str, browsers: Callable[..., Browser], evening: dict[str, Any]
) -> None:
    phone = browsers()
    phone.request("/join", method="POST", form={"join_code": evening["join_code"], "name": "Wren"})
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    path = f"/a/{evening['id']}"
    plain = fetch(server, path, headers={"Cookie": cookie})
    assert plain.status == 200 and plain.header("content-encoding") == ""
    assert plain.header("vary") == "Accept-Encoding"
    for encoding in ("gzip", "br"):
        packed = fetch(server, path, headers={"Cookie": cookie, "Accept-Encoding": encoding})
        assert packed.header("content-encoding") == encoding
        assert packed.size * 3 < plain.size
        assert same_page(packed.decoded(), plain.body)
    for url in assets_of(plain.body):
        file = fetch(server, url)
        assert file.status == 200 and file.header("content-encoding") == "", url
        packed = fetch(server, url, headers={"Accept-Encoding": CHROMIUM})
        assert packed.decoded() == file.body, url


def same_page(one: bytes, other: bytes) -> bool:
    """Two renders of a page are the same but for the clock (times and countdowns)."""
    return re.sub(rb"\d", b"0", one) == re.sub(rb"\d", b"0", other)
