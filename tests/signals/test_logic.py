"""The room's hand signals: one per person per 5 s, a meter that fades over 20 s, anonymous,
and at most one line per turn in the minutes (app/signals/logic.py)."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.signals.logic import (
    EVERY_SECONDS,
    FADE_SECONDS,
    KINDS,
    Signal,
    may_signal,
    meter,
    still_showing,
    turn_line,
    weight,
)


def test_a_signal_names_no_one() -> None:
    assert {f.name for f in fields(Signal)} == {"kind", "at"}


@pytest.mark.parametrize(
    ("last_at", "now", "allowed"),
    [(None, 0.0, True), (10.0, 14.9, False), (10.0, 15.0, True), (10.0, 100.0, True)],
)
def test_one_signal_per_person_every_five_seconds(
    last_at: float | None, now: float, allowed: bool
) -> None:
    assert EVERY_SECONDS == 5.0
    assert may_signal(last_at, now) is allowed


@pytest.mark.parametrize(
    ("age", "shown"), [(-1.0, 1.0), (0.0, 1.0), (5.0, 0.75), (10.0, 0.5), (20.0, 0.0), (60.0, 0.0)]
)
def test_a_signal_fades_over_twenty_seconds(age: float, shown: float) -> None:
    assert FADE_SECONDS == 20.0
    assert weight(age) == pytest.approx(shown)


@given(st.floats(0, 100), st.floats(0, 100))
def test_an_older_signal_never_shows_more(a: float, b: float) -> None:
    younger, older = sorted((a, b))
    assert weight(older) <= weight(younger)


def test_the_meter_sums_each_kind_and_forgets_what_faded() -> None:
    signals = [Signal("agree", 100.0), Signal("agree", 90.0), Signal("disagree", 70.0)]
    assert meter(signals, 100.0) == pytest.approx({"agree": 1.5, "unsure": 0.0, "disagree": 0.0})
    assert still_showing(signals, 100.0) == signals[:2]
    assert meter([Signal("cheer", 100.0)], 100.0) == dict.fromkeys(KINDS, 0.0)


@pytest.mark.parametrize(
    ("counts", "line"),
    [
        ({}, None),
        ({"agree": 2}, None),
        ({"agree": 3}, "mostly agree"),
        ({"agree": 8, "disagree": 4}, "mostly agree"),
        ({"agree": 7, "disagree": 4}, "mixed"),
        ({"unsure": 5, "agree": 1, "disagree": 1}, "mostly unsure"),
        ({"disagree": 10, "agree": 2, "unsure": 2}, "mostly disagree"),
        ({"agree": 2, "unsure": 2, "disagree": 2}, "mixed"),
    ],
)
def test_a_turn_leaves_at_most_one_line_about_its_signals(
    counts: dict[str, int], line: str | None
) -> None:
    assert turn_line(counts) == line
