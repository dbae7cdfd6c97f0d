"""The server under test: a separate uvicorn process, and what /proc says about it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.server import OPEN_FILES_VAR

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """CPU seconds this machine has spent busy (all cores, all processes) and stolen by its
    hypervisor, since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of one process (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # fields 3.. (comm may hold spaces)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (bytes) and Threads of one process (empty once it is gone)."""
    wanted = {"VmRSS", "VmHWM", "Threads"}
    found: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            number = int(value.split()[0])
            found[key] = number * 1024 if value.strip().endswith("kB") else number
    return found


def services_cpu(database: str | None, redis: bool) -> dict[tuple[str, int], float]:
    """CPU seconds so far, by (service, pid), of the services a multi-worker server leans on
    when they run on this machine: the PostgreSQL backends connected to `database` (the
    run's own) and the redis-server process (shared with anything else using it)."""
    found: dict[tuple[str, int], float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if database and command.startswith("postgres: ") and f" {database} " in command:
            found["PostgreSQL backends", int(entry)] = process_cpu(int(entry))
        elif redis and command.startswith("redis-server"):
            found["redis-server", int(entry)] = process_cpu(int(entry))
    return found


def services_used(
    before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]
) -> dict[str, float]:
    """CPU seconds each service used between two `services_cpu` samples (a backend that
    ended meanwhile is lost: an undercount, never negative)."""
    used: dict[str, float] = {}
    for (service, pid), cpu in after.items():
        used[service] = used.get(service, 0.0) + max(0.0, cpu - before.get((service, pid), 0.0))
    return used


class ServiceSampler:
    """Samples `services_cpu` every `every` seconds while in use, so that backends the
    connection pool opens and closes meanwhile are counted (up to their last sample)."""

    def __init__(
        self, sample: Callable[[], dict[tuple[str, int], float]], every: float = 0.25
    ) -> None:
        self.sample = sample
        self.every = every
        self.before = sample()
        self.latest = dict(self.before)
        self._task: asyncio.Task[None] | None = None

    def _merge(self, now: dict[tuple[str, int], float]) -> None:
        for key, cpu in now.items():
            self.latest[key] = max(self.latest.get(key, 0.0), cpu)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self._merge(self.sample())

    def start(self) -> ServiceSampler:
        self._task = asyncio.create_task(self._loop())
        return self

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._merge(self.sample())

    def used(self) -> dict[str, float]:
        return services_used(self.before, self.latest)


def children_of(pid: int) -> list[int]:
    """Every descendant of `pid`, from /proc (parent pid is field 4 of /proc/<pid>/stat)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


class ServerFailed(Exception):
    """The server did not start, or died."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """A running `uvicorn bench.server:create` and its resource usage."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ws_url(self, path: str) -> str:
        """The websocket URL of `path` on this server."""
        return f"ws://127.0.0.1:{self.port}{path}"

    def check_alive(self) -> None:
        """Raise ServerFailed (with the end of its log) if the process has exited."""
        code = self.proc.poll()
        if code is not None:
            raise ServerFailed(f"the server exited with {code}:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The server's process and its children (uvicorn's workers with `--workers N`)."""
        return [self.pid, *children_of(self.pid)]

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used so far (all its threads, and with
        several workers the supervisor and every worker)."""
        return sum(process_cpu(pid) for pid in self.pids())

    def status(self) -> dict[str, int]:
        """VmRSS and VmHWM (bytes) and Threads from /proc/<pid>/status, summed over the
        server's processes."""
        found: dict[str, int] = {}
        for pid in self.pids():
            for key, value in process_status(pid).items():
                found[key] = found.get(key, 0) + value
        return found

    def open_files(self) -> int:
        """File descriptors the server holds open (sockets, database, pipes)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                total += len(os.listdir(f"/proc/{pid}/fd"))
        return total

    def log_text(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    async def stop(self, timeout: float = 15.0) -> float | None:
        """SIGTERM (uvicorn's graceful shutdown), then SIGKILL after `timeout` seconds.

        Returns how long the graceful shutdown took, or None if it had to be killed or the
        process was already gone. Waits in a thread so the caller's sockets keep running.
        """
        if self.proc.poll() is not None:
            return None
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait)
            return None
        return time.perf_counter() - started

    def kill(self) -> None:
        """Last resort, from a `finally`: make sure nothing outlives the benchmark."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def uvicorn_command(target: str, port: int, workers: int = 1) -> list[str]:
    """The uvicorn command line of the app and of the floor: the same options for both
    (uvicorn picks uvloop and httptools when they are installed)."""
    command = [sys.executable, "-m", "uvicorn", target, "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    command += ["--ws-per-message-deflate", "false", "--no-access-log", "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    return command


async def start_process(
    command: list[str], env: dict[str, str], port: int, log_path: Path, timeout: float = 30.0
) -> ServerProcess:
    """Start `command` and wait until `GET /` on `port` answers 200."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, close_fds=True
        )
    server = ServerProcess(proc, port, log_path)
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=2.0) as http:
        while True:
            server.check_alive()
            try:
                if (await http.get("/")).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                server.kill()
                raise ServerFailed(f"{command[3]} did not answer within {timeout:.0f} s")
            await asyncio.sleep(0.1)


async def start_server(
    *,
    database_url: str,
    workdir: Path,
    open_files: int,
    broadcast_url: str = "memory://",
    workers: int = 1,
    timeout: float = 30.0,
) -> ServerProcess:
    """Start the app under uvicorn on a free port and wait until it answers."""
    port = free_port()
    env = {
        **os.environ,
        "MICCHECK_DATABASE_URL": database_url,
        "MICCHECK_SECRET_KEY": secrets.token_urlsafe(32),
        "MICCHECK_ENVIRONMENT": "development",
        "MICCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MICCHECK_BROADCAST_URL": broadcast_url,
        "MICCHECK_WS_COMPRESSION": "false",
        "MICCHECK_ASSEMBLIES_PER_HOUR": "1000000",
        "MICCHECK_JOINS_PER_MINUTE": "1000000",
        "MICCHECK_SEND_TIMEOUT_SECONDS": "5",
        OPEN_FILES_VAR: str(open_files),
    }
    command = uvicorn_command("bench.server:create", port, workers)
    return await start_process(command, env, port, workdir / "server.log", timeout)
