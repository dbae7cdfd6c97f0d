"""Migrations 0007 (a decision round without a proposal: approving the minutes) and 0008 (may
the minutes name speakers) on SQLite and PostgreSQL with data in the tables: down to 0006
keeps every proposal's rounds and answers and drops only the approvals (their events stay);
up again matches the models, and assemblies made before 0008 name their speakers."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from alembic import command
from app.archive.fts import include_object
from app.blocks import rounds
from app.cli import alembic_config, upgrade_database
from app.db import Database
from app.models import metadata
from tests.blocks.world import answer, close, open_, submit, world
from tests.test_migrations_archive import fresh_url  # noqa: F401 (a fixture)


def test_down_to_0006_keeps_proposal_rounds_and_up_again_matches_the_models(
    fresh_url: str,  # noqa: F811
) -> None:
    upgrade_database(fresh_url)
    db = Database(fresh_url)
    w = world(db)
    pid = submit(w, "concerns")
    temperature = open_(w, pid, "temperature")
    answer(w, temperature, w.emeka, "up")
    close(w, temperature)
    approval = rounds.open_minutes_approval(db=db, assembly_id=w.aid, actor_id=w.noor)
    answer(w, approval.data["round_id"], w.emeka, "up")
    db.dispose()

    command.downgrade(alembic_config(fresh_url), "0006")  # type: ignore[arg-type]
    db = Database(fresh_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM decision_round")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM round_response")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM event")).scalar() > 0
    db.dispose()

    upgrade_database(fresh_url)
    db = Database(fresh_url)
    with db.engine.connect() as conn:
        named = conn.execute(text("SELECT minutes_speaker_names FROM assembly")).scalars().all()
    assert named == [True]
    again = rounds.open_minutes_approval(db=db, assembly_id=w.aid, actor_id=w.noor)
    assert again.data["kind"] == "minutes"
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, metadata) == []
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    db.dispose()
