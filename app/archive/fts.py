"""The full-text index, one per database, behind one query: SQLite FTS5 or PostgreSQL's
text search. Both stem English words ("tarpaulins" finds "tarpaulin") and AND the words.

The objects are written by hand in migration 0006 (autogenerate has no words for them) and
are all named `archive_fts*`, which `include_object` keeps out of model comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, column, text
from sqlalchemy.sql.selectable import Subquery

from app.archive.logic import fts5_match

PREFIX = "archive_fts"
# PostgreSQL: the query must repeat the index's expression exactly for the index to be used.
PG_DOCUMENT = "to_tsvector('english'::regconfig, body)"
PG_QUERY = "plainto_tsquery('english'::regconfig, :match)"


def include_object(
    _obj: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's filter: the full-text objects are not models (FTS5 tables, GIN index)."""
    return not (name or "").startswith(PREFIX)


def hits(dialect: str, words: Sequence[str]) -> Subquery:
    """(proposal_id, rank) of the entries holding every word; a higher rank is a better match."""
    if dialect == "sqlite":
        sql = text(
            "SELECT rowid AS proposal_id, -bm25(archive_fts) AS rank "
            "FROM archive_fts WHERE archive_fts MATCH :match"
        ).bindparams(match=fts5_match(words))
    else:
        sql = text(
            f"SELECT proposal_id, ts_rank({PG_DOCUMENT}, {PG_QUERY}) AS rank "
            f"FROM archive_entry WHERE {PG_DOCUMENT} @@ {PG_QUERY}"
        ).bindparams(match=" ".join(words))
    return sql.columns(column("proposal_id", Integer), column("rank", Float)).subquery("hits")


def resync_statements(dialect: str) -> list[str]:
    """After a rebuild: SQLite's FTS5 reads its content table again (PostgreSQL's index
    follows its table by itself)."""
    if dialect == "sqlite":
        return ["INSERT INTO archive_fts(archive_fts) VALUES ('rebuild')"]
    return []
