"""The word-level "what changed" between proposal versions (app/blocks/diff.py)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.blocks import diff
from app.blocks.diff import (
    Piece,
    cached_word_diff,
    diff_summary,
    diff_text,
    excerpt,
    one_line,
    split_tokens,
    word_diff,
)
from app.demo import load_demo

# Few distinct tokens, so generated texts repeat words, spaces and punctuation a lot.
VOCAB = [
    "the", "tent", "tents", "fire", "lane", " ", "  ", "\n", "\t", ",", ".", "-", "'", "$",
    "1", "200", "café", "e\u0301", "हिन्दी", "三", "🔥", "_",
]  # fmt: skip
texts = st.one_of(st.text(), st.lists(st.sampled_from(VOCAB), max_size=40).map("".join))


def rebuilt(pieces: list[Piece], *, keep: str) -> str:
    return "".join(piece.text for piece in pieces if piece.op in ("same", keep))


def winter_tents() -> dict[str, Any]:
    agenda = load_demo()["agenda"]
    proposal: dict[str, Any] = next(i for i in agenda if i["title"] == "Winter tents")["proposal"]
    return proposal


def amendment_by(proposal: dict[str, Any], name: str) -> str:
    text: str = next(a for a in proposal["amendments"] if a["by"] == name)["text"]
    return text


def test_fire_lane_amendment_shows_the_added_phrase_as_one_insertion() -> None:
    proposal = winter_tents()
    pieces = word_diff(proposal["text"], amendment_by(proposal, "Emeka"))

    assert [p.op for p in pieces] == ["same", "insert", "same"]
    inserted = pieces[1].text
    assert inserted.strip() == "at least three metres from the fire lane, in two rows of three,"
    assert pieces[0].text.endswith("Comfort will set them up ")
    assert pieces[2].text.startswith("and keep a sign-up sheet")
    assert diff_summary(pieces) == "13 words added"
    assert "set them up {+at least three metres" in diff_text(pieces)


def test_rejected_heater_amendment_rebuilds_both_versions() -> None:
    proposal = winter_tents()
    new = amendment_by(proposal, "Quentin")
    pieces = word_diff(proposal["text"], new)

    assert rebuilt(pieces, keep="delete") == proposal["text"]
    assert rebuilt(pieces, keep="insert") == new
    assert Piece("delete", "1,200 from the general fund") in pieces
    assert Piece("insert", "2,000") in pieces


def test_replaced_word_is_a_deletion_then_an_insertion() -> None:
    assert word_diff("six tents", "six heaters") == [
        Piece("same", "six "),
        Piece("delete", "tents"),
        Piece("insert", "heaters"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "marked"),
    [
        ("", "", ""),
        ("same text", "same text", "same text"),
        ("", "new text", "{+new text+}"),
        ("old text", "", "[-old text-]"),
        ("a b", "a x b", "a {+x +}b"),
        ("tents in a row", "tents in two rows", "tents in [-a row-]{+two rows+}"),
        ("the lane and", "the lane, and", "the lane{+,+} and"),
        ("up to $1,200", "up to $2,000", "up to $[-1,200-]{+2,000+}"),
        ("the the the", "the", "the[- the the-]"),
        ("army-surplus tents", "surplus tents", "[-army-surplus-]{+surplus+} tents"),
        ("café ouvert", "café fermé", "café [-ouvert-]{+fermé+}"),
    ],
)
def test_diff_text_marks_deletions_and_insertions_like_git(old: str, new: str, marked: str) -> None:
    assert diff_text(word_diff(old, new)) == marked


@pytest.mark.parametrize(
    ("old", "new", "summary"),
    [
        ("tents now", "three tents for winter now", "3 words added"),
        ("six tents", "six warm tents", "1 word added"),
        ("six warm tents", "six tents", "1 word removed"),
        ("buy six tents", "borrow six tents for winter now", "4 words added, 1 removed"),
        ("the lane and", "the lane, and", "punctuation or spacing changed"),
        ("same text", "same text", "no changes"),
        ("", "", "no changes"),
    ],
)
def test_summary_counts_words_added_and_removed(old: str, new: str, summary: str) -> None:
    assert diff_summary(word_diff(old, new)) == summary


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("set them up, now", ["set", " ", "them", " ", "up", ",", " ", "now"]),
        ("$1,200 at 10:30", ["$", "1,200", " ", "at", " ", "10:30"]),
        ("don't co-op", ["don't", " ", "co-op"]),
        ("three,in", ["three", ",", "in"]),
        ("e\u0301te\u0301 हिन्दी", ["e\u0301te\u0301", " ", "हिन्दी"]),
        ("a \n\t b", ["a", " \n\t ", "b"]),
        ("", []),
    ],
)
def test_tokens_keep_words_whole_and_split_the_rest(text: str, tokens: list[str]) -> None:
    assert split_tokens(text) == tokens


@given(texts)
def test_tokens_join_back_to_the_text(text: str) -> None:
    assert "".join(split_tokens(text)) == text


@given(texts, texts)
def test_pieces_rebuild_both_versions_exactly(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert rebuilt(pieces, keep="delete") == old
    assert rebuilt(pieces, keep="insert") == new


@given(texts, texts)
def test_pieces_are_never_empty_and_neighbours_differ(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert all(piece.text for piece in pieces)
    assert all(a.op != b.op for a, b in pairwise(pieces))


# Long texts over a tiny alphabet: every token recurs on both sides, past the matcher's budget.
recurring = st.lists(st.sampled_from(["a", "b", " ", ",", "a b"]), min_size=300, max_size=1200)


@settings(max_examples=40, deadline=None)
@given(recurring.map("".join), recurring.map("".join))
def test_long_texts_of_recurring_words_rebuild_both_versions_exactly(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert rebuilt(pieces, keep="delete") == old
    assert rebuilt(pieces, keep="insert") == new
    assert all(a.op != b.op for a, b in pairwise(pieces))


@pytest.mark.parametrize(
    ("old", "new"),
    [("a " * 2500, "b " * 2500), ("a " * 2500, "b " * 90), ("b " * 90, "a " * 2500)],
)
def test_passages_past_the_budget_are_matched_with_popular_tokens_as_junk(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens that recur on both sides make the exact matcher cubic ("a a a…" against
    "b b b…" took minutes); past the budget autojunk is on, with the longer passage second,
    the one it indexes, and the diff still rebuilds both texts."""
    calls: list[tuple[int, int, bool]] = []

    class Recording(diff.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool) -> None:
            calls.append((len(a), len(b), autojunk))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(diff, "SequenceMatcher", Recording)
    pieces = word_diff(old, new)
    assert rebuilt(pieces, keep="delete") == old and rebuilt(pieces, keep="insert") == new
    assert [(autojunk, a <= b) for a, b, autojunk in calls] == [(True, True)]
    assert calls[0][0] * calls[0][1] > diff.MATCH_BUDGET


