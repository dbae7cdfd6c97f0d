"""The blocks tables rebuilt from the events blocks appends (docs/architecture.md, "The log is the
truth"): one function per event type, applying what the event says.

Proposals, amendments, rounds and blocks are inserted with the ids their events name; versions
and answers get fresh ids (no event names them). Times are the event's `at`: the services take
them inside the event's own transaction (in logs from before they did, submitting, opening and
closing read the clock a moment before their transaction began: the copy's times are then that
moment later, the nearest the log knows). The hands a blocked call or a decision moves are
events of their own (`app/stack/handover.py`), replayed by the stack.

One thing an export cannot rebuild: who answered an anonymous round. Its events name nobody,
so an import's answers have no person even while the round is open (the live rows lose theirs
at the close); a changed one replaces an answer like the one it says it replaced. A mirror is
told who while the round is open (`Replayed.owner`, `app/blocks/owners.py`), so its rows are
the primary's and a take-over keeps one answer each; see `_response_cast`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.assembly.models import AgendaItem, Participant
from app.blocks.models import Amendment, Proposal, ProposalVersion, Response, Round, RoundBlock
from app.blocks.owners import forget_answer_owners, keep_answer_owner
from app.blocks.tally import in_order
from app.events.projection import Projection, Replayed, earlier


def _proposal(session: Session, event: Replayed) -> Proposal:
    return earlier(session, event, Proposal, int(event.payload["proposal_id"]))


def _round(session: Session, event: Replayed) -> Round:
    return earlier(session, event, Round, int(event.payload["round_id"]))


def _show_stage(session: Session, proposal: Proposal) -> None:
    """The proposal's agenda item shows its stage to the stack (`set_stage`)."""
    item = session.get(AgendaItem, proposal.agenda_item_id)
    if item is not None:
        item.proposal_stage = proposal.stage
        session.add(item)


def _proposal_submitted(session: Session, event: Replayed) -> None:
    p = event.payload
    proposal = Proposal(
        id=int(p["proposal_id"]),
        assembly_id=event.assembly_id,
        agenda_item_id=int(p["agenda_item_id"]),
        title=p["title"],
        presenter_id=p.get("presenter_id"),
        presenter_name=p["presenter_name"],
        working_group=p.get("working_group"),
        submitted_at=event.at,
    )
    session.add(proposal)
    session.flush()
    session.add(
        ProposalVersion(proposal_id=proposal.id or 0, number=1, text=p["text"], created_at=event.at)
    )
    _show_stage(session, proposal)


def _stage_changed(session: Session, event: Replayed) -> None:
    proposal = _proposal(session, event)
    proposal.stage = event.payload["to"]
    session.add(proposal)
    _show_stage(session, proposal)


def _proposal_decided(session: Session, event: Replayed) -> None:
    p = event.payload
    proposal = _proposal(session, event)
    proposal.stage = p["to"]
    proposal.outcome, proposal.tabled_to = p.get("outcome"), p.get("tabled_to")
    proposal.decided_at = event.at
    session.add(proposal)
    _show_stage(session, proposal)


def _wall_page_turned(session: Session, event: Replayed) -> None:
    proposal = _proposal(session, event)
    proposal.wall_page = int(event.payload["page"])
    session.add(proposal)


def _proposal_settings_changed(session: Session, event: Replayed) -> None:
    proposal = _proposal(session, event)
    for key in ("amendments_open", "max_amendment_rounds"):
        if key in event.payload:
            setattr(proposal, key, event.payload[key])
    session.add(proposal)


def _amendment_proposed(session: Session, event: Replayed) -> None:
    p = event.payload
    session.add(
        Amendment(
            id=int(p["amendment_id"]),
            proposal_id=int(p["proposal_id"]),
            proposer_id=event.actor_id or 0,  # who proposes is the event's actor
            proposer_name=p["by"],
            text=p["text"],
            rationale=p.get("rationale"),
            based_on_version=int(p["based_on_version"]),
            proposed_at=event.at,
        )
    )


def _amendment_decided(session: Session, event: Replayed) -> None:
    """`amendment_accepted` or `amendment_rejected`: an accepted text is the next version."""
    p = event.payload
    amendment = earlier(session, event, Amendment, int(p["amendment_id"]))
    accepted = event.type == "amendment_accepted"
    amendment.status = "accepted" if accepted else "rejected"
    amendment.decided_by_id, amendment.decided_at = event.actor_id, event.at
    amendment.on_presenters_word = bool(p.get("on_presenters_word"))
    session.add(amendment)
    if accepted:
        proposal = _proposal(session, event)
        proposal.version = int(p["version"])
        session.add(proposal)
        session.add(
            ProposalVersion(
                proposal_id=proposal.id or 0,
                number=proposal.version,
                text=amendment.text,
                amendment_id=amendment.id,
                created_at=event.at,
            )
        )


def _round_opened(session: Session, event: Replayed) -> None:
    """A proposal's round is about its stage then; the minutes' approval (no proposal) is at
    stage "minutes", version 0 (`open_minutes_approval`)."""
    p = event.payload
    proposal_id = p.get("proposal_id")
    stage, version = "minutes", 0
    if proposal_id is not None:
        proposal = _proposal(session, event)
        stage = proposal.stage
        version = int(p["version"]) if p.get("version") is not None else proposal.version
    session.add(
        Round(
            id=int(p["round_id"]),
            assembly_id=event.assembly_id,
            proposal_id=proposal_id,
            number=int(p["number"]),
            kind=p["kind"],
            fallback=bool(p.get("fallback")),
            block_id=p.get("block_id"),
            anonymous=bool(p.get("anonymous")),
            results=p["results"],
            stage=stage,
            version=version,
            opened_at=event.at,
            closes_at=event.moment("closes_at"),
        )
    )
    session.flush()  # one open round per proposal: its index sees this one at once


