"""Word-level "what changed" between two versions of a proposal: pure, stdlib only."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from app.i18n import _, ngettext

Op = Literal["same", "insert", "delete"]

# Joined into one word when between word characters: "army-surplus", "don't".
_WORD_JOINERS = frozenset("-'’")
# Joined only between digits: "$1,200", "10:30", "3.5".
_NUMBER_JOINERS = frozenset(",.:")
_SPACES = re.compile(r"\s+")
# Token pairs the exact matcher may weigh: two passages of ~300 tokens (about 900 characters).
MATCH_BUDGET = 100_000


@dataclass(frozen=True)
class Piece:
    """A run of text that is in both versions (`same`), only the new one, or only the old one."""

    op: Op
    text: str


def _is_word_char(ch: str) -> bool:
    # Letters, digits and combining marks, so Devanagari or decomposed accents stay one word.
    return ch == "_" or unicodedata.category(ch)[0] in "LNM"


def _word_end(text: str, start: int) -> int:
    """Index just past the word starting at `start`, with joiners inside it."""
    end = start
    while end < len(text):
        if _is_word_char(text[end]):
            end += 1
            continue
        ch = text[end]
        after = text[end + 1] if end + 1 < len(text) else ""
        joins_word = ch in _WORD_JOINERS and after != "" and _is_word_char(after)
        joins_number = ch in _NUMBER_JOINERS and text[end - 1].isdigit() and after.isdigit()
        if not (joins_word or joins_number):
            break
        end += 1
    return end


def split_tokens(text: str) -> list[str]:
    """Split text into words, whitespace runs and single punctuation marks; they join to `text`."""
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if _is_word_char(ch):
            end = _word_end(text, i)
        elif ch.isspace():
            end = i + 1
            while end < len(text) and text[end].isspace():
                end += 1
        else:
            end = i + 1
        tokens.append(text[i:end])
        i = end
    return tokens


def _is_word(token: str) -> bool:
    return _is_word_char(token[0])


def _append(pieces: list[Piece], op: Op, tokens: Sequence[str]) -> None:
    text = "".join(tokens)
    if not text:
        return
    if pieces and pieces[-1].op == op:
        pieces[-1] = Piece(op, pieces[-1].text + text)
    else:
        pieces.append(Piece(op, text))


def _join_replacements(pieces: list[Piece]) -> list[Piece]:
    """Fold "[-a-]{+b+} [-c-]{+d+}" into "[-a c-]{+b d+}": a reworded phrase reads as one change."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        before = tuple(p.op for p in out[-2:])
        after = tuple(p.op for p in pieces[i + 1 : i + 3])
        between_replacements = before == after == ("delete", "insert")
        if piece.op == "same" and piece.text.isspace() and between_replacements:
            deleted = out[-2].text + piece.text + pieces[i + 1].text
            inserted = out[-1].text + piece.text + pieces[i + 2].text
            out[-2:] = [Piece("delete", deleted), Piece("insert", inserted)]
            i += 3
        else:
            out.append(piece)
            i += 1
    return out


def word_diff(old: str, new: str) -> list[Piece]:
    """Word-level diff from `old` to `new`.

    Joining the `same` and `insert` pieces gives `new`; joining `same` and `delete` gives `old`.
    Adjacent pieces never share an op, and a replaced word is a `delete` followed by an `insert`.
    """
    a, b = split_tokens(old), split_tokens(new)
    # An amendment mostly changes a passage: the text before and after it is the same.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a_mid, b_mid = a[head : len(a) - tail], b[head : len(b) - tail]
    # autojunk treats tokens in more than 1% of places (" ", "the") as junk, which misaligns
    # longer texts, so it is off; but then tokens recurring on both sides make the matcher
    # quadratic or worse ("a b a b…" against "b a b a…": minutes), so past a budget it is on.
    pieces: list[Piece] = []
    _append(pieces, "same", a[:head])
    for tag, i1, i2, j1, j2 in _opcodes(a_mid, b_mid):
        if tag == "equal":
            _append(pieces, "same", a_mid[i1:i2])
        else:
            _append(pieces, "delete", a_mid[i1:i2])
            _append(pieces, "insert", b_mid[j1:j2])
    _append(pieces, "same", a[len(a) - tail :])
    return _join_replacements(pieces)


