"""Phase 7: a reconnect storm. Every phone socket drops at once (the venue's Wi-Fi blinks) and
comes back with `?since=<the last seq it saw>`, as live.js reconnects; the phones are resynced
when each one has its snapshot at the current seq."""

from __future__ import annotations

import asyncio
import time
from time import perf_counter

from bench.phones import Phone, wait_for
from bench.run import Run, client_cpu_row
from bench.stats import latency_ms, summarize

SECTION = "reconnect storm"
STORM_TIMEOUT = 30.0  # a phone not resynced by then counts as never
TARGET = 10.0  # seconds until every phone is resynced (issue 11)


async def reconnect_storm(run: Run) -> None:
    """Drop every phone socket at once, reconnect each with `since`, time the resync."""
    old = run.phones
    current = max((p.max_seq for p in old), default=0)
    for phone in old:
        phone.abort()
    await asyncio.gather(*(p.finished(5.0) for p in old))
    fresh = [p.again() for p in old]
    base = f"/ws/assemblies/{run.facilitator.assembly_id}?view=phone&since="
    gate = asyncio.Semaphore(run.options.connect_concurrency)

    async def back(phone: Phone, since: int) -> None:
        async with gate:
            await phone.connect(run.server.ws_url(f"{base}{max(since, 0)}"), STORM_TIMEOUT)

    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    await asyncio.gather(*(back(new, was.max_seq) for new, was in zip(fresh, old, strict=True)))
    behind = await wait_for(fresh, current, STORM_TIMEOUT)
    took = perf_counter() - t0
    cpu, own = run.cpu() - cpu0, time.process_time() - own0
    run.phones = fresh
    resynced = [p.snapshot_at - t0 for p in fresh if p.snapshot_at is not None]
    run.figures["storm_seconds"] = took if not behind else float("inf")
    run.report.add(
        SECTION,
        "phones resynced",
        f"{len(fresh) - len(behind)} of {len(fresh)} at seq {current} in {took:.1f} s after "
        f"all dropped at once ({run.options.connect_concurrency} handshakes at a time, "
        "each with ?since=<its last seq>)",
    )
    run.report.add(
        SECTION,
        "resynced after the storm began p50 / p95 / p99 / max",
        latency_ms(summarize(resynced)),
    )
    run.report.add(
        SECTION,
        "server CPU",
        f"{cpu:.2f} s; ≈ {cpu / max(len(fresh), 1) * 1000:.1f} ms per reconnect",
    )
    client_cpu_row(run, SECTION, own, took)
    if behind:
        errors = [p.error or f"closed {p.close_code}" for p in behind if p.error or p.closed]
        run.report.fail(
            f"{SECTION}: {len(behind)} phones were not resynced at seq {current} within "
            f"{STORM_TIMEOUT:.0f} s" + (f"; first error: {errors[0]}" if errors else "")
        )
