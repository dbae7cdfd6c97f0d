"""agenda_item.proposal_stage: a proposal item keeps its proposal's stage for the stack

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:40:00

The stack ranks clarifying questions first while the open proposal takes them; it reads the
stage from the open item instead of reaching into the proposals (app/blocks keeps it, in the
same transaction as every stage move). Filled from the proposals on upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "agenda_item",
        sa.Column("proposal_stage", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.execute(
        "UPDATE agenda_item SET proposal_stage = "
        "(SELECT proposal.stage FROM proposal WHERE proposal.agenda_item_id = agenda_item.id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE agenda_item DROP COLUMN proposal_stage")  # in place (3.35+)
    else:
        op.drop_column("agenda_item", "proposal_stage")
