"""answer_owner: who gave an open anonymous round's answers, for mirrors alone

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 22:40:00

The log never names who gave an anonymous answer. While the round is open this table keeps
it by the answer's seq, so the copy stream can tell a mirror (never an export); after a
take-over a person who changes their answer then replaces theirs. The close deletes the rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_owner",
        sa.Column("assembly_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assembly_id"], ["assembly.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["decision_round.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("assembly_id", "seq"),
    )
    op.create_index("ix_answer_owner_round_id", "answer_owner", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_answer_owner_round_id", table_name="answer_owner")
    op.drop_table("answer_owner")
