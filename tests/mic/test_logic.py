"""The people's mic cuts a text into phrases a crowd can repeat: 5 to 8 words, between words,
at a sentence's end or a pause where the text allows (app/mic/logic.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.mic.logic import MAX_WORDS, MIN_WORDS, split_phrases

DEMO = json.loads((Path(__file__).parents[2] / "app" / "demo_assembly.json").read_text())


def texts_of(node: object) -> list[str]:
    """Every "text" in the demo assembly: proposals, amendments, notes."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "text" and isinstance(v, str)]
        return found + [t for v in node.values() for t in texts_of(v)]
    if isinstance(node, list):
        return [t for v in node for t in texts_of(v)]
    return []


REAL = [
    *texts_of(DEMO),
    "Point of process: we agreed at the start that each speaker gets two minutes. Please "
    "keep to it, so that everyone on the stack is heard before the kitchen closes at 10:30.",
    "We need tarps, rope, pegs, tape, stakes, buckets, gloves and two ladders by Saturday.",
    "The budget is $1,200 for tents, $350.50 for heaters, 3.5% for the bank, and the rest, "
    "about 40 dollars, stays in the general fund until the next assembly on 12/14.",
]


@pytest.mark.parametrize("text", REAL, ids=[t[:40] for t in REAL])
def test_real_texts_split_into_phrases_of_five_to_eight_words_with_no_word_lost(
    text: str,
) -> None:
    phrases = split_phrases(text)
    assert " ".join(phrases) == " ".join(text.split())
    if len(text.split()) >= 2 * MIN_WORDS:
        assert all(MIN_WORDS <= len(p.split()) <= MAX_WORDS for p in phrases), phrases


def test_a_cut_is_never_inside_a_number_or_a_hyphenated_word() -> None:
    text = REAL[-1] + " The army-surplus tents cost $1,200 at 10:30 on 12/14."
    words = set(text.split())
    for phrase in split_phrases(text):
        assert all(word in words for word in phrase.split())


def test_sentences_of_five_to_eight_words_are_each_one_phrase() -> None:
    text = (
        "The kitchen needs ten tarps this week. They go up on the north side. "
        "Comfort will keep the sign-up sheet. Thank you all for the help."
    )
    assert split_phrases(text) == [
        "The kitchen needs ten tarps this week.",
        "They go up on the north side.",
        "Comfort will keep the sign-up sheet.",
        "Thank you all for the help.",
    ]


def test_a_list_is_cut_after_one_of_its_commas() -> None:
    assert split_phrases(REAL[-2]) == [
        "We need tarps, rope, pegs, tape, stakes,",
        "buckets, gloves and two ladders by Saturday.",
    ]


def test_a_long_text_is_cut_at_each_sentences_end() -> None:
    phrases = split_phrases(REAL[-3])
    assert [p for p in phrases if p.endswith(".")] == [
        "start that each speaker gets two minutes.",
        "before the kitchen closes at 10:30.",
    ]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("", []),
        ("   ", []),
        ("Mic check!", ["Mic check!"]),
        ("one two three four five six seven eight", ["one two three four five six seven eight"]),
        (
            "one two three four five six seven eight nine",
            ["one two three four", "five six seven eight nine"],
        ),
    ],
)
def test_a_short_text_is_one_phrase_and_nine_words_two(text: str, phrases: list[str]) -> None:
    assert split_phrases(text) == phrases


WORDS = st.text(alphabet="abcdefghij,.;:!?$1-", min_size=1, max_size=8).filter(str.strip)


@given(st.lists(WORDS.map(lambda w: w.replace(" ", "")), min_size=10, max_size=400))
def test_any_text_of_ten_words_or_more_splits_within_the_bounds(words: list[str]) -> None:
    words = [w for w in words if w] or ["word"] * 10
    text = " ".join(words)
    phrases = split_phrases(text)
    assert " ".join(phrases) == " ".join(text.split())
    if len(text.split()) >= 2 * MIN_WORDS:
        assert all(MIN_WORDS <= len(p.split()) <= MAX_WORDS for p in phrases)
