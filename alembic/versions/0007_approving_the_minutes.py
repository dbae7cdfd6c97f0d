"""approving the minutes: a decision round without a proposal

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:10:00

`decision_round.proposal_id` may be NULL: the assembly's own "approve the minutes" round
(kind `minutes`) belongs to no proposal. One such round may be open per assembly (a partial
unique index, as for one open round per proposal).

Written by hand: on SQLite, making the column nullable rebuilds `decision_round`, which
`round_response` and `round_block` reference, so foreign keys are off meanwhile (a pragma
that works only outside a transaction) and checked afterwards. Downgrading deletes the
approval rounds and their answers (the event log keeps them; the minutes are folded from it).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_MINUTES = sa.text("status = 'open' AND proposal_id IS NULL")


def _rebuild_round(nullable: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys = OFF")
    with op.batch_alter_table("decision_round", schema=None) as batch_op:
        batch_op.alter_column("proposal_id", existing_type=sa.Integer(), nullable=nullable)
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys = ON")
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")


def upgrade() -> None:
    _rebuild_round(nullable=True)
    op.create_index(
        "uq_round_open_minutes",
        "decision_round",
        ["assembly_id"],
        unique=True,
        sqlite_where=OPEN_MINUTES,
        postgresql_where=OPEN_MINUTES,
    )


def downgrade() -> None:
    op.drop_index(
        "uq_round_open_minutes",
        table_name="decision_round",
        sqlite_where=OPEN_MINUTES,
        postgresql_where=OPEN_MINUTES,
    )
    minutes_rounds = "SELECT id FROM decision_round WHERE proposal_id IS NULL"
    op.execute(f"DELETE FROM round_response WHERE round_id IN ({minutes_rounds})")
    op.execute("DELETE FROM decision_round WHERE proposal_id IS NULL")
    _rebuild_round(nullable=False)
