"""Browser fixtures: a headless Debian Chromium driven by Playwright, and live ASGI servers."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import free_port, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
# `playwright install` cannot download browsers here, so drive the distribution's Chromium.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees the whole session, so mark only the items under tests/e2e.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _unavailable(reason: str) -> None:
    """Skip locally, but fail on CI where a missing browser is a broken setup."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


CSP_REFUSALS: list[str] = []  # what a page's Content-Security-Policy refused, this test


class _WatchedBrowser:
    """The browser, each of its contexts reporting what a page's Content-Security-Policy
    refused (Chromium says so on the console): the pages must run with no inline script."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.on("console", _note_refusal)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def _note_refusal(message: Any) -> None:
    if "Content Security Policy" in message.text:
        CSP_REFUSALS.append(message.text)


@pytest.fixture(autouse=True)
def _nothing_refused_by_the_content_security_policy() -> Iterator[None]:
    CSP_REFUSALS.clear()
    yield
    assert CSP_REFUSALS == [], CSP_REFUSALS[:3]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium (playwright.sync_api.Browser) shared by the session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
    except Exception as exc:
        _unavailable(f"playwright cannot start: {str(exc).splitlines()[0] if str(exc) else exc!r}")
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        _unavailable(f"playwright cannot launch {CHROMIUM}: {first_line}")
    try:
        yield _WatchedBrowser(browser)
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized page (own context: no cookies shared between tests)."""
    context = browser.new_context(viewport={"width": 390, "height": 700})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def live_server() -> Iterator[Callable[..., str]]:
    """Call with an ASGI app to serve it on 127.0.0.1:<free port>; returns the base URL.

    Keyword arguments go to `serve_in_thread` (e.g. `port=free_port()` when the app must know
    its address before it is built). Every server started this way is stopped when the test ends.
    """
    with contextlib.ExitStack() as stack:
        yield lambda app, **options: stack.enter_context(serve_in_thread(app, **options))


@pytest.fixture
def base_url(settings: Any, db: Any, live_server: Callable[..., str]) -> str:
    """The real app on a real server that knows its own address (join links, QR codes)."""
    from app.web.app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": base}), db)
    assert live_server(app, port=port) == base
    return base


@pytest.fixture
def room(browser: Any, base_url: str) -> Iterator[Any]:
    """The real app on a real server, and the devices in the room."""
    from test_walkthrough import Devices

    devices = Devices(browser, base_url)
    try:
        yield devices
    finally:
        devices.close()
