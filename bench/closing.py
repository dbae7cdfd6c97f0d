"""The end of a run: did every socket survive, how the server fared, how noisy the machine was."""

from __future__ import annotations

import asyncio
import os
import re
import time
from time import perf_counter

from bench.process import load_average, machine_cpu
from bench.run import Run
from bench.stats import mebibytes

GC_PAUSE_RE = re.compile(
    r"^(?P<at>\d+\.\d+) INFO app\.bench_gc: full collection took (?P<ms>[\d.]+) ms", re.MULTILINE
)
GC_TOTALS_RE = re.compile(r"app\.bench_gc: collections: (?P<totals>.*)$", re.MULTILINE)


def gc_pauses(run: Run, start: float = 0.0, end: float = float("inf")) -> list[tuple[float, float]]:
    """The server's full collections that ended between `start` and `end` (perf_counter
    times): (when, milliseconds), from its log."""
    log = run.server.log_text()
    pauses = [(float(m["at"]) - run.wall_offset, float(m["ms"])) for m in GC_PAUSE_RE.finditer(log)]
    return [(at, ms) for at, ms in pauses if start <= at <= end]


def _sample_neighbours(run: Run) -> None:
    """CPU taken by other processes since the start (before the server stops: it counts)."""
    busy, steal = machine_cpu()
    ours = (run.cpu() - run.server_at_start) + (time.process_time() - run.own_at_start)
    run.neighbours = (
        max(0.0, busy - run.machine_at_start[0] - ours),
        steal - run.machine_at_start[1],
        perf_counter() - run.started,
    )


def neighbours(run: Run) -> None:
    """How much CPU other processes took meanwhile: on a shared machine, figures are noise."""
    if run.neighbours is None:
        return
    others, stolen, wall = run.neighbours
    cores = len(os.sched_getaffinity(0))
    share = others / (wall * cores)
    run.report.add(
        "machine",
        "other processes meanwhile",
        f"{others:.1f} CPU-s over {wall:.0f} s ({share:.0%} of {cores} cores); "
        f"{stolen:.1f} s stolen by the hypervisor; load average {run.load_at_start} at the "
        f"start, {load_average()} at the end",
    )
    if share > 0.1 or stolen > 0.05 * wall * cores:
        run.report.note(
            f"Other processes used {share:.0%} of the machine during this run: latencies and "
            "rates are pessimistic and noisy. Rerun on a quiet machine for figures to publish."
        )


def survivors(run: Run) -> None:
    """Every phone socket must still be open; the server log must be clean."""
    _sample_neighbours(run)
    closed = [p for p in run.phones if p.closed]
    if closed:
        codes = sorted({str(p.close_code or p.error) for p in closed})
        run.report.fail(f"{len(closed)} phone sockets closed during the run: {', '.join(codes)}")
    memory = run.server.status()
    run.report.add(
        "server",
        "memory at the end",
        f"RSS {mebibytes(memory.get('VmRSS', 0))}, peak {mebibytes(memory.get('VmHWM', 0))}, "
        f"{memory.get('Threads', 0)} threads",
    )
    run.report.add("server", "CPU over the whole run", f"{run.cpu():.1f} s")
    log = run.server.log_text()
    pauses = gc_pauses(run)
    run.report.details += [
        f"{'server gc':<11} full collection at {at - run.started:8.3f} s took {ms:.1f} ms"
        for at, ms in pauses
    ]
    run.report.add(
        "server",
        "full GC pauses (generation 2)",
        f"{len(pauses)}, longest {max(ms for _, ms in pauses):.0f} ms" if pauses else "none",
    )
    problems = [
        line
        for line in log.splitlines()
        if ("ERROR" in line or "WARNING" in line or "Traceback" in line)
    ]
    if problems:
        run.report.add("server", "log warnings and errors", f"{len(problems)}: {problems[0]}")


async def shutdown(run: Run) -> None:
    """Stop the server (SIGTERM) with every socket open; phones should get 1012."""
    started = perf_counter()
    took = await run.server.stop(timeout=15.0)
    await asyncio.gather(*(p.finished(5.0) for p in run.phones))
    codes: dict[str, int] = {}
    for phone in run.phones:
        if phone.closed_at is not None and phone.closed_at >= started:
            key = str(phone.close_code)
            codes[key] = codes.get(key, 0) + 1
    summary = ", ".join(f"{count}× {code}" for code, count in sorted(codes.items()))
    run.report.add(
        "server",
        "graceful stop with sockets open",
        (f"{took:.1f} s" if took is not None else "killed after 15 s") + f"; closes: {summary}",
    )
    if totals := GC_TOTALS_RE.search(run.server.log_text()):
        run.report.add("server", "GC over the whole run", totals["totals"])
