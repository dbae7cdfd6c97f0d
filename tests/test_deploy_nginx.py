"""deploy/ as a person would use it: Debian's nginx runs the committed deploy/nginx.conf (only its
ports and certificate paths changed) with TLS in front of two `miccheck serve` workers started
with the command lines of deploy/miccheck@.service and the settings of deploy/miccheck.env.example,
on a fresh PostgreSQL database and Redis. A phone joins and follows the assembly through nginx.

Off CI a missing nginx, openssl, PostgreSQL or Redis skips with the reason; under CI=true it fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.conftest import new_postgres_database, unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
Popen = subprocess.Popen[bytes]
MICCHECK = Path(sys.executable).parent / "miccheck"  # the venv's, as /opt/miccheck/.venv/bin
UNIT_MICCHECK = "/opt/miccheck/.venv/bin/miccheck"


def binary(name: str) -> str:
    """A Debian binary (nginx lives in /usr/sbin, not always on PATH); unavailable otherwise."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        unavailable(f"{name} is not installed (`make browser` installs nginx with apt-get)")
    assert found is not None
    return found


def free_ports(count: int) -> list[int]:
    """`count` different ports nothing listens on now."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def wait_until(ready: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds:.0f} s")


def unit_commands(port: int) -> tuple[list[str], list[str]]:
    """ExecStartPre and ExecStart of deploy/miccheck@.service for the instance `port`."""
    unit = (DEPLOY / "miccheck@.service").read_text()

    def command(key: str) -> list[str]:
        lines = re.findall(rf"^{key}=(.+)$", unit, re.M)
        assert len(lines) == 1, f"one {key} in the unit"
        words = shlex.split(lines[0].replace("%i", str(port)))
        assert words[0] == UNIT_MICCHECK
        return [str(MICCHECK), *words[1:]]

    return command("ExecStartPre"), command("ExecStart")


def example_environment() -> dict[str, str]:
    """deploy/miccheck.env.example's settings (KEY=VALUE lines; comments and blanks skipped)."""
    settings = {}
    for line in (DEPLOY / "miccheck.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def nginx_site(
    upstreams: list[int], http_port: int, tls_port: int, cert: Path, key: Path, log: Path
) -> str:
    """deploy/nginx.conf with only its ports, certificate and access log paths changed."""
    site = (DEPLOY / "nginx.conf").read_text()
    workers = re.findall(r"^\s*server 127\.0\.0\.1:\d+;$", site, re.M)
    assert len(workers) == len(upstreams), "the upstream lists one line per worker"
    for line, port in zip(workers, upstreams, strict=True):
        site = site.replace(line, f"    server 127.0.0.1:{port};", 1)
    for old, new in [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;"),
        ("/etc/ssl/miccheck/fullchain.pem", str(cert)),
        ("/etc/ssl/miccheck/privkey.pem", str(key)),
    ]:
        assert site.count(old) == 1, f"deploy/nginx.conf has {old!r} once"
        site = site.replace(old, new)
    # Both servers log with the site's own format (no query strings), not nginx.conf's.
    assert site.count("access_log /var/log/nginx/miccheck.access.log miccheck;") == 2
    return site.replace("/var/log/nginx/miccheck.access.log", str(log))


def nginx_main(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, kept inside `prefix`."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes 1;
error_log {prefix / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$request_uri $status $upstream_addr';
    access_log {prefix / "access.log"} upstreams;
{temp}
    include {site};
}}
"""


@dataclass
class Deployment:
    https: str  # https://127.0.0.1:PORT, through nginx
    http: str  # plain HTTP, through nginx (redirects)
    workers: list[str]  # 127.0.0.1:PORT of each worker
    tls: ssl.SSLContext  # trusts the test's self-signed certificate
    access_log: Path
    worker_logs: list[Path]  # what each `miccheck serve` printed (uvicorn's logs)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.https, verify=self.tls, timeout=10)

    def socket(self, assembly_id: str, cookie: str, origin: str | None = None) -> ClientConnection:
        url = self.https.replace("https://", "wss://") + f"/ws/assemblies/{assembly_id}?view=phone"
        return connect(
            url,
            ssl=self.tls,
            origin=Origin(origin or self.https),
            additional_headers={"Cookie": cookie},
            open_timeout=10,
        )


@contextlib.contextmanager
def process(command: list[str], log: Path, env: dict[str, str], cwd: Path) -> Iterator[Popen]:
    """A process started with its output in `log`; stopped (SIGTERM, then SIGKILL) on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture(scope="module")
