"""Database engine and sessions: SQLite (WAL, BEGIN IMMEDIATE for writes) or PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from app import clock

WRITE_OPTION = "miccheck_write"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured the way docs/deploy.md says."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a read-then-write under plain BEGIN fails with
        # "database is locked" when many writers race (measured in `make bench`).
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # asked for no transaction (a migration's PRAGMA foreign_keys, say)
        if options.get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


Listener = Callable[[str, int, frozenset[str]], None]


class Database:
    """Hands out read sessions and write transactions on one engine, and announces commits."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._listeners: list[Listener] = []
        # What this process knows that no table holds, for writes to consult, by name: each
        # write session carries it in `session.info` (app/web/app.py puts there how the room's
        # hand signals took a turn, app/stack/service.py reads it when a turn ends).
        self.memory: dict[str, Any] = {}
        # SQLite lets one writer in at a time and makes the others poll with backoff (the
        # multi-second tails in `make bench`); queueing them here wakes each one at once.
        self._write_lock: threading.Lock | None = threading.Lock() if self.is_sqlite else None

    def listen(self, listener: Listener) -> None:
        """Call `listener(assembly_id, seq, regions)` after each announced commit."""
        self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def announce(self, assembly_id: str, seq: int, regions: Iterable[str]) -> None:
        """Tell the live layer that a committed change touched these screen regions."""
        frozen = frozenset(regions)
        for listener in list(self._listeners):
            listener(assembly_id, seq, frozen)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; it never waits behind writers on SQLite (WAL)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error."""
        lock = self._write_lock or nullcontext()
        with (
            lock,
            clock.one_moment(),  # the rows and the events of one transaction share a moment
            Session(self._write_engine, expire_on_commit=False, info=self.memory) as s,
            s.begin(),
        ):
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
