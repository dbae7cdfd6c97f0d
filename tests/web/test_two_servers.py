"""Two real `miccheck serve` processes on different ports sharing one PostgreSQL and one Redis
(docs/deploy.md "N workers on M machines behind nginx"): what one changes, the other's sockets show;
answers split across them count once each; a Redis restart and a killed server lose nothing
acknowledged.

Each server is its own process started from the `miccheck` command, on a database made for
this module and migrated with `miccheck db upgrade`. Every wait is bounded; every process
started here is stopped in a fixture's teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from app.events import verify_chain
from tests.conftest import new_postgres_database, unavailable
from tests.e2e.harness import free_port
from tests.web.live_client import normalise

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MICCHECK = str(Path(sys.executable).parent / "miccheck")
SECRET = "two-servers-test-secret-not-for-production"
WAIT = 30.0  # seconds any one wait may take before the test fails (a bound, not a measurement)


def until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait until `condition()` holds; fail naming `what` if it does not within `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


# ---- services -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database made for this module, migrated by `miccheck db upgrade`."""
    with new_postgres_database("miccheck_two") as url:
        done = subprocess.run(
            [MICCHECK, "db", "upgrade"],
            env={**clean_environment(), "MICCHECK_DATABASE_URL": url},
            cwd=tmp_path_factory.mktemp("upgrade"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        yield url


def clean_environment() -> dict[str, str]:
    """This environment without any MICCHECK_* setting of the machine running the tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MICCHECK_")}


@dataclass
class Server:
    """One `miccheck serve` process (its own process group, so its workers go with it)."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # workers left behind by a SIGKILL
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """start_server(bus, *extra_args): `miccheck serve` on a free port, once it answers."""
    servers: list[Server] = []

    def start(bus: str, *args: str) -> Server:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = tmp_path / f"serve-{port}.log"
        env = {
            **clean_environment(),
            "MICCHECK_DATABASE_URL": database_url,
            "MICCHECK_BROADCAST_URL": bus,
            "MICCHECK_SECRET_KEY": SECRET,
            "MICCHECK_PUBLIC_URL": base,
            "MICCHECK_HEARTBEAT_SECONDS": "1",
            "MICCHECK_JOINS_PER_MINUTE": "100000",
            "MICCHECK_ASSEMBLIES_PER_HOUR": "1000",
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [MICCHECK, "serve", "--port", str(port), *args],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, base, log)
        servers.append(server)

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"miccheck serve exited:\n{server.output()}")
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{base}/join", timeout=2).status_code == 200
            return False

        until(answers, f"miccheck serve on port {port} answers")
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@dataclass
class PrivateRedis:
    """A redis-server of this test's own, to kill and start again on the same port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def pings() -> bool:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            except (redis.RedisError, OSError):
                return False
            finally:
                client.close()

        until(pings, f"redis-server on port {self.port} answers")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    import shutil

    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (needed to restart Redis mid-run)")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


# ---- clients ------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Assembly:
    """An assembly made through one server, and people who joined it."""

    data: dict[str, Any]
    item_id: int = 0  # the open agenda item
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def fac(self) -> dict[str, str]:
        return bearer(self.data["facilitator_token"])


def call(
    base: str, method: str, path: str, body: Any = None, who: dict[str, str] | None = None
) -> dict[str, Any]:
    response = httpx.request(method, base + path, json=body, headers=who or {}, timeout=WAIT)
    assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
    data: dict[str, Any] = response.json()
    return data


def new_assembly(base: str) -> Assembly:
    made = call(
        base, "POST", "/api/assemblies", {"title": "Two servers GA", "facilitator_name": "Noor"}
    )
    ga = Assembly(made)
    item = call(base, "POST", f"/api/assemblies/{ga.id}/agenda",
                {"title": "Winter tents", "kind": "proposal"}, ga.fac)  # fmt: skip
    ga.item_id = item["item_id"]
    call(base, "POST", f"/api/assemblies/{ga.id}/agenda/{ga.item_id}/open", None, ga.fac)
    return ga


def join(ga: Assembly, bases: list[str], count: int) -> list[dict[str, Any]]:
    """`count` people join, alternately through each server, several at once."""

    def one(n: int) -> dict[str, Any]:
        body = {"join_code": ga.data["join_code"], "name": f"Person {n}"}
        return call(bases[n % len(bases)], "POST", "/api/join", body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        joined = list(pool.map(one, range(len(ga.people), len(ga.people) + count)))
    ga.people.extend(joined)
    return joined


def open_temperature_round(base: str, ga: Assembly) -> int:
    body = {"title": "Winter tents", "text": "Buy four tents.", "agenda_item_id": ga.item_id}
    proposal = call(base, "POST", f"/api/assemblies/{ga.id}/proposals", body, ga.fac)
    pid = proposal["proposal_id"]
    call(base, "POST", f"/api/proposals/{pid}/stage", {"stage": "concerns"}, ga.fac)
    opened = call(base, "POST", f"/api/proposals/{pid}/rounds", {"kind": "temperature"}, ga.fac)
    return int(opened["round_id"])


def seq_now(base: str, ga: Assembly) -> int:
    return int(call(base, "GET", f"/api/assemblies/{ga.id}", None, ga.fac)["seq"])


class Phone:
    """A phone page's socket, read in a thread, that reconnects like static/live.js: with
    `since=` its last seq, to the first of `bases` that takes it (a load balancer's choice)."""

    def __init__(self, bases: list[str], ga: Assembly, token: str) -> None:
        self.bases, self.ga, self.token = bases, ga, token
        self.lock = threading.Lock()
        self.regions: dict[str, str] = {}
        self.seq = -1  # the last #mc-seq's data-seq
        self.connected_to: str | None = None
        self.reconnects = 0
        self._stop = threading.Event()
        self._socket = self._connect(since=None)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _connect(self, since: int | None) -> ClientConnection:
        for base in self.bases:
            url = base.replace("http://", "ws://") + f"/ws/assemblies/{self.ga.id}?view=phone"
            if since is not None:
                url += f"&since={since}"
            try:
                socket = connect(url, additional_headers=bearer(self.token), open_timeout=5)
            except (OSError, InvalidHandshake, TimeoutError):
                continue
            self.connected_to = base
            return socket
        raise ConnectionError("no server took the phone")

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._socket.recv(timeout=0.5)
            except TimeoutError:
                continue
            except ConnectionClosed:
                if self._stop.is_set():
                    return
                self._reconnect()
                continue
            assert isinstance(message, str)
            self._apply(message)

    def _reconnect(self) -> None:
        deadline = time.monotonic() + WAIT
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                self._socket = self._connect(since=self.seq)
            except ConnectionError:
                time.sleep(0.2)
                continue
            with self.lock:
                self.reconnects += 1
            return
        self._stop.set()

    def _apply(self, message: str) -> None:
        doc = BeautifulSoup(message, "html.parser")
        with self.lock:
            for element in doc.find_all(recursive=False):
                if not getattr(element, "attrs", None) or not element.get("id"):
                    continue
                if element["id"] == "mc-seq":
                    self.seq = int(element["data-seq"])
                    continue
                self.regions[element["id"]] = normalise(element)
                nested = element.select_one("#mc-tally")
                if nested is not None:
                    self.regions["mc-tally"] = normalise(nested)

    def answered(self) -> int | None:
        """The open round's "N of M joined have answered", as this phone shows it."""
        with self.lock:
            tally = self.regions.get("mc-tally")
        count = BeautifulSoup(tally or "", "html.parser").select_one(".round-count strong")
        return int(count.text) if count else None

    def stack_shows(self, name: str) -> bool:
        """Whether the phone's stack region names `name` (the people region names everyone)."""
        with self.lock:
            stack = self.regions.get("mc-stack", "")
        return name in BeautifulSoup(stack, "html.parser").get_text()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            self._socket.close()
        self._thread.join(timeout=5)


@pytest.fixture
def phones() -> Iterator[Callable[..., Phone]]:
    """phones(bases, ga, token): a Phone, closed when the test ends."""
    opened: list[Phone] = []

    def make(bases: list[str], ga: Assembly, token: str) -> Phone:
        phone = Phone(bases, ga, token)
        opened.append(phone)
        return phone

    yield make
    for phone in opened:
        phone.close()


# ---- the rules ----------------------------------------------------------------------------


def test_a_phone_on_one_server_sees_a_hand_raised_through_the_other(
    start_server: Callable[..., Server], redis_url: str, phones: Callable[..., Phone]
) -> None:
    a, b = start_server(redis_url), start_server(redis_url)
    ga = new_assembly(a.base)
    chen, gus = join(ga, [a.base, a.base], 2)
    phone = phones([b.base], ga, gus["token"])
    until(lambda: phone.seq >= 0, "the phone on B has its snapshot")
    assert not phone.stack_shows("Person 0")
    raised = call(a.base, "POST", f"/api/assemblies/{ga.id}/stack", {"kind": "speak"},
                  bearer(chen["token"]))  # fmt: skip
    until(lambda: phone.seq >= raised["seq"], "the phone on B reaches the hand's seq")
    until(lambda: phone.stack_shows("Person 0"), "the phone on B shows Person 0's hand")
    assert phone.connected_to == b.base and phone.reconnects == 0


def test_answers_split_across_two_servers_leave_one_row_each_an_exact_tally_and_a_whole_log(
    start_server: Callable[..., Server], redis_url: str, database_url: str
) -> None:
    a, b = start_server(redis_url), start_server(redis_url)
    bases = [a.base, b.base]
    ga = new_assembly(a.base)
    people = join(ga, bases, 200)
    rid = open_temperature_round(b.base, ga)
    values = ("up", "sideways", "down")
    final: dict[int, str] = {}

    def answer(job: tuple[int, int, str]) -> int:
        n, server, value = job
        response = httpx.put(
            f"{bases[server]}/api/rounds/{rid}/response", json={"value": value},
            headers=bearer(people[n]["token"]), timeout=WAIT,
        )  # fmt: skip
        return response.status_code

    first = [(n, n % 2, values[n % 3]) for n in range(200)]
    # Then 50 of them change their answer through the other server.
    second = [(n, (n + 1) % 2, values[(n + 1) % 3]) for n in range(0, 200, 4)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(answer, first)) == {200}
        assert set(pool.map(answer, second)) == {200}
    for n, _, value in first + second:
        final[people[n]["participant_id"]] = value

    closed = call(a.base, "POST", f"/api/rounds/{rid}/close", None, ga.fac)
    expected = {v: sum(1 for x in final.values() if x == v) for v in values}
    assert closed["tally"] == expected and sum(expected.values()) == 200
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT participant_id, value FROM round_response WHERE round_id = :r"),
                {"r": rid},
            ).all()
    finally:
        engine.dispose()
    assert sorted(p for p, _ in rows) == sorted(final)  # one row per person, no more
    assert dict(rows) == final  # the last answer counts, whichever server took it

    export = call(b.base, "GET", f"/api/assemblies/{ga.id}/events", None, ga.fac)
    seqs = [event["seq"] for event in export["events"]]
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free from both servers
    assert export["head"]["seq"] == seqs[-1] == seq_now(a.base, ga)
    assert verify_chain(export["events"], export["head"]) is None
    cast = [e for e in export["events"] if e["type"] == "response_cast"]
    assert len(cast) == 250


def test_after_redis_restarts_every_socket_resyncs_and_every_acknowledged_answer_counts(
    start_server: Callable[..., Server], private_redis: PrivateRedis, phones: Callable[..., Phone]
) -> None:
    a, b = start_server(private_redis.url), start_server(private_redis.url)
    bases = [a.base, b.base]
    ga = new_assembly(a.base)
    people = join(ga, bases, 120)
    rid = open_temperature_round(a.base, ga)
    watching = [phones([bases[n % 2]], ga, people[n]["token"]) for n in range(6)]
    until(lambda: all(p.seq >= 0 for p in watching), "every phone has its snapshot")

    acknowledged: set[int] = set()
    sent = 0
    progress = threading.Condition()

    def send_answers() -> None:
        nonlocal sent
        for n, person in enumerate(people):
            try:
                response = httpx.put(
                    f"{bases[n % 2]}/api/rounds/{rid}/response", json={"value": "up"},
                    headers=bearer(person["token"]), timeout=10,
                )  # fmt: skip
                if 200 <= response.status_code < 300:
                    acknowledged.add(person["participant_id"])
            except httpx.HTTPError:
                pass  # not acknowledged: the phone would show the error and try again
            with progress:
                sent = n + 1
                progress.notify_all()
            time.sleep(0.02)

    def wait_sent(count: int) -> None:
        with progress:
            assert progress.wait_for(lambda: sent >= count, timeout=WAIT), f"{count} answers sent"

    sender = threading.Thread(target=send_answers, daemon=True)
    sender.start()
    try:
        wait_sent(30)
        private_redis.kill()  # Redis goes away while sockets are open and answers come in
        wait_sent(60)
        private_redis.start()  # and comes back on the same port
        wait_sent(len(people))
    finally:
        sender.join(timeout=WAIT)
    assert not sender.is_alive()

    final_seq = seq_now(b.base, ga)
    shown = call(a.base, "GET", f"/api/rounds/{rid}", None, ga.fac)
    assert shown["answers"] == len(acknowledged) > 60  # every 2xx answer is counted
    for phone in watching:
        until(
            lambda phone=phone: phone.seq == final_seq and phone.answered() == len(acknowledged),
            f"a phone on {phone.connected_to} shows seq {final_seq} and "
            f"{len(acknowledged)} answers (it shows seq {phone.seq}, {phone.answered()})",
        )
        assert phone.reconnects == 0  # the servers resynced them; no socket was dropped


def test_phones_of_a_server_killed_with_sigkill_reconnect_to_the_other_and_resync(
    start_server: Callable[..., Server], redis_url: str, phones: Callable[..., Phone]
) -> None:
    a, b = start_server(redis_url), start_server(redis_url)
    ga = new_assembly(a.base)
    people = join(ga, [a.base, b.base], 5)
    # The load balancer sends these phones to B while it is up, else to A.
    on_b = [phones([b.base, a.base], ga, person["token"]) for person in people[:3]]
    until(lambda: all(p.seq >= 0 for p in on_b), "the phones on B have their snapshots")
    assert {p.connected_to for p in on_b} == {b.base}

    b.process.send_signal(signal.SIGKILL)
    b.process.wait(timeout=WAIT)
    # Changes while the phones are away from B.
    for person in people[3:]:
        call(a.base, "POST", f"/api/assemblies/{ga.id}/stack", {"kind": "speak"},
             bearer(person["token"]))  # fmt: skip
    until(lambda: all(p.connected_to == a.base for p in on_b), "every phone is back, on A")

    final_seq = seq_now(a.base, ga)
    fresh = phones([a.base], ga, people[0]["token"])
    until(lambda: fresh.seq == final_seq, "a fresh phone on A has the current state")
    for phone in on_b:
        until(lambda phone=phone: phone.seq == final_seq, "a moved phone reaches the current seq")
        until(lambda phone=phone: phone.regions == fresh.regions,
              "a moved phone shows what a fresh one does")  # fmt: skip
        assert phone.stack_shows("Person 3") and phone.stack_shows("Person 4")
        assert phone.reconnects == 1


# ---- `miccheck serve --workers 2` ----------------------------------------------------------


def worker_pids(server: Server) -> set[int]:
    """Worker processes of a `serve --workers` parent, from uvicorn's log lines."""
    pids = set()
    for line in server.output().splitlines():
        if "Started server process [" in line:
            pids.add(int(line.split("[", 1)[1].split("]", 1)[0]))
    return pids - {server.pid}


def owner_of(socket: ClientConnection, server_pids: set[int]) -> int | None:
    """Which server process holds the other end of this client socket (Linux /proc)."""
    local_port = socket.socket.getsockname()[1]
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == local_port:
                inodes.add(fields[9])
    for pid in server_pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}").strip("socket:[]") in inodes:
                        return pid
    return None


