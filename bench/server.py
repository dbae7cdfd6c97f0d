"""The app as the benchmark's uvicorn process loads it: `uvicorn bench.server:create --factory`.

Settings come from MICCHECK_* variables, as in `miccheck serve`; the parent process sets
them (temporary database, secret, raised rate limits). This module only adds what a
benchmark needs: enough file descriptors for thousands of sockets, the live hub's log
lines (which socket it closed and why) on stderr with wall-clock timestamps, and the
pauses of full garbage collections.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from time import perf_counter
from typing import Any

from fastapi import FastAPI

OPEN_FILES_VAR = "BENCH_OPEN_FILES"
GC_LOGGER = "app.bench_gc"  # under `app` so that it shares the handler below


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (never above the hard limit).

    Returns the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def _log_the_app() -> None:
    """Send `app.*` records at INFO and above to stderr, stamped with `time.time()`."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(created).3f %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("app")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False


def _time_the_gc() -> Callable[[], None]:
    """Log each full (generation 2) collection with its pause; returns what logs the totals.

    A full collection stops the event loop; with thousands of sockets on the heap it is
    a candidate for any latency outlier, so the benchmark reports them.
    """
    logger = logging.getLogger(GC_LOGGER)
    totals = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    started = [0.0]

    def on_collect(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = perf_counter()
            return
        took, generation = perf_counter() - started[0], info["generation"]
        totals[generation][0] += 1
        totals[generation][1] += took
        if generation == 2:
            logger.info("full collection took %.1f ms", took * 1000)

    def report() -> None:
        logger.info(
            "collections: %s",
            ", ".join(f"gen{g} {n}× {t * 1000:.0f} ms" for g, (n, t) in totals.items()),
        )

    gc.callbacks.append(on_collect)
    return report


def _after_shutdown(app: FastAPI, then: Callable[[], None]) -> None:
    """Call `then` once the app's lifespan has shut down (uvicorn then dies by the signal it
    caught, so `atexit` would never run)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(owner: FastAPI) -> AsyncIterator[Any]:
        async with inner(owner) as state:
            yield state
        then()

    app.router.lifespan_context = lifespan


def create() -> FastAPI:
    """The Mic Check app configured from the environment, ready for many sockets."""
    raise_open_file_limit(int(os.environ.get(OPEN_FILES_VAR, "8192")))
    _log_the_app()
    report_gc = _time_the_gc()

    from app.config import Settings
    from app.web.app import create_app

    app = create_app(Settings())
    _after_shutdown(app, report_gc)
    return app
