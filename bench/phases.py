"""Phases 1-3 and 5: joins, sockets and their snapshots, fan-out, a burst of joins."""

from __future__ import annotations

import asyncio
import time
from statistics import median
from time import perf_counter

from app.config import Settings
from bench.api import SESSION_COOKIE, Change, join_many, join_many_form
from bench.delivery import Delivery
from bench.phones import REGION_MARK, Phone, connect_phones, seq_of, wait_for
from bench.run import (
    DELIVERY_TIMEOUT,
    BenchFailed,
    Run,
    check_delivered,
    client_cpu_row,
    server_cpu_row,
)
from bench.stats import latency_ms, mebibytes, spread, summarize

# -- 1. joins ---------------------------------------------------------------------------


async def joins(run: Run) -> None:
    """Every phone joins through the page form (`POST /join`, as its browser does), from
    `concurrency` clients at once; each keeps the signed session cookie it was given."""
    section, n = "joins", run.options.phones
    names = [f"Phone {i:04d}" for i in range(n)]
    base = run.server.base_url
    cpu0 = run.cpu()
    result = await join_many_form(base, run.facilitator.join_code, names, run.options.concurrency)
    cpu = run.cpu() - cpu0
    run.report.add(
        section,
        "participants joined",
        f"{len(result.joined)} of {n}, through the join form (303 to the phone page, with "
        "the session cookie)",
    )
    rate = len(result.joined) / result.seconds if result.seconds else 0.0
    run.report.add(
        section,
        "throughput",
        f"{rate:.0f} joins/s ({result.seconds:.1f} s, "
        f"{run.options.concurrency} concurrent clients)",
    )
    run.report.add(
        section, "latency p50 / p95 / p99 / max", latency_ms(summarize(result.latencies))
    )
    run.report.add(
        section,
        "server CPU",
        f"{cpu:.2f} s ({cpu / result.seconds:.0%} of a core); "
        f"≈ {cpu / max(len(result.joined), 1) * 1000:.1f} ms per join",
    )
    client_cpu_row(run, section, result.client_cpu, result.seconds)
    if result.errors:
        run.report.add(section, "errors", f"{len(result.errors)}: {result.errors[0]}")
        raise BenchFailed(f"{len(result.errors)} joins failed, first: {result.errors[0]}")
    run.page_url = base + result.page_path
    run.phones = [
        Phone(i, value, cookie=f"{SESSION_COOKIE}={value}", origin=base, keep_texts=i == 0)
        for i, (_name, value) in enumerate(result.joined)
    ]
    if run.options.slow_phone:
        extra = await join_many(base, run.facilitator.join_code, ["Slow phone"], 1)
        if not extra.tokens:
            raise BenchFailed(f"the slow phone could not join: {extra.errors}")
        run.slow_token = extra.tokens[0]


# -- 2. sockets -------------------------------------------------------------------------


