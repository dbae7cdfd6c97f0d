"""Tables of proposals: the proposal, each version of its text, and friendly amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Proposal(SQLModel, table=True):
    """A proposal on a `proposal` agenda item, moving through docs/process.md's stages."""

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
    max_amendment_rounds: int | None = None  # accepted amendments allowed; None = no cap
    version: int = 1
    wall_page: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # of a long text
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


class Round(SQLModel, table=True):
    """A temperature check, a call for consensus or a block review on one proposal; or the
    assembly approving its minutes."""

    __tablename__ = "decision_round"
    __table_args__ = (
        # One open round per proposal: a constraint, not a hope.
        Index(
            "uq_round_open_per_proposal",
            "proposal_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_round_status_closes_at", "status", "closes_at"),
        # One open approval of the minutes (a round without a proposal) per assembly.
        Index(
            "uq_round_open_minutes",
            "assembly_id",
            unique=True,
            sqlite_where=text("status = 'open' AND proposal_id IS NULL"),
            postgresql_where=text("status = 'open' AND proposal_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    assembly_id: str = Field(foreign_key="assembly.id", index=True, max_length=32)
    # None for the assembly approving its minutes (kind "minutes", app/blocks/approval.py).
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    number: int  # 1, 2, 3… within the proposal (or within the assembly's approvals)
    kind: str = Field(max_length=16)
    fallback: bool = False
    block_id: int | None = None  # the round_block a block review is about
    anonymous: bool = False
    results: str = Field(default="hidden", max_length=8)
    status: str = Field(default="open", max_length=8)
    stage: str = Field(max_length=32)  # the proposal's stage when it opened
    version: int  # the text the assembly answers about
    opened_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by_deadline: bool = False
    analog_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    tally_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outcome: str | None = Field(default=None, max_length=32)
    explanation: str | None = Field(default=None, max_length=500)
    eligible: int | None = None  # phones joined when it closed


class Response(SQLModel, table=True):
    """One person's answer in one round; the last one counts.

    In an anonymous round `participant_id` is cleared at close: only counts and reasons stay.
    """

    __tablename__ = "round_response"
    __table_args__ = (UniqueConstraint("round_id", "participant_id", name="uq_response_once"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="decision_round.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    value: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=1000)
    changes: int = 0
    answered_at: datetime


class AnswerOwner(SQLModel, table=True):
    """Who gave an anonymous answer, by the seq of its `response_cast`, while the round is open.

    The log never names them (docs/process.md, "Anonymous rounds"); this row lives beside it
    for the mirrors alone: the copy stream sends it as the event's `owner`, so that after a
    take-over a person who changes their answer replaces theirs. It is never exported, and the
    round's close deletes it with the link between people and answers.
    """

    __tablename__ = "answer_owner"

    assembly_id: str = Field(foreign_key="assembly.id", primary_key=True, max_length=32)
    seq: int = Field(primary_key=True)
    round_id: int = Field(foreign_key="decision_round.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")


class RoundBlock(SQLModel, table=True):
    """A block from a closed call (phone or counted in the room), with its fate in review."""

    __tablename__ = "round_block"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="decision_round.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    name: str | None = Field(default=None, max_length=60)  # None in an anonymous round
    reason: str = Field(max_length=1000)
    analog: bool = False
    principled: bool | None = None  # None until a block review says otherwise
