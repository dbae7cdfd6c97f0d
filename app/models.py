"""Every table, imported in one place so Alembic and tests see the whole schema."""

from sqlmodel import SQLModel

from app.archive.models import ArchiveEntry
from app.assembly.models import (
    AgendaItem,
    Assembly,
    AssemblyGroup,
    AssemblyWord,
    Participant,
    RoleGrant,
)
from app.blocks.models import Amendment, Proposal, ProposalVersion, Response, Round, RoundBlock
from app.events.models import Event, EventHead
from app.groups.models import WorkingGroup
from app.mic.models import PeoplesMic
from app.sessions.models import BrowserSessionRecord
from app.stack.models import Hand, StackSettings, Turn

metadata = SQLModel.metadata

__all__ = [
    "AgendaItem",
    "Amendment",
    "ArchiveEntry",
    "Assembly",
    "AssemblyGroup",
    "AssemblyWord",
    "BrowserSessionRecord",
    "Event",
    "EventHead",
    "Hand",
    "Participant",
    "PeoplesMic",
    "Proposal",
    "ProposalVersion",
    "Response",
    "RoleGrant",
    "Round",
    "RoundBlock",
    "StackSettings",
    "Turn",
    "WorkingGroup",
    "metadata",
]
