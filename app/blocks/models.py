"""Tables of proposals: the proposal, each version of its text, and friendly amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Proposal(SQLModel, table=True):
    """A proposal on a `proposal` agenda item, moving through PROCESS.md's stages."""

    __tablename__ = "proposal"

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    agenda_item_id: int = Field(foreign_key="agenda_item.id", index=True)
    title: str = Field(max_length=200)
    presenter_id: int | None = Field(default=None, foreign_key="participant.id")
    presenter_name: str = Field(max_length=60)
    working_group: str | None = Field(default=None, max_length=80)
    stage: str = Field(default="presented", max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    tabled_to: str | None = Field(default=None, max_length=120)
    amendments_open: bool = True
    version: int = 1
    submitted_at: datetime
    decided_at: datetime | None = None


class ProposalVersion(SQLModel, table=True):
    """Every text the proposal has had; v1 is the text as presented."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number", name="uq_proposal_version"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    amendment_id: int | None = None
    created_at: datetime


class Amendment(SQLModel, table=True):
    """A friendly amendment: the full new text, its rationale and its fate."""

    __tablename__ = "amendment"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    proposer_id: int = Field(foreign_key="participant.id")
    proposer_name: str = Field(max_length=60)
    text: str = Field(sa_column=Column(Text, nullable=False))
    rationale: str | None = Field(default=None, max_length=1000)
    status: str = Field(default="proposed", max_length=16)
    based_on_version: int
    decided_by_id: int | None = None
    on_presenters_word: bool = False
    proposed_at: datetime
    decided_at: datetime | None = None
