"""send_signal: who may signal, when, and what it leaves behind (a bus marker, nothing stored)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from app.signals.board import Board
from app.signals.service import send_signal
from app.stack.queue import current_turn
from tests.conftest import GA, Person, join, ok


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock: Clock) -> Board:
    return Board(clock)


@pytest.fixture
def heard(db: Database) -> Iterator[list[tuple[str, int, frozenset[str]]]]:
    got: list[tuple[str, int, frozenset[str]]] = []

    def listener(assembly_id: str, seq: int, regions: frozenset[str]) -> None:
        got.append((assembly_id, seq, regions))

    db.listen(listener)
    yield got
    db.unlisten(listener)


def call_speaker(client: TestClient, assembly: GA, person: Person) -> dict[str, Any]:
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/stack", json={"kind": "speak"}, headers=person.headers
        ),
        201,
    )
    return ok(
        client.post(
            f"/api/assemblies/{assembly.id}/stack/next", headers=assembly.facilitator.headers
        )
    )


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        names = [
            r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        return {n: session.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def test_a_signal_is_announced_as_a_marker_and_nothing_is_stored(
    client: TestClient, assembly: GA, db: Database, board: Board, heard: list[Any]
) -> None:
    chen = join(client, assembly, "Chen")
    call_speaker(client, assembly, join(client, assembly, "Abebe"))
    before = table_counts(db)
    heard.clear()
    sent = send_signal(
        db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="agree"
    )
    assert table_counts(db) == before  # not an event, not a row
    [(aid, seq, regions)] = heard
    turn = ok(client.get(f"/api/assemblies/{assembly.id}/stack", headers=chen.headers))
    assert (aid, seq, sent.seq) == (assembly.id, turn["seq"], turn["seq"])
    with db.read() as session:
        floor = current_turn(session, assembly.id)
    assert floor is not None
    assert regions == {f"signal:{floor.id}:agree"}  # the turn and the kind, never who


def test_nobody_speaking_is_a_conflict(
    client: TestClient, assembly: GA, db: Database, board: Board
) -> None:
    chen = join(client, assembly, "Chen")
    with pytest.raises(Conflict) as refused:
        send_signal(
            db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="agree"
        )
    assert refused.value.code == "no_speaker"


def test_an_unknown_kind_is_invalid(
    client: TestClient, assembly: GA, db: Database, board: Board
) -> None:
    chen = join(client, assembly, "Chen")
    call_speaker(client, assembly, chen)
    with pytest.raises(Invalid):
        send_signal(
            db=db,
            board=board,
            assembly_id=assembly.id,
            actor_id=chen.participant_id,
            kind="applause",
        )


def test_a_second_signal_within_five_seconds_waits(
    client: TestClient, assembly: GA, db: Database, board: Board, clock: Clock, heard: list[Any]
) -> None:
    chen = join(client, assembly, "Chen")
    call_speaker(client, assembly, join(client, assembly, "Abebe"))
    heard.clear()
    send_signal(
        db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="agree"
    )
    clock.now += 1.5
    with pytest.raises(TooMany) as refused:
        send_signal(
            db=db,
            board=board,
            assembly_id=assembly.id,
            actor_id=chen.participant_id,
            kind="disagree",
        )
    assert refused.value.retry_after == 4
    assert len(heard) == 1  # the refused one went nowhere
    clock.now += 3.5
    send_signal(
        db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="disagree"
    )
    assert len(heard) == 2


def test_a_muted_person_may_still_signal(
    client: TestClient, assembly: GA, db: Database, board: Board
) -> None:
    chen = join(client, assembly, "Chen")
    call_speaker(client, assembly, join(client, assembly, "Abebe"))
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/participants/{chen.participant_id}/mute",
            headers=assembly.facilitator.headers,
        )
    )
    send_signal(
        db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="unsure"
    )


def test_someone_of_another_assembly_is_not_found(
    client: TestClient, assembly: GA, db: Database, board: Board
) -> None:
    call_speaker(client, assembly, join(client, assembly, "Abebe"))
    with pytest.raises(NotFound):
        send_signal(db=db, board=board, assembly_id=assembly.id, actor_id=999_999, kind="agree")


def test_someone_waiting_at_the_door_may_not_signal(
    client: TestClient, assembly: GA, db: Database, board: Board
) -> None:
    chen = join(client, assembly, "Chen")
    call_speaker(client, assembly, join(client, assembly, "Abebe"))
    with db.write() as session:
        session.execute(
            text("UPDATE participant SET status = 'waiting' WHERE id = :i"),
            {"i": chen.participant_id},
        )
    with pytest.raises(Forbidden):
        send_signal(
            db=db, board=board, assembly_id=assembly.id, actor_id=chen.participant_id, kind="agree"
        )
