"""The fixture evening (tests/minutes/evening.py) on SQLite, and on both databases."""

from __future__ import annotations

import pytest

from app.db import Database
from tests.minutes.evening import Clock, Evening, freeze, play_evening


@pytest.fixture
def evening(db: Database, monkeypatch: pytest.MonkeyPatch) -> Evening:
    """The evening on SQLite (the `db` the `client` fixture serves)."""
    clock = Clock()
    freeze(monkeypatch, clock)
    return play_evening(db, clock)


@pytest.fixture
def any_evening(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> Evening:
    """The evening on SQLite and on PostgreSQL."""
    clock = Clock()
    freeze(monkeypatch, clock)
    return play_evening(any_db, clock)
