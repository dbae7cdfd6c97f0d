"""`miccheck archive rebuild`: the archive made again from the tables, with what it counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.archive.models import ArchiveEntry
from app.archive.search import search
from app.config import get_settings
from app.db import Database
from tests.archive.builders import hold_meeting, make_group

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The temp SQLite database, as the command's settings name it."""
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def rebuild() -> str:
    from app.cli import cli

    result = runner.invoke(cli, ["archive", "rebuild"])
    assert result.exit_code == 0, result.output
    return result.output


def test_archive_rebuild_refills_a_wiped_archive_and_says_what_it_indexed(
    cli_db: Database,
) -> None:
    group = make_group(cli_db)
    hold_meeting(cli_db, group)
    hold_meeting(cli_db, None, title="Harbour GA")
    hold_meeting(cli_db, group, close=False)  # open: not archived
    before = search(cli_db, "tarpaulins")
    with cli_db.write() as session:
        for entry in session.exec(select(ArchiveEntry)):
            session.delete(entry)
    assert search(cli_db, "tarpaulins") == []
    assert rebuild() == "archive rebuilt: 4 decisions from 2 closed assemblies\n"
    assert search(cli_db, "tarpaulins") == before != []


def test_archive_rebuild_twice_doubles_nothing(cli_db: Database) -> None:
    hold_meeting(cli_db, make_group(cli_db))
    rebuild()
    assert rebuild() == "archive rebuilt: 2 decisions from 1 closed assembly\n"
    with cli_db.read() as session:
        assert len(session.exec(select(ArchiveEntry)).all()) == 2


def test_archive_rebuild_of_an_empty_database_says_so(cli_db: Database) -> None:
    assert rebuild() == "archive rebuilt: 0 decisions from 0 closed assemblies\n"
