"""Tables of assemblies, participants, roles and agenda items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, false, text, true
from sqlmodel import Field, SQLModel


class Assembly(SQLModel, table=True):
    """One general assembly: a meeting with a join code, a decision rule and an agenda."""

    __tablename__ = "assembly"
    # Numbered 1, 2, 3… within its group, never twice (an index, so SQLite needs no rebuild).
    __table_args__ = (Index("uq_assembly_group_number", "group_id", "number", unique=True),)

    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    location: str | None = Field(default=None, max_length=200)
    starts_at: datetime | None = None
    time_zone: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=16)
    # A second language the wall shows its main lines in too (None: one language).
    second_language: str | None = Field(default=None, max_length=16)
    admission: str = Field(default="open", max_length=16)
    visibility: str = Field(default="public", max_length=16)
    status: str = Field(default="open", max_length=16)
    join_code: str = Field(max_length=6, unique=True, index=True)
    projector_key_hash: str = Field(max_length=64)
    headcount: int | None = None
    decision_rule_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    closed_at: datetime | None = None
    group_id: int | None = Field(default=None, foreign_key="assembly_group.id", index=True)
    number: int | None = None  # within its group; None for an assembly that stands alone
    # Name speakers in the minutes? (events `assembly_created`, `minutes_settings_changed`)
    minutes_speaker_names: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Do the minutes say how the room took each turn, from its hand signals? (the same events)
    minutes_signals: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Participant(SQLModel, table=True):
    """Someone admitted to (or waiting at the door of) one assembly."""

    __tablename__ = "participant"
    # Counting who is admitted (every render) and who waits at the door, without a scan.
    __table_args__ = (
        Index("ix_participant_assembly_status", "assembly_id", "status"),
        # Who is muted (every render reads it): the few muted rows, not the whole room.
        Index(
            "ix_participant_muted",
            "assembly_id",
            sqlite_where=text("muted"),
            postgresql_where=text("muted"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    name: str = Field(max_length=60)
    pronouns: str | None = Field(default=None, max_length=30)
    language: str = Field(default="en", max_length=16)
    status: str = Field(default="admitted", max_length=16)
    token_hash: str | None = Field(default=None, unique=True, index=True, max_length=64)
    joined_at: datetime
    # Muted by a facilitator or stack keeper: no hands, no amendments; still answers rounds.
    muted: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class AssemblyWord(SQLModel, table=True):
    """An assembly's own word for a hand kind or an answer, in one of its languages (events
    `word_renamed`): where crossed arms mean "block", or a group's word for a point of process."""

    __tablename__ = "assembly_word"

    assembly_id: str = Field(foreign_key="assembly.id", primary_key=True, max_length=32)
    language: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=40)  # "hand:speak", "answer:block"
    word: str = Field(max_length=60)


class RoleGrant(SQLModel, table=True):
    """A role held by a participant; one person may hold several, several may hold one."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("participant_id", "role", name="uq_role_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    participant_id: int = Field(foreign_key="participant.id")
    role: str = Field(max_length=32)


class AgendaItem(SQLModel, table=True):
    """A report, proposal, announcement or discussion; one is open at a time."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    position: int
    title: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    time_box_minutes: int = 15
    working_group: str | None = Field(default=None, max_length=80)
    status: str = Field(default="pending", max_length=16)
    opened_at: datetime | None = None
    used_seconds: int = 0
    # A proposal item's proposal's stage, kept by app/blocks wherever the stage moves: the
    # stack ranks clarifying questions by it without reaching into the proposals.
    proposal_stage: str | None = Field(default=None, max_length=32)


class AssemblyGroup(SQLModel, table=True):
    """A standing body; its assemblies are numbered 1, 2, 3… within it."""

    __tablename__ = "assembly_group"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True, index=True)
    name: str = Field(max_length=120)
    time_zone: str = Field(default="UTC", max_length=64)
    decision_rule_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    admin_token_hash: str = Field(max_length=64)
    last_number: int = 0  # the number its newest assembly was given; bumped under a row lock
    created_at: datetime
    updated_at: datetime
