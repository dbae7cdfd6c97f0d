"""Alembic environment: the URL comes from the caller or from MICCHECK_DATABASE_URL."""

from sqlalchemy import Connection

from alembic import context
from app.archive.fts import include_object
from app.config import get_settings
from app.db import make_engine
from app.models import metadata

config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,  # the full-text index is hand-written (migration 0006)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_with(conn)
        conn.commit()
    engine.dispose()


run_online()
