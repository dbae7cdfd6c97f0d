"""groups, working groups, assembly numbers; the archive and its full-text index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:00:34.018250

Autogenerate wrote the tables; written by hand:
- `assembly.group_id`/`number` are added with ALTER TABLE ADD COLUMN on SQLite (a batch
  rebuild of `assembly`, which every table references, would fail on a database with data);
- the full-text index (autogenerate has no words for it), all named `archive_fts*`:
  SQLite: an FTS5 table over `archive_entry.body` kept in step by triggers;
  PostgreSQL: a GIN index on to_tsvector('english', body);
- the archive of assemblies closed before this migration, filled from the tables (a frozen
  copy of the 0006 rules of app/archive/index.py, so this file never depends on later code).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE archive_fts USING fts5(body, content='archive_entry', "
    "content_rowid='proposal_id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER archive_fts_insert AFTER INSERT ON archive_entry BEGIN "
    "INSERT INTO archive_fts(rowid, body) VALUES (new.proposal_id, new.body); END",
    "CREATE TRIGGER archive_fts_delete AFTER DELETE ON archive_entry BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, body) "
    "VALUES ('delete', old.proposal_id, old.body); END",
    "CREATE TRIGGER archive_fts_update AFTER UPDATE ON archive_entry BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, body) "
    "VALUES ('delete', old.proposal_id, old.body); "
    "INSERT INTO archive_fts(rowid, body) VALUES (new.proposal_id, new.body); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS archive_fts_update",
    "DROP TRIGGER IF EXISTS archive_fts_delete",
    "DROP TRIGGER IF EXISTS archive_fts_insert",
    "DROP TABLE IF EXISTS archive_fts",
)
POSTGRES_FTS = (
    "CREATE INDEX archive_fts_gin ON archive_entry "
    "USING gin (to_tsvector('english'::regconfig, body))",
)
POSTGRES_FTS_DROP = ("DROP INDEX IF EXISTS archive_fts_gin",)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "assembly_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("decision_rule_json", sa.Text(), nullable=True),
        sa.Column("admin_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assembly_group_slug", "assembly_group", ["slug"], unique=True)

    op.create_table(
        "working_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["assembly_group.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "key", name="uq_working_group_key"),
    )
    op.create_index("ix_working_group_group_id", "working_group", ["group_id"], unique=False)

    if sqlite:
        op.execute(
            "ALTER TABLE assembly ADD COLUMN group_id INTEGER REFERENCES assembly_group (id)"
        )
        op.execute("ALTER TABLE assembly ADD COLUMN number INTEGER")
    else:
        op.add_column("assembly", sa.Column("group_id", sa.Integer(), nullable=True))
        op.add_column("assembly", sa.Column("number", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "assembly_group_id_fkey", "assembly", "assembly_group", ["group_id"], ["id"]
        )
    op.create_index("ix_assembly_group_id", "assembly", ["group_id"], unique=False)
    op.create_index("uq_assembly_group_number", "assembly", ["group_id", "number"], unique=True)

    op.create_table(
        "archive_entry",
        sa.Column("proposal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("assembly_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("working_group_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("tabled_to_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["assembly_id"], ["assembly.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["assembly_group.id"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"]),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    for column in ("assembly_id", "decided_on", "group_id", "tabled_to_key", "working_group_key"):
        op.create_index(f"ix_archive_entry_{column}", "archive_entry", [column], unique=False)

    for statement in SQLITE_FTS if sqlite else POSTGRES_FTS:
        op.execute(statement)
    _archive_closed_assemblies()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_FTS_DROP if sqlite else POSTGRES_FTS_DROP:
        op.execute(statement)
    op.drop_table("archive_entry")
    op.drop_index("uq_assembly_group_number", table_name="assembly")
    op.drop_index("ix_assembly_group_id", table_name="assembly")
    if sqlite:
        # The batch rebuild drops `assembly`, which every table references: foreign keys
        # are off meanwhile (a pragma that works only outside a transaction).
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys = OFF")
        with op.batch_alter_table("assembly") as batch_op:
            batch_op.drop_column("number")
            batch_op.drop_column("group_id")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys = ON")
    else:
        op.drop_constraint("assembly_group_id_fkey", "assembly", type_="foreignkey")
        op.drop_column("assembly", "number")
        op.drop_column("assembly", "group_id")
    op.drop_table("working_group")
    op.drop_index("ix_assembly_group_slug", table_name="assembly_group")
    op.drop_table("assembly_group")


# ---- the archive of assemblies closed before 0006 (frozen copy of the 0006 rules) ---------

_NON_WORD = re.compile(r"[\W_]+")


def _key(name: str | None, limit: int) -> str | None:
    if not name:
        return None
    key = _NON_WORD.sub("-", name.casefold()).strip("-")
    stripped = key.removeprefix("the-")
    for suffix in ("-working-group", "-workgroup", "-wg"):
        stripped = stripped.removesuffix(suffix)
    return (stripped or key)[:limit]


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _archive_closed_assemblies() -> None:
    bind = op.get_bind()
    rows = lambda sql, **kw: bind.execute(sa.text(sql), kw).mappings().all()  # noqa: E731
    for assembly in rows("SELECT id, time_zone, closed_at FROM assembly WHERE status = 'closed'"):
        aid = assembly["id"]
        closed_at = _aware(assembly["closed_at"] or datetime.now(UTC))
        texts: dict[int, list[str]] = defaultdict(list)
        for v in rows(
            "SELECT v.proposal_id, v.text FROM proposal_version v JOIN proposal p "
            "ON p.id = v.proposal_id WHERE p.assembly_id = :a ORDER BY v.number",
            a=aid,
        ):
            texts[v["proposal_id"]].append(v["text"])
        amended: dict[int, list[str]] = defaultdict(list)
        for m in rows(
            "SELECT m.proposal_id, m.text, m.rationale FROM amendment m JOIN proposal p "
            "ON p.id = m.proposal_id WHERE p.assembly_id = :a ORDER BY m.id",
            a=aid,
        ):
            amended[m["proposal_id"]] += [m["text"], m["rationale"] or ""]
        notes: dict[Any, list[str]] = defaultdict(list)
        for e in rows(
            "SELECT payload_json FROM event WHERE assembly_id = :a AND type = 'note_taken' "
            "ORDER BY seq",
            a=aid,
        ):
            payload = json.loads(e["payload_json"])
            if isinstance(payload.get("text"), str):
                notes[payload.get("agenda_item_id")].append(payload["text"])
        for p in rows(
            "SELECT id, agenda_item_id, title, presenter_name, working_group, tabled_to, "
            "outcome, decided_at FROM proposal WHERE assembly_id = :a ORDER BY id",
            a=aid,
        ):
            parts = [p["title"], *texts[p["id"]], *amended[p["id"]], *notes[p["agenda_item_id"]]]
            parts += [p["working_group"] or "", p["tabled_to"] or "", p["presenter_name"]]
            body = "\n\n".join(dict.fromkeys(s.strip() for s in parts if s and s.strip()))
            decided_at = _aware(p["decided_at"]) if p["decided_at"] else closed_at
            bind.execute(
                sa.text(
                    "INSERT INTO archive_entry (proposal_id, assembly_id, group_id, "
                    "working_group_key, tabled_to_key, outcome, decided_at, decided_on, body) "
                    "VALUES (:id, :a, NULL, :wg, :tt, :outcome, :at, :on, :body)"
                ).bindparams(sa.bindparam("at", type_=sqlmodel.sql.sqltypes.UTCDateTime())),
                {
                    "id": p["id"],
                    "a": aid,
                    "wg": _key(p["working_group"], 80),
                    "tt": _key(p["tabled_to"], 120),
                    "outcome": p["outcome"] or "undecided",
                    "at": decided_at,
                    "on": decided_at.astimezone(ZoneInfo(assembly["time_zone"])).date().isoformat(),
                    "body": body,
                },
            )
