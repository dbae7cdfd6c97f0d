"""An agenda item added at the end of the agenda, and its event: shared by the agenda's own
form and by a proposal put forward without an item (app/blocks), which makes one."""

from __future__ import annotations

from sqlmodel import Session, func, select

from app.assembly.models import AgendaItem
from app.events import Event, append_event


def append_item(
    session: Session,
    assembly_id: str,
    actor_id: int | None,
    *,
    title: str,
    kind: str,
    working_group: str | None,
    time_box_minutes: int | None = None,
) -> tuple[AgendaItem, Event]:
    """Add a pending item after the last one (`time_box_minutes` None: the default) and record
    it: the item is a fact of its own, which the minutes number and show the time box of."""
    last = session.exec(
        select(func.max(AgendaItem.position)).where(AgendaItem.assembly_id == assembly_id)
    ).one()
    item = AgendaItem(
        assembly_id=assembly_id,
        position=(last or 0) + 1,
        title=title,
        kind=kind,
        working_group=working_group,
    )
    if time_box_minutes is not None:
        item.time_box_minutes = time_box_minutes
    session.add(item)
    session.flush()
    event = append_event(
        session,
        assembly_id,
        actor_id,
        "agenda_item_added",
        {
            "item_id": item.id,
            "position": item.position,
            "title": title,
            "kind": kind,
            "time_box_minutes": item.time_box_minutes,
            "working_group": working_group,
        },
    )
    return item, event