async def sockets(run: Run) -> None:
    """Open every phone's websocket and wait for each one's snapshot."""
    section, phones = "sockets", run.phones
    url = run.server.ws_url(f"/ws/assemblies/{run.facilitator.assembly_id}?view=phone&since=0")
    run.rss_before_sockets = run.server.status().get("VmRSS", 0)
    cpu0, own0, started = run.cpu(), time.process_time(), perf_counter()
    await connect_phones(
        phones, url, concurrency=run.options.connect_concurrency, timeout=DELIVERY_TIMEOUT * 2
    )
    opened = perf_counter() - started
    behind = await wait_for(phones, 0, timeout=30.0)
    ready = perf_counter() - started
    cpu, own = run.cpu() - cpu0, time.process_time() - own0
    handshakes = [p.opened_at - p.started_at for p in phones if p.opened_at and p.started_at]
    snapshots = [p.snapshot_at - p.opened_at for p in phones if p.snapshot_at and p.opened_at]
    sizes = [p.received[0].size for p in phones if p.received]
    run.report.add(section, "phone sockets with their snapshot", f"{len(phones) - len(behind)}")
    run.report.add(
        section,
        "connect time",
        f"{opened:.1f} s to open all ({len(phones) / opened:.0f}/s, "
        f"{run.options.connect_concurrency} handshakes at a time); {ready:.1f} s to the last "
        "snapshot",
    )
    run.report.add(section, "handshake p50 / p95 / p99 / max", latency_ms(summarize(handshakes)))
    run.report.add(
        section, "open → snapshot p50 / p95 / p99 / max", latency_ms(summarize(snapshots))
    )
    if sizes:
        run.report.add(section, "snapshot size", f"{median(sizes) / 1024:.1f} KB")
    run.report.add(
        section,
        "server CPU",
        f"{cpu:.2f} s ({cpu / ready:.0%} of a core); ≈ {cpu / len(phones) * 1000:.1f} ms per "
        "socket (handshake, auth, snapshot)",
    )
    client_cpu_row(run, section, own, ready)
    if behind:
        errors = [p.error or f"closed {p.close_code}" for p in behind if p.error or p.closed]
        raise BenchFailed(
            f"{len(behind)} of {len(phones)} sockets never got their snapshot"
            + (f"; first error: {errors[0]}" if errors else "")
        )
    await _idle(run)


async def _idle(run: Run, seconds: float = 2.0) -> None:
    """The server's CPU with every socket open and nothing happening."""
    cpu0, t0 = run.cpu(), perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = run.cpu() - cpu0, perf_counter() - t0
    run.idle_cpu_rate = cpu / wall
    memory = run.server.status()
    run.rss_idle_sockets = memory.get("VmRSS", 0)
    per_socket = (run.rss_idle_sockets - run.rss_before_sockets) / len(run.phones) / 1024
    run.figures["kib_per_socket"] = per_socket
    run.report.add("sockets", "server idle", f"{run.idle_cpu_rate:.0%} of a core over {wall:.0f} s")
    run.report.add(
        "sockets",
        "server memory",
        f"RSS {mebibytes(memory.get('VmRSS', 0))}, {memory.get('Threads', 0)} threads, "
        f"{run.server.open_files()} open files",
    )


def _a_push(phone: Phone, seq: int) -> str:
    """The text of the push that brought `seq` to this phone (a fan-out's last change)."""
    texts = phone.texts or []
    found = next((t for t in texts if (seq_of(t) or -1) >= seq and REGION_MARK in t), "")
    return found or (texts[-1] if texts else "")


# -- 3. fan-out -------------------------------------------------------------------------


