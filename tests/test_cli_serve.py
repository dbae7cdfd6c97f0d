"""`miccheck serve`: several workers only on PostgreSQL and Redis, one secret for all of them,
and `--lan` for a venue network with no internet (uvicorn itself is replaced: nothing binds)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app import cli as cli_module
from app.config import Settings, get_settings
from app.web.access_log import log_config
from app.web.serve_plan import ServePlan, serve_plan

MICCHECK = str(Path(sys.executable).parent / "miccheck")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"
REDIS = "redis://127.0.0.1:6379/0"
SERVE_ENV = ("MICCHECK_PUBLIC_URL", "MICCHECK_SECRET_KEY", "MICCHECK_DATABASE_URL",
             "MICCHECK_BROADCAST_URL", "MICCHECK_FORWARDED_ALLOW_IPS")  # fmt: skip


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Settings from a clean environment; what `serve` hands its workers is undone after."""
    saved = {name: os.environ.get(name) for name in SERVE_ENV}
    for name in SERVE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a generated secret is kept here, not in the checkout
    get_settings.cache_clear()
    yield monkeypatch
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """uvicorn.run replaced by a recorder: (app, options) per call."""
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    return calls


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli_module.cli, ["serve", *args])


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real `miccheck` in its own process, with only these MICCHECK_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MICCHECK_")}
    return subprocess.run(
        [MICCHECK, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


# ---- several workers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MICCHECK_BROADCAST_URL": REDIS}, "a SQLite database"),
        ({"MICCHECK_DATABASE_URL": PG}, "the memory:// live bus"),
        ({}, "a SQLite database and the memory:// live bus"),
    ],
    ids=["sqlite", "memory-bus", "both"],
)
def test_several_workers_are_refused_on_sqlite_or_the_memory_bus_with_exit_code_2(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    env = {"MICCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", **env}
    done = run_cli("serve", "--workers", "2", "--port", "0", **env)
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())
    assert f"--workers 2 needs PostgreSQL and Redis, and this server has {named}." in message
    assert "SQLite lets one writer" in message and "does not cross processes" in message
    assert done.stdout == ""


def test_zero_workers_is_refused(serve_env: pytest.MonkeyPatch, uvicorn_calls: list[Any]) -> None:
    result = invoke("--workers", "0")
    assert result.exit_code == 2 and "--workers must be 1 or more" in result.output
    assert uvicorn_calls == []


def test_several_workers_on_postgres_and_redis_run_uvicorn_from_the_import_string(
    serve_env: pytest.MonkeyPatch, uvicorn_calls: list[tuple[Any, dict[str, Any]]]
) -> None:
    serve_env.setenv("MICCHECK_DATABASE_URL", PG)
    serve_env.setenv("MICCHECK_BROADCAST_URL", REDIS)
    result = invoke("--workers", "3", "--port", "8123")
    assert result.exit_code == 0, result.output
    [(app, options)] = uvicorn_calls
    assert app == "app.web.app:create_app"
    assert options == {
        "factory": True,
        "workers": 3,
        "host": "127.0.0.1",
        "port": 8123,
        "ws_per_message_deflate": False,
        "proxy_headers": True,
        "forwarded_allow_ips": "",
        "ws_max_size": 4096,
        "log_config": log_config(),  # no `key=` values in the logs
    }


def test_workers_share_the_secret_resolved_once_before_they_start(
    serve_env: pytest.MonkeyPatch, uvicorn_calls: list[Any], tmp_path: Path
) -> None:
    serve_env.setenv("MICCHECK_DATABASE_URL", PG)
    serve_env.setenv("MICCHECK_BROADCAST_URL", REDIS)
    assert invoke("--workers", "2").exit_code == 0
    handed_down = os.environ["MICCHECK_SECRET_KEY"]
    assert handed_down == (tmp_path / ".miccheck-secret").read_text().strip()
    assert Settings().resolved_secret_key() == handed_down  # what each worker reads


def test_a_configured_secret_is_left_as_it_is(serve_env: pytest.MonkeyPatch) -> None:
    settings = Settings(database_url=PG, broadcast_url=REDIS, secret_key="s3cret-for-the-room")
    plan = serve_plan(settings, host=None, port=8000, workers=2, lan=False)
    assert plan.environment == {}


