"""static/live.js in a real browser, against a tiny app whose websocket the test drives."""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from harness import REPO_ROOT, screenshot
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from app.web.render import make_environment

ASSEMBLY_ID = 7
WAIT = 10.0  # seconds: upper bound for anything the browser should do "soon"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>live.js harness</title>
<style>
  body {{ font: 18px/1.4 sans-serif; margin: 1rem; }}
  #stack {{ border: 2px solid #333; padding: .5rem 1rem; }}
  #mc-connection {{ padding: .25rem .5rem; border-radius: .25rem; }}
  #mc-connection[data-state=live] {{ background: #cfc; }}
  #mc-connection[data-state=reconnecting] {{ background: #ffc; }}
  #mc-connection[data-state=closed] {{ background: #fcc; }}
</style>
</head>
<body data-assembly-id="{aid}" data-view="phone" data-participant-id="" {hb_attr} {texts}>
<h1>Assembly {aid}</h1>
<p id="mc-connection" role="status" aria-live="polite"></p>
<div id="mc-live" hx-ext="ws" ws-connect="{ws_url}">
  <div id="mc-seq" data-seq="{seq}" hidden></div>
  <section id="stack"><h2>Stack</h2><p id="stack-text">Nobody on stack.</p></section>
</div>
<script>
  // Test-only: record every status live.js sets, so quick transitions are not missed.
  window.statusLog = [];
  new MutationObserver(function () {{
    window.statusLog.push(document.getElementById('mc-connection').getAttribute('data-state'));
  }}).observe(document.getElementById('mc-connection'),
              {{attributes: true, attributeFilter: ['data-state']}});
</script>
<script src="/static/vendor/htmx-2.0.11.min.js"></script>
<script src="/static/vendor/htmx-ext-ws-2.0.4.min.js"></script>
<script src="/static/live.js"></script>
</body>
</html>
"""


def page_texts() -> str:
    """The data-t-* attributes base.html gives a live view's <body>: the texts live.js shows."""
    live_view = '{% extends "base.html" %}{% block body_attrs %} data-view="phone"{% endblock %}'
    body = BeautifulSoup(make_environment().from_string(live_view).render(), "html.parser").body
    assert body is not None
    return " ".join(
        f'{name}="{html.escape(str(value))}"'
        for name, value in body.attrs.items()
        if name.startswith("data-t-")
    )


TEXTS = page_texts()


def seq_fragment(seq: int) -> str:
    """What a heartbeat is: the #mc-seq element alone, swapped out of band."""
    return f'<div id="mc-seq" data-seq="{seq}" hidden hx-swap-oob="true"></div>'


def stack_push(text: str, seq: int) -> str:
    return (
        '<section id="stack" hx-swap-oob="true"><h2>Stack</h2>'
        f'<p id="stack-text">{html.escape(text)}</p></section>' + seq_fragment(seq)
    )


@dataclass
class Conn:
    """One websocket as the server saw it; methods are called from the test thread."""

    query: dict[str, str]
    loop: asyncio.AbstractEventLoop
    outbox: asyncio.Queue[tuple[str, Any, Any]] = field(default_factory=asyncio.Queue)
    ended: threading.Event = field(default_factory=threading.Event)

    def push(self, text: str) -> None:
        self.loop.call_soon_threadsafe(self.outbox.put_nowait, ("send", text, None))

    def close(self, code: int, reason: str = "") -> None:
        self.loop.call_soon_threadsafe(self.outbox.put_nowait, ("close", code, reason))