def fresh_postgres() -> Iterator[str]:
    """A PostgreSQL database of its own, empty (the unit's `miccheck db upgrade` migrates it)."""
    with new_postgres_database("miccheck_deploy") as url:
        yield url


@pytest.fixture(scope="module")
def deployment(fresh_postgres: str, redis_url: str) -> Iterator[Deployment]:
    nginx, openssl = binary("nginx"), binary("openssl")
    # Its own folder, readable by nginx's worker (which drops root for `nobody`).
    prefix = Path(tempfile.mkdtemp(prefix="miccheck-deploy-"))
    prefix.chmod(0o755)
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, prefix, ignore_errors=True)
        cert, key = prefix / "fullchain.pem", prefix / "privkey.pem"
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
            check=True, capture_output=True,
        )  # fmt: skip
        http_port, tls_port, *worker_ports = free_ports(4)
        https = f"https://127.0.0.1:{tls_port}"

        env = {k: v for k, v in os.environ.items() if not k.startswith("MICCHECK_")}
        env |= example_environment()  # production, as deployed; then this machine's values:
        env |= {
            "MICCHECK_SECRET_KEY": secrets.token_urlsafe(48),
            "MICCHECK_DATABASE_URL": fresh_postgres,
            "MICCHECK_BROADCAST_URL": redis_url,
            "MICCHECK_PUBLIC_URL": https,
        }
        for port in worker_ports:
            upgrade, serve = unit_commands(port)
            done = subprocess.run(upgrade, env=env, cwd=prefix, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr
            log = prefix / f"worker-{port}.log"
            worker = stack.enter_context(process(serve, log, env, prefix))
            started = f"worker on {port} started"
            wait_until(lambda p=port, w=worker, g=log: serving(p, w, g), started)  # type: ignore[misc]

        site = prefix / "miccheck.conf"
        access_log = prefix / "miccheck.access.log"
        site.write_text(nginx_site(worker_ports, http_port, tls_port, cert, key, access_log))
        main = prefix / "nginx.conf"
        main.write_text(nginx_main(prefix, site))
        # As a person runs it, but unprivileged-style: its pid, logs and temp files in `prefix`.
        nginx_args = [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main)]
        pid = f"pid {prefix / 'nginx.pid'};"
        checked = subprocess.run([*nginx_args, "-t", "-g", pid], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        log = prefix / "nginx.out"
        proxy = stack.enter_context(
            process([*nginx_args, "-g", f"daemon off; {pid}"], log, env, prefix)
        )
        wait_until(lambda: listening(tls_port, proxy, prefix / "error.log"), "nginx listening")

        tls = ssl.create_default_context(cafile=str(cert))
        yield Deployment(
            https=https,
            http=f"http://127.0.0.1:{http_port}",
            workers=[f"127.0.0.1:{port}" for port in worker_ports],
            tls=tls,
            access_log=access_log,
            worker_logs=[prefix / f"worker-{port}.log" for port in worker_ports],
        )


def serving(port: int, worker: Popen, log: Path) -> bool:
    assert worker.poll() is None, f"worker on {port} exited:\n{log.read_text()[-2000:]}"
    try:
        return httpx.get(f"http://127.0.0.1:{port}/join", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def listening(port: int, proxy: Popen, log: Path) -> bool:
    assert proxy.poll() is None, f"nginx exited:\n{log.read_text()[-2000:]}"
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class _Seq(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seq: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id") == "mc-seq" and found.get("data-seq"):
            self.seq = int(str(found["data-seq"]))


def seq_of(push: str) -> int:
    parser = _Seq()
    parser.feed(push)
    assert parser.seq is not None, "a push carries #mc-seq"
    return parser.seq


def stack_of(push: str) -> str:
    """The text of the push's speaking stack region ("" when the push has none)."""
    region = BeautifulSoup(push, "html.parser").find(id="mc-stack")
    return region.get_text(" ", strip=True) if region is not None else ""


def shows_hand_of(name: str, *, after: int) -> Callable[[str], bool]:
    """A push after seq `after` whose stack shows `name`."""
    return lambda push: seq_of(push) > after and name in stack_of(push)


def until_push(phone: ClientConnection, done: Callable[[str], bool]) -> str:
    """Read pushes until one satisfies `done` (the hub pushes at most 4 a second to phones)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        push = str(phone.recv(timeout=max(0.1, deadline - time.monotonic())))
        if done(push):
            return push
    raise AssertionError("no such push within 10 s")


# A socket's line in the site's access log: method, path without query, status, upstream.
SOCKET_LOGGED = r'"GET /ws/\S+ HTTP/[\d.]+" 101 \S+ \S+ (\S+)$'


def join_by_form(client: httpx.Client, https: str, join_code: str, name: str) -> str:
    """Join on the join page, as a phone without JavaScript does; the session cookie."""
    joined = client.post(
        "/join", data={"join_code": join_code, "name": name}, headers={"Origin": https}
    )
    assert joined.status_code == 303, joined.text
    return f"miccheck={client.cookies['miccheck']}"


def test_phones_follow_an_assembly_through_nginx_on_two_workers(deployment: Deployment) -> None:
    api = deployment.client()
    made = api.post("/api/assemblies", json={"title": "Deployed GA", "facilitator_name": "Noor"})
    assert made.status_code == 201, made.text
    assembly = made.json()
    # MICCHECK_PUBLIC_URL from the env file: links point at the address phones use.
    assert assembly["urls"]["join"] == f"{deployment.https}/j/{assembly['join_code']}"

    phones = [deployment.client(), deployment.client()]
    cookies = [
        join_by_form(phone, deployment.https, assembly["join_code"], name)
        for phone, name in zip(phones, ("Ada", "Grace"), strict=True)
    ]
    # Two sockets in a row: nginx's round robin puts them on different workers.
    sockets = [deployment.socket(assembly["id"], cookie) for cookie in cookies]
    try:
        first = [seq_of(str(s.recv(timeout=10))) for s in sockets]  # the snapshot

        # A hand raised with the phone's cookie through nginx (Origin checked against Host).
        raised = phones[0].post(
            f"/a/{assembly['id']}/stack/raise",
            data={"kind": "speak"},
            headers={"Origin": deployment.https},
        )
        assert raised.status_code == 303, raised.text
        for socket_, seen in zip(sockets, first, strict=True):
            until_push(socket_, shows_hand_of("Ada", after=seen))

        # An API hand, acknowledged with its seq, shows on both sockets at that seq.
        lin = api.post("/api/join", json={"join_code": assembly["join_code"], "name": "Lin"})
        assert lin.status_code == 201, lin.text
        hand = api.post(
            f"/api/assemblies/{assembly['id']}/stack",
            json={"kind": "clarifying_question"},
            headers={"Authorization": f"Bearer {lin.json()['token']}"},
        )
        assert hand.status_code == 201, hand.text
        for socket_ in sockets:
            push = until_push(socket_, lambda p: seq_of(p) >= hand.json()["seq"])
            assert "Lin" in stack_of(push)
    finally:
        for socket_ in sockets:
            socket_.close()

    def both_logged() -> bool:
        log = deployment.access_log.read_text() if deployment.access_log.exists() else ""
        return len(re.findall(SOCKET_LOGGED, log, re.M)) == 2

    wait_until(both_logged, "nginx logged both sockets", 10)
    log = deployment.access_log.read_text()
    served_by = set(re.findall(SOCKET_LOGGED, log, re.M))
    assert served_by == set(deployment.workers), "the two sockets were on different workers"


def test_keys_in_links_and_sockets_are_in_no_log(deployment: Deployment) -> None:
    """A `?key=` link and a socket's `key=` leave no secret in nginx's access log (it logs
    $uri) nor in the workers' logs (app/web/access_log.py), though the paths are logged."""
    api = deployment.client()
    made = api.post("/api/assemblies", json={"title": "Logged GA", "facilitator_name": "Noor"})
    assert made.status_code == 201, made.text
    assembly = made.json()
    token, key = assembly["facilitator_token"], assembly["projector_key"]
    browser = deployment.client()
    opened = browser.get(f"/a/{assembly['id']}/console?key={token}", follow_redirects=True)
    assert opened.status_code == 200 and str(opened.url).endswith("/console")
    wall = deployment.https.replace("https://", "wss://") + f"/ws/assemblies/{assembly['id']}"
    with connect(
        f"{wall}?view=projector&key={key}",
        ssl=deployment.tls,
        origin=Origin(deployment.https),
        open_timeout=10,
    ) as socket_:
        socket_.recv(timeout=10)  # the snapshot: the socket was accepted
    path = f"/ws/assemblies/{assembly['id']}"

    def logged() -> bool:
        log = deployment.access_log.read_text() if deployment.access_log.exists() else ""
        workers = "".join(w.read_text() for w in deployment.worker_logs)
        return path in log and f"{path}?view=projector&key=REDACTED" in workers

    wait_until(logged, "nginx and a worker logged the socket", 10)
    logs = [deployment.access_log, *deployment.worker_logs]
    for log in logs:
        text = log.read_text()
        assert token not in text and key not in text, f"a secret in {log.name}"
    assert f'"GET /a/{assembly["id"]}/console HTTP/1.1" 303' in deployment.access_log.read_text()


def test_a_cookie_post_from_another_site_is_refused_through_nginx(
    deployment: Deployment,
) -> None:
    api = deployment.client()
    assembly = api.post("/api/assemblies", json={"title": "GA"}).json()
    phone = deployment.client()
    cookie = join_by_form(phone, deployment.https, assembly["join_code"], "Ada")
    refused = phone.post(
        f"/a/{assembly['id']}/stack/raise",
        data={"kind": "speak"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert refused.status_code == 403
    with deployment.socket(assembly["id"], cookie, origin="https://elsewhere.example") as socket_:
        with pytest.raises(ConnectionClosed):  # closed with 1008 before any push
            socket_.recv(timeout=10)
        assert socket_.close_code == 1008


def test_plain_http_redirects_to_https(deployment: Deployment) -> None:
    reply = httpx.get(f"{deployment.http}/join?code=K7P2QX", timeout=10)
    assert reply.status_code == 301
    assert reply.headers["location"] == "https://127.0.0.1/join?code=K7P2QX"


def test_the_systemd_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed")
    assert analyze is not None
    unit = (DEPLOY / "miccheck@.service").read_text()
    assert unit.count(UNIT_MICCHECK) == 2 and "EnvironmentFile=/etc/miccheck.env" in unit
    here = unit.replace(UNIT_MICCHECK, str(MICCHECK)).replace(
        "/etc/miccheck.env", str(DEPLOY / "miccheck.env.example")
    )
    (tmp_path / "miccheck@8001.service").write_text(here)
    checked = subprocess.run(
        [analyze, "verify", "--man=no", "miccheck@8001.service"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stderr
