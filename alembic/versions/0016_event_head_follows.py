"""event_head.follows: an assembly whose log is a copy (an import or a mirror) is read-only

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:20:00

None for an assembly this server runs; "import" for one rebuilt from an export by
`miccheck import`; the primary's address for one a mirror follows. `append_event` refuses a
new event while it is set; a take-over clears it.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("event_head", sa.Column("follows", sa.String(length=300), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE event_head DROP COLUMN follows")
    else:
        op.drop_column("event_head", "follows")