def test_the_passage_around_a_change_is_all_that_is_matched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []

    class Recording(diff.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool) -> None:
            calls.append((len(a), len(b)))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(diff, "SequenceMatcher", Recording)
    old = "We buy a heater. " * 200
    new = old[:1700] + "We buy two heaters. " + old[1700:]
    pieces = word_diff(old, new)
    assert [p.op for p in pieces] == ["same", "insert", "same"]
    assert calls and max(a + b for a, b in calls) < 20  # not the 1,200 tokens around it


@given(texts)
def test_an_unchanged_text_is_all_same(text: str) -> None:
    pieces = word_diff(text, text)
    assert pieces == ([Piece("same", text)] if text else [])
    assert diff_text(pieces) == text


@given(texts)
def test_a_first_version_is_one_insertion(text: str) -> None:
    assert word_diff("", text) == ([Piece("insert", text)] if text else [])


# ---- what a screen shows of one amendment, whatever its length ----

TARPS = "The kitchen working group asks the assembly to buy ten tarps for the winter kitchen."


def test_an_excerpt_keeps_the_changes_and_whole_words_of_context_either_side() -> None:
    pieces = word_diff(TARPS, TARPS.replace("ten", "twelve"))
    shown, cut = excerpt(pieces, limit=120, context=30)
    assert shown == (
        Piece("same", "… asks the assembly to buy "),
        Piece("delete", "ten"),
        Piece("insert", "twelve"),
        Piece("same", " tarps for the winter kitchen."),  # 30 characters: all of it
    )
    assert not cut


@given(texts, texts, st.integers(1, 200), st.integers(0, 60))
def test_an_excerpt_is_never_longer_than_its_limit_and_says_when_changes_were_left_out(
    old: str, new: str, limit: int, context: int
) -> None:
    pieces = word_diff(old, new)
    shown, cut = excerpt(pieces, limit=limit, context=context)
    assert sum(len(p.text) for p in shown) <= limit + 1  # the "…" that marks the cut
    changed = "".join(p.op + p.text for p in pieces if p.op != "same")
    if not cut:
        assert "".join(p.op + p.text for p in shown if p.op != "same") == changed


def test_one_line_folds_line_breaks_into_spaces() -> None:
    assert one_line([Piece("same", "a\n\n b "), Piece("insert", "c\td")]) == (
        Piece("same", "a b "),
        Piece("insert", "c d"),
    )


def test_the_cached_diff_is_the_diff_and_is_computed_once_per_pair() -> None:
    new = TARPS.replace("winter", "cold")
    first = cached_word_diff(TARPS, new)
    assert first == tuple(word_diff(TARPS, new))
    assert cached_word_diff(TARPS, new) is first
