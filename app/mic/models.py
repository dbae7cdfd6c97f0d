"""The people's mic of an assembly: the text said phrase by phrase, and where the room is in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class PeoplesMic(SQLModel, table=True):
    """The people's mic while it is on (no row: off). The phrases are cut from `text` by
    app/mic/logic.py; `phrase_count` is kept so the event and the screens agree on it."""

    __tablename__ = "peoples_mic"

    assembly_id: str = Field(primary_key=True, foreign_key="assembly.id", max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=16)  # "proposal", "prepared" or "live"
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    proposal_version: int | None = None
    phrase_count: int
    position: int = 1  # the phrase on the wall, 1-based
    started_at: datetime
    started_by_id: int | None = Field(default=None, foreign_key="participant.id")
