"""`python -m bench`: start the server, run the phases, print and save the figures."""

from __future__ import annotations

import argparse
import asyncio
import gc
import shlex
import sys
import tempfile
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import closing, consensus, phases, slow
from bench.api import ApiFailed, Facilitator
from bench.process import ROOT, ServerFailed, start_server
from bench.report import Report, machine_info
from bench.run import BenchFailed, Options, Run
from bench.server import raise_open_file_limit

RUN_LIMIT = 240.0  # seconds: every phase is bounded; this bounds them all
METHOD_NOTES = [
    "Delivery = from a change's HTTP reply to the moment each phone socket had a push whose "
    "`#mc-seq` data-seq is at or past the change's seq, as timed by the load generator: one "
    "process on the other core reading every socket, so its own reading time is included.",
    "Slow phone = a raw socket that never reads, with a 4 KB receive buffer and a 1400-byte "
    "MSS as over a real network (on loopback the server's kernel would buffer ~3 MB for it).",
]


def parse_args(argv: Sequence[str] | None) -> tuple[Options, Path, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Load and latency benchmark of Mic Check against a real uvicorn process.",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 phones")
    parser.add_argument("--phones", type=int, help="phone sockets (2000; 200 with --quick)")
    parser.add_argument("--burst", type=int, help="joins in the burst (500; 100 with --quick)")
    parser.add_argument("--changes", type=int, default=20, help="fan-out changes (20)")
    parser.add_argument("--spacing", type=float, default=0.5, help="seconds between changes (0.5)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent HTTP clients (50)")
    parser.add_argument(
        "--connect-concurrency", type=int, default=100, help="websocket handshakes at a time (100)"
    )
    parser.add_argument("--agenda-items", type=int, default=12, help="agenda items (12)")
    parser.add_argument(
        "--no-slow-phone", action="store_true", help="skip the phone that never reads"
    )
    parser.add_argument(
        "--slow-seconds", type=float, default=30.0, help="bound of the slow-phone phase (30)"
    )
    parser.add_argument("--details", action="store_true", help="also print one line per change")
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown file (artifacts/bench-latest.md; artifacts/bench-quick.md with --quick)",
    )
    args = parser.parse_args(argv)
    options = Options(
        phones=args.phones or (200 if args.quick else 2000),
        burst=args.burst or (100 if args.quick else 500),
        changes=args.changes,
        spacing=args.spacing,
        concurrency=args.concurrency,
        connect_concurrency=args.connect_concurrency,
        agenda_items=args.agenda_items,
        slow_phone=not args.no_slow_phone,
        slow_seconds=args.slow_seconds,
    )
    if min(options.phones, options.burst, options.changes, options.concurrency) < 1:
        parser.error("--phones, --burst, --changes and --concurrency must be at least 1")
    default = "bench-quick.md" if args.quick else "bench-latest.md"
    return options, args.output or ROOT / "artifacts" / default, args.details


async def run_all(options: Options, report: Report, workdir: Path) -> None:
    """Every phase against one fresh server; the server is stopped whatever happens."""
    from app.cli import upgrade_database  # imports the app: keep it out of `--help`

    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade_database(database_url)
    server = await start_server(
        database_url=database_url, workdir=workdir, open_files=options.phones + 1000
    )
    facilitator = Facilitator(server.base_url)
    run = Run(options=options, server=server, facilitator=facilitator, report=report)
    try:
        async with asyncio.timeout(RUN_LIMIT):
            await facilitator.create_assembly(options.agenda_items)
            await phases.joins(run)
            await phases.sockets(run)
            # From here on the load generator's own GC pauses would read as server latency.
            gc.collect()
            gc.freeze()
            gc.disable()
            if options.slow_phone:
                await slow.connect_slow_phone(run)
            await phases.fan_out(run)
            await slow.slow_phone(run)
            await phases.burst(run)
            await consensus.consensus_call(run)
            closing.survivors(run)
            await closing.shutdown(run)
            closing.neighbours(run)
    except TimeoutError as exc:
        raise BenchFailed(f"the run took longer than {RUN_LIMIT:.0f} s") from exc
    finally:
        gc.enable()
        if run.slow is not None:
            run.slow.close()
        for phone in run.phones:
            phone.abort()
        await facilitator.aclose()
        server.kill()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every phase passed its checks."""
    options, output, details = parse_args(argv)
    limit = raise_open_file_limit(options.phones + 1000)
    if limit < options.phones + 200:
        print(f"bench: the open-file limit is {limit}; {options.phones} phones need more")
        return 2
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    machine, report = machine_info(), Report()
    print(f"{command}: {options.phones} phones, server in its own process …", flush=True)
    started = time.perf_counter()
    failed: str | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="miccheck-bench-") as workdir:
            _run(run_all(options, report, Path(workdir)))
    except (BenchFailed, ServerFailed, ApiFailed) as exc:
        failed = str(exc)
    except (httpx.HTTPError, OSError) as exc:
        failed = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        failed = "interrupted"
    seconds = time.perf_counter() - started
    if failed:
        report.fail(failed)
    report.notes += METHOD_NOTES
    header = f"Mic Check benchmark — {command} — {seconds:.0f} s"
    print()
    if details and report.details:
        print("\n".join(report.details) + "\n")
    print(report.text(machine, header))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.markdown(machine, command, seconds))
    print(f"\nwritten to {output}")
    return 1 if report.failures else 0


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is installed (as the server does), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)
