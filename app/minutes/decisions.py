"""The fold of proposals, friendly amendments and decision rounds into the minutes (pure).

`logic._Fold` inherits these handlers; what they share with it (the moment of the event,
who acted, names and agenda items) is declared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.blocks.diff import diff_summary, diff_text, word_diff
from app.blocks.logic import OUTCOME_WORDS, PASSES, RESPONSES
from app.minutes import record as r

ROUND_WORDS = {
    "temperature": "temperature check",
    "consensus": "call for consensus",
    "block_review": "block review",
    "minutes": "approval of the minutes",
}
PROPOSAL_OUTCOME_WORDS = {**OUTCOME_WORDS, "tabled": "tabled", "withdrawn": "withdrawn"}
STAGE_WORDS = {
    "clarifying_questions": "clarifying questions",
    "concerns": "concerns",
    "amendments": "friendly amendments",
    "temperature_check": "temperature check",
    "consensus_call": "call for consensus",
    "block_discussion": "block discussion",
}


class DecisionFold:
    """Handlers of proposal, amendment and round events; state shared with the whole fold."""

    at: r.Moment
    actor: int | None
    names: dict[int, str]
    items: dict[int, r.Item]
    proposals: dict[int, r.Proposal]
    amendments: dict[int, r.Amendment]
    rounds: dict[int, r.Round]
    blocks: dict[int, r.Block]
    approvals: list[r.Round]
    last_round: dict[int, r.Round]  # proposal -> the round closed last

    def name_of(self, participant_id: int | None) -> str | None:
        return None if participant_id is None else self.names.get(participant_id)

    def item(self, item_id: int | None) -> r.Item | None:
        return None if item_id is None else self.items.get(item_id)

    def add_item(self, item_id: int, position: int, title: str, kind: str, **more: Any) -> r.Item:
        item = r.Item(item_id, position, str(position), title, kind, **more)
        self.items[item_id] = item
        return item

    # -- proposals and amendments --

    def on_proposal_submitted(self, _seq: int, p: Mapping[str, Any]) -> None:
        item = self.item(p.get("agenda_item_id"))
        if item is None and p.get("agenda_item_id") is not None:
            # Made with its proposal: no agenda_item_added event, so no time box on record.
            position = max((i.position for i in self.items.values()), default=0) + 1
            item = self.add_item(
                p["agenda_item_id"],
                position,
                p["title"],
                "proposal",
                working_group=p.get("working_group"),
                time_box_minutes=None,
            )
        proposal = r.Proposal(
            proposal_id=p["proposal_id"],
            title=p["title"],
            presenter=p.get("presenter_name") or self.name_of(p.get("presenter_id")) or "",
            working_group=p.get("working_group"),
            submitted=self.at,
            text_presented=p["text"],
            versions={1: p["text"]},
        )
        proposal.history.append(r.Step(self.at, f"presented by {proposal.presenter}"))
        self.proposals[proposal.proposal_id] = proposal
        if item is not None:
            item.proposals.append(proposal)

    def on_stage_changed(self, _seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is not None:
            proposal.stage = p["to"]
            proposal.history.append(r.Step(self.at, STAGE_WORDS.get(p["to"], p["to"])))

    def on_proposal_settings_changed(self, _seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is not None and "amendments_open" in p:
            what = "new amendments allowed" if p["amendments_open"] else "new amendments stopped"
            proposal.history.append(r.Step(self.at, what))

    def on_proposal_decided(self, seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is None:
            return
        outcome, version = p.get("outcome"), p.get("version")
        proposal.stage, proposal.outcome, proposal.decided = "decided", outcome, self.at
        proposal.outcome_words = PROPOSAL_OUTCOME_WORDS.get(outcome or "", outcome)
        proposal.decided_version, proposal.tabled_to = version, p.get("tabled_to")
        proposal.text_decided = proposal.versions.get(version) if version else None
        last = self.last_round.get(proposal.proposal_id)
        if outcome in (*PASSES, "not_enough_support"):  # a round decided it: its arithmetic
            proposal.outcome_line = last.explanation if last and last.outcome == outcome else None
        else:
            self.decided_by_hand(proposal, last, seq)
        proposal.history.append(r.Step(self.at, f"decided: {proposal.outcome_words}"))

    def decided_by_hand(self, proposal: r.Proposal, last: r.Round | None, seq: int) -> None:
        """Tabled, withdrawn or blocked by the facilitator: what, and where the rounds left it."""
        if proposal.outcome == "tabled":
            proposal.outcome_line = f"tabled to {proposal.tabled_to}"
            # Derived from the decision, so nobody recorded it (by=None).
            what = f"take up “{proposal.title}” (tabled to them)"
            proposal.actions.append(
                r.ActionItem(seq, self.at, what, proposal.tabled_to, None, None)
            )
        elif proposal.outcome == "withdrawn":
            proposal.outcome_line = f"withdrawn by {self.name_of(self.actor) or 'the presenter'}"
        elif proposal.outcome == "blocked":
            proposal.outcome_line = "blocked: the block stands after block discussion"
        if last is not None:
            proposal.after_round = (
                f"The last round before it, round {last.number} ({last.kind_words}"
                f"{', anonymous' if last.anonymous else ''}): {last.explanation}"
            )

    def on_amendment_proposed(self, _seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is None:
            return
        based_on = int(p.get("based_on_version") or 1)
        pieces = word_diff(proposal.versions.get(based_on, ""), p["text"])
        amendment = r.Amendment(
            amendment_id=p["amendment_id"],
            by=p.get("by") or "",
            text=p["text"],
            rationale=p.get("rationale"),
            based_on_version=based_on,
            proposed=self.at,
            fate="open",
            diff=diff_text(pieces),
            diff_pieces=[(piece.op, piece.text) for piece in pieces],
            diff_summary=diff_summary(pieces),
        )
        self.amendments[amendment.amendment_id] = amendment
        proposal.amendments.append(amendment)

    def decide_amendment(self, p: Mapping[str, Any], fate: str) -> r.Amendment | None:
        amendment = self.amendments.get(p["amendment_id"])
        if amendment is not None:
            amendment.fate, amendment.decided = fate, self.at
            amendment.decided_by = self.name_of(self.actor)
            amendment.on_presenters_word = bool(p.get("on_presenters_word"))
        return amendment

    def on_amendment_accepted(self, _seq: int, p: Mapping[str, Any]) -> None:
        amendment = self.decide_amendment(p, "accepted")
        proposal = self.proposals.get(p["proposal_id"])
        if amendment is not None and proposal is not None and p.get("version"):
            amendment.version = int(p["version"])
            proposal.versions[amendment.version] = amendment.text
            proposal.history.append(
                r.Step(self.at, f"amendment by {amendment.by} accepted: version {p['version']}")
            )

    def on_amendment_rejected(self, _seq: int, p: Mapping[str, Any]) -> None:
        self.decide_amendment(p, "rejected")

    # -- rounds --

    def on_round_opened(self, _seq: int, p: Mapping[str, Any]) -> None:
        if p.get("proposal_id") is None and p.get("kind") == "minutes":
            self.open_approval(p)
            return
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is None:
            return
        row = r.Round(
            round_id=p["round_id"],
            number=int(p.get("number") or len(proposal.rounds) + 1),
            kind=p["kind"],
            kind_words=("fallback vote" if p.get("fallback") else ROUND_WORDS.get(p["kind"], "")),
            fallback=bool(p.get("fallback")),
            anonymous=bool(p.get("anonymous")),
            version=int(p.get("version") or 1),
            opened=self.at,
        )
        block = self.blocks.get(p.get("block_id") or 0)
        if row.kind == "block_review" and block is not None:
            row.about_block = f"the block by {block.name}" if block.name else "an anonymous block"
        self.rounds[row.round_id] = row
        proposal.rounds.append(row)

    def open_approval(self, p: Mapping[str, Any]) -> None:
        """The assembly asked to approve its minutes (app/minutes/approval.py)."""
        row = r.Round(
            round_id=p["round_id"],
            number=int(p.get("number") or len(self.approvals) + 1),
            kind="minutes",
            kind_words=ROUND_WORDS["minutes"],
            fallback=False,
            anonymous=bool(p.get("anonymous")),
            version=0,
            opened=self.at,
        )
        self.rounds[row.round_id] = row
        self.approvals.append(row)

    def on_round_closed(self, _seq: int, p: Mapping[str, Any]) -> None:
        row = self.rounds.get(p["round_id"])
        if row is None:
            return
        tally, analog = p.get("tally") or {}, p.get("analog") or {}
        row.closed, row.by_deadline = self.at, bool(p.get("by_deadline"))
        row.counts = [
            r.Count(
                value=value,
                word=value.replace("_", " "),
                phones=int(tally.get(value, 0)) - int(analog.get(value, 0)),
                counted=int(analog.get(value, 0)),
                total=int(tally.get(value, 0)),
            )
            for value in RESPONSES.get(row.kind, tuple(tally))
        ]
        row.total = sum(c.total for c in row.counts)
        row.outcome = p.get("outcome")
        row.outcome_words = OUTCOME_WORDS.get(row.outcome or "", row.outcome)
        row.explanation = p.get("explanation")
        anonymous = row.anonymous or bool(p.get("anonymous"))
        for b in p.get("blocks") or []:
            kept = r.Block(
                block_id=b.get("id"),
                name=None if anonymous else b.get("name"),
                reason=b.get("reason") or "",
                counted=bool(b.get("analog")),
            )
            row.blocks.append(kept)
            if kept.block_id is not None:
                self.blocks[kept.block_id] = kept
        row.stand_asides = [
            r.StandAside(None if anonymous else s.get("name"), s.get("reason"))
            for s in p.get("stand_asides") or []
        ]
        row.counted_stand_asides = int(analog.get("stand_aside", 0))
        reviewed = p.get("block") or {}
        block = self.blocks.get(reviewed.get("id") or 0)
        if block is not None:
            block.principled = reviewed.get("principled")
            verdict = "accepted as principled" if block.principled else "not accepted as principled"
            row.about_block = f"{row.about_block or 'the block'}: {verdict}"
        if p.get("proposal_id") is not None:
            self.last_round[p["proposal_id"]] = row
