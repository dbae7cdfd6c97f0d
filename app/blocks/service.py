"""Changes to proposals and friendly amendments: one transaction and one event each."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, select

from app import clock
from app.assembly.access import assembly_for_write, item_in, participant_in, require_role
from app.assembly.items import append_item
from app.assembly.logic import clean_optional, clean_text
from app.assembly.models import AgendaItem, Participant
from app.blocks import stages
from app.blocks.access import open_round_of, proposal_for_write
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Changed, append_event, facts
from app.i18n import N_, _
from app.stack.service import lower_block_hands

# A proposal's text, and so an amendment's (a whole new text): about two pages, already more
# than the wall shows a room at a size the back reads (it pages anything past 400 characters).
TEXT_MAX = 5_000
PENDING_MAX = 3  # amendments one person may have waiting (MICCHECK_PENDING_AMENDMENTS_PER_PERSON)


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


def current_text(session: Session, proposal: Proposal) -> str:
    version = session.exec(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == proposal.version
        )
    ).one()
    return version.text


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
    moment = clock.now()
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        facilitator = require_role(
            session, assembly_id, actor_id, ("facilitator",), N_("put proposals forward")
        )
        if presenter_id is not None:
            name = participant_in(session, assembly_id, presenter_id).name
        elif typed is not None:
            name = typed
        else:
            presenter_id, name = stages.default_presenter(
                working_group=working_group,
                facilitator_id=actor_id,
                facilitator_name=facilitator.name,
            )
        if agenda_item_id is not None:
            item = item_in(session, assembly_id, agenda_item_id)
            if item.kind != "proposal":
                raise Conflict(
                    _("That agenda item is not a proposal item."), code="not_a_proposal_item"
                )
            if session.exec(select(Proposal).where(Proposal.agenda_item_id == item.id)).first():
                raise Conflict(
                    _("That agenda item has a proposal already."), code="item_has_proposal"
                )
        else:
            item, _added = append_item(
                session,
                assembly_id,
                actor_id,
                title=title,
                kind="proposal",
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
        session.add(proposal)
        item.proposal_stage = proposal.stage
        session.add(item)
        session.flush()
        session.add(
            ProposalVersion(proposal_id=proposal.id or 0, number=1, text=text, created_at=moment)
        )
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "proposal_submitted",
            {
                "proposal_id": proposal.id,
                "agenda_item_id": item.id,
                "title": title,
                "text": text,
                "presenter_id": presenter_id,
                "presenter_name": name,
                "working_group": working_group,
            },
        )
    db.announce(assembly_id, event.seq, {facts.PROPOSAL, facts.AGENDA})
    return Changed(event.seq, {"proposal_id": proposal.id, "agenda_item_id": item.id}, assembly_id)


def move_stage(
    *,
    db: Database,
    proposal_id: int,
    actor_id: int,
    stage: str,
    outcome: str | None = None,
    tabled_to: str | None = None,
) -> Changed:
    """The facilitator moves the proposal along PROCESS.md's table (409 names the moves)."""
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


def set_amendments_open(
    *,
    db: Database,
    proposal_id: int,
    actor_id: int,
    amendments_open: bool | None = None,
    max_amendment_rounds: int | Literal["keep"] | None = "keep",
) -> Changed:
    """The facilitator stops (or allows again) new friendly amendments, or caps their rounds.

    `max_amendment_rounds` None lifts the cap; "keep" leaves it as it is.
    """
    changes: dict[str, Any] = {}
    if amendments_open is not None:
        changes["amendments_open"] = amendments_open
    if max_amendment_rounds != "keep":
        if max_amendment_rounds is not None and not 0 <= max_amendment_rounds <= 100:
            raise Invalid(_("Amendment rounds are capped at 0 to 100."), code="bad_cap")
        changes["max_amendment_rounds"] = max_amendment_rounds
    if not changes:
        raise Invalid(_("Say what to change: amendments_open or max_amendment_rounds."))
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        require_role(session, aid, actor_id, ("facilitator",), N_("stop or allow amendments"))
        for key, value in changes.items():
            setattr(proposal, key, value)
        session.add(proposal)
        event = append_event(
            session,
            aid,
            actor_id,
            "proposal_settings_changed",
            {"proposal_id": proposal.id, **changes},
        )
    db.announce(aid, event.seq, {facts.PROPOSAL})
    return Changed(event.seq, changes, aid)


