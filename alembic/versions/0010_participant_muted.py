"""participant.muted: a facilitator or stack keeper took someone's floor away

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:40:00

A plain ADD COLUMN with a server default (false: nobody was muted before muting existed), so
SQLite needs no rebuild of `participant`; a partial index finds the few muted rows. Removal
needs no column: it is a status.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "participant",
        sa.Column("muted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_participant_muted",
        "participant",
        ["assembly_id"],
        sqlite_where=sa.text("muted"),
        postgresql_where=sa.text("muted"),
    )


def downgrade() -> None:
    op.drop_index("ix_participant_muted", table_name="participant")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE participant DROP COLUMN muted")
    else:
        op.drop_column("participant", "muted")
