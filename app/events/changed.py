"""What a service hands back after a change: the seq of the last event it appended and what a
reply shows of it; the assembly too when the caller named something inside it (a proposal, a
round, an amendment) rather than the assembly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Changed:
    seq: int
    data: dict[str, Any]
    assembly_id: str | None = None
