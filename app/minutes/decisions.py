"""The fold of proposals, friendly amendments and decision rounds into the minutes (pure).

`logic._Fold` inherits these handlers; what they share with it (the moment of the event,
who acted, names and agenda items) is declared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.blocks.diff import diff_summary, diff_text, word_diff
from app.blocks.explain import say_explanation
from app.blocks.round_state import WORDS as ANSWER_WORDS
from app.blocks.tally import OUTCOME_WORDS, PASSES, RESPONSES
from app.i18n import N_, _, translate
from app.minutes import record as r

ROUND_WORDS = {
    "temperature": N_("temperature check"),
    "consensus": N_("call for consensus"),
    "block_review": N_("block review"),
    "minutes": N_("approval of the minutes"),
}
PROPOSAL_OUTCOME_WORDS = {**OUTCOME_WORDS, "tabled": N_("tabled"), "withdrawn": N_("withdrawn")}
STAGE_WORDS = {
    "clarifying_questions": N_("clarifying questions"),
    "concerns": N_("concerns"),
    "amendments": N_("friendly amendments"),
    "temperature_check": N_("temperature check"),
    "consensus_call": N_("call for consensus"),
    "block_discussion": N_("block discussion"),
}


def _word(table: dict[str, str], key: str | None, default: str | None = None) -> str | None:
    """A word of a table marked with N_(), in the language the minutes speak."""
    if key is not None and key in table:
        return translate(table[key])
    return default


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
    own: dict[str, str]  # the assembly's own words for hand kinds and answers (logic.own_words)

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
        presented = _("presented by {name}").format(name=proposal.presenter)
        proposal.history.append(r.Step(self.at, presented))
        self.proposals[proposal.proposal_id] = proposal
        if item is not None:
            item.proposals.append(proposal)

    def on_stage_changed(self, _seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is not None:
            proposal.stage = p["to"]
            proposal.history.append(r.Step(self.at, _word(STAGE_WORDS, p["to"], p["to"]) or ""))

    def on_proposal_settings_changed(self, _seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is not None and "amendments_open" in p:
            what = (
                _("new amendments allowed") if p["amendments_open"] else _("new amendments stopped")
            )
            proposal.history.append(r.Step(self.at, what))

    def on_proposal_decided(self, seq: int, p: Mapping[str, Any]) -> None:
        proposal = self.proposals.get(p["proposal_id"])
        if proposal is None:
            return
        outcome, version = p.get("outcome"), p.get("version")
        proposal.stage, proposal.outcome, proposal.decided = "decided", outcome, self.at
        proposal.outcome_words = _word(PROPOSAL_OUTCOME_WORDS, outcome, outcome)
        proposal.decided_version, proposal.tabled_to = version, p.get("tabled_to")
        proposal.text_decided = proposal.versions.get(version) if version else None
        last = self.last_round.get(proposal.proposal_id)
        if outcome in (*PASSES, "not_enough_support"):  # a round decided it: its arithmetic
            proposal.outcome_line = last.explanation if last and last.outcome == outcome else None
        else:
            self.decided_by_hand(proposal, last, seq)
        decided = _("decided: {outcome}").format(outcome=proposal.outcome_words)
        proposal.history.append(r.Step(self.at, decided))

    def decided_by_hand(self, proposal: r.Proposal, last: r.Round | None, seq: int) -> None:
        """Tabled, withdrawn or blocked by the facilitator: what, and where the rounds left it."""
        if proposal.outcome == "tabled":
            proposal.outcome_line = _("tabled to {name}").format(name=proposal.tabled_to)
            # Derived from the decision, so nobody recorded it (by=None).
            what = _("take up “{title}” (tabled to them)").format(title=proposal.title)
            proposal.actions.append(
                r.ActionItem(seq, self.at, what, proposal.tabled_to, None, None)
            )
        elif proposal.outcome == "withdrawn":
            who = self.name_of(self.actor) or _("the presenter")
            proposal.outcome_line = _("withdrawn by {name}").format(name=who)
        elif proposal.outcome == "blocked":
            proposal.outcome_line = _("blocked: the block stands after block discussion")
        if last is not None:
            before = (
                _("The last round before it, round {number} ({round}, anonymous): {explanation}")
                if last.anonymous
                else _("The last round before it, round {number} ({round}): {explanation}")
            )
            proposal.after_round = before.format(
                number=last.number, round=last.kind_words, explanation=last.explanation
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
                r.Step(
                    self.at,
                    _("amendment by {name} accepted: version {version}").format(
                        name=amendment.by, version=p["version"]
                    ),
                )
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
            kind_words=(
                _("fallback vote") if p.get("fallback") else _word(ROUND_WORDS, p["kind"], "") or ""
            ),
            fallback=bool(p.get("fallback")),
            anonymous=bool(p.get("anonymous")),
            version=int(p.get("version") or 1),
            opened=self.at,
        )
        block = self.blocks.get(p.get("block_id") or 0)
        if row.kind == "block_review" and block is not None:
            row.about_block = (
                _("the block by {name}").format(name=block.name)
                if block.name
                else _("an anonymous block")
            )
        self.rounds[row.round_id] = row
        proposal.rounds.append(row)

    def open_approval(self, p: Mapping[str, Any]) -> None:
        """The assembly asked to approve its minutes (app/blocks/approval.py)."""
        row = r.Round(
            round_id=p["round_id"],
            number=int(p.get("number") or len(self.approvals) + 1),
            kind="minutes",
            kind_words=translate(ROUND_WORDS["minutes"]),
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
                word=self.own.get(f"answer:{value}")
                or _word(ANSWER_WORDS, value, value.replace("_", " "))
                or value,
                phones=int(tally.get(value, 0)) - int(analog.get(value, 0)),
                counted=int(analog.get(value, 0)),
                total=int(tally.get(value, 0)),
            )
            for value in RESPONSES.get(row.kind, tuple(tally))
        ]
        row.total = sum(c.total for c in row.counts)
        row.outcome = p.get("outcome")
        row.outcome_words = _word(OUTCOME_WORDS, row.outcome, row.outcome)
        row.explanation = say_explanation(p.get("explanation")) or None  # the minutes' language
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
            about = row.about_block or _("the block")
            row.about_block = (
                _("{block}: accepted as principled").format(block=about)
                if block.principled
                else _("{block}: not accepted as principled").format(block=about)
            )
        if p.get("proposal_id") is not None:
            self.last_round[p["proposal_id"]] = row
