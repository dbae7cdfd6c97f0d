"""The floor: the least an answer can cost on this stack, measured in the same run.

A minimal FastAPI app (`uvicorn bench.floor:create --factory`, the app's uvicorn options) on
its own SQLite file in WAL mode. `POST /respond` is a sync endpoint, as the app's are: it
finds the caller by the SHA-256 of their token (a cookie), upserts their answer and appends
one hash-chained event in one `BEGIN IMMEDIATE` transaction, and replies a small HTML
fragment (their answer and the seq). No live push, no render of the room, no session
signature: what is left is HTTP, the thread pool, one SQLite write and a hash. The app's
answer path is compared with it (bench.ratios).

The parent (`seed`) creates the schema and the participants before the server starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Annotated

from fastapi import Cookie, FastAPI, Form, HTTPException
from fastapi.responses import HTMLResponse

DB_VAR = "BENCH_FLOOR_DB"
COOKIE = "floor"
GENESIS = "0" * 64
SCHEMA = """
CREATE TABLE participant (id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE);
CREATE TABLE response (
    round_id INTEGER NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participant(id),
    value TEXT NOT NULL,
    reason TEXT,
    UNIQUE (round_id, participant_id)
);
CREATE TABLE event (
    seq INTEGER PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    payload TEXT NOT NULL
);
"""
VALUES = frozenset({"agree", "stand_aside", "block"})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def chain_hash(prev_hash: str, payload: str) -> str:
    """An event's hash: over the previous event's hash and its canonical JSON."""
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def canonical(data: dict[str, object]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection as the floor uses it: autocommit (explicit transactions), WAL."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def seed(path: Path, tokens: Sequence[str]) -> None:
    """A fresh floor database with one participant per token."""
    conn = connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO participant (token_hash) VALUES (?)", [(token_hash(t),) for t in tokens]
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def respond(conn: sqlite3.Connection, token: str, round_id: int, value: str, reason: str) -> int:
    """Record one answer and its event in one transaction; returns the event's seq."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(
            "SELECT id FROM participant WHERE token_hash = ?", (token_hash(token),)
        ).fetchone()
        if row is None:
            raise HTTPException(401, "unknown token")
        participant_id = row[0]
        conn.execute(
            "INSERT INTO response (round_id, participant_id, value, reason) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (round_id, participant_id) DO UPDATE SET value = excluded.value, "
            "reason = excluded.reason",
            (round_id, participant_id, value, reason or None),
        )
        last = conn.execute("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        payload = canonical(
            {
                "type": "response_recorded",
                "round_id": round_id,
                "participant_id": participant_id,
                "value": value,
                "reason": reason or None,
            }
        )
        conn.execute(
            "INSERT INTO event (seq, prev_hash, hash, payload) VALUES (?, ?, ?, ?)",
            (seq, prev_hash, chain_hash(prev_hash, payload), payload),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(seq)


def fragment(round_id: int, value: str, reason: str, seq: int) -> str:
    """The reply: the caller's answer and the seq, as the app's `_mine.html` and `_seq.html`."""
    said = f" — “{escape(reason)}”" if reason else ""
    return (
        f'<div id="mc-mine" class="mc-mine" data-round-id="{round_id}" '
        f'data-value="{escape(value)}" hx-swap-oob="true"><p class="mine-line">Your answer: '
        f"<strong>{escape(value)}</strong>{said}</p></div>"
        f'<div id="mc-seq" data-seq="{seq}" hx-swap-oob="true"></div>'
    )


def create() -> FastAPI:
    """The floor app on the database named by BENCH_FLOOR_DB (seeded by `seed`)."""
    path = os.environ[DB_VAR]
    local = threading.local()  # one connection per thread-pool thread

    def conn() -> sqlite3.Connection:
        found: sqlite3.Connection | None = getattr(local, "conn", None)
        if found is None:
            found = local.conn = connect(path)
        return found

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/")
    def ready() -> HTMLResponse:
        return HTMLResponse("floor")

    @app.post("/respond")
    def respond_form(
        round_id: Annotated[int, Form()],
        value: Annotated[str, Form()],
        reason: Annotated[str, Form()] = "",
        floor: Annotated[str | None, Cookie()] = None,
    ) -> HTMLResponse:
        if floor is None:
            raise HTTPException(401, "no token")
        if value not in VALUES:
            raise HTTPException(422, "unknown answer")
        seq = respond(conn(), floor, round_id, value, reason)
        return HTMLResponse(fragment(round_id, value, reason, seq), headers={"MC-Seq": str(seq)})

    return app
