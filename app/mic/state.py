"""Reading the people's mic as the screens and the API show it: the phrase now and the next."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.db import Database
from app.events import head_of
from app.mic.logic import split_phrases
from app.mic.models import PeoplesMic


@functools.lru_cache(maxsize=64)
def phrases_of(text: str) -> tuple[str, ...]:
    """Each push renders the mic once per view and language: cut a text once."""
    return tuple(split_phrases(text))


@dataclass(frozen=True)
class MicView:
    source: str
    proposal_id: int | None
    proposal_version: int | None
    phrases: tuple[str, ...]
    position: int  # 1-based
    started_at: datetime

    @property
    def count(self) -> int:
        return len(self.phrases)

    @property
    def phrase(self) -> str:
        return self.phrases[self.position - 1]

    @property
    def next_phrase(self) -> str | None:
        return self.phrases[self.position] if self.position < self.count else None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "proposal_id": self.proposal_id,
            "proposal_version": self.proposal_version,
            "position": self.position,
            "phrase_count": self.count,
            "phrase": self.phrase,
            "next_phrase": self.next_phrase,
            "phrases": list(self.phrases),
        }


def view_of(mic: PeoplesMic | None) -> MicView | None:
    if mic is None:
        return None
    phrases = phrases_of(mic.text)
    return MicView(
        source=mic.source,
        proposal_id=mic.proposal_id,
        proposal_version=mic.proposal_version,
        phrases=phrases,
        position=min(max(mic.position, 1), len(phrases)),
        started_at=mic.started_at,
    )


def load_mic(*, db: Database, assembly_id: str) -> tuple[MicView | None, int]:
    """The people's mic of an assembly (None: off) and the seq it reflects."""
    with db.read() as session:
        seq = head_of(session, assembly_id)  # first: what is read after is at least as new
        return view_of(session.get(PeoplesMic, assembly_id)), seq
