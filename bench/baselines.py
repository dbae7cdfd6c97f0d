"""The floors the app is measured against, each in its own process in the same run:
the minimal answer endpoint (bench.floor) and a raw `websockets` broadcast (bench.rawcast)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path
from time import perf_counter

from websockets.asyncio.client import connect

from bench.api import Answer, FormTarget, answer_many_form
from bench.consensus import first_answer
from bench.floor import COOKIE, DB_VAR, seed
from bench.phones import Phone, connect_phones
from bench.process import ServerProcess, free_port, start_process, uvicorn_command
from bench.report import Report
from bench.run import DELIVERY_TIMEOUT, BenchFailed, Options
from bench.stats import latency_ms, summarize

SECTION_FLOOR = "floor: minimal FastAPI answer"
SECTION_RAW = "floor: raw websockets broadcast"
RAW_SPACING = 0.1  # seconds between raw broadcasts (each is on every socket well within it)
ROUND_ID = 1


async def floor(options: Options, workdir: Path, report: Report) -> dict[str, float]:
    """2,000 answers to the floor app, from the same client code at the same concurrency."""
    n = options.phones
    tokens = [f"floor-token-{i:05d}-{os.urandom(8).hex()}" for i in range(n)]
    path = workdir / "floor.db"
    seed(path, tokens)
    port = free_port()
    env = {**os.environ, DB_VAR: str(path)}
    server = await start_process(
        uvicorn_command("bench.floor:create", port), env, port, workdir / "floor.log"
    )
    try:
        base = server.base_url
        answers = [Answer(token, *first_answer(i)) for i, token in enumerate(tokens)]
        target = FormTarget("/respond", f"{base}/a/floor", cookie_name=COOKIE)
        await asyncio.sleep(0.5)  # let the fresh process settle (imports, first GC)
        cpu0 = server.cpu_seconds()
        result = await answer_many_form(
            base, target, ROUND_ID, answers, options.concurrency, lambda _cookie: None
        )
        cpu = server.cpu_seconds() - cpu0
        server.check_alive()
    finally:
        server.kill()
    stored = _count(path)
    done = len(result.done)
    figures = {"rate": done / max(result.seconds, 1e-9), "cpu": cpu / max(done, 1)}
    report.add(
        SECTION_FLOOR,
        "answers",
        f"{done} of {n} in {result.seconds:.1f} s ({figures['rate']:.0f}/s, "
        f"{options.concurrency} concurrent clients); {stored} responses and events stored",
    )
    report.add(
        SECTION_FLOOR, "latency p50 / p95 / p99 / max", latency_ms(summarize(result.latencies))
    )
    report.add(
        SECTION_FLOOR,
        "server CPU",
        f"{cpu:.2f} s ({cpu / max(result.seconds, 1e-9):.0%} of a core); "
        f"≈ {figures['cpu'] * 1000:.2f} ms per answer",
    )
    if result.errors or result.wrong or stored != done:
        first = (result.errors or result.wrong or ["-"])[0]
        report.fail(
            f"floor: {len(result.errors)} errors, {len(result.wrong)} wrong replies, "
            f"{stored} stored for {done} acknowledged; first: {first}"
        )
    return figures


def _count(path: Path) -> int:
    """Responses stored in the floor's database (each with its event, or the check fails)."""
    conn = sqlite3.connect(path)
    try:
        responses = conn.execute("SELECT count(*) FROM response").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
    finally:
        conn.close()
    return int(responses) if responses == events else -1


async def rawcast(options: Options, workdir: Path, report: Report, text: str) -> dict[str, float]:
    """The same bytes as one of the app's pushes, `broadcast()` to as many sockets."""
    if not text:
        raise BenchFailed("no push was captured from the app to broadcast")
    text_path = workdir / "push.html"
    text_path.write_text(text)
    port = free_port()
    command = [sys.executable, "-m", "bench.rawcast", str(port), str(text_path)]
    server = await start_process(command, dict(os.environ), port, workdir / "rawcast.log")
    phones = [Phone(i, "") for i in range(options.phones)]
    try:
        return await _broadcast(options, server, phones, text, report)
    finally:
        for phone in phones:
            phone.abort()
        server.kill()


async def _broadcast(
    options: Options, server: ServerProcess, phones: list[Phone], text: str, report: Report
) -> dict[str, float]:
    n, count = len(phones), options.changes
    rss0 = server.status().get("VmRSS", 0)
    await connect_phones(
        phones,
        server.ws_url("/"),
        concurrency=options.connect_concurrency,
        timeout=DELIVERY_TIMEOUT * 2,
    )
    failed = [p for p in phones if p.opened_at is None]
    if failed:
        raise BenchFailed(f"rawcast: {len(failed)} sockets did not open: {failed[0].error}")
    await asyncio.sleep(1.0)
    rss = server.status().get("VmRSS", 0)
    idle0, t_idle = server.cpu_seconds(), perf_counter()
    await asyncio.sleep(1.0)
    idle_rate = (server.cpu_seconds() - idle0) / (perf_counter() - t_idle)
    async with connect(server.ws_url("/control"), proxy=None, compression=None) as control:
        cpu0, own0, t0 = server.cpu_seconds(), time.process_time(), perf_counter()
        await control.send(f"{count} {RAW_SPACING}")
        await asyncio.wait_for(control.recv(), DELIVERY_TIMEOUT + count * RAW_SPACING)
        deadline = perf_counter() + DELIVERY_TIMEOUT
        while any(len(p.received) < count for p in phones) and perf_counter() < deadline:
            await asyncio.sleep(0.01)
        wall = perf_counter() - t0
        cpu, own = server.cpu_seconds() - cpu0, time.process_time() - own0
    short = sum(len(p.received) < count for p in phones)
    per = max(0.0, cpu - idle_rate * wall) / count
    report.add(
        SECTION_RAW,
        "broadcasts",
        f"{count} × the same {len(text) / 1024:.1f} KB push as the app's fan-out, "
        f"{RAW_SPACING:g} s apart, to {n} sockets (websockets `broadcast()`, "
        f"{'uvloop' if _has_uvloop() else 'asyncio'})",
    )
    report.add(
        SECTION_RAW,
        "server CPU",
        f"{cpu:.2f} s over {wall:.1f} s; ≈ {per * 1000:.1f} ms per broadcast above idle "
        f"(idle {idle_rate:.0%} of a core)",
    )
    report.add(
        SECTION_RAW,
        "server memory",
        f"RSS {rss / 2**20:.1f} MiB with the sockets; ≈ {(rss - rss0) / n / 1024:.1f} KiB per "
        "idle socket",
    )
    client = f"{own:.2f} s ({own / max(wall, 1e-9):.0%} of a core)"
    report.add(SECTION_RAW, "load generator CPU", client)
    if short:
        report.fail(f"rawcast: {short} sockets had fewer than {count} broadcasts")
    return {"cpu": per, "kib_per_socket": (rss - rss0) / n / 1024}


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True
