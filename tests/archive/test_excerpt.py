"""What a search shows of each decision (app/archive/logic.py `excerpt`, app/archive/search.py):
a piece of the text as it was decided — never an earlier version — with every word searched
for marked, on SQLite (FTS5) and PostgreSQL alike."""

from __future__ import annotations

import pytest

from app.archive import logic
from app.archive.search import search
from app.db import Database
from tests.archive.builders import (
    BREAKFAST_DECIDED,
    DRUMS_AMENDED,
    TENTS_AMENDED,
    decide_breakfast,
    hold_meeting,
)


def test_the_excerpt_is_the_decided_text_not_the_first_version(any_db: Database) -> None:
    meeting = hold_meeting(any_db, close=False)
    pid = decide_breakfast(any_db, meeting)
    (found,) = search(any_db, "breakfast")
    assert (found.proposal_id, found.outcome) == (pid, "passed")
    assert found.excerpt.text == BREAKFAST_DECIDED
    assert found.excerpt.marked == ["Breakfast"] and not found.excerpt.elsewhere


def test_a_word_only_in_the_first_version_finds_the_decision_and_says_it_is_elsewhere(
    any_db: Database,
) -> None:
    meeting = hold_meeting(any_db, close=False)
    decide_breakfast(any_db, meeting)
    (found,) = search(any_db, "porridge")
    assert found.excerpt.text == BREAKFAST_DECIDED  # what was decided, nothing marked …
    assert found.excerpt.marked == [] and found.excerpt.elsewhere  # … and why it was found


def test_every_word_searched_for_is_marked_in_the_decided_text(any_db: Database) -> None:
    meeting = hold_meeting(any_db)
    (tents,) = search(any_db, "tents fire lane")
    assert tents.proposal_id == meeting.tents and tents.excerpt.text == TENTS_AMENDED
    assert tents.excerpt.marked == ["tents", "fire", "lane"]
    (drums,) = search(any_db, "drummer weeknight")  # stemmed: the index's and the marks'
    assert drums.excerpt.text == DRUMS_AMENDED
    assert drums.excerpt.marked == ["weeknights", "drummers"]


def test_a_search_by_the_title_shows_the_decided_text_not_the_title(any_db: Database) -> None:
    hold_meeting(any_db)
    (drums,) = search(any_db, "drumming hours")
    assert drums.excerpt.text == DRUMS_AMENDED and drums.excerpt.marked == ["Drumming"]


def test_without_words_the_excerpt_is_the_start_of_the_decided_text(any_db: Database) -> None:
    hold_meeting(any_db)
    texts = {d.title: d.excerpt for d in search(any_db, None)}
    assert texts["Winter tents"].text == TENTS_AMENDED
    assert texts["Winter tents"].marked == [] and not texts["Winter tents"].elsewhere


@pytest.mark.parametrize(
    ("word", "same"),
    [
        ("tents", ["tent", "Tents"]),
        ("moved", ["move", "moves", "moving"]),
        ("parties", ["party"]),
        ("drumming", ["drums", "drum"]),
        ("horses", ["horse"]),
        ("metres", ["metre"]),
        ("passed", ["pass", "passes"]),
        ("needed", ["need", "needs"]),
    ],
)
def test_word_roots_match_the_forms_a_stemmed_search_finds(word: str, same: list[str]) -> None:
    assert {logic.word_root(w) for w in same} == {logic.word_root(word)}


@pytest.mark.parametrize(("word", "other"), [("tent", "tentative"), ("fire", "first")])
def test_word_roots_do_not_mark_mere_prefixes(word: str, other: str) -> None:
    assert logic.word_root(word) != logic.word_root(other)


def test_the_excerpt_window_marks_only_what_it_shows() -> None:
    text = " ".join(f"word{i}" for i in range(100)) + " tents " + " ".join(["more"] * 100)
    text += " tents at the end"
    found = logic.excerpt(text, ["tents"], width=80)
    assert found.text.startswith("…word") and found.text.endswith("…")
    assert found.marked == ["tents"]  # the second "tents" is outside the window
    assert found.before.endswith("word99 ") and found.after.startswith(" more")