class Control:
    """Shared between the server thread and the test: records and drives connections."""

    def __init__(self) -> None:
        self.connections: list[Conn] = []
        self.hang_handshakes = 0  # this many next handshakes are never answered
        self.stopping = False
        self._cond = threading.Condition()

    def add(self, conn: Conn) -> None:
        with self._cond:
            self.connections.append(conn)
            self._cond.notify_all()

    def take_hang(self) -> bool:
        with self._cond:
            if self.hang_handshakes > 0:
                self.hang_handshakes -= 1
                return True
            return False

    def wait_for(self, n: int, timeout: float = WAIT) -> Conn:
        """Block until the n-th connection (1-based) has been accepted; return it."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.connections) >= n, timeout)
            assert ok, f"expected connection #{n}, saw {len(self.connections)}"
            return self.connections[n - 1]

    def count(self) -> int:
        with self._cond:
            return len(self.connections)


def make_app(control: Control) -> Starlette:
    async def assembly_page(request: Request) -> HTMLResponse:
        q = request.query_params
        hb = q.get("hb")
        ws_query = q.get("ws_query", f"view=phone&since={q.get('seq', '0')}")
        return HTMLResponse(
            PAGE.format(
                aid=ASSEMBLY_ID,
                seq=int(q.get("seq", "0")),
                ws_url=html.escape(f"/ws/assemblies/{ASSEMBLY_ID}?{ws_query}"),
                hb_attr=f'data-heartbeat-timeout="{int(hb)}"' if hb else "",
                texts=TEXTS,
            )
        )

    async def drain(websocket: WebSocket) -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    async def live_socket(websocket: WebSocket) -> None:
        if control.take_hang():
            # Never accept: the browser's socket stays CONNECTING until it gives up.
            while not control.stopping:
                await asyncio.sleep(0.05)
            return
        await websocket.accept()
        conn = Conn(query=dict(websocket.query_params), loop=asyncio.get_running_loop())
        control.add(conn)
        receiver = asyncio.create_task(drain(websocket))
        try:
            while True:
                getter = asyncio.create_task(conn.outbox.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                    break  # the client went away
                kind, arg, reason = getter.result()
                if kind == "send":
                    await websocket.send_text(arg)
                else:
                    await websocket.close(code=arg, reason=reason)
                    break
        finally:
            receiver.cancel()
            conn.ended.set()

    return Starlette(
        routes=[
            Route("/assemblies/{aid:int}", assembly_page),
            WebSocketRoute("/ws/assemblies/{aid:int}", live_socket),
            Mount("/static", StaticFiles(directory=Path(REPO_ROOT, "static")), name="static"),
        ]
    )


@pytest.fixture
def harness(live_server: Callable[[Any], str]) -> Iterator[tuple[str, Control]]:
    control = Control()
    base_url = live_server(make_app(control))
    yield base_url, control
    control.stopping = True


def open_page(page: Page, base_url: str, **params: Any) -> None:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{base_url}/assemblies/{ASSEMBLY_ID}?{query}")


def status(page: Page) -> Any:
    return page.locator("#mc-connection")


def wait_live(page: Page) -> None:
    expect(status(page)).to_have_attribute("data-state", "live")
    expect(status(page)).to_have_text("Live")


def wait_last_seq(page: Page, seq: int) -> None:
    page.wait_for_function(f"() => window.micCheck && micCheck.lastSeq() === {seq}")


@pytest.mark.parametrize(
    ("ws_query", "expected"),
    [
        # whole=1: before its first push the page holds every region as rendered at its seq.
        ("view=phone", {"view": "phone", "since": "3", "whole": "1"}),  # since added
        ("view=phone%26since=0", {"view": "phone", "since": "3", "whole": "1"}),  # replaced
        ("since=0%26view=phone", {"view": "phone", "since": "3", "whole": "1"}),  # first too
    ],
)
def test_first_connect_sends_seq_rendered_in_page(
    page: Page, harness: tuple[str, Control], ws_query: str, expected: dict[str, str]
) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=3, ws_query=ws_query)
    assert control.wait_for(1).query == expected
    wait_live(page)
    assert page.evaluate("micCheck.lastSeq()") == 3


def test_pushed_fragment_replaces_region_and_updates_seq(
    page: Page, harness: tuple[str, Control]
) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=0)
    conn = control.wait_for(1)
    wait_live(page)
    conn.push(stack_push("Ana is speaking; Bo is next.", 5))
    expect(page.locator("#stack-text")).to_have_text("Ana is speaking; Bo is next.")
    wait_last_seq(page, 5)
    expect(page.locator("#mc-seq")).to_have_attribute("data-seq", "5")
    wait_live(page)
    screenshot(page, "live_js_harness")


def test_last_seq_is_the_highest_seen(page: Page, harness: tuple[str, Control]) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=2)
    conn = control.wait_for(1)
    conn.push(seq_fragment(9))
    wait_last_seq(page, 9)
    conn.push(stack_push("late push", 8))
    expect(page.locator("#stack-text")).to_have_text("late push")
    assert page.evaluate("micCheck.lastSeq()") == 9


def test_reconnect_after_1013_sends_last_seen_seq(page: Page, harness: tuple[str, Control]) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=0)
    first = control.wait_for(1)
    first.push(stack_push("Ana is speaking", 5))
    wait_last_seq(page, 5)
    first.close(1013, "slow")
    second = control.wait_for(2)
    assert second.query == {"view": "phone", "since": "5"}
    wait_live(page)
    assert "reconnecting" in page.evaluate("window.statusLog")


@pytest.mark.parametrize("code", [1012, 1011, 1000, 1001, 4000])
def test_reconnect_after_other_server_closes_sends_last_seen_seq(
    page: Page, harness: tuple[str, Control], code: int
) -> None:
    # 1011/1012 are retried by htmx-ext-ws itself; 1000, 1001 and 4xxx only by live.js.
    base_url, control = harness
    open_page(page, base_url, seq=1)
    first = control.wait_for(1)
    first.push(seq_fragment(6))
    wait_last_seq(page, 6)
    first.close(code)
    assert control.wait_for(2).query["since"] == "6"
    wait_live(page)
    assert page.evaluate("window.statusLog") == ["live", "reconnecting", "live"]


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("not admitted yet", "Disconnected — not admitted yet"),
        ("", "Disconnected — not allowed"),
    ],
    ids=["with-reason", "no-reason"],
)
def test_close_1008_stops_reconnecting_and_says_why(
    page: Page, harness: tuple[str, Control], reason: str, shown: str
) -> None:
    base_url, control = harness
    # A short watchdog too: it must not revive a socket the server refused.
    open_page(page, base_url, seq=4, hb=800)
    control.wait_for(1).close(1008, reason)
    expect(status(page)).to_have_text(shown)
    expect(status(page)).to_have_attribute("data-state", "closed")
    page.wait_for_timeout(2500)  # > 3 watchdog periods and the first backoff step
    assert control.count() == 1
    expect(status(page)).to_have_text(shown)


def test_silent_socket_is_reconnected_by_watchdog(page: Page, harness: tuple[str, Control]) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=0, hb=1500)
    first = control.wait_for(1)
    first.push(stack_push("Ana is speaking", 5))
    wait_last_seq(page, 5)
    # The server now says nothing at all, socket open: only the watchdog can notice.
    second = control.wait_for(2)
    assert second.query == {"view": "phone", "since": "5"}
    assert first.ended.wait(WAIT), "live.js left the silent socket open"
    wait_live(page)
    assert "reconnecting" in page.evaluate("window.statusLog")
    # The new socket is the live one: pushes on it still land.
    second.push(stack_push("Bo is speaking", 6))
    expect(page.locator("#stack-text")).to_have_text("Bo is speaking")
    wait_last_seq(page, 6)


def test_heartbeats_keep_the_socket_open(page: Page, harness: tuple[str, Control]) -> None:
    base_url, control = harness
    open_page(page, base_url, seq=0, hb=1500)
    conn = control.wait_for(1)
    for seq in range(1, 16):  # 15 heartbeats 300 ms apart: 3 watchdog periods in all
        conn.push(seq_fragment(seq))
        page.wait_for_timeout(300)
    wait_last_seq(page, 15)
    assert control.count() == 1
    assert not conn.ended.is_set()
    assert page.evaluate("window.statusLog") == ["live"]


def test_hanging_handshake_is_abandoned_by_watchdog(
    page: Page, harness: tuple[str, Control]
) -> None:
    base_url, control = harness
    control.hang_handshakes = 1
    open_page(page, base_url, seq=3, hb=1000)
    conn = control.wait_for(1)  # the first accepted socket is the second attempt
    assert conn.query == {"view": "phone", "since": "3", "whole": "1"}  # nothing pushed yet
    wait_live(page)
    assert page.evaluate("window.statusLog") == ["reconnecting", "live"]
