"""Changes to proposals and friendly amendments: one transaction and one event each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app import clock
from app.assembly.access import assembly_for_write, item_in, participant_in, require_role
from app.assembly.items import append_item
from app.assembly.logic import clean_optional, clean_text
from app.assembly.models import AgendaItem, Participant
from app.blocks import stages
from app.blocks.access import open_round_of, proposal_for_write
from app.blocks.models import Proposal, ProposalVersion
from app.db import Database
from app.errors import Conflict, Invalid
from app.events import Changed, append_event, facts
from app.i18n import N_, _
from app.stack.handover import lower_block_hands

# A proposal's text, and so an amendment's (a whole new text): about two pages, already more
# than the wall shows a room at a size the back reads (it pages anything past 400 characters).
TEXT_MAX = 5_000


def clean_body(text: str, *, field: str) -> str:
    """A proposal's text: kept as typed (paragraphs matter), trimmed, bounded."""
    body = text.strip()
    if not body:
        raise Invalid(
            _("The {field} cannot be empty.").format(field=field), code=f"{field}_required"
        )
    if len(body) > TEXT_MAX:
        raise Invalid(
            _("The {field} can be at most {text_max:,} characters.").format(
                field=field, text_max=TEXT_MAX
            ),
            code="too_long",
        )
    return body


def submit_proposal(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    title: str,
    text: str,
    presenter_id: int | None = None,
    presenter_name: str | None = None,
    working_group: str | None = None,
    agenda_item_id: int | None = None,
) -> Changed:
    """A facilitator puts a proposal before the assembly, at stage `presented`, version 1.

    Without a presenter it is presented by its working group, else by the facilitator."""
    title = clean_text(title, field="title", max_len=200)
    text = clean_body(text, field="text")
    working_group = clean_optional(working_group, field="working_group", max_len=80)
    typed = clean_optional(
        presenter_name, field="presenter_name", max_len=stages.PRESENTER_NAME_MAX
    )
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the event's `at` (a replay's time)
        assembly_for_write(session, assembly_id)
        facilitator = require_role(
            session, assembly_id, actor_id, ("facilitator",), N_("put proposals forward")
        )
        presenter_id, name = _presenter(
            session, facilitator, presenter_id=presenter_id, typed=typed, group=working_group
        )
        item = _proposal_item(
            session,
            assembly_id,
            actor_id,
            agenda_item_id,
            title=title,
            working_group=working_group,
        )
        proposal = Proposal(
            assembly_id=assembly_id,
            agenda_item_id=item.id or 0,
            title=title,
            presenter_id=presenter_id,
            presenter_name=name,
            working_group=working_group,
            submitted_at=moment,
        )
        _add_proposal(session, proposal, item, text=text, moment=moment)
        payload = _submitted_payload(proposal, text=text)
        event = append_event(session, assembly_id, actor_id, "proposal_submitted", payload)
    db.announce(assembly_id, event.seq, {facts.PROPOSAL, facts.AGENDA})
    return Changed(event.seq, {"proposal_id": proposal.id, "agenda_item_id": item.id}, assembly_id)


def _presenter(
    session: Session,
    facilitator: Participant,
    *,
    presenter_id: int | None,
    typed: str | None,
    group: str | None,
) -> tuple[int | None, str]:
    """Who presents: the participant given (404), else the name typed, else the working group
    or the facilitator putting the proposal forward (`stages.default_presenter`)."""
    if presenter_id is not None:
        return presenter_id, participant_in(session, facilitator.assembly_id, presenter_id).name
    if typed is not None:
        return None, typed
    return stages.default_presenter(
        working_group=group, facilitator_id=facilitator.id or 0, facilitator_name=facilitator.name
    )


def _proposal_item(
    session: Session,
    assembly_id: str,
    actor_id: int,
    agenda_item_id: int | None,
    *,
    title: str,
    working_group: str | None,
) -> AgendaItem:
    """The agenda item a proposal is put forward under: the one given, if it is a proposal item
    without a proposal yet (409), else a new one at the end of the agenda."""
    if agenda_item_id is None:
        item, _added = append_item(
            session,
            assembly_id,
            actor_id,
            title=title,
            kind="proposal",
            working_group=working_group,
        )
        return item
    item = item_in(session, assembly_id, agenda_item_id)
    if item.kind != "proposal":
        raise Conflict(_("That agenda item is not a proposal item."), code="not_a_proposal_item")
    if session.exec(select(Proposal).where(Proposal.agenda_item_id == item.id)).first():
        raise Conflict(_("That agenda item has a proposal already."), code="item_has_proposal")
    return item


