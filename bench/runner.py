"""`python -m bench`: start the server, run the phases, print and save the figures."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shlex
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench import (
    baselines,
    closing,
    consensus,
    languages,
    phases,
    ratios,
    slow,
    storm,
    twinkles,
)
from bench.api import ApiFailed, Facilitator
from bench.process import ROOT, ServerFailed, services_cpu, start_server
from bench.report import Report, machine_info
from bench.run import BenchFailed, Options, Run
from bench.server import raise_open_file_limit

RUN_LIMIT = 240.0  # seconds: every phase is bounded; this bounds one configuration's run
FLOOR_LIMIT = 120.0  # seconds: the floor app and the raw broadcast together
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
T = TypeVar("T")
METHOD_NOTES = [
    "Delivery = from a change's HTTP reply to the moment each phone socket had a push whose "
    "`#mc-seq` data-seq is at or past the change's seq, as timed by the load generator: one "
    "process on the other core reading every socket, so its own reading time is included.",
    "Slow phone = a raw socket that never reads, with a 4 KB receive buffer and a 1400-byte "
    "MSS as over a real network (on loopback the server's kernel would buffer ~3 MB for it).",
    "Phones are browsers: each joined through the join form and holds its signed session "
    "cookie; its socket sends that cookie and the page's Origin; its answers are the page's "
    "htmx form posts (HX-Request, HX-Current-URL, Origin, the cookie, and MC-Live: <last seq "
    "seen> while its socket is open). Server CPU per answer (the targets) runs from the first "
    "answer until every phone showed the final count, so it includes the pushes.",
]
FLOOR_NOTES = [
    "Floor = bench/floor.py: a minimal FastAPI app under the app's uvicorn options, on its own "
    "SQLite file in WAL mode; a sync POST /respond finds the caller by the SHA-256 of their "
    "token, upserts the answer and appends one hash-chained event in one BEGIN IMMEDIATE "
    "transaction, and replies a small HTML fragment; driven by the same client code at the "
    "same concurrency, with the same answers, no sockets listening.",
    "Raw broadcast = bench/rawcast.py: the websockets package's asyncio server (uvloop) "
    "broadcast() of a push captured from a phone socket in the app's fan-out, to as many "
    "sockets, read by the same client code.",
]


@dataclass(frozen=True)
class Config:
    """One configuration of the server under test."""

    workers: int = 1
    database: str = "sqlite"  # or postgres
    broadcast: str = "memory"  # or redis

    def label(self) -> str:
        workers = "one worker" if self.workers == 1 else f"{self.workers} workers"
        return f"{workers}, {self.database}, {self.broadcast} broadcast"

    def machine(self) -> dict[str, str]:
        database = (
            "SQLite {sqlite} (WAL, temporary file)"
            if self.database == "sqlite"
            else f"PostgreSQL {_postgres_version()} (a fresh database for the run)"
        )
        bus = "memory:// broadcast" if self.broadcast == "memory" else "Redis broadcast"
        processes = (
            "one uvicorn process"
            if self.workers == 1
            else f"uvicorn --workers {self.workers} (CPU and memory summed over the processes)"
        )
        return machine_info(
            database=f"{database}, {bus}",
            server=f"{processes} (uvloop, httptools, websockets-sansio, no compression)",
        )


DEFAULT = Config()
SCALED = Config(workers=2, database="postgres", broadcast="redis")


def parse_args(argv: Sequence[str] | None) -> tuple[Options, list[Config], Path, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Load and latency benchmark of Mic Check against a real uvicorn process, "
        "with the floors of issue 11 measured in the same run. Without --workers, --database "
        "or --broadcast it runs two configurations: one worker on SQLite, then two workers on "
        "PostgreSQL with Redis (BENCH_POSTGRES_URL, BENCH_REDIS_URL override where they are).",
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
    parser.add_argument("--workers", type=int, help="uvicorn workers (only this configuration)")
    parser.add_argument(
        "--database", choices=("sqlite", "postgres"), help="only this configuration's database"
    )
    parser.add_argument(
        "--broadcast", choices=("memory", "redis"), help="only this configuration's live bus"
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
    if args.workers is None and args.database is None and args.broadcast is None:
        configs = [DEFAULT, SCALED]
    else:
        workers = 1 if args.workers is None else args.workers
        database = args.database or "sqlite"
        broadcast = args.broadcast or ("memory" if workers == 1 else "redis")
        if workers < 1:
            parser.error("--workers must be at least 1")
        if workers > 1 and broadcast == "memory":
            parser.error("several workers need --broadcast redis (memory:// is one process)")
        if workers > 1 and database == "sqlite":
            parser.error("several workers need --database postgres")
        configs = [Config(workers, database, broadcast)]
    default = "bench-quick.md" if args.quick else "bench-latest.md"
    return options, configs, args.output or ROOT / "artifacts" / default, args.details


def _postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception:  # only a label
        return "?"
    return str(row[0]).split()[0] if row else "?"


def _libpq(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def database(config: Config, workdir: Path) -> Iterator[tuple[str, str | None]]:
    """The run's database URL and PostgreSQL database name: a SQLite file in `workdir`, or a
    fresh PostgreSQL database (`bench_<pid>`) dropped afterwards; migrated either way."""
    from app.cli import upgrade_database  # imports the app: keep it out of `--help`

    if config.database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade_database(url)
        yield url, None
        return
    import psycopg

    name = f"bench_{os.getpid()}"
    admin = _libpq(POSTGRES_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchFailed(f"PostgreSQL at {POSTGRES_URL}: {exc}") from exc
    base, _, _ = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    try:
        upgrade_database(url)
        yield url, name
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def broadcast_url(config: Config) -> str:
    """memory://, or Redis (checked before the server starts)."""
    if config.broadcast == "memory":
        return "memory://"
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as exc:
        raise BenchFailed(f"Redis at {REDIS_URL}: {exc}") from exc
    return REDIS_URL


