"""Every table, imported in one place so Alembic and tests see the whole schema."""

from sqlmodel import SQLModel

from app.assembly.models import AgendaItem, Assembly, Participant, RoleGrant
from app.events.models import Event, EventHead
from app.stack.models import Hand, StackSettings, Turn

metadata = SQLModel.metadata

__all__ = [
    "AgendaItem",
    "Assembly",
    "Event",
    "EventHead",
    "Hand",
    "Participant",
    "RoleGrant",
    "StackSettings",
    "Turn",
    "metadata",
]
