"""assembly.second_language and assembly_word: an assembly's languages and its own words

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:55:00

A bilingual assembly shows the wall's main lines in a second language too; an assembly may
call a hand kind or an answer by its own word in each of its languages (events
`languages_set` and `word_renamed`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assembly",
        sa.Column("second_language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.create_table(
        "assembly_word",
        sa.Column("assembly_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("word", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.ForeignKeyConstraint(["assembly_id"], ["assembly.id"]),
        sa.PrimaryKeyConstraint("assembly_id", "language", "key"),
    )


def downgrade() -> None:
    op.drop_table("assembly_word")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place; a batch rebuild would drop `assembly`,
        # which every table references.
        op.execute("ALTER TABLE assembly DROP COLUMN second_language")
    else:
        op.drop_column("assembly", "second_language")
