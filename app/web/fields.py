"""The shapes input must have at the edge, before any of it reaches a service or the database:
one bounded id type, one seq type, and one body type whose every string is real text."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, model_validator

from app.i18n import _

# The largest INTEGER: every id and seq column is one (32 bits on PostgreSQL, where a bigger
# number sent for one fails in the driver, "integer out of range"); a bigger number is no row.
MAX_ID = 2**31 - 1

# An id in a path, query or body: 1 … 2^31−1, else 422 before the database sees it.
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# A seq (`since`): 0 … 2^31−1.
Seq = Annotated[int, Ge(0), Le(MAX_ID)]
# Any other whole number a form or body carries (seconds, a position): the service checks its
# range and says so in the room's words; this only keeps a number no column holds out.
Whole = Annotated[int, Ge(-MAX_ID), Le(MAX_ID)]


def lone_surrogate(value: Any) -> bool:
    """Whether any string in `value` (nested in lists and dicts, keys too) holds half of a UTF-16
    pair: JSON may escape one (`"\\ud800"`), but it is no character, and UTF-8 cannot hold it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(lone_surrogate(k) or lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(lone_surrogate(item) for item in value)
    return False


class Body(BaseModel):
    """A JSON request body: unknown fields refused, and every string in it text."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _only_text(cls, data: Any) -> Any:
        if lone_surrogate(data):
            raise ValueError(_("a string holds a character that is not text (a lone surrogate)"))
        return data