def _add_proposal(
    session: Session, proposal: Proposal, item: AgendaItem, *, text: str, moment: datetime
) -> None:
    """The proposal with its first version; its item shows its stage to the stack."""
    session.add(proposal)
    item.proposal_stage = proposal.stage
    session.add(item)
    session.flush()
    session.add(
        ProposalVersion(proposal_id=proposal.id or 0, number=1, text=text, created_at=moment)
    )


def _submitted_payload(proposal: Proposal, *, text: str) -> dict[str, Any]:
    """The `proposal_submitted` event: the proposal as put forward, with its first text."""
    return {
        "proposal_id": proposal.id,
        "agenda_item_id": proposal.agenda_item_id,
        "title": proposal.title,
        "text": text,
        "presenter_id": proposal.presenter_id,
        "presenter_name": proposal.presenter_name,
        "working_group": proposal.working_group,
    }


def move_stage(
    *,
    db: Database,
    proposal_id: int,
    actor_id: int,
    stage: str,
    outcome: str | None = None,
    tabled_to: str | None = None,
) -> Changed:
    """The facilitator moves the proposal along docs/process.md's table (409 names the moves)."""
    tabled_to = clean_optional(tabled_to, field="tabled_to", max_len=120)
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), N_("move a proposal's stage"))
        stages.check_move(
            proposal.stage,
            stage,
            round_open=open_round_of(session, proposal_id) is not None,
            outcome=outcome,
            tabled_to=tabled_to,
        )
        event = set_stage(session, proposal, actor_id, stage, outcome, tabled_to)
    # The stage decides which rounds may open, and ranks clarifying questions on the stack.
    db.announce(aid, event.seq, {facts.PROPOSAL, facts.ROUND, facts.HANDS})
    return Changed(event.seq, {"stage": stage, "outcome": outcome}, aid)


def set_stage(
    session: Session,
    proposal: Proposal,
    actor_id: int | None,
    stage: str,
    outcome: str | None,
    tabled_to: str | None,
) -> Any:
    before = proposal.stage
    proposal.stage = stage
    item = session.get(AgendaItem, proposal.agenda_item_id)
    if item is not None:
        item.proposal_stage = stage  # what the stack reads (app/stack/service.py)
        session.add(item)
    if stage == "decided":
        proposal.outcome, proposal.tabled_to, proposal.decided_at = outcome, tabled_to, clock.now()
        # The blockers' floor passes with the decision; the decision stays the last event.
        lower_block_hands(session, proposal.assembly_id, actor_id)
    session.add(proposal)
    payload = {"proposal_id": proposal.id, "from": before, "to": stage}
    if stage != "decided":
        return append_event(session, proposal.assembly_id, actor_id, "stage_changed", payload)
    payload.update(outcome=outcome, tabled_to=tabled_to, version=proposal.version)
    return append_event(session, proposal.assembly_id, actor_id, "proposal_decided", payload)


def withdraw(*, db: Database, proposal_id: int, actor_id: int) -> Changed:
    """The presenter (or a facilitator) withdraws the proposal."""
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        if proposal.presenter_id != actor_id:
            require_role(
                session, aid, actor_id, ("facilitator",), N_("withdraw someone's proposal")
            )
        stages.check_move(
            proposal.stage,
            "decided",
            round_open=open_round_of(session, proposal_id) is not None,
            outcome="withdrawn",
        )
        event = set_stage(session, proposal, actor_id, "decided", "withdrawn", None)
    db.announce(aid, event.seq, {facts.PROPOSAL, facts.ROUND, facts.HANDS})
    return Changed(event.seq, {"stage": "decided", "outcome": "withdrawn"}, aid)


WALL_PAGES_MAX = 100


def turn_wall_page(*, db: Database, proposal_id: int, actor_id: int, page: int) -> Changed:
    """The facilitator turns the page of a long proposal text on the wall.

    The wall shows as many pages as the text needs at the smallest size the back of the room
    reads, and shows page `page` of them (wrapping round past the last); phones always show the
    whole text. A page of the record, so a mirror or a reloaded wall shows the same page.
    """
    if not 1 <= page <= WALL_PAGES_MAX:
        raise Invalid(
            _("A page is 1 to {wall_pages_max}.").format(wall_pages_max=WALL_PAGES_MAX),
            code="bad_page",
        )
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), N_("turn the wall's pages"))
        if proposal.stage == "decided":
            raise Conflict(
                _("The proposal is decided: its text is final."), code="proposal_decided"
            )
        proposal.wall_page = page
        session.add(proposal)
        event = append_event(
            session, aid, actor_id, "wall_page_turned", {"proposal_id": proposal.id, "page": page}
        )
    db.announce(aid, event.seq, {facts.PROPOSAL})
    return Changed(event.seq, {"wall_page": page}, aid)
