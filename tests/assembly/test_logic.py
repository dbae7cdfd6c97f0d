"""Pure rules of assemblies: names, join codes, decision rules, roles."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.assembly import logic
from app.errors import Conflict, Invalid


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  Noor  ", "Noor"), ("Big   Mike", "Big Mike"), ("Tomás", "Tomás"), ("x" * 60, "x" * 60)],
)
def test_names_are_trimmed_and_spaces_collapsed(raw: str, clean: str) -> None:
    assert logic.clean_text(raw, field="name", max_len=60) == clean


@pytest.mark.parametrize("raw", ["", "   ", "x" * 61, "bell\x07"])
def test_bad_names_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(Invalid) as info:
        logic.clean_text(raw, field="name", max_len=60)
    assert info.value.status == 422
    assert info.value.message


@pytest.mark.parametrize("typed", ["k7p2qx", "K7P-2QX", " k7p 2qx "])
def test_join_codes_are_case_insensitive_and_forgive_spaces_and_dashes(typed: str) -> None:
    assert logic.normalise_join_code(typed) == "K7P2QX"


@pytest.mark.parametrize("typed", ["K7P2Q", "K7P2QXZ", "K7P2Q0", "K7P2QI", "KOP2QX"])
def test_join_codes_outside_the_alphabet_are_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        logic.normalise_join_code(typed)


@given(st.integers(0, 200))
def test_new_join_codes_use_only_the_unambiguous_alphabet(_: int) -> None:
    code = logic.new_join_code()
    assert len(code) == 6
    assert set(code) <= set(logic.JOIN_ALPHABET)
    assert logic.normalise_join_code(code.lower()) == code


def test_default_decision_rule_is_modified_consensus_at_nine_tenths() -> None:
    rule = logic.parse_decision_rule(None)
    assert rule.kind == "modified_consensus"
    assert rule.threshold == Fraction(9, 10)
    assert rule.as_json()["threshold"] == "9/10"


@pytest.mark.parametrize(
    ("written", "exact"),
    [("9/10", Fraction(9, 10)), (0.9, Fraction(9, 10)), ("0.8", Fraction(4, 5)), (1, Fraction(1))],
)
def test_thresholds_are_read_exactly_through_their_decimal_text(
    written: object, exact: Fraction
) -> None:
    assert logic.parse_decision_rule({"threshold": written}).threshold == exact


@pytest.mark.parametrize(
    "rule",
    [
        {"threshold": "11/10"},
        {"threshold": "nine tenths"},
        {"threshold": True},
        {"kind": "majority"},
        {"quorum": 0},
        {"count_stand_asides": "yes"},
        {"surprise": 1},
        {"threshold": "1/0"},
    ],
)
def test_bad_decision_rules_are_refused(rule: dict[str, object]) -> None:
    with pytest.raises(Invalid):
        logic.parse_decision_rule(rule)


def test_quorum_is_a_count_or_a_share_of_headcount() -> None:
    assert logic.parse_decision_rule({"quorum": 25}).quorum_count == 25
    assert logic.parse_decision_rule({"quorum": "1/2"}).quorum_share == Fraction(1, 2)


def test_the_last_facilitator_cannot_be_revoked() -> None:
    with pytest.raises(Conflict) as info:
        logic.check_role_revocable("facilitator", [7], 7)
    assert info.value.code == "last_facilitator"


def test_a_facilitator_can_step_back_when_another_holds_the_role() -> None:
    logic.check_role_revocable("facilitator", [7, 8], 7)


def test_revoking_a_role_someone_does_not_hold_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        logic.check_role_revocable("greeter", [3], 7)


@pytest.mark.parametrize(
    ("typed", "ref"),
    [("Chen #12", ("Chen", 12)), ("Big Mike", ("Big Mike", None)), (" Chen   #7 ", ("Chen", 7)),
     ("Room #3 lead", ("Room #3 lead", None))],
)  # fmt: skip
def test_a_person_is_named_by_the_console_list_or_by_name(
    typed: str, ref: tuple[str, int | None]
) -> None:
    assert logic.parse_person_ref(typed) == ref


def test_an_empty_person_reference_is_refused() -> None:
    with pytest.raises(Invalid):
        logic.parse_person_ref("   ")


@pytest.mark.parametrize(
    "rule, words",
    [
        ({}, "agree reaches 9/10 of agree and block together"),
        ({"threshold": "4/5"}, "agree reaches 4/5 of agree and block together"),
        (
            {"threshold": 0.9, "count_stand_asides": True},
            "agree reaches 9/10 of agree, stand-asides and blocks together",
        ),
    ],
)
def test_a_fallback_vote_is_worded_from_the_rule(rule: dict[str, object], words: str) -> None:
    assert logic.parse_decision_rule(rule).fallback_passes() == words