def test_two_workers_on_postgres_and_redis_both_serve_and_share_live_updates(
    start_server: Callable[..., Server], redis_url: str, phones: Callable[..., Phone]
) -> None:
    server = start_server(redis_url, "--workers", "2")
    until(lambda: len(worker_pids(server)) == 2, "uvicorn reports two worker processes")
    workers = worker_pids(server)
    ga = new_assembly(server.base)
    people = join(ga, [server.base], 21)
    # Open phones until both workers hold some (the kernel hands each connection to one).
    held: dict[int, list[Phone]] = {}
    for person in people[1:]:
        phone = phones([server.base], ga, person["token"])
        until(lambda phone=phone: phone.seq >= 0, "a phone has its snapshot")
        owner = owner_of(phone._socket, workers)
        assert owner in workers
        held.setdefault(owner, []).append(phone)
        if len(held) == 2:
            break
    assert set(held) == workers, "twenty sockets all landed on one worker"
    raised = call(server.base, "POST", f"/api/assemblies/{ga.id}/stack", {"kind": "speak"},
                  bearer(people[0]["token"]))  # fmt: skip
    for worker, on_it in held.items():
        for phone in on_it:
            until(lambda phone=phone: phone.seq >= raised["seq"] and phone.stack_shows("Person 0"),
                  f"a phone on worker {worker} shows the hand")  # fmt: skip