async def fan_out(run: Run) -> None:
    """Headcount changes 1..N, `spacing` apart; each must reach every socket."""
    section, phones, options = "fan-out", run.phones, run.options
    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    changes: list[Change] = []
    for index in range(options.changes):
        await asyncio.sleep(max(0.0, t0 + index * options.spacing - perf_counter()))
        changes.append(await run.facilitator.set_headcount(index + 1))
    behind = await wait_for(phones, changes[-1].seq, DELIVERY_TIMEOUT)
    t_end = perf_counter()
    cpu, wall, own = run.cpu() - cpu0, t_end - t0, time.process_time() - own0
    check_delivered(run, behind, changes[-1].seq, section)
    delivery = Delivery.measure(phones, changes)
    run.report.details += delivery.lines(section, run.started)
    pushes = [p.pushes_between(t0, t_end) for p in phones]
    sizes = [r.size for got in pushes[:50] for r in got]
    run.report.add(
        section,
        "changes",
        f"{len(changes)} headcount changes, {options.spacing:g} s apart, "
        f"to {len(phones)} phone sockets",
    )
    replies = [c.replied_at - c.sent_at for c in changes]
    run.report.add(
        section, "facilitator's HTTP reply p50 / p95 / p99 / max", latency_ms(summarize(replies))
    )
    run.report.add(
        section,
        "delivery after HTTP reply p50 / p95 / p99 / max",
        latency_ms(summarize(delivery.after_reply())),
    )
    run.report.add(
        section,
        "delivery after request sent p50 / p95 / p99 / max",
        latency_ms(summarize(delivery.after_request())),
    )
    reach = summarize(delivery.reach_all())
    if reach is not None:
        run.report.add(
            section,
            "until the last socket had it",
            f"median {reach.p50 * 1000:.0f} ms, max {reach.max * 1000:.0f} ms per change",
        )
    if early := delivery.early():
        run.report.add(section, "pushes ahead of the HTTP reply", f"{early} (counted as 0 ms)")
    run.report.add(
        section, "pushes per socket min / median / max", spread(len(got) for got in pushes)
    )
    if sizes:
        run.report.add(section, "push size", f"{median(sizes):.0f} characters")
    server_cpu_row(run, section, cpu, wall, len(changes))
    run.figures["fanout_cpu"] = max(0.0, cpu - run.idle_cpu_rate * wall) / len(changes)
    run.push_text = _a_push(phones[0], changes[-1].seq)
    client_cpu_row(run, section, own, wall)
    memory = run.server.status()
    run.report.add(
        section,
        "server memory",
        f"RSS {mebibytes(memory.get('VmRSS', 0))} (peak {mebibytes(memory.get('VmHWM', 0))})",
    )
    if run.slow is not None:
        queued = run.slow.server_queued(run.server.port)
        state = (
            f"server kernel holds {queued / 1024:.0f} KB for it, {run.slow.unread() / 1024:.0f}"
            " KB unread in its own buffer: its sends still complete"
            if queued is not None
            else "already let go by the server"
        )
        run.report.add(section, "slow phone after the fan-out", state)


# -- 5. burst ---------------------------------------------------------------------------


async def burst(run: Run) -> None:
    """Many new participants join at once while every socket listens: pushes coalesce."""
    section, phones, n = "burst", run.phones, run.options.burst
    names = [f"Burst {i:04d}" for i in range(n)]
    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    result = await join_many(
        run.server.base_url, run.facilitator.join_code, names, run.options.concurrency
    )
    run.burst_tokens = result.tokens
    last = result.last()
    if last is None:
        raise BenchFailed(f"no burst join succeeded: {result.errors[:1]}")
    behind = await wait_for(phones, last.seq, DELIVERY_TIMEOUT)
    t_end = perf_counter()
    cpu, wall, own = run.cpu() - cpu0, t_end - t0, time.process_time() - own0
    check_delivered(run, behind, last.seq, section)
    run.report.details += Delivery.measure(phones, [last]).lines(section, run.started)
    final, pushes = [], []
    for phone in phones:
        at, _ = phone.first_at_or_after(last.seq)
        if at is not None:
            final.append(max(0.0, at - last.replied_at))
            pushes.append(len(phone.pushes_between(t0, at)))
    run.report.add(
        section,
        "joins",
        f"{len(result.tokens)} of {n} in {result.seconds:.1f} s ({result.rate:.0f}/s) "
        f"while {len(phones)} sockets listen",
    )
    run.report.add(
        section, "join latency p50 / p95 / p99 / max", latency_ms(summarize(result.latencies))
    )
    rate = Settings(environment="development").phone_pushes_per_second  # as the server reads it
    run.report.add(
        section,
        "pushes per socket min / median / max",
        f"{spread(pushes)} (coalesced: at most {rate:g}/s × {wall:.1f} s ≈ {rate * wall:.0f})",
    )
    run.report.add(
        section,
        "final state after its HTTP reply p50 / p95 / p99 / max",
        latency_ms(summarize(final)),
    )
    server_cpu_row(run, section, cpu, wall, len(result.tokens))
    client_cpu_row(run, section, own, wall)
    if result.errors:
        run.report.fail(f"{len(result.errors)} burst joins failed, first: {result.errors[0]}")
