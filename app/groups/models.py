"""Tables of groups and their working groups.

Groups live in their own tables, outside the event log: the log is per assembly (its seq and
hash chain belong to one meeting), and a group is not a meeting. What an assembly takes from
its group (its number, the rule, the time zone) is written into that assembly's
`assembly_created` event, so its minutes stay self-contained.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


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


class WorkingGroup(SQLModel, table=True):
    """A working group of a group, by name; `key` is how proposals and addresses name it."""

    __tablename__ = "working_group"
    __table_args__ = (UniqueConstraint("group_id", "key", name="uq_working_group_key"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="assembly_group.id", index=True)
    name: str = Field(max_length=80)
    key: str = Field(max_length=80)
    position: int
