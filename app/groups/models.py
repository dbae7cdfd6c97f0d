"""Tables of groups' working groups (a group's own row, `AssemblyGroup`, is app/assembly's: an
assembly refers to its group).

Groups live in their own tables, outside the event log: the log is per assembly (its seq and
hash chain belong to one meeting), and a group is not a meeting. What an assembly takes from
its group (its number, the rule, the time zone) is written into that assembly's
`assembly_created` event, so its minutes stay self-contained.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class WorkingGroup(SQLModel, table=True):
    """A working group of a group, by name; `key` is how proposals and addresses name it."""

    __tablename__ = "working_group"
    __table_args__ = (UniqueConstraint("group_id", "key", name="uq_working_group_key"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="assembly_group.id", index=True)
    name: str = Field(max_length=80)
    key: str = Field(max_length=80)
    position: int
