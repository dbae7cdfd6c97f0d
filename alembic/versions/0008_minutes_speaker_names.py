"""assembly.minutes_speaker_names: may the minutes name who spoke

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 22:40:00

A plain ADD COLUMN with a server default (true: the minutes named speakers before this
setting existed), so SQLite needs no rebuild of `assembly`.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assembly",
        sa.Column("minutes_speaker_names", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE assembly DROP COLUMN minutes_speaker_names")
    else:
        op.drop_column("assembly", "minutes_speaker_names")
