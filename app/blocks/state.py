"""Reading proposals as the API shows them: stage, versions with diffs, amendments, outcome.

One amendment as the screens show it is read in `app.blocks.amendment_state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.assembly.logic import DecisionRule
from app.assembly.models import AgendaItem
from app.blocks import stages
from app.blocks.amendment_state import AmendmentView, amendment_view
from app.blocks.diff import (
    Piece,
    cached_word_diff,
    diff_summary,
    diff_text,
    word_diff,
)
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.blocks.round_state import RoundView, minutes_round_view, rounds_of, unreviewed_blocks
from app.blocks.tally import OUTCOME_WORDS, ROUND_KINDS
from app.db import Database
from app.errors import DomainError, NotFound
from app.events import head_of
from app.i18n import N_, _, translate


def assembly_of_proposal(*, db: Database, proposal_id: int) -> str:
    with db.read() as session:
        proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("There is no such proposal."), code="proposal_not_found")
    return proposal.assembly_id


def load_proposal(*, db: Database, proposal_id: int) -> dict[str, Any]:
    """GET /api/proposals/{pid}: stage, every version (with what changed), amendments."""
    with db.read() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise NotFound(_("There is no such proposal."), code="proposal_not_found")
        # The seq before the rest (then the proposal again): what is read after is at least as
        # new, so the reply never claims a seq whose change it missed (PostgreSQL).
        seq = head_of(session, proposal.assembly_id)
        session.refresh(proposal)
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
        rounds = [r.as_json() for r in rounds_of(session, proposal_id)]
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
                "changes": diff_text(cached_word_diff(texts.get(a.based_on_version, ""), a.text)),
                "on_presenters_word": a.on_presenters_word,
            }
            for a in amendments
        ],
        "rounds": rounds,
        "max_amendment_rounds": proposal.max_amendment_rounds,
        "seq": seq,
    }


@dataclass(frozen=True)
class ProposalView:
    """The open item's proposal as the three screens show it."""

    id: int
    title: str
    presenter_id: int | None
    presenter_name: str
    working_group: str | None
    stage: str
    outcome: str | None
    tabled_to: str | None
    version: int
    text: str
    changes: tuple[Piece, ...]  # from the previous version; empty for v1
    amendments_open: bool
    max_amendment_rounds: int | None
    pending: tuple[AmendmentView, ...]
    decided_amendments: int
    moves: tuple[str, ...]  # stages the facilitator may move to now
    round_kinds: tuple[str, ...]  # rounds the stage takes now (none while one is open)
    can_fallback: bool
    reviewable: tuple[dict[str, Any], ...]  # blocks a review may be about now
    round: RoundView | None  # the open round, else the latest one
    rounds: tuple[RoundView, ...]
    rule: DecisionRule
    wall_page: int = 1  # the page of a long text the wall shows (the console turns it)

    @property
    def round_open(self) -> bool:
        return self.round is not None and self.round.is_open

    @property
    def amendable(self) -> bool:
        """Can someone propose a friendly amendment now?"""
        try:
            stages.check_amendment_allowed(
                self.stage,
                amendments_open=self.amendments_open,
                rounds_so_far=self.version - 1,
                max_rounds=self.max_amendment_rounds,
            )
        except DomainError:
            return False
        return True

    @property
    def changes_summary(self) -> str:
        """What the last version changed, in the current language (a screen's)."""
        return diff_summary(self.changes) if self.changes else ""

    @property
    def stage_words(self) -> str:
        return STAGE_WORDS[self.stage]

    @property
    def outcome_words(self) -> str | None:
        if self.outcome in SET_ASIDE_WORDS:
            return translate(SET_ASIDE_WORDS[self.outcome])
        words = OUTCOME_WORDS.get(self.outcome or "")
        return translate(words) if words else None

    @property
    def decide_outcomes(self) -> tuple[str, ...]:
        if "decided" not in self.moves:
            return ()
        if self.stage == "block_discussion":
            return stages.DECIDE_BY_HAND
        return stages.DECIDE_BY_HAND[:2]


SET_ASIDE_WORDS = {"tabled": N_("tabled"), "withdrawn": N_("withdrawn")}
STAGE_WORDS = {
    "presented": N_("presented"),
    "clarifying_questions": N_("clarifying questions"),
    "concerns": N_("concerns and support"),
    "amendments": N_("friendly amendments"),
    "temperature_check": N_("temperature check"),
    "consensus_call": N_("call for consensus"),
    "block_discussion": N_("block discussion"),
    "decided": N_("decided"),
}


