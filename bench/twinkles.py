"""A twinkle storm: while someone speaks, every phone sends a hand signal at once, as its page
does (a frame on the live socket it holds: static/live.js, data-ws-send), while the stack is
used. The stack's action latency is measured alone, then during the storm: their ratio says
whether 2,000 phones twinkling slow the stack. Signals are never written
(app/signals/board.py): what they cost is a frame, a check in memory, a share of one batched
bus marker (app/signals/live.py), the phone's own line back, and the wall's meter pushed
coalesced; phones get no push for a signal.

Alone (after joins and sockets): `python -m bench.twinkles [--phones 2000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter

import httpx

from bench import phases
from bench.api import (
    LIVE_HEADER,
    SESSION_COOKIE,
    Calls,
    Facilitator,
    client,
)
from bench.phones import Phone
from bench.process import start_server
from bench.report import Report, machine_info
from bench.run import Options, Run, client_cpu_row, server_cpu_row
from bench.server import raise_open_file_limit
from bench.stats import latency_ms, spread, summarize

SECTION = "twinkle storm"
KINDS = ("agree", "agree", "unsure", "disagree")  # a room that mostly agrees
ALONE = 60  # stack actions timed with nothing else going on
LEAST_DURING = 20  # stack actions timed during the storm, at least
SPACING = 0.15  # seconds between stack actions (each a raise and a lower), storm or not
WALL_RATE = 10.0  # the projector's pushes a second at most (hub.DEFAULT_PUSH_RATES)


def _form_headers(run: Run, phone: Phone) -> dict[str, str]:
    """What a phone page's htmx form post carries: htmx's headers, Origin, the session cookie,
    and MC-Live while its socket is open (the reply is then its own bits only)."""
    origin = run.server.base_url.rstrip("/")
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": run.page_url or f"{origin}/a/{run.facilitator.assembly_id}",
        "Origin": origin,
        "Cookie": f"{SESSION_COOKIE}={phone.token}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if phone.live:
        headers[LIVE_HEADER] = str(phone.max_seq)
    return headers


async def _stack_action(
    run: Run, http: httpx.AsyncClient, phone: Phone, errors: list[str]
) -> float | None:
    """A phone raises its hand (then takes it down again) through its page's forms; returns
    the raise's reply latency (None when it failed: noted in `errors`). Each action is
    another phone's, as in a room."""
    base = f"/a/{run.facilitator.assembly_id}/stack"
    headers = _form_headers(run, phone)
    sent = perf_counter()
    try:
        raised = await http.post(f"{base}/raise", data={"kind": "speak"}, headers=headers)
        if raised.status_code == 409 and "hand_already_up" in raised.text:
            # A hand this phone raised in an earlier phase is still up: down first, then time it.
            await http.post(f"{base}/lower", data={"kind": "speak"}, headers=headers)
            sent = perf_counter()
            raised = await http.post(f"{base}/raise", data={"kind": "speak"}, headers=headers)
        took = perf_counter() - sent
        lowered = await http.post(f"{base}/lower", data={"kind": "speak"}, headers=headers)
    except httpx.HTTPError as exc:
        errors.append(f"{type(exc).__name__} after {perf_counter() - sent:.1f} s: {exc!r}")
        return None
    for reply in (raised, lowered):
        if reply.status_code != 200:
            errors.append(f"a hand answered {reply.status_code}: {reply.text[:200]}")
            return None
    return took


ANSWER_TIMEOUT = 30.0  # seconds a phone waits for the line under its buttons
WAVES = 3  # every phone signals this many times, all at once each time
WAVE_SECONDS = 5.5  # apart: as often as one may (one signal every 5 s), and a little


async def _signals(phones: Sequence[Phone]) -> Calls:
    """Waves of the whole room tapping a signal at once, as each page sends it: a frame on its
    open socket. The latency is from the send to the line under its buttons coming back."""
    result = Calls()
    start = perf_counter()

    async def tap(phone: Phone, wave: int) -> None:
        kind = KINDS[(phone.index + wave) % len(KINDS)]
        answered = len(phone.notes)
        phone.noted.clear()
        sent = perf_counter()
        if not await phone.send(f'{{"type": "signal", "kind": "{kind}"}}'):
            result.errors.append(f"phone {phone.index}: its socket is not open")
            return
        try:
            await asyncio.wait_for(phone.noted.wait(), ANSWER_TIMEOUT)
        except TimeoutError:
            result.errors.append(f"phone {phone.index}: no answer in {ANSWER_TIMEOUT:g} s")
            return
        at, told_to_wait = phone.notes[answered]
        if told_to_wait:
            result.errors.append(f"phone {phone.index}: told to wait in wave {wave + 1}")
            return
        result.latencies.append(at - sent)

    for wave in range(WAVES):
        await asyncio.sleep(max(0.0, start + wave * WAVE_SECONDS - perf_counter()))
        await asyncio.gather(*(tap(phone, wave) for phone in phones))
    result.seconds = perf_counter() - start
    return result


async def _wall(run: Run) -> Phone:
    """The projector's socket, by its key: it counts the meter's pushes."""
    aid, key = run.facilitator.assembly_id, run.facilitator.projector_key
    wall = Phone(-1, "", cookie="", origin=run.server.base_url.rstrip("/"), keep_texts=True)
    await wall.connect(run.server.ws_url(f"/ws/assemblies/{aid}?view=projector&key={key}"), 30.0)
    for _ in range(300):
        if wall.snapshot_at is not None or wall.closed:
            break
        await asyncio.sleep(0.01)
    return wall


