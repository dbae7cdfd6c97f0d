"""Two workers run the deadline closer against one PostgreSQL (`miccheck serve --workers N`):
a round that is due closes exactly once, with one `round_closed` event."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.blocks import closing
from app.db import Database
from tests.blocks.world import (
    answer,
    chain_verifies,
    events_since,
    head,
    later,
    open_,
    shown,
    submit,
    world,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_database: str) -> Iterator[Database]:
    from tests.conftest import _postgres_db

    database = _postgres_db(postgres_database)
    yield database
    database.dispose()


def test_two_workers_closing_due_rounds_at_once_close_each_exactly_once(pg: Database) -> None:
    w = world(pg)
    due = []
    for _ in range(4):  # one round per proposal: four chances for the two closers to collide
        rid = open_(w, submit(w, "consensus_call"), "consensus", closes_in_seconds=10)
        for who in w.everyone:
            answer(w, rid, who, "agree")
        due.append(rid)
    before = head(pg, w.aid)
    workers = [Database(pg.url), Database(pg.url)]  # two processes' engines and pools
    start = threading.Barrier(len(workers))
    moment = later(11)

    def run(worker: Database) -> list[int]:
        start.wait(timeout=10)
        return closing.close_due_rounds(db=worker, at=moment)

    try:
        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            closed = [rid for result in pool.map(run, workers) for rid in result]
    finally:
        for worker in workers:
            worker.dispose()
    assert sorted(closed) == sorted(due)  # each round closed by one worker, not both
    events = events_since(pg, w.aid, before)
    closings = [e.payload["round_id"] for e in events if e.type == "round_closed"]
    assert sorted(closings) == sorted(due)
    assert [e.seq for e in events] == list(range(before + 1, before + 1 + len(events)))
    assert all(shown(w, rid)["outcome"] == "passed" for rid in due)
    assert chain_verifies(pg, w.aid)


def test_a_closer_on_another_worker_finds_nothing_left_to_close(pg: Database) -> None:
    w = world(pg)
    rid = open_(w, submit(w, "concerns"), "temperature", closes_in_seconds=10)
    other = Database(pg.url)
    try:
        assert closing.close_due_rounds(db=pg, at=later(11)) == [rid]
        after = head(pg, w.aid)
        assert closing.close_due_rounds(db=other, at=later(12)) == []
    finally:
        other.dispose()
    assert head(pg, w.aid) == after