def _opcodes(a: list[str], b: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes from `a` to `b`; past the budget with autojunk on, which only
    indexes the second sequence's popular tokens when it has 200 or more: so the longer one
    goes second, and the opcodes are turned back."""
    if len(a) * len(b) <= MATCH_BUDGET:
        return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if len(b) >= len(a):
        return SequenceMatcher(None, a, b, autojunk=True).get_opcodes()
    turned = {"delete": "insert", "insert": "delete"}
    return [
        (turned.get(tag, tag), i1, i2, j1, j2)
        for tag, j1, j2, i1, i2 in SequenceMatcher(None, b, a, autojunk=True).get_opcodes()
    ]


_DIFFING = threading.Lock()


def cached_word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """word_diff, computed once per pair of texts in this process: every screen's render shows
    each waiting amendment against the current text, and two texts that differ all through
    take seconds to compare. One at a time, so screens rendering together wait for the first
    instead of each comparing the same texts again."""
    with _DIFFING:
        return _word_diff_of(old, new)


@lru_cache(maxsize=256)
def _word_diff_of(old: str, new: str) -> tuple[Piece, ...]:
    return tuple(word_diff(old, new))


def _count_words(pieces: Iterable[Piece], op: Op) -> int:
    return sum(
        1
        for piece in pieces
        if piece.op == op
        for token in split_tokens(piece.text)
        if _is_word(token)
    )


def diff_summary(pieces: Sequence[Piece]) -> str:
    """One line for screens and minutes, e.g. "3 words added, 1 removed"."""
    added = _count_words(pieces, "insert")
    removed = _count_words(pieces, "delete")
    if added and removed:
        return ngettext(
            "%(num)d word added, {removed} removed", "%(num)d words added, {removed} removed", added
        ).format(removed=removed) % {"num": added}
    if added:
        return ngettext("%(num)d word added", "%(num)d words added", added) % {"num": added}
    if removed:
        return ngettext("%(num)d word removed", "%(num)d words removed", removed) % {"num": removed}
    if any(piece.op != "same" for piece in pieces):
        return _("punctuation or spacing changed")
    return _("no changes")


def diff_text(pieces: Sequence[Piece]) -> str:
    """Plain text for minutes and Markdown: deletions as `[-old-]`, insertions as `{+new+}`."""
    marks = {"same": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return "".join(marks[p.op][0] + p.text + marks[p.op][1] for p in pieces)


def excerpt(pieces: Sequence[Piece], *, limit: int, context: int) -> tuple[tuple[Piece, ...], bool]:
    """The changes of a diff with at most `context` unchanged characters either side of each
    ("…" where unchanged text is left out), `limit` characters in all; and whether anything
    changed was left out. What a screen shows of one amendment, whatever its length."""
    out: list[Piece] = []
    used, cut, last = 0, False, len(pieces) - 1
    for i, piece in enumerate(pieces):
        text = piece.text
        if piece.op == "same" and len(text) > context:
            if i == 0:  # before the first change: its end
                text = "… " + _from_word(text[-context:])
            elif i == last:  # after the last change: its start
                text = _to_word(text[:context]) + " …"
            elif len(text) > 2 * context:  # between two changes: both ends
                text = f"{_to_word(text[:context])} … {_from_word(text[-context:])}"
        if not text:
            continue
        room = limit - used
        if len(text) > room:
            if room > 0:
                out.append(Piece(piece.op, text[:room].rstrip() + "…"))
            cut = any(p.op != "same" for p in pieces[i:])
            break
        out.append(Piece(piece.op, text))
        used += len(text)
    return tuple(out), cut


def _from_word(text: str) -> str:
    """The end of a text cut from a longer one, from its first whole word."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) == 2 else text.lstrip()


def _to_word(text: str) -> str:
    """The start of a text cut from a longer one, up to its last whole word."""
    parts = text.rsplit(maxsplit=1)
    return parts[0] if len(parts) == 2 else text.rstrip()


def one_line(pieces: Iterable[Piece]) -> tuple[Piece, ...]:
    """The pieces with line breaks and runs of spaces as single spaces: a line of a list."""
    return tuple(Piece(p.op, _SPACES.sub(" ", p.text)) for p in pieces)
