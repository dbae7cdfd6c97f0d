"""The agenda's running order rebuilt from the log (docs/architecture.md, "The log is the
truth"): which item is open, the time each has used, and the assembly's end. The hands carried
or cleared when an item opens or closes are the stack's own events."""

from __future__ import annotations

from sqlmodel import Session

from app.archive.index import index_assembly
from app.assembly.models import AgendaItem, Assembly
from app.events.projection import Projection, Replayed, earlier


def _item(session: Session, event: Replayed, item_id: int) -> AgendaItem:
    return earlier(session, event, AgendaItem, item_id)


def _stopped(session: Session, event: Replayed, item_id: int, status: str, used: int) -> None:
    """An item's clock stopped: its time used as the event counted it."""
    item = _item(session, event, item_id)
    item.status, item.used_seconds, item.opened_at = status, used, None
    session.add(item)


def opened(session: Session, event: Replayed) -> None:
    """The item opens at the event's moment; the one open before is done, or back to pending
    as the event says (older logs say nothing: it went back to pending then)."""
    p = event.payload
    if p.get("previous_item_id") is not None:
        status = p.get("previous_status") or "pending"
        used = p.get("previous_used_seconds")
        before = _item(session, event, p["previous_item_id"])
        _stopped(
            session, event, before.id or 0, status, before.used_seconds if used is None else used
        )
    item = _item(session, event, p["item_id"])
    item.status, item.opened_at = "open", event.at
    session.add(item)


def closed(session: Session, event: Replayed) -> None:
    p = event.payload
    _stopped(session, event, p["item_id"], "done", p["used_seconds"])


def assembly_closed(session: Session, event: Replayed) -> None:
    """The last item done, the assembly closed, and its decisions in the archive."""
    p = event.payload
    if p.get("closed_item_id") is not None:
        _stopped(session, event, p["closed_item_id"], "done", p["used_seconds"])
    assembly = earlier(session, event, Assembly, event.assembly_id)
    assembly.status, assembly.closed_at = "closed", event.at
    session.add(assembly)
    session.flush()
    index_assembly(session, event.assembly_id)


PROJECTIONS: dict[str, Projection] = {
    "agenda_item_opened": opened,
    "agenda_item_closed": closed,
    "assembly_closed": assembly_closed,
}
