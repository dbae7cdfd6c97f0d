"""The log is the truth: every table of an assembly is rebuilt, row by row, from its events."""

from __future__ import annotations

import pytest

from app.copies.replay import PROJECTIONS
from app.db import Database
from app.demo import seed_demo
from tests.copies.replays import replay_differences
from tests.minutes.evening import Clock, freeze, play_evening
from tests.web.event_types import appended_event_types


def test_every_event_type_the_app_appends_has_a_projection() -> None:
    assert appended_event_types() - PROJECTIONS.keys() == set()


def test_the_minutes_evening_replayed_into_empty_tables_gives_the_same_rows(
    any_db: Database, copy_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    freeze(monkeypatch, clock)
    play_evening(any_db, clock)
    assert replay_differences(any_db, copy_db) == []


def test_the_demo_with_its_proposals_played_through_replays_to_the_same_rows(
    db: Database, copy_db: Database
) -> None:
    seed_demo(db=db, proposals=True)
    assert replay_differences(db, copy_db) == []
