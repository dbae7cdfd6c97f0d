"""An anonymous round open at a take-over (docs/process.md, "Anonymous rounds"): the log never
names who gave an answer, so the primary tells its mirror beside each event while the round is
open (app/blocks/owners.py); after a take-over a person who changes their answer replaces
theirs, and the close forgets who answered on every copy alike."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.blocks.models import AnswerOwner, Response
from app.config import Settings
from app.copies.follow import Follower
from app.db import Database
from app.events import export_events, head_of
from app.web.app import create_app
from tests.copies.tables import differences, rows_of
from tests.e2e.harness import serve_in_thread
from tests.web.live_client import WAIT, Live, bearer, consensus_call, join, new_assembly

FOLLOWS = {"event_head": {"follows"}}  # whose copy the log is: where a mirror differs


@pytest.fixture
def primary(settings: Settings, db: Database) -> Iterator[Live]:
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, db)


@pytest.fixture
def mirror(settings: Settings, copy_db: Database) -> Iterator[Live]:
    app = create_app(settings, copy_db)
    with serve_in_thread(app) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, copy_db)


def answer(live: Live, round_id: int, token: str, value: str, reason: str | None = None) -> None:
    body = {"value": value, **({"reason": reason} if reason else {})}
    given = live.http.put(f"/api/rounds/{round_id}/response", json=body, headers=bearer(token))
    assert given.status_code == 200, given.text


def follow_all(copy_db: Database, primary: Live, made: dict[str, Any]) -> None:
    """Follow the primary until the mirror holds its head, then stop (the primary 'dies')."""
    assert primary.db is not None
    with primary.db.read() as session:
        head = head_of(session, made["id"])
    follower = Follower(
        db=copy_db, primary=primary.base, assembly_id=made["id"], key=made["facilitator_token"]
    )

    async def run() -> None:
        follower.start()
        try:
            async with asyncio.timeout(WAIT):
                while follower.held < head:
                    await asyncio.sleep(0.02)
        finally:
            await follower.stop()

    asyncio.run(run())


def owners(db: Database) -> dict[int, int]:
    with db.read() as session:
        return {row.seq: row.participant_id for row in session.exec(select(AnswerOwner))}


def answers(db: Database, round_id: int) -> list[tuple[int | None, str, int]]:
    with db.read() as session:
        rows = session.exec(select(Response).where(Response.round_id == round_id))
        return sorted(((r.participant_id, r.value, r.changes) for r in rows), key=repr)


def test_a_changed_anonymous_answer_after_a_take_over_replaces_the_persons_own(
    primary: Live, mirror: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    keiko, ruth = join(primary, made, "Keiko"), join(primary, made, "Ruth")
    round_id = consensus_call(primary, made, anonymous=True, results="live")
    answer(primary, round_id, keiko["token"], "agree")
    answer(primary, round_id, ruth["token"], "agree")
    answer(primary, round_id, keiko["token"], "stand_aside", "Tarps are not my call.")
    assert primary.db is not None
    follow_all(copy_db, primary, made)

    # The mirror knows who, as the primary does (every row alike, secrets too), and the log
    # still names nobody.
    assert len(owners(copy_db)) == 3
    same = rows_of(primary.db, made["id"], secrets=True, skip=FOLLOWS)
    assert differences(same, rows_of(copy_db, made["id"], secrets=True, skip=FOLLOWS)) == []
    with copy_db.read() as session:
        exported = str(export_events(session, made["id"]))
    assert "owner" not in exported

    fac = bearer(made["facilitator_token"])
    taken = mirror.http.post(f"/api/assemblies/{made['id']}/take-over", headers=fac)
    assert taken.status_code == 200, taken.text
    answer(mirror, round_id, ruth["token"], "block", "We have no money for tarps.")
    assert answers(copy_db, round_id) == sorted(
        [
            (keiko["participant_id"], "stand_aside", 1),
            (ruth["participant_id"], "block", 1),
        ],
        key=repr,
    )

    closed = mirror.http.post(f"/api/rounds/{round_id}/close", headers=fac)
    assert closed.status_code == 200, closed.text
    assert closed.json()["tally"] == {"agree": 0, "stand_aside": 1, "block": 1}
    # The close forgets who answered what, on the copy that now runs the assembly.
    assert owners(copy_db) == {}
    assert [who for who, _value, _changes in answers(copy_db, round_id)] == [None, None]


def test_a_mirror_that_follows_past_the_close_keeps_no_owners(
    primary: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    keiko = join(primary, made, "Keiko")
    round_id = consensus_call(primary, made, anonymous=True, results="live")
    answer(primary, round_id, keiko["token"], "agree")
    closed = primary.http.post(
        f"/api/rounds/{round_id}/close", headers=bearer(made["facilitator_token"])
    )
    assert closed.status_code == 200, closed.text
    assert primary.db is not None and owners(primary.db) == {}
    follow_all(copy_db, primary, made)
    assert owners(copy_db) == {}
    assert answers(copy_db, round_id) == [(None, "agree", 0)]


def test_the_copy_stream_names_who_gave_an_open_anonymous_answer_beside_its_event(
    primary: Live,
) -> None:
    made = new_assembly(primary)
    keiko = join(primary, made, "Keiko")
    round_id = consensus_call(primary, made, anonymous=True, results="live")
    answer(primary, round_id, keiko["token"], "agree")
    path = f"/ws/assemblies/{made['id']}/events?since=0&copy=1"
    with primary.ws(path, bearer(made["facilitator_token"])) as socket:
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1]["type"] != "secrets":
            frames.append(json.loads(socket.recv(timeout=WAIT)))
    told = {f["event"]["type"]: f.get("owner") for f in frames if f["type"] == "event"}
    assert told["response_cast"] == keiko["participant_id"]
    assert [f for f in frames if "owner" in f and f["event"]["type"] != "response_cast"] == []
    cast = next(f["event"] for f in frames if f.get("owner"))
    assert "participant_id" not in cast["payload"] and cast["actor_id"] is None
