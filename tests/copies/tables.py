"""An assembly's rows, table by table, in a form two databases can be compared in.

Ids that events name are compared as they are; a table whose ids no event names (role
grants, proposal versions, answers) is compared without them, as a sorted list of rows.
Datetimes compare as naive UTC, so a copy on another engine compares too. Secrets that
never travel in an export (token hashes, the projector key's hash, the join code, who gave
an open anonymous round's answers) are left out unless asked for: a mirror has them, an
import does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Connection

from app.db import Database

SECRETS = {
    "assembly": {"join_code", "projector_key_hash"},
    "participant": {"token_hash"},
}
SECRET_TABLES = {"answer_owner"}
# Rows whose ids no event names: compared as sorted rows without the id.
UNNAMED_IDS = {"event", "role_grant", "proposal_version", "round_response"}

# Each table of an assembly, and how to find its rows: by a column holding the assembly's
# id, or through the proposals or rounds of the assembly.
SCOPE = {
    "assembly": "id",
    "participant": "assembly_id",
    "assembly_word": "assembly_id",
    "role_grant": "assembly_id",
    "agenda_item": "assembly_id",
    "stack_settings": "assembly_id",
    "hand": "assembly_id",
    "turn": "assembly_id",
    "proposal": "assembly_id",
    "proposal_version": "proposal",
    "amendment": "proposal",
    "decision_round": "assembly_id",
    "round_response": "round",
    "round_block": "round",
    "answer_owner": "assembly_id",
    "peoples_mic": "assembly_id",
    "archive_entry": "assembly_id",
    "event": "assembly_id",
    "event_head": "assembly_id",
}


def rows_of(
    db: Database,
    assembly_id: str,
    *,
    secrets: bool = False,
    skip: dict[str, set[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every row of the assembly, by table, normalised and in a stable order."""
    metadata = MetaData()
    with db.engine.connect() as connection:
        metadata.reflect(connection, only=[*SCOPE, "assembly_group"])
        groups = metadata.tables["assembly_group"]
        slugs = dict(connection.execute(select(groups.c.id, groups.c.slug)).all())
        proposals = _ids(connection, metadata.tables["proposal"], assembly_id)
        rounds = _ids(connection, metadata.tables["decision_round"], assembly_id)
        found: dict[str, list[dict[str, Any]]] = {}
        for name, scope in SCOPE.items():
            if name in SECRET_TABLES and not secrets:
                continue
            table = metadata.tables[name]
            if scope == "proposal":
                where = table.c.proposal_id.in_(proposals)
            elif scope == "round":
                where = table.c.round_id.in_(rounds)
            else:
                where = table.c[scope] == assembly_id
            left_out = (SECRETS.get(name, set()) if not secrets else set()) | (skip or {}).get(
                name, set()
            )
            if name in UNNAMED_IDS:
                left_out = left_out | {"id"}
            rows = [
                {k: _normal(v) for k, v in row._mapping.items() if k not in left_out}
                for row in connection.execute(select(table).where(where))
            ]
            for row in rows:  # a group is the same group by its slug, whatever its id here
                if "group_id" in row:
                    row["group_id"] = slugs.get(row["group_id"])
            found[name] = sorted(rows, key=lambda r: sorted((k, repr(v)) for k, v in r.items()))
    return found


def _ids(connection: Connection, table: Table, assembly_id: str) -> list[int]:
    return list(
        connection.execute(select(table.c.id).where(table.c.assembly_id == assembly_id)).scalars()
    )


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).replace(tzinfo=None).isoformat()
    return value


def differences(
    live: dict[str, list[dict[str, Any]]], copy: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """What differs, row by row, in words a failing test can print."""
    found: list[str] = []
    for name in live:
        a, b = live[name], copy.get(name, [])
        if len(a) != len(b):
            found.append(f"{name}: {len(a)} rows live, {len(b)} in the copy")
        for row_a, row_b in zip(a, b, strict=False):
            if row_a != row_b:
                changed = {
                    k: (row_a.get(k), row_b.get(k)) for k in row_a if row_a.get(k) != row_b.get(k)
                }
                found.append(f"{name} {row_a.get('id', '')}: {changed}")
    return found
