"""The tally arithmetic: the answers a round takes and the outcome they add up to.

docs/process.md "How a call is decided": counting answers (phones and analog counts), consensus and
modified consensus, fallback votes, quorum, stand-asides, blocks and their review. Pure: no
database, no clock, no I/O. Where an outcome leaves the proposal is in `app.blocks.stages`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.assembly.logic import DecisionRule, clean_text
from app.errors import Conflict, Invalid
from app.i18n import N_, _

ROUND_KINDS = ("temperature", "consensus", "block_review")
RESPONSES = {
    "temperature": ("up", "sideways", "down"),
    "consensus": ("agree", "stand_aside", "block"),
    "block_review": ("yes", "no"),
    "minutes": ("up", "sideways", "down"),  # approving the minutes (app/blocks/approval.py)
}
REASON_MAX = 1000
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


# ---- answers ---------------------------------------------------------------------------------


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
    # In the kind's own order, whatever order they came in: the log keeps no order (its
    # payloads are stored with sorted keys), so a replay writes the same row (`in_order`).
    return in_order(kind, clean), named


def in_order(kind: str, counts: Mapping[str, int]) -> dict[str, int]:
    """Counts in the order of the kind's answers (`RESPONSES`), leaving out what is absent."""
    return {value: counts[value] for value in RESPONSES[kind] if value in counts}


# ---- outcome arithmetic ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Answers to a call, phones and analog together; unprincipled blocks count as S."""

    agree: int = 0
    stand_aside: int = 0
    block: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Tally:
        """From a flat `{value: n}` as in docs/api.md."""
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
    """The outcome of a consensus round, checked in docs/process.md's order.

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
