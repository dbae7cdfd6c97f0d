"""A second, empty database to carry assemblies into."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import Database


@pytest.fixture
def copy_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """Another fresh, migrated SQLite database: the other server."""
    path = tmp_path / "copy.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()
