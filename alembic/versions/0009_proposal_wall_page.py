"""proposal.wall_page: the page of a long proposal text the wall shows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 02:40:00

A text too long for the wall at the smallest size the back of the room can read is shown a
page at a time; the facilitator turns the pages from the console (`wall_page_turned` events).
A plain ADD COLUMN with a server default of 1 (the first page), so SQLite needs no rebuild.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "proposal",
        sa.Column("wall_page", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE proposal DROP COLUMN wall_page")
    else:
        op.drop_column("proposal", "wall_page")
