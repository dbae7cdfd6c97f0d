"""The tally arithmetic (app/blocks/tally.py): answers, outcome rules (consensus, modified
consensus, fallback votes, quorum, stand-asides, blocks) and block reviews."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.assembly.logic import DecisionRule, parse_decision_rule
from app.blocks.tally import (
    OUTCOME_WORDS,
    PASSES,
    RESPONSES,
    Tally,
    block_review_accepts,
    check_analog,
    check_response,
    decide,
    explain_block_review,
    percent,
)
from app.errors import Conflict, Invalid

OWS = DecisionRule()  # modified consensus, 9/10 of agree + block
CONSENSUS = DecisionRule(kind="consensus")
SEATTLE = DecisionRule(threshold=F(4, 5), stand_aside_limit=F(1, 3))
BELLINGHAM = DecisionRule(threshold=F(4, 5), count_stand_asides=True)
DEMO = parse_decision_rule(
    {"kind": "modified_consensus", "threshold": "9/10", "stand_aside_limit": "1/3"}
)


# ---- answers --------------------------------------------------------------------------------


def test_the_answers_of_each_round_kind() -> None:
    assert RESPONSES == {
        "temperature": ("up", "sideways", "down"),
        "consensus": ("agree", "stand_aside", "block"),
        "block_review": ("yes", "no"),
        "minutes": ("up", "sideways", "down"),  # approving the minutes: temperature-style
    }


@pytest.mark.parametrize(
    ("kind", "value", "reason", "kept"),
    [
        ("consensus", "block", "  It endangers the camp.  ", "It endangers the camp."),
        ("consensus", "block", "x" * 1000, "x" * 1000),
        ("consensus", "stand_aside", None, None),
        ("consensus", "stand_aside", "  ", None),
        ("consensus", "stand_aside", "I will not help with it.", "I will not help with it."),
        ("consensus", "agree", "yes!", None),
        ("temperature", "sideways", None, None),
        ("block_review", "no", None, None),
    ],
)
def test_answers_keep_a_reason_only_for_blocks_and_stand_asides(
    kind: str, value: str, reason: str | None, kept: str | None
) -> None:
    assert check_response(kind, value, reason) == kept


@pytest.mark.parametrize(
    ("kind", "value", "reason", "code"),
    [
        ("consensus", "block", None, "reason_required"),
        ("consensus", "block", " \n ", "reason_required"),
        ("consensus", "block", "x" * 1001, "reason_too_long"),
        ("consensus", "stand_aside", "x" * 1001, "reason_too_long"),
        ("consensus", "up", None, "bad_value"),
        ("temperature", "block", "no", "bad_value"),
        ("block_review", "maybe", None, "bad_value"),
        ("straw_poll", "yes", None, "bad_kind"),
    ],
)
def test_block_without_reason_and_bad_answers_are_rejected(
    kind: str, value: str, reason: str | None, code: str
) -> None:
    with pytest.raises(Invalid) as info:
        check_response(kind, value, reason)
    assert info.value.code == code


# ---- outcome arithmetic: one row per rule ---------------------------------------------------

OUTCOMES = [
    # name, tally, rule, fallback, headcount, outcome, explanation (None: not checked here)
    ("9/10 passes at exactly 9 of 10", Tally(9, 0, 1), OWS, True, None,
     "passed_by_supermajority", "9 agree, 1 block: 9/10 = 90% ≥ 90% → passed by supermajority"),
    ("8 of 9 fails", Tally(8, 0, 1), OWS, True, None,
     "not_enough_support", "8 agree, 1 block: 8/9 = 89% < 90% → not enough support"),
    ("process.md's example", Tally(27, 0, 2), OWS, True, None,
     "passed_by_supermajority", "27 agree, 2 block: 27/29 = 93% ≥ 90% → passed by supermajority"),
    ("stand-asides left out of support", Tally(18, 10, 2), OWS, True, None,
     "passed_by_supermajority", "18 agree, 10 stand aside, 2 block: 18/20 = 90% ≥ 90% → "
     "passed by supermajority"),
    ("Bellingham 4/5 counting stand-asides, exactly", Tally(16, 3, 1), BELLINGHAM, True, None,
     "passed_by_supermajority", "16 agree, 3 stand aside, 1 block: 16/20 = 80% ≥ 80% → "
     "passed by supermajority"),
    ("Bellingham one short", Tally(15, 4, 1), BELLINGHAM, True, None,
     "not_enough_support", "15 agree, 4 stand aside, 1 block: 15/20 = 75% < 80% → "
     "not enough support"),
    ("same answers without counting stand-asides", Tally(15, 4, 1),
     replace(BELLINGHAM, count_stand_asides=False), True, None, "passed_by_supermajority", None),
    ("Seattle 1/3 stand-aside limit reached exactly", Tally(20, 10, 0), SEATTLE, False, None,
     "not_enough_support", "20 agree, 10 stand aside: stand-asides 10/30 = 33% ≥ 33% → "
     "not enough support"),
    ("Seattle just under the limit", Tally(21, 10, 0), SEATTLE, False, None,
     "passed_with_stand_asides", "21 agree, 10 stand aside: stand-asides 10/31 = 32% < 33% → "
     "passed with stand-asides"),
    ("Seattle 4/5 fallback", Tally(8, 0, 2), SEATTLE, True, None, "passed_by_supermajority",
     "8 agree, 2 block: 8/10 = 80% ≥ 80% → passed by supermajority"),
    ("quorum one short (count)", Tally(20, 4, 0), replace(OWS, quorum_count=25), False, None,
     "no_quorum", "no quorum: 24 answers, quorum 25"),
    ("quorum met exactly (count)", Tally(21, 4, 0), replace(OWS, quorum_count=25), False, None,
     "passed_with_stand_asides", "21 agree, 4 stand aside → passed with stand-asides"),
    ("quorum one short (share of headcount)", Tally(24, 0, 0), replace(OWS, quorum_share=F(1, 2)),
     False, 50, "no_quorum", "no quorum: 24 answers, quorum 25 (1/2 of headcount 50)"),
    ("quorum met (share of headcount)", Tally(25, 0, 0), replace(OWS, quorum_share=F(1, 2)),
     False, 50, "passed", "25 agree → passed"),
    ("a share of an odd headcount rounds up", Tally(25, 0, 0), replace(OWS, quorum_share=F(1, 2)),
     False, 51, "no_quorum", "no quorum: 25 answers, quorum 26 (1/2 of headcount 51)"),
    ("no headcount known: a share cannot be checked", Tally(3, 0, 0),
     replace(OWS, quorum_share=F(1, 2)), False, None, "passed", "3 agree → passed"),
    ("issue's quorum example", Tally(20, 0, 0), replace(OWS, quorum_count=25), False, None,
     "no_quorum", "no quorum: 20 answers, quorum 25"),
    ("N = 0", Tally(0, 0, 0), OWS, False, None, "no_quorum", "no quorum: no answers"),
    ("N = 0 in a fallback", Tally(0, 0, 0), OWS, True, 100, "no_quorum", "no quorum: no answers"),
    ("first call with a block, modified consensus", Tally(22, 3, 1), OWS, False, None,
     "blocked", "22 agree, 3 stand aside, 1 block: a block stands → blocked"),
    ("first call with blocks, consensus", Tally(40, 0, 2), CONSENSUS, False, None,
     "blocked", "40 agree, 2 block: blocks stand → blocked"),
    ("a block accepted as principled stands", Tally(22, 3, 1).with_unprincipled(0), OWS, False,
     None, "blocked", None),
    ("a block not accepted as principled is a stand-aside", Tally(22, 3, 1).with_unprincipled(1),
     OWS, False, None, "passed_with_stand_asides",
     "22 agree, 4 stand aside → passed with stand-asides"),
    ("analog + phone counts combined", Tally(20, 2, 0) + Tally(5, 1, 1), OWS, True, None,
     "passed_by_supermajority", "25 agree, 3 stand aside, 1 block: 25/26 = 96% ≥ 90% → "
     "passed by supermajority"),
    ("a fallback vote without blocks is a plain pass", Tally(30, 0, 0), OWS, True, None,
     "passed", "30 agree → passed"),
    ("demo: Winter tents, first call", Tally(22, 3, 1), DEMO, False, 140, "blocked", None),
    ("demo: Winter tents, fallback vote", Tally(24, 3, 1), DEMO, True, 140,
     "passed_by_supermajority", "24 agree, 3 stand aside, 1 block: 24/25 = 96% ≥ 90%; "
     "stand-asides 3/28 = 11% < 33% → passed by supermajority"),
    ("demo: Drumming hours", Tally(12, 9, 0), DEMO, False, 140, "not_enough_support",
     "12 agree, 9 stand aside: stand-asides 9/21 = 43% ≥ 33% → not enough support"),
    ("rounding never shows 90% < 90%", Tally(179, 0, 20), OWS, True, None, "not_enough_support",
     "179 agree, 20 block: 179/199 = 89.9% < 90.0% → not enough support"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tally", "rule", "fallback", "headcount", "outcome", "explanation"),
    [pytest.param(*row[1:], id=str(row[0])) for row in OUTCOMES],
)
def test_outcome_arithmetic(
    tally: Tally,
    rule: DecisionRule,
    fallback: bool,
    headcount: int | None,
    outcome: str,
    explanation: str | None,
) -> None:
    decision = decide(tally, rule, fallback=fallback, headcount=headcount)
    assert decision.outcome == outcome
    assert decision.passed == (outcome in PASSES)
    if explanation is not None:
        assert decision.explanation == explanation


def test_a_fallback_vote_under_consensus_is_refused() -> None:
    with pytest.raises(Conflict):
        decide(Tally(9, 0, 1), CONSENSUS, fallback=True, headcount=None)


def test_a_block_can_dilute_the_stand_aside_share_in_a_fallback_vote() -> None:
    """docs/process.md's order as written: S / N counts blocks in N, so one more block can pass
    it."""
    assert decide(Tally(20, 10, 0), SEATTLE, fallback=True, headcount=None).outcome == (
        "not_enough_support"
    )
    assert decide(Tally(20, 10, 1), SEATTLE, fallback=True, headcount=None).passed


@pytest.mark.parametrize(
    ("yes", "no", "accepted", "explanation"),
    [
        (9, 3, True, "9 yes, 3 no: 9/12 = 75% ≥ 75% → accepted as principled"),
        (8, 4, False, "8 yes, 4 no: 8/12 = 67% < 75% → not accepted as principled"),
        (0, 0, True, "no answers → accepted as principled"),
        (0, 5, False, "0 yes, 5 no: 0/5 = 0% < 75% → not accepted as principled"),
    ],
)
def test_a_block_below_the_review_threshold_is_not_accepted_as_principled(
    yes: int, no: int, accepted: bool, explanation: str
) -> None:
    assert block_review_accepts(yes, no, F(3, 4)) is accepted
    assert explain_block_review(yes, no, F(3, 4)) == explanation


def test_tally_moves_unprincipled_blocks_and_reads_flat_counts() -> None:
    tally = Tally.from_counts({"agree": 22, "stand_aside": 3, "block": 2})
    assert tally.with_unprincipled(2) == Tally(22, 5, 0)
    assert tally.total == 27
    with pytest.raises(ValueError):
        tally.with_unprincipled(3)
    assert Tally.from_counts({}) == Tally(0, 0, 0)


# ---- invariants -----------------------------------------------------------------------------

counts = st.integers(0, 60)
# Few blocks and stand-asides, so passes and near misses are common.
tallies = st.builds(Tally, counts, st.integers(0, 15), st.integers(0, 4))
shares = st.fractions(0, 1, max_denominator=20)


@st.composite
def rules(draw: st.DrawFn) -> DecisionRule:
    return DecisionRule(
        kind=draw(st.sampled_from(["consensus", "modified_consensus"])),
        threshold=draw(shares),
        count_stand_asides=draw(st.booleans()),
        stand_aside_limit=draw(st.none() | shares),
        quorum_count=draw(st.none() | st.integers(1, 40)),
        quorum_share=draw(st.none() | shares),
    )


@st.composite
def calls(draw: st.DrawFn) -> tuple[Tally, DecisionRule, bool, int | None]:
    rule = draw(rules())
    fallback = rule.kind == "modified_consensus" and draw(st.booleans())
    return draw(tallies), rule, fallback, draw(st.none() | st.integers(0, 200))


def outcome_of(tally: Tally, rule: DecisionRule, fallback: bool, headcount: int | None) -> str:
    return decide(tally, rule, fallback=fallback, headcount=headcount).outcome


@given(calls())
def test_adding_an_agree_never_turns_a_pass_into_a_fail(
    call: tuple[Tally, DecisionRule, bool, int | None],
) -> None:
    tally, rule, fallback, headcount = call
    if outcome_of(tally, rule, fallback, headcount) in PASSES:
        assert outcome_of(tally + Tally(agree=1), rule, fallback, headcount) in PASSES


@given(calls())
def test_adding_a_block_never_turns_a_fail_into_a_pass(
    call: tuple[Tally, DecisionRule, bool, int | None],
) -> None:
    tally, rule, fallback, headcount = call
    before = outcome_of(tally, rule, fallback, headcount)
    # Exceptions docs/process.md's order makes (tested above): one more person can make quorum,
    # and in a fallback vote a block grows N under a stand-aside limit.
    exempt = before == "no_quorum" or (fallback and rule.stand_aside_limit is not None)
    if before not in PASSES and not exempt:
        assert outcome_of(tally + Tally(block=1), rule, fallback, headcount) not in PASSES


@given(calls())
def test_a_first_call_with_a_block_never_passes(
    call: tuple[Tally, DecisionRule, bool, int | None],
) -> None:
    tally, rule, _, headcount = call
    blocked = tally + Tally(block=1)
    assert outcome_of(blocked, rule, False, headcount) in ("blocked", "no_quorum")


@given(calls(), shares, shares)
def test_a_higher_threshold_never_passes_what_a_lower_one_fails(
    call: tuple[Tally, DecisionRule, bool, int | None], one: F, other: F
) -> None:
    tally, rule, fallback, headcount = call
    low, high = sorted((one, other))
    if outcome_of(tally, replace(rule, threshold=high), fallback, headcount) in PASSES:
        assert outcome_of(tally, replace(rule, threshold=low), fallback, headcount) in PASSES


@given(calls(), shares, shares)
def test_a_lower_stand_aside_limit_never_passes_what_a_higher_one_fails(
    call: tuple[Tally, DecisionRule, bool, int | None], one: F, other: F
) -> None:
    tally, rule, fallback, headcount = call
    low, high = sorted((one, other))
    if outcome_of(tally, replace(rule, stand_aside_limit=low), fallback, headcount) in PASSES:
        assert (
            outcome_of(tally, replace(rule, stand_aside_limit=high), fallback, headcount) in PASSES
        )


@given(calls(), st.integers(1, 100), st.integers(1, 100))
def test_a_higher_quorum_never_passes_what_a_lower_one_fails(
    call: tuple[Tally, DecisionRule, bool, int | None], one: int, other: int
) -> None:
    tally, rule, fallback, headcount = call
    low, high = sorted((one, other))
    if outcome_of(tally, replace(rule, quorum_count=high), fallback, headcount) in PASSES:
        assert outcome_of(tally, replace(rule, quorum_count=low), fallback, headcount) in PASSES


@given(calls())
def test_the_explanation_ends_with_the_outcome_in_words(
    call: tuple[Tally, DecisionRule, bool, int | None],
) -> None:
    decision = decide(call[0], call[1], fallback=call[2], headcount=call[3])
    if decision.outcome == "no_quorum":
        assert decision.explanation.startswith("no quorum: ")
    else:
        assert decision.explanation.endswith("→ " + OUTCOME_WORDS[decision.outcome])
        assert decision.explanation.startswith(call[0].describe())


@given(st.fractions(0, 1, max_denominator=1000), st.fractions(0, 1, max_denominator=1000))
def test_percentages_never_show_two_different_shares_as_equal(one: F, other: F) -> None:
    assume(one != other)
    assert percent(one, other) != percent(other, one)


@given(st.integers(0, 50), st.integers(0, 50), shares)
def test_block_review_is_monotone_in_yes_answers(yes: int, no: int, threshold: F) -> None:
    if block_review_accepts(yes, no, threshold):
        assert block_review_accepts(yes + 1, no, threshold)


def test_counted_hands_are_kept_in_the_kinds_order_whatever_order_they_came_in() -> None:
    """The log stores payloads with sorted keys; the row keeps one order a replay can write."""
    counts, named = check_analog(
        "consensus",
        {"block": 1, "agree": 12, "stand_aside": 0},
        [{"name": "Kofi", "reason": "No."}],
    )
    assert list(counts.items()) == [("agree", 12), ("block", 1)]
    assert named == [{"name": "Kofi", "reason": "No."}]
