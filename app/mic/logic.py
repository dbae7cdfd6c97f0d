"""Pure rules of the people's mic: how a text is cut into phrases a crowd can repeat.

A phrase is 5 to 8 words, cut between words (a word is whatever stands between spaces, so
"$1,200", "10:30" and "army-surplus" stay whole) and, where the text allows, after
punctuation: a sentence's end first, then a comma, colon or dash. The cuts are chosen for the
whole text at once (the cheapest sequence of phrases), not greedily, so the last phrase is not
left with two words.
"""

from __future__ import annotations

MIN_WORDS, MAX_WORDS = 5, 8
SENTENCE_ENDS = ".!?…"
PAUSES = ',;:—–)"”’'

# What a cut costs after a word ending in: a sentence's end, a pause, anything else.
CUT_AFTER_SENTENCE, CUT_AFTER_PAUSE, CUT_MID_CLAUSE = 0.0, 1.0, 4.0
SENTENCE_INSIDE = 8.0  # a phrase running on past a sentence's end ("…tarps. The crew")
SHORT_WORD = 50.0  # each word a phrase falls short of MIN_WORDS (only when nothing else fits)
BEST_LENGTH = 6.5  # a phrase the crowd repeats most easily


def split_phrases(text: str) -> list[str]:
    """`text` as phrases of MIN_WORDS to MAX_WORDS words, joined by single spaces.

    Every text of 10 words or more splits within the bounds; a shorter one is one phrase (up
    to 8 words) or, at 9, one of 4 and one of 5. The words come back in order, none lost."""
    words = text.split()
    if not words:
        return []
    cuts = _best_cuts(tuple(words))
    return [" ".join(words[a:b]) for a, b in zip((0, *cuts), cuts, strict=False)]


def _cut_cost(word: str) -> float:
    stripped = word.rstrip(PAUSES)
    if stripped.endswith(tuple(SENTENCE_ENDS)) or word.endswith(tuple(SENTENCE_ENDS)):
        return CUT_AFTER_SENTENCE
    if word.endswith(tuple(PAUSES)):
        return CUT_AFTER_PAUSE
    return CUT_MID_CLAUSE


def _phrase_cost(words: tuple[str, ...]) -> float:
    length = len(words)
    cost = SHORT_WORD * max(0, MIN_WORDS - length) + 0.1 * (length - BEST_LENGTH) ** 2
    cost += SENTENCE_INSIDE * sum(_cut_cost(w) == CUT_AFTER_SENTENCE for w in words[:-1])
    return cost + _cut_cost(words[-1])


def _best_cuts(words: tuple[str, ...]) -> tuple[int, ...]:
    """The end of each phrase (the last is len(words)): the cheapest sequence of phrases,
    found from the text's end backwards (no recursion: a proposal may run to 1,000 words)."""
    n = len(words)
    cost = [0.0] * (n + 1)
    next_cut = [n] * (n + 1)
    for start in range(n - 1, -1, -1):
        cost[start], next_cut[start] = min(
            (_phrase_cost(words[start:end]) + cost[end], end)
            for end in range(start + 1, min(start + MAX_WORDS, n) + 1)
        )
    cuts, at = [], 0
    while at < n:
        at = next_cut[at]
        cuts.append(at)
    return tuple(cuts)