async def run_all(
    options: Options, config: Config, report: Report, workdir: Path, keep: list[Run]
) -> Run:
    """Every phase against one fresh server; the server is stopped whatever happens. The run
    goes in `keep` as soon as it starts, so that a failed run's figures still count."""
    with database(config, workdir) as (database_url, postgres_name):
        server = await start_server(
            database_url=database_url,
            workdir=workdir,
            open_files=options.phones + 1000,
            broadcast_url=broadcast_url(config),
            workers=config.workers,
        )
        facilitator = Facilitator(server.base_url)
        run = Run(options=options, server=server, facilitator=facilitator, report=report)
        keep.append(run)
        if postgres_name or config.broadcast == "redis":
            redis = config.broadcast == "redis"
            run.services = lambda: services_cpu(postgres_name, redis)
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
                await languages.two_languages(run)
                await slow.slow_phone(run)
                await phases.burst(run)
                await consensus.consensus_call(run)
                await twinkles.twinkle_storm(run)
                await storm.reconnect_storm(run)
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
    return run


async def run_floors(
    options: Options, report: Report, workdir: Path, push_text: str
) -> tuple[dict[str, float], dict[str, float]]:
    """The minimal answer app, then the raw broadcast, each in its own process."""
    async with asyncio.timeout(FLOOR_LIMIT):
        floor = await baselines.floor(options, workdir, report)
        raw = await baselines.rawcast(options, workdir, report, push_text)
    return floor, raw


@dataclass
class Outcome:
    """One configuration's report and figures."""

    config: Config
    report: Report
    figures: dict[str, float] = field(default_factory=dict)
    push_text: str = ""
    seconds: float = 0.0


def _guarded(report: Report, work: Callable[[], None]) -> None:
    """Run `work`; a failure goes in the report instead of ending the benchmark."""
    try:
        work()
    except (BenchFailed, ServerFailed, ApiFailed) as exc:
        report.fail(str(exc))
    except (httpx.HTTPError, OSError) as exc:
        report.fail(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bug in a phase: keep the other configuration's table
        traceback.print_exc()
        report.fail(f"{type(exc).__name__}: {exc} (traceback above)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every phase passed its checks."""
    options, configs, output, details = parse_args(argv)
    limit = raise_open_file_limit(2 * options.phones + 1000)
    if limit < options.phones + 200:
        print(f"bench: the open-file limit is {limit}; {options.phones} phones need more")
        return 2
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    print(
        f"{command}: {options.phones} phones; "
        + "; then ".join(c.label() for c in configs)
        + "; the floors once …",
        flush=True,
    )
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    floors = Report()
    floor: dict[str, float] = {}
    raw: dict[str, float] = {}
    try:
        for config in configs:
            outcome = Outcome(config, Report())
            outcomes.append(outcome)
            print(f"  {config.label()} …", flush=True)
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="miccheck-bench-") as workdir:
                kept: list[Run] = []

                def one(
                    outcome: Outcome = outcome, workdir: str = workdir, kept: list[Run] = kept
                ) -> None:
                    _run(run_all(options, outcome.config, outcome.report, Path(workdir), kept))

                _guarded(outcome.report, one)
                if kept:
                    outcome.figures, outcome.push_text = kept[0].figures, kept[0].push_text
            outcome.seconds = time.perf_counter() - t0
            if not floor and outcome.push_text:
                print("  the floors …", flush=True)
                with tempfile.TemporaryDirectory(prefix="miccheck-floor-") as workdir:

                    def floors_once(text: str = outcome.push_text, workdir: str = workdir) -> None:
                        nonlocal floor, raw
                        floor, raw = _run(run_floors(options, floors, Path(workdir), text))

                    _guarded(floors, floors_once)
    except KeyboardInterrupt:
        (outcomes[-1].report if outcomes else floors).fail("interrupted")
    seconds = time.perf_counter() - started
    for outcome in outcomes:
        if outcome.figures:
            ratios.add_targets(outcome.report, outcome.figures, floor, raw)
        outcome.report.notes += METHOD_NOTES
    if not floor and not floors.failures:
        floors.fail("the floors did not run: no configuration got as far as its fan-out")
    if len(outcomes) == 2:
        ratios.add_scaling(floors, outcomes[0].figures, outcomes[1].figures)
    floors.notes += FLOOR_NOTES
    texts, markdowns = [], []
    for outcome in outcomes:
        header = f"Mic Check benchmark — {command} — {outcome.config.label()} — "
        header += f"{outcome.seconds:.0f} s"
        texts.append(outcome.report.text(outcome.config.machine(), header))
        markdowns.append(
            outcome.report.markdown(
                outcome.config.machine(), f"{command}` — `{outcome.config.label()}", outcome.seconds
            )
        )
    texts.append(
        floors.text({}, f"Floors measured in the same run (the whole run: {seconds:.0f} s)")
    )
    markdowns.append(floors.markdown({}, f"{command}` — `floors and scaling", seconds))
    print()
    if details:
        for outcome in outcomes:
            if outcome.report.details:
                print("\n".join(outcome.report.details) + "\n")
    print("\n\n".join(texts))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(markdowns))
    print(f"\nwritten to {output}")
    failed = any(o.report.failures for o in outcomes) or floors.failures
    return 1 if failed else 0


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (as the server does), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
