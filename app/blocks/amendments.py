"""Changes to friendly amendments: proposed, accepted or rejected, stopped or capped.

docs/process.md "Friendly amendments": anyone admitted offers a whole new text; the presenter takes
it up or not; the facilitator may stop new ones or cap their rounds. One transaction and one
event each; which stages take amendments is in `app.blocks.stages`.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, select

from app import clock
from app.assembly.access import require_role
from app.assembly.logic import clean_optional
from app.assembly.models import Participant
from app.blocks import stages
from app.blocks.access import open_round_of, proposal_for_write
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.blocks.service import clean_body
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Changed, append_event, facts
from app.i18n import N_, _

PENDING_MAX = 3  # amendments one person may have waiting (MICCHECK_PENDING_AMENDMENTS_PER_PERSON)


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
        person = _proposer(session, aid, actor_id)
        _check_room_for_one_more(session, proposal, actor_id, max_pending)
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
        payload = {
            "proposal_id": proposal.id,
            "amendment_id": amendment.id,
            "by": person.name,
            "text": text,
            "rationale": rationale,
            "based_on_version": proposal.version,
        }
        event = append_event(session, aid, actor_id, "amendment_proposed", payload)
    db.announce(aid, event.seq, {facts.PROPOSAL})
    return Changed(event.seq, {"amendment_id": amendment.id}, aid)


def _proposer(session: Session, assembly_id: str, actor_id: int) -> Participant:
    """Who proposes: an admitted participant (403) whom no facilitator has muted (409)."""
    person = session.get(Participant, actor_id)
    if person is None or person.assembly_id != assembly_id or person.status != "admitted":
        raise Forbidden(_("Only admitted participants can propose amendments."))
    if person.muted:
        raise Conflict(
            _(
                "A facilitator has muted you: you cannot propose amendments, but you can "
                "still answer rounds."
            ),
            code="muted",
        )
    return person


def _check_room_for_one_more(
    session: Session, proposal: Proposal, actor_id: int, max_pending: int
) -> None:
    """The stage takes amendments, the facilitator has not stopped or capped them, and this
    person has fewer than `max_pending` waiting (409)."""
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


def current_text(session: Session, proposal: Proposal) -> str:
    version = session.exec(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == proposal.version
        )
    ).one()
    return version.text
