"""The log is the truth: every table of an assembly is rebuilt, row by row, from its events."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.assembly.models import Assembly, AssemblyGroup
from app.assembly.projection import NO_KEY
from app.cli import cli
from app.config import get_settings
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


def test_miccheck_demo_replays_to_the_same_rows(
    db: Database, copy_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["demo"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert replay_differences(db, copy_db) == []


def test_a_demo_in_a_group_replayed_on_a_server_without_the_group_joins_a_group_of_that_name(
    db: Database, copy_db: Database
) -> None:
    made = seed_demo(db=db, open_item=None)
    assert replay_differences(db, copy_db) == []
    with copy_db.read() as session:
        assembly = session.get(Assembly, made.assembly_id)
        assert assembly is not None and assembly.group_id is not None
        group = session.get(AssemblyGroup, assembly.group_id)
    assert group is not None and made.group is not None
    assert (group.slug, group.last_number) == (made.group.slug, made.number)
    assert group.admin_token_hash == NO_KEY  # no admin token travels: no one administers it here
