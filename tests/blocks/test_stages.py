"""The stage machine (app/blocks/stages.py): docs/process.md's table of moves, which rounds open in
which stage, friendly amendments, and where closing a call leaves the proposal."""

from __future__ import annotations

import itertools

import pytest

from app.blocks import stages
from app.errors import Conflict, Invalid

D = ("clarifying_questions", "concerns", "amendments", "temperature_check")
# docs/process.md's table of moves, written out by hand (not derived from the code under test).
MOVES = {
    "presented": {*D, "consensus_call", "decided"},
    "clarifying_questions": {"concerns", "amendments", "temperature_check", "consensus_call",
                             "decided"},
    "concerns": {"clarifying_questions", "amendments", "temperature_check", "consensus_call",
                 "decided"},
    "amendments": {"clarifying_questions", "concerns", "temperature_check", "consensus_call",
                   "decided"},
    "temperature_check": {"clarifying_questions", "concerns", "amendments", "consensus_call",
                          "decided"},
    "consensus_call": {*D, "consensus_call", "decided"},
    "block_discussion": {*D, "consensus_call", "decided"},
    "decided": set(),
}  # fmt: skip


def move_kwargs(to: str) -> dict[str, str]:
    return {"outcome": "tabled", "tabled_to": "Safer Spaces"} if to == "decided" else {}


# ---- stages ---------------------------------------------------------------------------------


def test_the_stages_are_process_md_s_in_order() -> None:
    assert ("presented", *D, "consensus_call", "block_discussion", "decided") == stages.STAGES
    assert stages.DISCUSSION_STAGES == D


@pytest.mark.parametrize(("stage", "to"), list(itertools.product(stages.STAGES, repeat=2)))
def test_every_stage_move_follows_process_md_s_table(stage: str, to: str) -> None:
    if to in MOVES[stage]:
        stages.check_move(stage, to, round_open=False, **move_kwargs(to))
        return
    with pytest.raises(Conflict) as info:
        stages.check_move(stage, to, round_open=False, **move_kwargs(to))
    assert info.value.code == "stage_not_allowed"
    assert info.value.status == 409
    for allowed in MOVES[stage]:
        assert allowed in info.value.message


@pytest.mark.parametrize("stage", stages.STAGES)
def test_allowed_moves_are_exactly_the_table_s(stage: str) -> None:
    assert set(stages.allowed_moves(stage, round_open=False)) == MOVES[stage]


@pytest.mark.parametrize("stage", stages.STAGES)
def test_a_stage_cannot_change_while_a_round_is_open(stage: str) -> None:
    assert stages.allowed_moves(stage, round_open=True) == ()
    for to in MOVES[stage]:
        with pytest.raises(Conflict) as info:
            stages.check_move(stage, to, round_open=True, **move_kwargs(to))
        assert info.value.code == "round_open"


def test_a_decided_proposal_does_not_move() -> None:
    with pytest.raises(Conflict) as info:
        stages.check_move("decided", "concerns", round_open=False)
    assert info.value.message == "A decided proposal does not move."


def test_the_refusal_names_the_allowed_moves_in_a_sentence() -> None:
    with pytest.raises(Conflict) as info:
        stages.check_move("presented", "block_discussion", round_open=False)
    assert info.value.message == (
        "From presented a proposal can move to clarifying_questions, concerns, amendments, "
        "temperature_check, consensus_call or decided (tabled or withdrawn)."
    )


@pytest.mark.parametrize("stage", [s for s in stages.STAGES if s != "decided"])
def test_any_undecided_proposal_can_be_withdrawn_or_tabled(stage: str) -> None:
    stages.check_move(stage, "decided", round_open=False, outcome="withdrawn")
    stages.check_move(stage, "decided", round_open=False, outcome="tabled", tabled_to="later")


@pytest.mark.parametrize("tabled_to", [None, "", "   "])
def test_tabling_without_a_destination_is_refused(tabled_to: str | None) -> None:
    with pytest.raises(Invalid) as info:
        stages.check_move("concerns", "decided", round_open=False, outcome="tabled",
                         tabled_to=tabled_to)  # fmt: skip
    assert info.value.code == "tabled_to_required"
    assert info.value.status == 422


def test_a_block_is_upheld_only_from_block_discussion() -> None:
    stages.check_move("block_discussion", "decided", round_open=False, outcome="blocked")
    for stage in ("consensus_call", "concerns", "presented"):
        with pytest.raises(Conflict) as info:
            stages.check_move(stage, "decided", round_open=False, outcome="blocked")
        assert info.value.code == "stage_not_allowed"


@pytest.mark.parametrize(
    ("to", "outcome", "tabled_to", "code"),
    [
        ("decided", None, None, "outcome_required"),
        ("decided", "passed", None, "bad_outcome"),
        ("decided", "withdrawn", "Safer Spaces", "outcome_not_expected"),
        ("concerns", "tabled", "Safer Spaces", "outcome_not_expected"),
        ("concerns", None, "Safer Spaces", "outcome_not_expected"),
        ("voting", None, None, "bad_stage"),
    ],
)
def test_malformed_moves_are_refused_with_a_code(
    to: str, outcome: str | None, tabled_to: str | None, code: str
) -> None:
    with pytest.raises(Invalid) as info:
        stages.check_move("amendments", to, round_open=False, outcome=outcome, tabled_to=tabled_to)
    assert info.value.code == code


