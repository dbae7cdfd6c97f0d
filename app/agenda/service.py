"""Changes to the agenda and the assembly's end: one transaction and one event each.

Opening an item hands the hands still up to it or clears them (the stack's), closing the
assembly refuses while a round is open (the proposals') and indexes the archive.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app import clock
from app.agenda.logic import stop_clock
from app.archive.index import index_assembly
from app.assembly import logic
from app.assembly.access import assembly_for_write, item_in, require_role
from app.assembly.items import append_item
from app.assembly.models import AgendaItem
from app.blocks.models import Round
from app.db import Database
from app.errors import Conflict
from app.events import Changed, append_event, facts
from app.i18n import N_, _, translate
from app.stack.handover import clear_stack_for_new_item, hand_over_stack

NOT_OPEN = {
    "pending": N_("“{title}” is not open (it is pending)."),
    "done": N_("“{title}” is not open (it is done)."),
}


def add_agenda_item(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    title: str,
    kind: str,
    time_box_minutes: int = 15,
    working_group: str | None = None,
) -> Changed:
    """Add an item at the end of the agenda, pending."""
    title = logic.clean_text(title, field="title", max_len=200)
    logic.check_choice(kind, logic.AGENDA_KINDS, field="kind")
    logic.check_time_box(time_box_minutes)
    working_group = logic.clean_optional(working_group, field="working_group", max_len=80)
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("change the agenda"))
        item, event = append_item(
            session,
            assembly_id,
            actor_id,
            title=title,
            kind=kind,
            working_group=working_group,
            time_box_minutes=time_box_minutes,
        )
    db.announce(assembly_id, event.seq, {facts.AGENDA})
    return Changed(event.seq, {"item_id": item.id, "position": item.position})


def open_agenda_item(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    item_id: int,
    previous: str = "done",
    hands: str | None = None,
) -> Changed:
    """Open one item; the item open before it is done (or pending, when asked). Hands still up
    are carried over to it or cleared, as `hands` says: never silently (409 without it)."""
    logic.check_choice(previous, logic.PREVIOUS_STATUSES, field="previous")
    with db.write() as session:
        moment = clock.now()  # the transaction's: the event's `at` (app/clock.py)
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("open agenda items"))
        item = item_in(session, assembly_id, item_id)
        if item.status == "open":
            raise Conflict(
                _("“{title}” is already open.").format(title=item.title), code="item_already_open"
            )
        before = open_item(session, assembly_id)
        waiting = hand_over_stack(session, assembly_id, actor_id, hands=hands, to_item_id=item_id)
        used = None
        if before is not None:
            used = stop_clock(before, moment)
            before.status = previous
            session.add(before)
        item.status = "open"
        item.opened_at = moment
        session.add(item)
        told = {
            "previous_item_id": before.id if before else None,
            # Older logs lack the rest: the item before went back to pending then.
            "previous_status": previous if before else None,
            "hands": hands if waiting else None,
            "hand_count": waiting,
        }
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "agenda_item_opened",
            {"item_id": item_id, "title": item.title, **told, "previous_used_seconds": used},
        )
    db.announce(assembly_id, event.seq, {facts.OPEN_ITEM, facts.HANDS, facts.FLOOR, facts.TURNS})
    return Changed(event.seq, {"item_id": item_id, "status": "open", **told})


def open_item(session: Session, assembly_id: str) -> AgendaItem | None:
    """The item open now, if any (one at a time)."""
    return session.exec(
        select(AgendaItem).where(AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open")
    ).first()


def close_agenda_item(*, db: Database, assembly_id: str, actor_id: int, item_id: int) -> Changed:
    """Close the open item: it is done, with its time used recorded."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("close agenda items"))
        item = item_in(session, assembly_id, item_id)
        if item.status != "open":
            raise Conflict(
                translate(
                    NOT_OPEN.get(item.status, N_("“{title}” is not open (it is {status})."))
                ).format(title=item.title, status=item.status),
                code="item_not_open",
            )
        used = stop_clock(item, clock.now())
        item.status = "done"
        clear_stack_for_new_item(session, assembly_id, actor_id)
        session.add(item)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "agenda_item_closed",
            {"item_id": item_id, "title": item.title, "used_seconds": used},
        )
    db.announce(assembly_id, event.seq, {facts.OPEN_ITEM, facts.HANDS, facts.FLOOR, facts.TURNS})
    return Changed(event.seq, {"item_id": item_id, "status": "done", "used_seconds": used})


def close_assembly(*, db: Database, assembly_id: str, actor_id: int) -> Changed:
    """End the assembly: the open item is done and the minutes become final."""
    with db.write() as session:
        moment = clock.now()  # the transaction's: the event's `at` (app/clock.py)
        assembly = assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("close the assembly"))
        still_open = session.exec(
            select(Round.id).where(Round.assembly_id == assembly_id, Round.status == "open")
        ).first()
        if still_open is not None:
            raise Conflict(
                _("A round is still open; close it before closing the assembly."), code="round_open"
            )
        last = open_item(session, assembly_id)
        if last is not None:
            stop_clock(last, moment)
            last.status = "done"
            session.add(last)
        clear_stack_for_new_item(session, assembly_id, actor_id)
        assembly.status = "closed"
        assembly.closed_at = moment
        session.add(assembly)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "assembly_closed",
            {
                "closed_item_id": last.id if last else None,
                "used_seconds": last.used_seconds if last else None,
            },
        )
        index_assembly(session, assembly_id)  # the archive, from the final facts
    db.announce(assembly_id, event.seq, {facts.CLOSED})
    return Changed(event.seq, {"status": "closed"})