def test_signals_sent_on_one_servers_sockets_glow_on_the_wall_of_the_other(
    start_server: Callable[..., Server], redis_url: str
) -> None:
    """Signal frames go to the bus in counted batches: four agrees and a disagree sent on A's
    phone sockets weigh four to one on B's wall (a share: 4 of 5)."""
    a, b = start_server(redis_url), start_server(redis_url)
    ga = new_assembly(a.base)
    people = join(ga, [a.base], 6)
    call(a.base, "POST", f"/api/assemblies/{ga.id}/stack", {"kind": "speak"},
         bearer(people[5]["token"]))  # fmt: skip
    call(a.base, "POST", f"/api/assemblies/{ga.id}/stack/next", None, ga.fac)
    ws_a, ws_b = (s.base.replace("http://", "ws://") for s in (a, b))
    key = ga.data["projector_key"]
    wall = connect(f"{ws_b}/ws/assemblies/{ga.id}?view=projector&key={key}", open_timeout=5)
    wall.recv(timeout=WAIT)  # the snapshot: a dark meter
    kinds = ["agree", "agree", "agree", "agree", "disagree"]
    for person, kind in zip(people, kinds, strict=False):
        with connect(
            f"{ws_a}/ws/assemblies/{ga.id}?view=phone",
            additional_headers=bearer(person["token"]),
            open_timeout=5,
        ) as phone:
            phone.recv(timeout=WAIT)  # the snapshot
            phone.send(json.dumps({"type": "signal", "kind": kind}))
            while "mc-signal-note" not in str(phone.recv(timeout=WAIT)):
                pass  # pushes of earlier changes may come first
    levels: dict[str, float] = {}
    deadline = time.monotonic() + WAIT
    while levels.get("disagree", 0) == 0 and time.monotonic() < deadline:
        doc = BeautifulSoup(str(wall.recv(timeout=WAIT)), "html.parser")
        levels |= {g["data-kind"]: float(g["data-level"]) for g in doc.select(".glow[data-kind]")}
    wall.close()
    # The glows fade over 20 s: a second or two later they show a little less than 4:1 of 5.
    assert 0.7 < levels["agree"] <= 0.8 and 0.17 < levels["disagree"] <= 0.2, levels
