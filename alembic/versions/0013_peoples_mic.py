"""peoples_mic: the text the crowd repeats phrase by phrase, and the phrase on the wall

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00

One row per assembly while the mic is on; stopping it deletes the row (the events keep what
was said and when).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peoples_mic",
        sa.Column("assembly_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("proposal_version", sa.Integer(), nullable=True),
        sa.Column("phrase_count", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assembly_id"], ["assembly.id"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"]),
        sa.ForeignKeyConstraint(["started_by_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("assembly_id"),
    )


def downgrade() -> None:
    op.drop_table("peoples_mic")