def test_one_worker_on_sqlite_serves_the_app_object(
    serve_env: pytest.MonkeyPatch, uvicorn_calls: list[tuple[Any, dict[str, Any]]], tmp_path: Path
) -> None:
    serve_env.setenv("MICCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    assert invoke("--host", "0.0.0.0").exit_code == 0
    [(app, options)] = uvicorn_calls
    assert not isinstance(app, str) and "workers" not in options
    assert options["host"] == "0.0.0.0" and options["proxy_headers"] is True
    assert options["log_config"] == log_config()  # no `key=` values in the logs
    assert app.state.ctx.urls.public_url == "http://127.0.0.1:8000"  # --lan not asked


@pytest.mark.parametrize(("setting", "believed"), [(None, ""), ("127.0.0.1", "127.0.0.1")])
def test_forwarded_headers_are_believed_only_from_the_addresses_in_the_setting(
    serve_env: pytest.MonkeyPatch,
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],
    tmp_path: Path,
    setting: str | None,
    believed: str,
) -> None:
    # Without the setting nobody's X-Forwarded-For counts (uvicorn would believe 127.0.0.1):
    # a process on the laptop could otherwise pose as any address and dodge the join limits.
    serve_env.setenv("MICCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    if setting is not None:
        serve_env.setenv("MICCHECK_FORWARDED_ALLOW_IPS", setting)
    assert invoke().exit_code == 0
    [(_app, options)] = uvicorn_calls
    assert options["forwarded_allow_ips"] == believed


# ---- --lan ------------------------------------------------------------------------------


def test_lan_binds_everywhere_points_links_at_the_lan_address_and_prints_the_join_qr(
    serve_env: pytest.MonkeyPatch, uvicorn_calls: list[tuple[Any, dict[str, Any]]], tmp_path: Path
) -> None:
    from app.web import lan

    serve_env.setenv("MICCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    serve_env.setattr(lan, "lan_address", lambda: "192.168.1.20")
    result = invoke("--lan", "--port", "8080")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Phones join at http://192.168.1.20:8080/join"
    qr = [line for line in lines[1:] if line.strip()]
    assert len(qr) >= 12 and {"█", "▀", "▄"} <= set("".join(qr))  # a compact terminal QR
    [(app, options)] = uvicorn_calls
    assert options["host"] == "0.0.0.0" and options["port"] == 8080
    assert app.state.ctx.urls.public_url == "http://192.168.1.20:8080"
    assert os.environ["MICCHECK_PUBLIC_URL"] == "http://192.168.1.20:8080"  # for workers


def test_lan_keeps_a_public_url_that_was_set_explicitly(serve_env: pytest.MonkeyPatch) -> None:
    serve_env.setenv("MICCHECK_PUBLIC_URL", "https://ga.example.org")

    def never() -> str:
        raise AssertionError("no need to look for the address")

    plan = serve_plan(Settings(), host=None, port=8000, workers=1, lan=True, find_address=never)
    assert (plan.host, plan.public_url) == ("0.0.0.0", "https://ga.example.org")
    assert plan.join_link == "https://ga.example.org/join" and plan.environment == {}


def test_lan_with_an_explicit_host_binds_that_host(serve_env: pytest.MonkeyPatch) -> None:
    plan = serve_plan(
        Settings(), host="192.168.1.20", port=9000, workers=1, lan=True,
        find_address=lambda: "192.168.1.20",
    )  # fmt: skip
    assert plan.host == "192.168.1.20" and plan.public_url == "http://192.168.1.20:9000"


def test_lan_without_a_network_address_is_refused_with_what_to_do(
    serve_env: pytest.MonkeyPatch, uvicorn_calls: list[Any]
) -> None:
    from app.web import lan

    serve_env.setattr(lan, "lan_address", lambda: None)
    result = invoke("--lan")
    assert result.exit_code == 2
    assert "no network address phones could reach" in result.output
    assert "MICCHECK_PUBLIC_URL" in result.output and uvicorn_calls == []


def test_without_lan_nothing_is_printed_and_the_public_url_is_the_setting(
    serve_env: pytest.MonkeyPatch,
) -> None:
    plan = serve_plan(Settings(), host=None, port=8000, workers=1, lan=False)
    assert plan == ServePlan("127.0.0.1", "http://127.0.0.1:8000", {}, None)
