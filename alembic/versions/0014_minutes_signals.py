"""assembly.minutes_signals: whether the minutes say how the room took each turn

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:00:00

Off unless the assembly turns it on (event `minutes_settings_changed` with `signals`); while
on, each ended turn records one line from the room's hand signals ("mostly agree").
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assembly",
        sa.Column("minutes_signals", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place; a batch rebuild would drop `assembly`,
        # which every table references.
        op.execute("ALTER TABLE assembly DROP COLUMN minutes_signals")
    else:
        op.drop_column("assembly", "minutes_signals")
