"""Reading proposals as the API shows them: stage, versions with diffs, amendments, outcome."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.blocks.diff import diff_summary, diff_text, word_diff
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.db import Database
from app.errors import NotFound
from app.events import head_of


def assembly_of_proposal(*, db: Database, proposal_id: int) -> str:
    with db.read() as session:
        proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("There is no such proposal.", code="proposal_not_found")
    return proposal.assembly_id


def assembly_of_amendment(*, db: Database, amendment_id: int) -> str:
    with db.read() as session:
        amendment = session.get(Amendment, amendment_id)
        proposal = session.get(Proposal, amendment.proposal_id) if amendment else None
    if proposal is None:
        raise NotFound("There is no such amendment.", code="amendment_not_found")
    return proposal.assembly_id


def load_proposal(*, db: Database, proposal_id: int) -> dict[str, Any]:
    """GET /api/proposals/{pid}: stage, every version (with what changed), amendments."""
    with db.read() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise NotFound("There is no such proposal.", code="proposal_not_found")
        versions = session.exec(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal_id)
            .order_by(col(ProposalVersion.number))
        ).all()
        amendments = session.exec(
            select(Amendment)
            .where(Amendment.proposal_id == proposal_id)
            .order_by(col(Amendment.id))
        ).all()
        seq = head_of(session, proposal.assembly_id)
    texts = {v.number: v.text for v in versions}
    listed = []
    for v in versions:
        entry: dict[str, Any] = {"number": v.number, "text": v.text, "amendment_id": v.amendment_id}
        if v.number > 1:
            pieces = word_diff(texts[v.number - 1], v.text)
            entry["changes"] = {"summary": diff_summary(pieces), "text": diff_text(pieces)}
        listed.append(entry)
    return {
        "id": proposal.id,
        "assembly_id": proposal.assembly_id,
        "agenda_item_id": proposal.agenda_item_id,
        "title": proposal.title,
        "presenter": {"participant_id": proposal.presenter_id, "name": proposal.presenter_name},
        "working_group": proposal.working_group,
        "stage": proposal.stage,
        "outcome": proposal.outcome,
        "tabled_to": proposal.tabled_to,
        "amendments_open": proposal.amendments_open,
        "version": proposal.version,
        "text": texts[proposal.version],
        "versions": listed,
        "amendments": [
            {
                "id": a.id,
                "by": {"participant_id": a.proposer_id, "name": a.proposer_name},
                "text": a.text,
                "rationale": a.rationale,
                "status": a.status,
                "based_on_version": a.based_on_version,
                "changes": diff_text(word_diff(texts.get(a.based_on_version, ""), a.text)),
                "on_presenters_word": a.on_presenters_word,
            }
            for a in amendments
        ],
        "rounds": [],
        "seq": seq,
    }
