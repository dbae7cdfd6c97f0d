"""The minute taker's notes and action items: one event each (`note_taken`,
`action_item_recorded`), and no table (a note or an action item is its event)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.assembly.access import assembly_for_write, item_in, require_role
from app.assembly.models import AgendaItem
from app.blocks.models import Proposal
from app.db import Database
from app.errors import Invalid, NotFound
from app.events import Event, append_event, facts
from app.i18n import N_
from app.minutes import logic
from app.minutes.actions import clean_action

TAKERS = ("minute_taker", "facilitator")


@dataclass(frozen=True)
class Noted:
    note_id: int  # the seq of the note's event
    seq: int


def take_note(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    text: str,
    label: str | None = None,
    agenda_item_id: int | None = None,
    corrects: int | None = None,
) -> Noted:
    """A note in the minutes, bound to the open item unless another is named.

    A correction is a new note naming the earlier one (`corrects`, its note id): the minutes
    show it as a dated correction, and the note it corrects stays as it was written.
    """
    body, label = logic.clean_note(text, label)
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        taker = require_role(
            session, assembly_id, actor_id, TAKERS, N_("take notes for the minutes")
        )
        corrected = None
        if corrects is not None:
            corrected = session.exec(
                select(Event).where(
                    Event.assembly_id == assembly_id,
                    Event.seq == corrects,
                    Event.type == "note_taken",
                )
            ).first()
            if corrected is None:
                raise NotFound(
                    "There is no such note in this assembly's minutes.", code="note_not_found"
                )
        if agenda_item_id is not None:
            item_in(session, assembly_id, agenda_item_id)
        elif corrected is not None:  # a correction stays with the note it corrects
            agenda_item_id = json.loads(corrected.payload_json).get("agenda_item_id")
        else:
            agenda_item_id = session.exec(
                select(AgendaItem.id).where(
                    AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open"
                )
            ).first()
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "note_taken",
            {
                "text": body,
                "label": label,
                "agenda_item_id": agenda_item_id,
                "corrects": corrects,
                "by": taker.name,
            },
        )
    db.announce(assembly_id, event.seq, {facts.MINUTES})
    return Noted(note_id=event.seq, seq=event.seq)


@dataclass(frozen=True)
class Recorded:
    action_id: int  # the seq of the action item's event
    seq: int


def record_action(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    text: str,
    who: str | None = None,
    due: str | None = None,
    proposal_id: int | None = None,
    agenda_item_id: int | None = None,
) -> Recorded:
    """An action item in the minutes: what is to be done, by whom, by when.

    It belongs to the proposal named, else to the agenda item named, else to the open item's
    proposal, else to the open item, else to the assembly as a whole.
    """
    action = clean_action(text, who, due)
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        taker = require_role(session, assembly_id, actor_id, TAKERS, N_("record action items"))
        proposal_id, agenda_item_id = _action_belongs_to(
            session, assembly_id, proposal_id, agenda_item_id
        )
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "action_item_recorded",
            {
                "text": action.text,
                "who": action.who,
                "due": action.due,
                "proposal_id": proposal_id,
                "agenda_item_id": agenda_item_id,
                "by": taker.name,
            },
        )
    db.announce(assembly_id, event.seq, {facts.MINUTES})
    return Recorded(action_id=event.seq, seq=event.seq)


def _action_belongs_to(
    session: Session, assembly_id: str, proposal_id: int | None, agenda_item_id: int | None
) -> tuple[int | None, int | None]:
    """(proposal, agenda item) of a new action item; either may be None."""
    if proposal_id is not None:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or proposal.assembly_id != assembly_id:
            raise NotFound("There is no such proposal in this assembly.", code="proposal_not_found")
        if agenda_item_id is not None and agenda_item_id != proposal.agenda_item_id:
            raise Invalid("That proposal is not on that agenda item.", code="proposal_not_on_item")
        return proposal_id, proposal.agenda_item_id
    if agenda_item_id is not None:
        return None, item_in(session, assembly_id, agenda_item_id).id
    open_item = session.exec(
        select(AgendaItem.id).where(
            AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open"
        )
    ).first()
    if open_item is None:
        return None, None
    on_it = session.exec(
        select(Proposal.id).where(Proposal.agenda_item_id == open_item).order_by(col(Proposal.id))
    ).first()
    return on_it, open_item
