"""Migration 0006 (groups, assembly numbers, the archive and its full-text index) on SQLite
and PostgreSQL with data in the tables: down to 0005 keeps every assembly and proposal, and
up again fills the archive of assemblies closed before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from alembic import command
from app.archive.fts import include_object
from app.archive.search import search
from app.cli import alembic_config, upgrade_database
from app.db import Database
from app.models import metadata
from tests.archive.builders import hold_meeting, make_group
from tests.conftest import POSTGRES_URL, unavailable


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (this test moves the schema up and down)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    request.applymarker(pytest.mark.postgres)
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        unavailable(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}")
    name = f"miccheck_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_down_to_0005_and_up_again_keeps_the_facts_and_fills_the_archive(fresh_url: str) -> None:
    upgrade_database(fresh_url)
    db = Database(fresh_url)
    hold_meeting(db, make_group(db))
    hold_meeting(db, None, title="Harbour GA")
    hold_meeting(db, None, title="Open GA", close=False)
    db.dispose()

    command.downgrade(alembic_config(fresh_url), "0005")  # type: ignore[arg-type]
    db = Database(fresh_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assembly")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM proposal")).scalar() == 6
    db.dispose()

    upgrade_database(fresh_url)  # assemblies closed before 0006 are archived by it
    db = Database(fresh_url)
    found = search(db, "tarpaulins")
    assert sorted(d.assembly_title for d in found) == ["Harbour GA", "Riverside Commons GA"]
    assert {(d.outcome, d.tabled_to) for d in found} == {("tabled", "Comfort working group")}
    assert [d.title for d in search(db, "fire lane", working_group="comfort")] == [
        "Winter tents",
        "Winter tents",
    ]
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, metadata) == []
    db.dispose()
