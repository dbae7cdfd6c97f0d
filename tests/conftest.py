"""Shared fixtures: fresh migrated databases (SQLite always, PostgreSQL when reachable or on CI),
the app with a TestClient, and an assembly with its facilitator and participants."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.cli import upgrade_database
from app.config import Settings
from app.db import Database
from app.web.app import create_app

POSTGRES_URL = os.environ.get(
    "MICCHECK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ON_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Off CI a missing service skips with a reason; on CI it is a failure."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: the service must be up)")
    pytest.skip(reason)


REDIS_URL = os.environ.get("MICCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared test Redis; unreachable means skip, except under CI=true where it fails."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrations run once per session)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@contextlib.contextmanager
def new_postgres_database(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards; its URL. Unreachable:
    skipped with the reason, or failed under CI=true."""
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means "not reachable"
        unavailable(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    with new_postgres_database("miccheck_test") as url:
        upgrade_database(url)
        yield url


def _sqlite_db(template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "miccheck.db"
    shutil.copy(template, path)
    return Database(f"sqlite:///{path}")


def _postgres_db(url: str) -> Database:
    db = Database(url)
    with db.engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return db


@pytest.fixture
def db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database."""
    database = _sqlite_db(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def copy_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """Another fresh, migrated SQLite database: another server, to carry assemblies into."""
    other = tmp_path / "copy"
    other.mkdir()
    database = _sqlite_db(sqlite_template, other)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL (storage, events, concurrency)."""
    if request.param == "sqlite":
        database = _sqlite_db(sqlite_template, tmp_path)
    else:
        request.applymarker(pytest.mark.postgres)
        database = _postgres_db(request.getfixturevalue("postgres_database"))
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'miccheck.db'}",
        secret_key="test-secret-key-not-for-production",
        public_url="http://testserver",
        heartbeat_seconds=15,
        assemblies_per_hour=1000,
        joins_per_minute=10_000,
    )


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The whole app on a fresh database; lifespan (the live hub) runs."""
    with TestClient(create_app(settings, db), base_url="http://testserver") as test_client:
        yield test_client


@dataclass
class Person:
    """Someone in a test assembly, with the bearer header to act as them."""

    participant_id: int
    token: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class GA:
    id: str
    join_code: str
    projector_key: str
    facilitator: Person
    created: dict[str, Any]
    people: list[Person] = field(default_factory=list)


def create_assembly(client: TestClient, **body: Any) -> GA:
    payload = {"title": "Riverside Commons GA", "facilitator_name": "Noor", **body}
    response = client.post("/api/assemblies", json=payload)
    assert response.status_code == 201, response.text
    data = response.json()
    return GA(
        id=data["id"],
        join_code=data["join_code"],
        projector_key=data["projector_key"],
        facilitator=Person(
            data["participant_id"], data["facilitator_token"], payload["facilitator_name"]
        ),
        created=data,
    )


def join(client: TestClient, assembly: GA, name: str) -> Person:
    response = client.post("/api/join", json={"join_code": assembly.join_code, "name": name})
    assert response.status_code == 201, response.text
    data = response.json()
    person = Person(data["participant_id"], data["token"], name)
    assembly.people.append(person)
    return person


def headers_for(who: str, people: dict[str, Person]) -> dict[str, str]:
    """Headers acting as `who`: one of `people`, "nobody" (no token) or "stranger" (a bad one)."""
    if who == "nobody":
        return {}
    if who == "stranger":
        return {"Authorization": "Bearer not-a-token"}
    return people[who].headers


def error_of(response: Any) -> dict[str, str]:
    """docs/api.md's error shape, checked whole: {"error": {"code", "message"}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"].strip()
    error: dict[str, str] = body["error"]
    return error


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    """The JSON of a reply that must have succeeded with `status`."""
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


def seq_of(client: TestClient, ga: GA) -> int:
    """The assembly's seq now, as its facilitator reads it."""
    response = client.get(f"/api/assemblies/{ga.id}", headers=ga.facilitator.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["seq"])


@pytest.fixture
def assembly(client: TestClient) -> GA:
    """An open assembly facilitated by Noor."""
    return create_assembly(client)


@pytest.fixture
def facilitator(assembly: GA) -> Person:
    return assembly.facilitator


@pytest.fixture
def participants(client: TestClient, assembly: GA) -> Callable[[int], list[Person]]:
    """participants(n): n people who joined by code."""
    names = ["Abebe", "Bianca", "Chen", "Dolores", "Emeka", "Farah", "Gus", "Hannah"]

    def make(n: int) -> list[Person]:
        return [
            join(client, assembly, names[i % len(names)] + ("" if i < len(names) else str(i)))
            for i in range(n)
        ]

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API leaves its event loop set on the main
    thread for the rest of the session, where `asyncio.run` in other tests would refuse."""
    items.sort(key=lambda item: "e2e" in item.keywords)
