"""The archive's table: one row per proposal of a closed assembly, as search reads it.

Derived data: `app.archive.index` fills it from the facts when an assembly closes and can
rebuild it whole. The full-text index over `body` is not in these models (SQLAlchemy has no
words for it): an FTS5 table with triggers on SQLite, a GIN expression index on PostgreSQL,
both written by hand in migration 0006 and named `archive_fts*` (see `app.archive.fts`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class ArchiveEntry(SQLModel, table=True):
    """A proposal of a closed assembly: its words, its outcome and who it names."""

    __tablename__ = "archive_entry"

    # Also the FTS5 rowid on SQLite (an INTEGER primary key is the rowid there).
    proposal_id: int = Field(primary_key=True, foreign_key="proposal.id")
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    group_id: int | None = Field(default=None, foreign_key="assembly_group.id", index=True)
    working_group_key: str | None = Field(default=None, max_length=80, index=True)
    tabled_to_key: str | None = Field(default=None, max_length=120, index=True)
    outcome: str = Field(max_length=32)  # a proposal outcome, or "undecided"
    decided_at: datetime  # when it was decided (or its assembly closed, when undecided)
    decided_on: str = Field(max_length=10, index=True)  # YYYY-MM-DD in the assembly's zone
    body: str = Field(sa_column=Column(Text, nullable=False))  # everything search reads
