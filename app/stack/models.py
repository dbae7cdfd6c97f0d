"""Tables of the speaking stack: settings, hands and turns (timers stored as deadlines)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class StackSettings(SQLModel, table=True):
    """How one assembly runs its stack; absent means the defaults."""

    __tablename__ = "stack_settings"

    assembly_id: str = Field(primary_key=True, foreign_key="assembly.id", max_length=32)
    mode: str = Field(default="progressive", max_length=16)
    speaking_seconds: int = 60
    report_seconds: int = 120
    direct_responses: bool = True
    open: bool = True


class Hand(SQLModel, table=True):
    """A hand on the stack of one agenda item (or of the open floor)."""

    __tablename__ = "hand"
    __table_args__ = (
        # One open hand per person per kind: a constraint, not a hope.
        Index(
            "uq_hand_open_per_kind",
            "assembly_id",
            "speaker_key",
            "kind",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_hand_assembly_status", "assembly_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", max_length=32)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    name: str = Field(max_length=60)
    speaker_key: str = Field(max_length=80)
    kind: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)
    raised_at: datetime
    closed_at: datetime | None = None
    added_by_id: int | None = None
    moved_to: int | None = None
    moved_order: int | None = None
    moved_by_name: str | None = Field(default=None, max_length=60)
    moved_up: bool = True
    note: str | None = Field(default=None, max_length=32)  # "block": a blocker's turn


class Turn(SQLModel, table=True):
    """One turn at speaking: who, which kind, when, and for how long."""

    __tablename__ = "turn"
    __table_args__ = (Index("ix_turn_assembly_speaker", "assembly_id", "speaker_key"),)

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", max_length=32)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    hand_id: int | None = Field(default=None, foreign_key="hand.id")
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    name: str = Field(max_length=60)
    speaker_key: str = Field(max_length=80)
    kind: str = Field(max_length=32)
    started_at: datetime
    speaking_until: datetime
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    ended_at: datetime | None = None
    seconds: int | None = None
