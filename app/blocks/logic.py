"""Pure rules of a proposal's way through the assembly and of outcome arithmetic.

PROCESS.md "A proposal's way through the assembly" and "Outcome arithmetic": no database,
no clock, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.assembly.logic import DecisionRule, clean_text
from app.errors import Conflict, Invalid
from app.i18n import N_, _, ngettext, translate

DISCUSSION_STAGES = ("clarifying_questions", "concerns", "amendments", "temperature_check")
STAGES = ("presented", *DISCUSSION_STAGES, "consensus_call", "block_discussion", "decided")
AMENDMENT_STAGES = ("concerns", "amendments", "block_discussion")
# Outcomes the facilitator (or presenter, for withdrawn) gives by moving to `decided`.
DECIDE_BY_HAND = ("tabled", "withdrawn", "blocked")
ROUND_KINDS = ("temperature", "consensus", "block_review")
RESPONSES = {
    "temperature": ("up", "sideways", "down"),
    "consensus": ("agree", "stand_aside", "block"),
    "block_review": ("yes", "no"),
    "minutes": ("up", "sideways", "down"),  # approving the minutes (app/blocks/approval.py)
}
REASON_MAX = 1000
AMENDMENT_DECIDED = {
    "accepted": N_("This amendment was already accepted."),
    "rejected": N_("This amendment was already rejected."),
}
ANALOG_MAX = 100_000
PASSES = ("passed", "passed_with_stand_asides", "passed_by_supermajority")
ROUND_OUTCOMES = (*PASSES, "blocked", "not_enough_support", "no_quorum")
PROPOSAL_OUTCOMES = (*PASSES, "not_enough_support", "blocked", "tabled", "withdrawn")
OUTCOME_WORDS = {
    "passed": N_("passed"),
    "passed_with_stand_asides": N_("passed with stand-asides"),
    "passed_by_supermajority": N_("passed by supermajority"),
    "blocked": N_("blocked"),
    "not_enough_support": N_("not enough support"),
    "no_quorum": N_("no quorum"),
    "approved": N_("minutes approved"),
    "not_approved": N_("minutes not approved"),
}


# ---- stages -------------------------------------------------------------------------------


PRESENTER_NAME_MAX = 60


def default_presenter(
    *, working_group: str | None, facilitator_id: int, facilitator_name: str
) -> tuple[int | None, str]:
    """Who presents a proposal put forward without a presenter: its working group when it has
    one (by name: nobody's phone), else the facilitator who put it forward (their phone)."""
    if working_group:
        if len(working_group) > PRESENTER_NAME_MAX:
            working_group = working_group[: PRESENTER_NAME_MAX - 1].rstrip() + "…"
        return None, working_group
    return facilitator_id, facilitator_name


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise Invalid(
            _("A stage is one of: {choices}.").format(choices=", ".join(STAGES)), code="bad_stage"
        )


def _stage_moves(stage: str) -> tuple[str, ...]:
    """PROCESS.md's table of moves, ignoring open rounds."""
    if stage == "decided":
        return ()
    if stage in DISCUSSION_STAGES:
        targets = (*(s for s in DISCUSSION_STAGES if s != stage), "consensus_call")
    else:  # presented, consensus_call (a re-call) and block_discussion all reach these
        targets = (*DISCUSSION_STAGES, "consensus_call")
    return (*targets, "decided")


def allowed_moves(stage: str, *, round_open: bool) -> tuple[str, ...]:
    """The stages a proposal may move to from `stage`; none while a round is open."""
    _check_stage(stage)
    return () if round_open else _stage_moves(stage)


def _decide_outcomes(stage: str) -> tuple[str, ...]:
    return DECIDE_BY_HAND if stage == "block_discussion" else DECIDE_BY_HAND[:2]


def describe_moves(stage: str) -> str:
    """The allowed moves in a sentence, for the 409 and the console."""
    moves = _stage_moves(stage)
    if not moves:
        return _("A decided proposal does not move.")
    named = [
        _("decided ({outcomes})").format(outcomes=_or_list(_decide_outcomes(stage)))
        if m == "decided"
        else m
        for m in moves
    ]
    return _("From {stage} a proposal can move to {moves}.").format(
        stage=stage, moves=_or_list(named)
    )


def _or_list(words: tuple[str, ...] | list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("{words} or {last}").format(words=", ".join(words[:-1]), last=words[-1])


def check_move(
    stage: str,
    to: str,
    *,
    round_open: bool,
    outcome: str | None = None,
    tabled_to: str | None = None,
) -> None:
    """Refuse a stage move PROCESS.md's table does not allow (409 naming the allowed moves).

    Moving to `decided` needs an outcome: `tabled` (with `tabled_to`), `withdrawn`, or
    from `block_discussion` `blocked`. An empty `tabled_to` counts as none.
    """
    _check_stage(stage)
    _check_stage(to)
    if to not in _stage_moves(stage):
        raise Conflict(describe_moves(stage), code="stage_not_allowed")
    if round_open:
        raise Conflict(
            _("A stage cannot change while a round is open; close the round first."),
            code="round_open",
        )
    has_destination = bool(tabled_to and tabled_to.strip())
    if to != "decided":
        if outcome is not None or has_destination:
            raise Invalid(
                _("An outcome is given only when deciding a proposal."), code="outcome_not_expected"
            )
        return
    if outcome is None:
        raise Invalid(
            _("Deciding needs an outcome: {outcomes}.").format(
                outcomes=_or_list(_decide_outcomes(stage))
            ),
            code="outcome_required",
        )
    if outcome not in DECIDE_BY_HAND:
        raise Invalid(
            _("A proposal is decided by hand as {outcomes}.").format(
                outcomes=_or_list(DECIDE_BY_HAND)
            ),
            code="bad_outcome",
        )
    if outcome not in _decide_outcomes(stage):
        raise Conflict(
            _("A block can be upheld only in block discussion.") + " " + describe_moves(stage),
            code="stage_not_allowed",
        )
    if outcome == "tabled" and not has_destination:
        raise Invalid(
            _('Tabling needs a destination: a working group or "a later assembly".'),
            code="tabled_to_required",
        )
    if outcome != "tabled" and has_destination:
        raise Invalid(_("Only a tabled proposal has a destination."), code="outcome_not_expected")


# ---- rounds and amendments -----------------------------------------------------------------


def check_round_kind(
    stage: str,
    kind: str,
    *,
    fallback: bool = False,
    blocked_before: bool = False,
    rule_kind: str | None = None,
) -> None:
    """Refuse a round the stage does not take (409).

    Temperature rounds in any discussion stage, consensus rounds in consensus_call, block
    reviews in block_discussion. A fallback vote is a consensus round under rule
    modified_consensus after a blocked call on this proposal (`blocked_before`).
    """
    _check_stage(stage)
    if kind not in ROUND_KINDS:
        raise Invalid(
            _("A round is one of: {choices}.").format(choices=", ".join(ROUND_KINDS)),
            code="bad_kind",
        )
    where = {
        "temperature": (
            N_("A temperature round is opened in any discussion stage, not in {stage}."),
            DISCUSSION_STAGES,
        ),
        "consensus": (
            N_("A consensus round is opened in consensus_call, not in {stage}."),
            ("consensus_call",),
        ),
        "block_review": (
            N_("A block_review round is opened in block_discussion, not in {stage}."),
            ("block_discussion",),
        ),
    }
    message, stages = where[kind]
    if stage not in stages:
        raise Conflict(
            translate(message).format(stage=stage),
            code="round_not_allowed",
        )
    if not fallback:
        return
    if kind != "consensus":
        raise Conflict(
            _("Only a consensus round can be a fallback vote."), code="fallback_not_allowed"
        )
    if rule_kind != "modified_consensus":
        raise Conflict(
            _(
                "A fallback vote exists only under modified consensus; "
                "under consensus a block stands."
            ),
            code="fallback_not_allowed",
        )
    if not blocked_before:
        raise Conflict(
            _("A fallback vote comes only after a blocked call on this proposal."),
            code="fallback_not_allowed",
        )


def check_amendment_allowed(
    stage: str, *, amendments_open: bool, rounds_so_far: int, max_rounds: int | None
) -> None:
    """Refuse a new friendly amendment the stage or the facilitator does not take now (409)."""
    _check_stage(stage)
    if stage not in AMENDMENT_STAGES:
        raise Conflict(
            _("Friendly amendments are proposed in {stages}, not in {stage}.").format(
                stages=_or_list(AMENDMENT_STAGES), stage=stage
            ),
            code="amendment_not_allowed",
        )
    if not amendments_open:
        raise Conflict(_("The facilitator has stopped new amendments."), code="amendments_closed")
    check_amendment_cap(accepted=rounds_so_far, max_rounds=max_rounds)


def check_waiting_amendments(*, waiting: int, most: int) -> None:
    """One person has at most `most` amendments waiting on a proposal: the presenter reads each
    one aloud, so more from one phone would only crowd the others out (409)."""
    if waiting >= most:
        raise Conflict(
            ngettext(
                "You have {num} amendment waiting; wait for the presenter to take them up.",
                "You have {num} amendments waiting; wait for the presenter to take them up.",
                waiting,
            ).format(num=waiting),
            code="amendments_waiting",
        )


def check_amendment_cap(*, accepted: int, max_rounds: int | None) -> None:
    """With a cap on amendment rounds, each accepted amendment uses one (409 when used up)."""
    if max_rounds is not None and accepted >= max_rounds:
        raise Conflict(
            _("This proposal allows {num} amendment round(s); they have been used.").format(
                num=max_rounds
            ),
            code="amendment_rounds_used",
        )


def check_amendment_decision(stage: str, *, round_open: bool, status: str = "proposed") -> None:
    """Accepting or rejecting an amendment: only a pending one, with no round open (409)."""
    _check_stage(stage)
    if status != "proposed":
        raise Conflict(
            translate(
                AMENDMENT_DECIDED.get(status, N_("This amendment was already {status}."))
            ).format(status=status),
            code="amendment_decided",
        )
    if stage == "decided":
        raise Conflict(_("The proposal is decided; its text no longer changes."), code="decided")
    if round_open:
        raise Conflict(
            _("Amendments are accepted or rejected when no round is open."), code="round_open"
        )


def check_response(kind: str, value: str, reason: str | None) -> str | None:
    """Check an answer; returns the reason to keep (trimmed), or None.

    A block needs a reason of 1–1000 characters; a stand-aside may give one; other answers
    keep none.
    """
    if kind not in RESPONSES:
        raise Invalid(
            _("A round is one of: {choices}.").format(choices=", ".join(ROUND_KINDS)),
            code="bad_kind",
        )
    if value not in RESPONSES[kind]:
        raise Invalid(
            _("An answer here is one of: {choices}.").format(choices=", ".join(RESPONSES[kind])),
            code="bad_value",
        )
    text = (reason or "").strip()
    if value == "block" and not text:
        raise Invalid(
            _("A block needs a reason: a serious moral, ethical or safety objection."),
            code="reason_required",
        )
    if value not in ("block", "stand_aside"):
        return None
    if len(text) > REASON_MAX:
        raise Invalid(
            _("A reason can be at most {reason_max} characters.").format(reason_max=REASON_MAX),
            code="reason_too_long",
        )
    return text or None


def describe_counts(kind: str, counts: Mapping[str, int]) -> str:
    """ "12 up, 3 sideways, 1 down" — every answer of the kind, zeros included."""
    return ", ".join(f"{counts.get(v, 0)} {v.replace('_', ' ')}" for v in RESPONSES[kind])


def check_analog(
    kind: str, counts: Mapping[str, Any], blocks: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Counted hands per answer, and a name and a reason for every counted block (422)."""
    allowed = RESPONSES[kind]
    clean: dict[str, int] = {}
    for value, n in counts.items():
        if value not in allowed:
            raise Invalid(
                _("Counts are given for: {choices}.").format(choices=", ".join(allowed)),
                code="bad_value",
            )
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= ANALOG_MAX:
            raise Invalid(
                _("A count is a whole number from 0 to {analog_max:,}.").format(
                    analog_max=ANALOG_MAX
                ),
                code="bad_count",
            )
        if n:
            clean[value] = n
    named: list[dict[str, str]] = []
    for block in blocks:
        if kind != "consensus":
            raise Invalid(_("Only a call for consensus has blocks."), code="block_not_expected")
        name = clean_text(str(block.get("name") or ""), field="name", max_len=60)
        reason = check_response("consensus", "block", block.get("reason"))
        named.append({"name": name, "reason": reason or ""})
    if named and "block" not in counts:
        clean["block"] = len(named)
    if clean.get("block", 0) != len(named):
        raise Invalid(
            _("Every counted block needs a name and a reason, one entry per block."),
            code="analog_block_unnamed",
        )
    return clean, named


# ---- outcome arithmetic --------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Answers to a call, phones and analog together; unprincipled blocks count as S."""

    agree: int = 0
    stand_aside: int = 0
    block: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Tally:
        """From a flat `{value: n}` as in API.md."""
        return cls(counts.get("agree", 0), counts.get("stand_aside", 0), counts.get("block", 0))

    @property
    def total(self) -> int:
        return self.agree + self.stand_aside + self.block

    def __add__(self, other: Tally) -> Tally:
        """Phone answers plus analog counts."""
        return Tally(
            self.agree + other.agree,
            self.stand_aside + other.stand_aside,
            self.block + other.block,
        )

    def with_unprincipled(self, n: int) -> Tally:
        """`n` blocks not accepted as principled now count as stand-asides."""
        if not 0 <= n <= self.block:
            raise ValueError(f"cannot move {n} of {self.block} blocks")
        return Tally(self.agree, self.stand_aside + n, self.block - n)

    def describe(self) -> str:
        """ "27 agree, 2 block" — agree always, the others when there are any."""
        parts = [f"{self.agree} agree"]
        if self.stand_aside:
            parts.append(f"{self.stand_aside} stand aside")
        if self.block:
            parts.append(f"{self.block} block")
        return ", ".join(parts)


@dataclass(frozen=True)
class Decision:
    """A call's outcome and the arithmetic that led to it, in one line for people."""

    outcome: str
    explanation: str

    @property
    def passed(self) -> bool:
        return self.outcome in PASSES


def percent(value: Fraction, against: Fraction | None = None) -> str:
    """A share as a percent, with decimals only when needed to tell it from `against`."""
    digits = 0
    if against is not None and value != against:
        while digits < 6 and round(value * 100, digits) == round(against * 100, digits):
            digits += 1
    return f"{float(round(value * 100, digits)):.{digits}f}%"


def _share(part: int, whole: int, bar: Fraction) -> tuple[bool, str]:
    """Whether part/whole reaches bar, and "9/21 = 43% ≥ 33%"."""
    share = Fraction(part, whole)
    reached = share >= bar
    return reached, f"{part}/{whole} = {percent(share, bar)} {'≥' if reached else '<'} " + (
        percent(bar, share)
    )


def _quorum_needed(rule: DecisionRule, headcount: int | None) -> tuple[int, str] | None:
    """The fewest answers that make quorum, and how to say it; None when no quorum is set."""
    needs: list[tuple[int, str]] = []
    if rule.quorum_count is not None:
        needs.append((rule.quorum_count, f"quorum {rule.quorum_count}"))
    if rule.quorum_share is not None and headcount is not None:
        least = math.ceil(rule.quorum_share * headcount)
        share = f"{rule.quorum_share.numerator}/{rule.quorum_share.denominator}"
        needs.append((least, f"quorum {least} ({share} of headcount {headcount})"))
    return max(needs) if needs else None


def decide(tally: Tally, rule: DecisionRule, *, fallback: bool, headcount: int | None) -> Decision:
    """The outcome of a consensus round, checked in PROCESS.md's order.

    A quorum given as a share of headcount is checked only when a headcount is known.
    """
    if fallback and rule.kind != "modified_consensus":
        raise Conflict(
            _("A fallback vote exists only under modified consensus."), code="fallback_not_allowed"
        )
    a, s, b, n = tally.agree, tally.stand_aside, tally.block, tally.total
    if n == 0:
        return Decision("no_quorum", "no quorum: no answers")
    quorum = _quorum_needed(rule, headcount)
    if quorum is not None and n < quorum[0]:
        answers = "1 answer" if n == 1 else f"{n} answers"
        return Decision("no_quorum", f"no quorum: {answers}, {quorum[1]}")

    steps: list[str] = []
    if b > 0:
        if not fallback:
            stands = "a block stands" if b == 1 else "blocks stand"
            return Decision("blocked", f"{tally.describe()}: {stands} → blocked")
        reached, text = _share(a, n if rule.count_stand_asides else a + b, rule.threshold)
        steps.append(text)
        if not reached:
            return _decision("not_enough_support", tally, steps)
    if rule.stand_aside_limit is not None:
        reached, text = _share(s, n, rule.stand_aside_limit)
        if reached or s:  # "0/10 = 0% < 33%" would say nothing
            steps.append(f"stand-asides {text}")
        if reached:
            return _decision("not_enough_support", tally, steps)
    if b > 0:
        return _decision("passed_by_supermajority", tally, steps)
    return _decision("passed_with_stand_asides" if s else "passed", tally, steps)


def _decision(outcome: str, tally: Tally, steps: list[str]) -> Decision:
    reasons = f": {'; '.join(steps)}" if steps else ""
    return Decision(outcome, f"{tally.describe()}{reasons} → {OUTCOME_WORDS[outcome]}")


def next_stage_after(outcome: str, *, fallback: bool) -> str:
    """Where closing a consensus round leaves the proposal."""
    if outcome in PASSES:
        return "decided"
    if outcome == "blocked":
        return "block_discussion"
    if outcome == "not_enough_support" and fallback:
        return "decided"
    if outcome in ("not_enough_support", "no_quorum"):
        return "consensus_call"  # the facilitator's next move
    raise ValueError(f"not a round outcome: {outcome!r}")


def block_review_accepts(yes: int, no: int, threshold: Fraction) -> bool:
    """Is the block principled? Yes when yes/(yes + no) reaches the threshold.

    With no answers at all the block stands: nobody has found it unprincipled.
    """
    return yes + no == 0 or Fraction(yes, yes + no) >= threshold


def explain_block_review(yes: int, no: int, threshold: Fraction) -> str:
    """ "9 yes, 3 no: 9/12 = 75% ≥ 75% → accepted as principled"."""
    accepted = block_review_accepts(yes, no, threshold)
    words = "accepted as principled" if accepted else "not accepted as principled"
    if yes + no == 0:
        return f"no answers → {words}"
    return f"{yes} yes, {no} no: {_share(yes, yes + no, threshold)[1]} → {words}"