async def twinkle_storm(run: Run) -> None:
    """Someone speaks; stack actions alone, then every phone signals while they go on."""
    report, phones = run.report, run.phones
    base_url = run.server.base_url
    async with client(base_url, run.facilitator.token) as keeper, client(base_url) as room:
        base = f"/api/assemblies/{run.facilitator.assembly_id}/stack"
        await keeper.post(base, json={"kind": "speak", "name": "The speaker"})
        called = await keeper.post(f"{base}/next")
        if called.status_code != 200:
            report.fail(f"{SECTION}: calling a speaker answered {called.status_code}")
            return
        wall = await _wall(run)
        await asyncio.sleep(0.5)  # the new speaker's pushes settle

        hands = iter(reversed(phones))  # each stack action another phone's
        errors: list[str] = []

        async def paced(until: Callable[[int], bool]) -> list[float | None]:
            # The same pace with and without the storm: the stack's own pushes load both alike.
            took: list[float | None] = []
            start = perf_counter()
            while not until(len(took)):
                await asyncio.sleep(max(0.0, start + len(took) * SPACING - perf_counter()))
                took.append(await _stack_action(run, room, next(hands), errors))
            return took

        alone = await paced(lambda done: done >= ALONE)
        cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
        storm = asyncio.create_task(_signals(phones))
        during = await paced(lambda done: storm.done() and done >= LEAST_DURING)
        signals = await storm
        t_end = perf_counter()
        answered = len(signals.latencies)
        cpu, wall_s, own = run.cpu() - cpu0, t_end - t0, time.process_time() - own0
        await asyncio.sleep(0.3)  # the last coalesced meter push
    wall.abort()

    report.add(
        SECTION,
        "signals",
        f"{answered} of {WAVES * len(phones)} answered: {len(phones)} phones signalled at once "
        f"over their sockets, {WAVES} times {WAVE_SECONDS:g} s apart, while someone spoke",
    )
    report.add(
        SECTION, "signal reply p50 / p95 / p99 / max", latency_ms(summarize(signals.latencies))
    )
    quiet = summarize(t for t in alone if t is not None)
    busy = summarize(t for t in during if t is not None)
    report.add(
        SECTION,
        "stack actions",
        f"a phone raises its hand and takes it down, through its page's forms, one every "
        f"{SPACING:g} s: {len(alone)} alone, then {len(during)} during the storm",
    )
    report.add(SECTION, "stack action alone p50 / p95 / p99 / max", latency_ms(quiet))
    report.add(SECTION, "stack action during the storm p50 / p95 / p99 / max", latency_ms(busy))
    if quiet is not None and busy is not None:
        p50, p95 = busy.p50 / quiet.p50, busy.p95 / quiet.p95
        run.figures["twinkle_stack_p50_ratio"] = p50
        run.figures["twinkle_stack_p95_ratio"] = p95
        report.add(
            SECTION,
            "stack action latency, storm ÷ alone",
            f"{p50:.2f}× at p50, {p95:.2f}× at p95 (a phone raising its hand: the form's reply)",
        )
    meter = [
        r for r, text in zip(wall.received, wall.texts or [], strict=False) if "mc-signals" in text
    ]
    meter_pushes = [r for r in meter if t0 <= r.at <= t_end + 0.3]
    report.add(
        SECTION,
        "wall's meter pushes",
        f"{len(meter_pushes)} over {wall_s + 0.3:.1f} s (coalesced: at most {WALL_RATE:g}/s, "
        f"≈ {WALL_RATE * (wall_s + 0.3):.0f})",
    )
    pushes = [len(p.pushes_between(t0, t_end)) for p in phones]
    report.add(
        SECTION,
        "pushes per phone socket min / median / max",
        f"{spread(pushes)} (the stack's {2 * len(during)} changes, coalesced; a signal pushes "
        "none)",
    )
    server_cpu_row(run, SECTION, cpu, wall_s, max(answered, 1), unit="signal")
    client_cpu_row(run, SECTION, own, wall_s)
    if errors:
        report.fail(f"{SECTION}: {len(errors)} stack actions failed, first: {errors[0]}")
    if signals.errors:
        report.fail(f"{SECTION}: {len(signals.errors)} signals failed, first: {signals.errors[0]}")


async def _alone(options: Options, workdir: Path) -> Report:
    """A fresh server: the assembly, joins and sockets, then the storm alone."""
    from app.cli import upgrade_database  # imports the app: keep it out of `--help`

    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade_database(url)
    server = await start_server(database_url=url, workdir=workdir, open_files=options.phones + 1000)
    facilitator = Facilitator(server.base_url)
    report = Report()
    run = Run(options=options, server=server, facilitator=facilitator, report=report)
    try:
        await facilitator.create_assembly(options.agenda_items)
        await phases.joins(run)
        await phases.sockets(run)
        await twinkle_storm(run)
    finally:
        for phone in run.phones:
            phone.abort()
        await facilitator.aclose()
        server.kill()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.twinkles", description=__doc__)
    parser.add_argument("--phones", type=int, default=2000, help="phones (2000)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent HTTP clients (50)")
    parser.add_argument("--workdir", type=Path, help="keep the database and server.log here")
    args = parser.parse_args(argv)
    raise_open_file_limit(2 * args.phones + 1000)
    options = Options(
        phones=args.phones,
        burst=0,
        changes=0,
        spacing=0.0,
        concurrency=args.concurrency,
        connect_concurrency=100,
        agenda_items=3,
        slow_phone=False,
        slow_seconds=0.0,
    )
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(_alone(options, args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="miccheck-twinkles-") as workdir:
            report = asyncio.run(_alone(options, Path(workdir)))
    machine = machine_info(database="SQLite (WAL), memory:// broadcast", server="one uvicorn")
    print(report.text(machine, f"Mic Check twinkle storm — {args.phones} phones"))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