def test_an_empty_tabled_to_from_a_form_is_no_destination() -> None:
    stages.check_move("concerns", "amendments", round_open=False, tabled_to="")


# ---- which rounds where ---------------------------------------------------------------------

ROUND_STAGES = {
    "temperature": set(D),
    "consensus": {"consensus_call"},
    "block_review": {"block_discussion"},
}


@pytest.mark.parametrize(
    ("stage", "kind"), list(itertools.product(stages.STAGES, stages.ROUND_KINDS))
)
def test_each_round_kind_opens_only_in_its_stages(stage: str, kind: str) -> None:
    if stage in ROUND_STAGES[kind]:
        stages.check_round_kind(stage, kind)
        return
    with pytest.raises(Conflict) as info:
        stages.check_round_kind(stage, kind)
    assert info.value.code == "round_not_allowed"


def test_a_fallback_vote_opens_after_a_blocked_call_under_modified_consensus() -> None:
    stages.check_round_kind(
        "consensus_call", "consensus", fallback=True, blocked_before=True,
        rule_kind="modified_consensus",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "blocked_before", "rule_kind"),
    [
        ("consensus", False, "modified_consensus"),  # no blocked call yet
        ("consensus", True, "consensus"),  # under consensus a block stands
        ("consensus", True, None),  # the rule not said: refuse rather than guess
        ("temperature", True, "modified_consensus"),
    ],
)
def test_a_fallback_vote_is_refused_otherwise(
    kind: str, blocked_before: bool, rule_kind: str | None
) -> None:
    stage = "consensus_call" if kind == "consensus" else "concerns"
    with pytest.raises(Conflict) as info:
        stages.check_round_kind(
            stage, kind, fallback=True, blocked_before=blocked_before, rule_kind=rule_kind
        )
    assert info.value.code == "fallback_not_allowed"


def test_an_unknown_round_kind_is_invalid() -> None:
    with pytest.raises(Invalid):
        stages.check_round_kind("concerns", "straw_poll")


# ---- friendly amendments --------------------------------------------------------------------


@pytest.mark.parametrize("stage", stages.STAGES)
def test_amendments_are_proposed_in_concerns_amendments_and_block_discussion(stage: str) -> None:
    def propose() -> None:
        stages.check_amendment_allowed(
            stage, amendments_open=True, rounds_so_far=0, max_rounds=None
        )

    if stage in ("concerns", "amendments", "block_discussion"):
        propose()
        return
    with pytest.raises(Conflict) as info:
        propose()
    assert info.value.code == "amendment_not_allowed"


def test_the_facilitator_can_stop_new_amendments() -> None:
    with pytest.raises(Conflict) as info:
        stages.check_amendment_allowed(
            "amendments", amendments_open=False, rounds_so_far=0, max_rounds=None
        )
    assert info.value.code == "amendments_closed"


def test_amendment_rounds_can_be_capped() -> None:
    stages.check_amendment_allowed(
        "amendments", amendments_open=True, rounds_so_far=1, max_rounds=2
    )
    with pytest.raises(Conflict) as info:
        stages.check_amendment_allowed(
            "amendments", amendments_open=True, rounds_so_far=2, max_rounds=2
        )
    assert info.value.code == "amendment_rounds_used"


@pytest.mark.parametrize("stage", [s for s in stages.STAGES if s != "decided"])
def test_amendments_are_accepted_or_rejected_whenever_no_round_is_open(stage: str) -> None:
    stages.check_amendment_decision(stage, round_open=False)
    with pytest.raises(Conflict) as info:
        stages.check_amendment_decision(stage, round_open=True)
    assert info.value.code == "round_open"


@pytest.mark.parametrize(
    ("stage", "status", "code"),
    [("decided", "proposed", "decided"), ("concerns", "accepted", "amendment_decided")],
)
def test_a_decided_proposal_or_amendment_takes_no_answer(
    stage: str, status: str, code: str
) -> None:
    with pytest.raises(Conflict) as info:
        stages.check_amendment_decision(stage, round_open=False, status=status)
    assert info.value.code == code


# ---- where closing a call leaves the proposal -----------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "fallback", "stage"),
    [
        ("passed", False, "decided"),
        ("passed_with_stand_asides", False, "decided"),
        ("passed", True, "decided"),
        ("passed_by_supermajority", True, "decided"),
        ("blocked", False, "block_discussion"),
        ("no_quorum", False, "consensus_call"),
        ("not_enough_support", False, "consensus_call"),
        ("no_quorum", True, "consensus_call"),
        ("not_enough_support", True, "decided"),
    ],
)
def test_closing_a_call_moves_the_proposal(outcome: str, fallback: bool, stage: str) -> None:
    assert stages.next_stage_after(outcome, fallback=fallback) == stage


def test_next_stage_after_refuses_a_non_outcome() -> None:
    with pytest.raises(ValueError):
        stages.next_stage_after("tabled", fallback=False)
