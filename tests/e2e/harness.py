"""Helpers for browser tests: serve any ASGI app in a thread, save screenshots."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now, for `serve_in_thread(..., port=...)`.

    Another process could take it before the server binds it; the window is a few
    milliseconds and the kernel does not hand the same ephemeral port out again at once.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    graceful_timeout: float = 2.0,
) -> Iterator[str]:
    """Run `app` with uvicorn in a background thread; yield its base URL, then stop it.

    `port=0` (the default) picks a free port. Pass a port from `free_port()` when the app must
    know its own address before it is built (e.g. Mic Check's `public_url` for QR codes).
    """
    # Bind first and hand the socket to uvicorn: no race for the free port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="auto",
        # As in production (docs/deploy.md): compression doubles CPU and memory per socket.
        ws_per_message_deflate=False,
        # Bounded so a handler that never returns cannot hang the test session.
        timeout_graceful_shutdown=graceful_timeout,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the test thread below
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if errors or not thread.is_alive():
            sock.close()
            raise RuntimeError(f"test server failed to start: {errors[:1]}")
        if time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("test server did not start in time")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(graceful_timeout + 5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(5)
        sock.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG (the full page, or what the screen shows) to artifacts/screenshots/{name}.png
    and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