def propose_amendment(
    *,
    db: Database,
    proposal_id: int,
    actor_id: int,
    text: str,
    rationale: str | None = None,
    max_pending: int = PENDING_MAX,
) -> Changed:
    """Anyone admitted proposes a friendly amendment: the full new text, with a rationale; at
    most `max_pending` of theirs wait on the proposal at a time."""
    text = clean_body(text, field="text")
    rationale = clean_optional(rationale, field="rationale", max_len=1000)
    with db.write() as session:
        proposal = proposal_for_write(session, proposal_id)
        aid = proposal.assembly_id
        person = session.get(Participant, actor_id)
        if person is None or person.assembly_id != aid or person.status != "admitted":
            raise Forbidden(_("Only admitted participants can propose amendments."))
        if person.muted:
            raise Conflict(
                _(
                    "A facilitator has muted you: you cannot propose amendments, but you can "
                    "still answer rounds."
                ),
                code="muted",
            )
        stages.check_amendment_allowed(
            proposal.stage,
            amendments_open=proposal.amendments_open,
            rounds_so_far=proposal.version - 1,
            max_rounds=proposal.max_amendment_rounds,
        )
        waiting = session.exec(
            select(func.count())
            .select_from(Amendment)
            .where(
                Amendment.proposal_id == proposal.id,
                Amendment.proposer_id == actor_id,
                Amendment.status == "proposed",
            )
        ).one()
        stages.check_waiting_amendments(waiting=waiting, most=max_pending)
        if text == current_text(session, proposal):
            raise Conflict(_("That is the current text already."), code="amendment_unchanged")
        amendment = Amendment(
            proposal_id=proposal.id or 0,
            proposer_id=actor_id,
            proposer_name=person.name,
            text=text,
            rationale=rationale,
            based_on_version=proposal.version,
            proposed_at=clock.now(),
        )
        session.add(amendment)
        session.flush()
        event = append_event(
            session,
            aid,
            actor_id,
            "amendment_proposed",
            {
                "proposal_id": proposal.id,
                "amendment_id": amendment.id,
                "by": person.name,
                "text": text,
                "rationale": rationale,
                "based_on_version": proposal.version,
            },
        )
    db.announce(aid, event.seq, {facts.PROPOSAL})
    return Changed(event.seq, {"amendment_id": amendment.id}, aid)


def decide_amendment(*, db: Database, amendment_id: int, actor_id: int, accept: bool) -> Changed:
    """The presenter accepts or rejects (or a facilitator on the presenter's word, recorded).

    Accepting makes the amendment's text the next version; every version is kept.
    """
    with db.write() as session:
        amendment = session.get(Amendment, amendment_id)
        if amendment is None:
            raise NotFound(_("There is no such amendment."), code="amendment_not_found")
        proposal = proposal_for_write(session, amendment.proposal_id)
        session.refresh(amendment)  # its status as of the lock, not as of the first read
        aid = proposal.assembly_id
        on_word = proposal.presenter_id != actor_id
        if on_word:
            require_role(
                session,
                aid,
                actor_id,
                ("facilitator",),
                N_("decide an amendment for the presenter"),
            )
        stages.check_amendment_decision(
            proposal.stage,
            round_open=open_round_of(session, proposal.id or 0) is not None,
            status=amendment.status,
        )
        if accept:
            stages.check_amendment_cap(
                accepted=proposal.version - 1, max_rounds=proposal.max_amendment_rounds
            )
        moment = clock.now()
        amendment.status = "accepted" if accept else "rejected"
        amendment.decided_by_id, amendment.decided_at = actor_id, moment
        amendment.on_presenters_word = on_word
        session.add(amendment)
        payload: dict[str, Any] = {
            "proposal_id": proposal.id,
            "amendment_id": amendment.id,
            "by": amendment.proposer_name,
            "on_presenters_word": on_word,
        }
        if accept:
            proposal.version += 1
            session.add(
                ProposalVersion(
                    proposal_id=proposal.id or 0,
                    number=proposal.version,
                    text=amendment.text,
                    amendment_id=amendment.id,
                    created_at=moment,
                )
            )
            session.add(proposal)
            payload["version"] = proposal.version
        kind = "amendment_accepted" if accept else "amendment_rejected"
        event = append_event(session, aid, actor_id, kind, payload)
    db.announce(aid, event.seq, {facts.PROPOSAL})
    return Changed(event.seq, {"status": amendment.status, "version": proposal.version}, aid)


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
