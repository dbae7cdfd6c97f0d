"""browser_session: sessions kept on the server, the cookie holding only a random id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:50:00

The cookie used to carry participants' tokens and projector keys (signed, not hidden) and
never expired on the server. Now it carries a random id; this table keeps, under that id's
SHA-256, the hashes of what the browser opened, by assembly, and when the session ends.
Cookies of the old kind are not converted: the browser opens its link again (README).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "browser_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seats_json", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_browser_session_expires_at"), "browser_session", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_browser_session_expires_at"), table_name="browser_session")
    op.drop_table("browser_session")