def _response_cast(session: Session, event: Replayed) -> None:
    """An answer, or a changed answer (the last one counts, `changes` counts the changes).

    An anonymous answer's event names nobody (docs/process.md, "Anonymous"). On a mirror its
    owner comes beside the event while the round is open, and is kept as the primary keeps it.
    Elsewhere the row has no person, and a changed one is given to an answer like the one it
    says it replaced (`was`: the value and reason, never who), the one left unchanged the
    longest, so the counts and reasons are exact; answers alike in both are interchangeable.
    Older logs do not say: the answer left unchanged the longest takes it, whatever it was (the
    round's close carries its own counts, so the record stays exact; the open round's rows may
    not be).
    """
    p = event.payload
    round_id = int(p["round_id"])
    participant_id = p.get("participant_id", event.owner)
    answer: Response | None = None
    if p.get("changed"):
        answer = _changed(session, round_id, participant_id, p)
    if event.owner is not None:
        keep_answer_owner(
            session,
            assembly_id=event.assembly_id,
            seq=event.seq,
            round_id=round_id,
            participant_id=event.owner,
        )
    if answer is None:
        answer = Response(
            round_id=round_id,
            participant_id=participant_id,
            value=p["value"],
            answered_at=event.at,
        )
    else:
        answer.changes += 1
        answer.participant_id = participant_id
    answer.value, answer.reason, answer.answered_at = p["value"], p.get("reason"), event.at
    session.add(answer)
    session.flush()


def _changed(
    session: Session, round_id: int, participant_id: int | None, payload: dict[str, Any]
) -> Response | None:
    """The answer a changed one replaces: the person's own when known; for an anonymous one
    whose owner the copy was not told, one like it with no person."""
    query = select(Response).where(Response.round_id == round_id)
    if participant_id is not None:
        own = session.exec(query.where(Response.participant_id == participant_id)).first()
        if own is not None or "participant_id" in payload:
            return own
    query = _like(query.where(col(Response.participant_id).is_(None)), payload.get("was"))
    return session.exec(query.order_by(col(Response.answered_at), col(Response.id))).first()


def _like(query: SelectOfScalar[Response], was: dict[str, Any] | None) -> SelectOfScalar[Response]:
    """Answers like the one a changed anonymous answer replaced (all, when the log is older)."""
    if was is None:
        return query
    reason = was.get("reason")
    same_reason = col(Response.reason).is_(None) if reason is None else Response.reason == reason
    return query.where(Response.value == was["value"], same_reason)


def _analog_counted(session: Session, event: Replayed) -> None:
    row = _round(session, event)
    p = event.payload
    counts = in_order(row.kind, p["counts"])  # the live row's order (`tally.check_analog`)
    row.analog_json = json.dumps({"counts": counts, "blocks": p["blocks"]})
    session.add(row)


def _round_closed(session: Session, event: Replayed) -> None:
    """The close as it was recorded: its tally and explanation are used, never recounted; an
    anonymous round's answers lose their people; a call's blocks become rows to review."""
    p = event.payload
    row = _round(session, event)
    row.status, row.closed_at = "closed", event.at
    row.closed_by_deadline = bool(p.get("by_deadline"))
    row.tally_json = json.dumps(in_order(row.kind, p["tally"]))  # every answer, zeros too
    row.outcome, row.explanation = p.get("outcome"), str(p["explanation"])[:500]
    # Logs from before `eligible` was recorded: the admitted phones the replay has at this point
    # are those the close counted (admissions and removals are events of their own).
    eligible = p.get("eligible")
    if eligible is None:
        eligible = session.exec(
            select(func.count())
            .select_from(Participant)
            .where(Participant.assembly_id == row.assembly_id, Participant.status == "admitted")
        ).one()
    row.eligible = int(eligible)
    session.add(row)
    if row.anonymous:
        for answer in session.exec(select(Response).where(Response.round_id == row.id)):
            answer.participant_id = None
            session.add(answer)
        forget_answer_owners(session, row.id or 0)
    for block in p.get("blocks") or []:
        session.add(
            RoundBlock(
                id=int(block["id"]),
                round_id=row.id or 0,
                proposal_id=row.proposal_id or 0,
                participant_id=block.get("participant_id"),
                name=block.get("name"),
                reason=block["reason"],
                analog=bool(block.get("analog")),
            )
        )
    reviewed = p.get("block")
    if reviewed:
        block_row = earlier(session, event, RoundBlock, int(reviewed["id"]))
        block_row.principled = reviewed.get("principled")
        session.add(block_row)
    session.flush()


PROJECTIONS: dict[str, Projection] = {
    "proposal_submitted": _proposal_submitted,
    "stage_changed": _stage_changed,
    "proposal_decided": _proposal_decided,
    "wall_page_turned": _wall_page_turned,
    "proposal_settings_changed": _proposal_settings_changed,
    "amendment_proposed": _amendment_proposed,
    "amendment_accepted": _amendment_decided,
    "amendment_rejected": _amendment_decided,
    "round_opened": _round_opened,
    "response_cast": _response_cast,
    "analog_counted": _analog_counted,
    "round_closed": _round_closed,
}
