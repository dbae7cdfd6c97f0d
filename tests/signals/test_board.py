"""The board: recent anonymous signals of the turn on the floor, and the 1-per-5-s rule."""

from __future__ import annotations

import pytest

from app.signals.board import Board, marker, parse_marker
from app.signals.logic import FADE_SECONDS


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock: Clock) -> Board:
    return Board(clock)


def test_one_signal_per_person_every_five_seconds(board: Board, clock: Clock) -> None:
    assert board.claim("ga", 1) == 0.0
    clock.now += 2
    assert board.claim("ga", 1) == pytest.approx(3.0)
    assert board.claim("ga", 2) == 0.0  # someone else may
    assert board.claim("other", 1) == 0.0  # and so may the same id in another assembly
    clock.now += 3
    assert board.claim("ga", 1) == 0.0


def test_a_refused_signal_does_not_restart_the_wait(board: Board, clock: Clock) -> None:
    board.claim("ga", 1)
    clock.now += 4
    assert board.claim("ga", 1) > 0
    clock.now += 1
    assert board.claim("ga", 1) == 0.0


def test_moments_older_than_five_seconds_are_forgotten(board: Board, clock: Clock) -> None:
    for pid in range(100):
        board.claim("ga", pid)
    clock.now += 5
    board.claim("ga", 999)
    assert list(board._last) == [("ga", 999)]  # rate limiting only: nothing kept as a record


def test_the_meter_sums_faded_weights_without_names(board: Board, clock: Clock) -> None:
    board.add("ga", 7, "agree")
    board.add("ga", 7, "agree")
    clock.now += FADE_SECONDS / 2
    board.add("ga", 7, "disagree")
    shown = board.showing("ga", 7)
    assert shown.speaking
    assert shown.weights == pytest.approx({"agree": 1.0, "unsure": 0.0, "disagree": 1.0})
    assert shown.until["agree"] == pytest.approx(1_000.0 + FADE_SECONDS)
    assert shown.until["disagree"] == pytest.approx(clock.now + FADE_SECONDS)


def test_signals_fade_out_and_are_dropped(board: Board, clock: Clock) -> None:
    board.add("ga", 7, "unsure")
    clock.now += FADE_SECONDS
    assert board.showing("ga", 7).weights["unsure"] == 0.0
    assert not board._turns["ga"].signals


def test_a_new_turn_starts_with_an_empty_meter(board: Board) -> None:
    board.add("ga", 7, "agree")
    assert board.showing("ga", 8).weights["agree"] == 0.0
    board.add("ga", 7, "agree")  # late news of the turn before: ignored
    assert board.showing("ga", 8).weights["agree"] == 0.0
    board.add("ga", 8, "unsure")
    assert board.showing("ga", 8).weights == {"agree": 0.0, "unsure": 1.0, "disagree": 0.0}


def test_nobody_speaking_shows_nothing(board: Board) -> None:
    board.add("ga", 7, "agree")
    shown = board.showing("ga", None)
    assert not shown.speaking
    assert sum(shown.weights.values()) == 0.0


@pytest.mark.parametrize(
    ("agree", "unsure", "level"),
    [
        (0, 0, 0.0),  # nothing: dark
        (1, 0, 0.2),  # a lone twinkle stays small
        (5, 0, 1.0),  # a few, all agreeing: full
        (300, 100, 0.75),  # a crowd: each kind's share
    ],
)
def test_a_glow_is_a_share_small_while_signals_are_few(
    board: Board, agree: int, unsure: int, level: float
) -> None:
    for _ in range(agree):
        board.add("ga", 1, "agree")
    for _ in range(unsure):
        board.add("ga", 1, "unsure")
    assert board.showing("ga", 1).level("agree") == pytest.approx(level)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (marker(12, "agree"), (12, "agree", 1)),
        (marker(12, "agree", 37), (12, "agree", 37)),
        ("signal:3:disagree", (3, "disagree", 1)),
        ("signal:3:disagree:2", (3, "disagree", 2)),
        ("signal:3:disagree:0", None),
        ("signal:3:disagree:-2", None),
        ("signal:3:disagree:many", None),
        ("signal:3:disagree:100001", None),
        ("signal:3:applause", None),
        ("signal:x:agree", None),
        ("seat:3", None),
    ],
)
def test_markers_carry_a_turn_a_kind_and_how_many(
    text: str, parsed: tuple[int, str, int] | None
) -> None:
    assert parse_marker(text) == parsed


def test_a_batched_marker_adds_as_many_signals_as_it_carries(board: Board) -> None:
    assert board.hear("ga", marker(4, "agree", 6))
    assert board.hear("ga", marker(4, "unsure", 2))
    assert board.showing("ga", 4).level("agree") == pytest.approx(6 / 8)


def test_hearing_a_marker_adds_its_signal(board: Board) -> None:
    assert board.hear("ga", "signal:4:agree")
    assert not board.hear("ga", "signal:4:cheer")
    assert board.showing("ga", 4).weights["agree"] == 1.0


def test_a_turns_tally_counts_every_signal_it_got_faded_or_not_and_names_no_one(
    board: Board, clock: Clock
) -> None:
    board.add("ga", 4, "agree", 3)
    clock.now += 25  # faded from the meter, still part of how the room took the turn
    board.add("ga", 4, "disagree")
    assert board.tally("ga", 4) == {"agree": 3, "disagree": 1}
    assert board.tally("ga", 5) == {} and board.tally("other", 4) == {}
    board.add("ga", 5, "unsure")  # the next turn starts afresh
    assert board.tally("ga", 5) == {"unsure": 1} and board.tally("ga", 4) == {}
