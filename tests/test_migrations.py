"""Alembic is the only way the schema changes: migrations and models must agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.archive.fts import include_object
from app.db import Database
from app.models import metadata


def test_autogenerate_finds_no_difference_between_models_and_migrations(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        # The full-text index is hand-written in migration 0006 and kept out of the models.
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, metadata) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