def open_proposal_view(
    session: Session, assembly_id: str, rule: DecisionRule
) -> ProposalView | None:
    """The proposal of the open agenda item, or None when the open item is not one."""
    proposal = session.exec(
        select(Proposal)
        .join(AgendaItem, col(AgendaItem.id) == col(Proposal.agenda_item_id))
        .where(AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open")
    ).first()
    if proposal is None:
        return None
    pid = proposal.id or 0
    text, changes = _text_and_changes(session, proposal)
    amendments = session.exec(
        select(Amendment).where(Amendment.proposal_id == pid).order_by(col(Amendment.id))
    ).all()
    pending = [amendment_view(a, text) for a in amendments if a.status == "proposed"]
    rounds = rounds_of(session, pid)
    open_now = any(r.is_open for r in rounds)
    round_kinds = () if open_now else _round_kinds(proposal.stage)
    reviewable: tuple[dict[str, Any], ...] = ()
    if "block_review" in round_kinds and rule.block_review_threshold is not None:
        reviewable = tuple(unreviewed_blocks(session, proposal))
    return ProposalView(
        id=pid,
        title=proposal.title,
        presenter_id=proposal.presenter_id,
        presenter_name=proposal.presenter_name,
        working_group=proposal.working_group,
        stage=proposal.stage,
        outcome=proposal.outcome,
        tabled_to=proposal.tabled_to,
        version=proposal.version,
        text=text,
        changes=changes,
        amendments_open=proposal.amendments_open,
        max_amendment_rounds=proposal.max_amendment_rounds,
        pending=tuple(pending),
        decided_amendments=sum(1 for a in amendments if a.status != "proposed"),
        moves=stages.allowed_moves(proposal.stage, round_open=open_now),
        round_kinds=round_kinds,
        can_fallback=_can_fallback(proposal.stage, rounds, rule),
        reviewable=reviewable,
        round=next((r for r in rounds if r.is_open), rounds[-1] if rounds else None),
        rounds=tuple(rounds),
        rule=rule,
        wall_page=proposal.wall_page,
    )


def _text_and_changes(session: Session, proposal: Proposal) -> tuple[str, tuple[Piece, ...]]:
    """The current text and what it changed in the one before (nothing for version 1)."""
    versions = {
        v.number: v.text
        for v in session.exec(
            select(ProposalVersion).where(
                ProposalVersion.proposal_id == proposal.id,
                col(ProposalVersion.number) >= proposal.version - 1,
            )
        )
    }
    text = versions[proposal.version]
    if proposal.version <= 1:
        return text, ()
    return text, cached_word_diff(versions[proposal.version - 1], text)


def _round_kinds(stage: str) -> tuple[str, ...]:
    """The rounds the stage takes, for a console with no round open."""
    return tuple(kind for kind in ROUND_KINDS if _takes(stage, kind))


def _can_fallback(stage: str, rounds: list[RoundView], rule: DecisionRule) -> bool:
    """Can the facilitator call a fallback vote now: in consensus_call after a blocked call,
    under modified consensus, with no round open?"""
    open_now = any(r.is_open for r in rounds)
    blocked = any(r.kind == "consensus" and r.outcome == "blocked" for r in rounds)
    return (
        not open_now and stage == "consensus_call" and blocked and rule.kind == "modified_consensus"
    )


def _takes(stage: str, kind: str) -> bool:
    try:
        stages.check_round_kind(stage, kind)
    except DomainError:
        return False
    return True


@dataclass(frozen=True)
class ItemOutcome:
    """How a proposal item ended, for the agenda lines and the wall's summary of the evening."""

    outcome: str
    words: str
    tabled_to: str | None

    @property
    def line(self) -> str:
        """One line, e.g. "tabled to the Comfort working group"."""
        words = translate(self.words)  # the screen's language (the renderer speaks it)
        if self.tabled_to:
            return _("{words} to {group}").format(words=words, group=self.tabled_to)
        return words

    @property
    def mark(self) -> str:
        """A text symbol beside the line: passed, stopped, or set aside."""
        if self.outcome.startswith("passed"):
            return "✓"
        return "⊘" if self.outcome in ("blocked", "not_enough_support") else "→"


def item_outcomes(session: Session, assembly_id: str) -> dict[int, ItemOutcome]:
    """Decided proposals by agenda item id (one small query: a few rows an evening)."""
    rows = session.exec(
        select(Proposal.agenda_item_id, Proposal.outcome, Proposal.tabled_to)
        .join(AgendaItem, col(AgendaItem.id) == col(Proposal.agenda_item_id))
        .where(AgendaItem.assembly_id == assembly_id, col(Proposal.outcome).is_not(None))
    ).all()
    return {
        item_id: ItemOutcome(outcome, OUTCOME_WORDS.get(outcome, outcome), tabled_to)
        for item_id, outcome, tabled_to in rows
        if item_id is not None and outcome
    }


def load_open_proposal(
    *, db: Database, assembly_id: str, rule: DecisionRule
) -> tuple[ProposalView | None, RoundView | None, int, dict[int, ItemOutcome]]:
    """The open item's proposal, the assembly's latest approval of the minutes, the seq
    both reflect, and how the decided proposal items ended."""
    with db.read() as session:
        # The seq first: on PostgreSQL each statement sees the latest commits, so what is read
        # after it is at least as new; a seq read last could claim a change the rest missed.
        seq = head_of(session, assembly_id)
        return (
            open_proposal_view(session, assembly_id, rule),
            minutes_round_view(session, assembly_id),
            seq,
            item_outcomes(session, assembly_id),
        )
