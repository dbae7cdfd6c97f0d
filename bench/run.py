"""What every phase shares: the options, the run's state, and the rows they all report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter

from bench.api import Facilitator
from bench.phones import Phone
from bench.process import ServerProcess, load_average, machine_cpu
from bench.report import Report
from bench.slowphone import SlowPhone

DELIVERY_TIMEOUT = 15.0  # a change not on every socket by then is a failure


class BenchFailed(Exception):
    """A phase could not go on (the rest of the run would measure nothing)."""


@dataclass(frozen=True)
class Options:
    """What to run; see `bench.runner.parse_args`."""

    phones: int
    burst: int
    changes: int
    spacing: float
    concurrency: int
    connect_concurrency: int
    agenda_items: int
    slow_phone: bool
    slow_seconds: float


@dataclass
class Run:
    """Everything the phases share."""

    options: Options
    server: ServerProcess
    facilitator: Facilitator
    report: Report
    phones: list[Phone] = field(default_factory=list)
    slow: SlowPhone | None = None
    slow_token: str = ""
    open_item: int = 0
    page_url: str = ""  # the phone page the join form redirected to
    burst_tokens: list[str] = field(default_factory=list)  # bearer tokens of the burst's joins
    rss_before_sockets: int = 0  # server RSS (bytes) before the phone sockets connect
    rss_idle_sockets: int = 0  # ... and with all of them connected and settled
    push_text: str = ""  # one fan-out push as a phone received it (for bench.rawcast)
    figures: dict[str, float] = field(default_factory=dict)  # for the ratios (bench.ratios)
    # bench.process.services_cpu of PostgreSQL and Redis, when the server uses them
    services: Callable[[], dict[tuple[str, int], float]] | None = None
    idle_cpu_rate: float = 0.0  # server CPU seconds per second with every socket idle
    wall_offset: float = field(default_factory=lambda: time.time() - perf_counter())
    started: float = field(default_factory=perf_counter)
    load_at_start: str = field(default_factory=load_average)
    machine_at_start: tuple[float, float] = field(default_factory=machine_cpu)
    own_at_start: float = field(default_factory=time.process_time)
    server_at_start: float = 0.0
    neighbours: tuple[float, float, float] | None = None  # others' CPU-s, stolen s, wall s

    def __post_init__(self) -> None:
        self.server_at_start = self.server.cpu_seconds()

    def cpu(self) -> float:
        """The server's CPU seconds so far (and a check that it is still running)."""
        self.server.check_alive()
        return self.server.cpu_seconds()


def check_delivered(run: Run, behind: list[Phone], seq: int, phase: str) -> None:
    """Fail the run when some sockets never had `seq`."""
    if behind:
        closed = sum(p.closed for p in behind)
        run.report.fail(
            f"{phase}: {len(behind)} sockets never had seq {seq} within "
            f"{DELIVERY_TIMEOUT:.0f} s ({closed} of them closed)"
        )


def _figure(label: str, figure: str) -> str:
    return f"{label}: {figure}" if label else figure


def server_cpu_row(
    run: Run,
    section: str,
    cpu: float,
    wall: float,
    changes: int,
    *,
    unit: str = "change",
    label: str = "",
) -> None:
    """The server's CPU over a phase, and per change above what it burns idle."""
    net = max(0.0, cpu - run.idle_cpu_rate * wall)
    run.report.add(
        section,
        _figure(label, "server CPU"),
        f"{cpu:.2f} s over {wall:.1f} s ({cpu / wall:.0%} of a core); "
        f"≈ {net / max(changes, 1) * 1000:.1f} ms per {unit} above idle",
    )


def client_cpu_row(run: Run, section: str, cpu: float, wall: float, *, label: str = "") -> None:
    """The load generator's own CPU: near a full core, its timestamps lag and read high."""
    run.report.add(
        section,
        _figure(label, "load generator CPU"),
        f"{cpu:.2f} s ({cpu / max(wall, 1e-9):.0%} of a core)",
    )
