"""The event log: every change to an assembly, hash-chained, the source of truth for history."""

from app.events.chain import GENESIS_HASH, canonical, event_hash, verify_chain
from app.events.changed import Changed
from app.events.models import Event, EventHead
from app.events.service import append_event, events_after, export_events, hash_at, head_of

__all__ = [
    "GENESIS_HASH",
    "Changed",
    "Event",
    "EventHead",
    "append_event",
    "canonical",
    "event_hash",
    "events_after",
    "export_events",
    "hash_at",
    "head_of",
    "verify_chain",
]
