"""How the minutes say things (app/minutes/words.py): durations, outcomes, the hash."""

from __future__ import annotations

import pytest

from app.minutes import words


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "0 s"), (45, "45 s"), (60, "1 min"), (95, "1 min 35 s"), (3900, "1 h 05 min"),
     (None, "still speaking")],
)  # fmt: skip
def test_durations_read_like_a_person_would_say_them(seconds: int | None, said: str) -> None:
    assert words.duration(seconds) == said


def test_a_hash_is_grouped_in_eights_for_reading_aloud() -> None:
    digest = "0123456789abcdef" * 4
    grouped = words.grouped_hash(digest)
    assert grouped.replace(" ", "") == digest
    assert [len(g) for g in grouped.split()] == [8] * 8


def test_upper_first_keeps_the_capitals_of_names() -> None:
    assert words.upper_first("tabled to Drummers Circle") == "Tabled to Drummers Circle"
