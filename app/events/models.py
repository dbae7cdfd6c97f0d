"""Tables of the event log."""

from __future__ import annotations

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Event(SQLModel, table=True):
    """One change in an assembly. (assembly_id, seq) is unique and gap-free."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("assembly_id", "seq", name="uq_event_assembly_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(max_length=32, index=True)
    seq: int
    at: str = Field(max_length=32, description="UTC, microseconds, trailing Z: hashed as written")
    actor_id: int | None = None
    type: str = Field(max_length=64)
    payload_json: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class EventHead(SQLModel, table=True):
    """The newest seq and hash per assembly; its row lock serialises appends on PostgreSQL."""

    __tablename__ = "event_head"

    assembly_id: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    hash: str = Field(max_length=64)
    # Set while the log is a copy this server follows: "import" (`miccheck import`) or the
    # primary's address (`miccheck mirror`). No event may be appended then; a take-over clears it.
    follows: str | None = Field(default=None, max_length=300)
