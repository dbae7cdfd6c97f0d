"""Pure rules of the archive: what a search asks, what a decision's document holds, and how
a match is shown (no database, no clock, no I/O)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.assembly.logic import normalise_join_code
from app.blocks.tally import OUTCOME_WORDS, PASSES, PROPOSAL_OUTCOMES
from app.errors import Invalid
from app.groups.logic import working_group_key
from app.i18n import N_, _, translate
from app.i18n.formats import day_words

UNDECIDED = "undecided"  # a proposal still open when its assembly closed
ADOPTED = "adopted"  # the outcome filter for any of the passes
OUTCOMES = (*PROPOSAL_OUTCOMES, UNDECIDED)
OUTCOME_FILTERS = (ADOPTED, *OUTCOMES)
WORDS = {
    **OUTCOME_WORDS,
    "tabled": N_("tabled"),
    "withdrawn": N_("withdrawn"),
    UNDECIDED: N_("not decided"),
    ADOPTED: N_("adopted (any pass)"),
}
# Not colour alone: every outcome has a mark beside its words.
MARKS = {
    **dict.fromkeys(PASSES, "✓"),
    "blocked": "⊘",
    "not_enough_support": "✗",
    "tabled": "➜",
    "withdrawn": "↩",
    UNDECIDED: "…",
}
# PostgreSQL's English stop words (tsearch_data/english.stop): its index leaves them out, so
# they are left out of every search, and SQLite (which keeps them) answers the same.
_ENGLISH_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
"""
STOP_WORDS = frozenset(_ENGLISH_STOP.split())
Q_MAX = 200
WORDS_MAX = 20
PAGE_SIZE = 50
_WORD = re.compile(r"\w+")


def outcome_word(outcome: str) -> str:
    """An outcome in words, in the current language."""
    return translate(WORDS[outcome]) if outcome in WORDS else outcome.replace("_", " ")


def outcome_mark(outcome: str) -> str:
    return MARKS.get(outcome, "•")


def query_words(q: str | None) -> list[str]:
    """The words searched for, in order, once each, without stop words ("the", "and"):
    punctuation and search syntax are ignored, so any text a person types is a valid search,
    and SQLite and PostgreSQL answer it alike."""
    if q is None:
        return []
    if len(q) > Q_MAX:
        raise Invalid(
            _("A search is at most {count} characters.").format(count=Q_MAX),
            code="query_too_long",
        )
    words = [w.casefold() for w in _WORD.findall(q)]
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS))[:WORDS_MAX]


def fts5_match(words: Sequence[str]) -> str:
    """An FTS5 query that finds documents holding every word (each quoted: never syntax)."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def outcomes_for(outcome: str | None) -> tuple[str, ...] | None:
    """The stored outcomes an outcome filter matches (None: no filter)."""
    if not outcome:
        return None
    if outcome == ADOPTED:
        return PASSES
    if outcome not in OUTCOMES:
        raise Invalid(
            _("The outcome is one of: {choices}.").format(choices=", ".join(OUTCOME_FILTERS)),
            code="bad_outcome",
        )
    return (outcome,)


def parse_day(value: str | None, *, field: str) -> date | None:
    """A date filter, YYYY-MM-DD; empty means none (a plain GET form sends empty fields)."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        message = (
            _("The from date is written YYYY-MM-DD, like 2026-11-28.")
            if field == "from"
            else _("The to date is written YYYY-MM-DD, like 2026-11-28.")
        )
        raise Invalid(message, code=f"bad_{field}") from exc


def parse_page(value: str | int | None) -> int:
    if value is None or value == "":
        return 1
    try:
        page = int(value)
    except ValueError as exc:
        raise Invalid(_("The page is a whole number from 1."), code="bad_page") from exc
    if not 1 <= page <= 10_000:
        raise Invalid(_("The page is a whole number from 1."), code="bad_page")
    return page


@dataclass(frozen=True)
class ArchiveQuery:
    """A search of the archive, checked: what the form and the API ask for."""

    q: str = ""
    group: str | None = None
    working_group: str | None = None  # its key ("comfort")
    outcome: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    code: str | None = None  # a join code: shows that private assembly too
    page: int = 1
    words: tuple[str, ...] = field(default=())

    @property
    def narrowed(self) -> bool:
        """Anything beyond a group or dates: the list of assemblies says nothing then."""
        return bool(self.words or self.working_group or self.outcome)

    def as_json(self) -> dict[str, str | int | None]:
        return {
            "q": self.q or None,
            "group": self.group,
            "working_group": self.working_group,
            "outcome": self.outcome,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "page": self.page,
        }

    def params(self, **changes: str | int | None) -> dict[str, str]:
        """The query as GET parameters (for links to other pages of the same search)."""
        raw: dict[str, str | int | None] = {
            "q": self.q,
            "group": self.group,
            "working_group": self.working_group,
            "outcome": self.outcome,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "code": self.code,
            "page": self.page if self.page > 1 else None,
            **changes,
        }
        return {k: str(v) for k, v in raw.items() if v not in (None, "")}


def parse_query(
    *,
    q: str | None = None,
    group: str | None = None,
    working_group: str | None = None,
    outcome: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    code: str | None = None,
    page: str | int | None = None,
) -> ArchiveQuery:
    """Check what a form or the API sent; empty fields mean "any" (422 for bad values)."""
    words = query_words(q)
    start = parse_day(date_from, field="from")
    end = parse_day(date_to, field="to")
    if start and end and start > end:
        raise Invalid(_("The “from” date is after the “to” date."), code="bad_dates")
    outcomes_for(outcome or None)
    key = working_group_key(working_group) if working_group and working_group.strip() else None
    return ArchiveQuery(
        q=" ".join((q or "").split()),
        group=(group or "").strip().lower() or None,
        working_group=key or None,
        outcome=outcome or None,
        date_from=start,
        date_to=end,
        code=normalise_join_code(code) if code and code.strip() else None,
        page=parse_page(page),
        words=tuple(words),
    )


def local_day(moment: datetime, time_zone: str) -> str:
    """The calendar day of a moment where the assembly met (YYYY-MM-DD)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(time_zone)).date().isoformat()


def compose_document(
    *,
    title: str,
    texts: Iterable[str],
    amendments: Iterable[tuple[str, str | None]],
    notes: Iterable[str],
    names: Iterable[str | None],
) -> str:
    """Everything a search reads about one decision: title, every version, every amendment
    (text and rationale), the minute taker's notes on its item, and who it names."""
    parts: list[str] = [title]
    for text in texts:
        parts.append(text)
    for text, rationale in amendments:
        parts.append(text)
        if rationale:
            parts.append(rationale)
    parts.extend(notes)
    parts.extend(n for n in names if n)
    return "\n\n".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


@dataclass(frozen=True)
class Excerpt:
    """A piece of a decision's text, to show why it matched: `pieces` are (text, marked), the
    words searched for marked; `elsewhere` when they were searched for but are not in it."""

    pieces: tuple[tuple[str, bool], ...]
    elsewhere: bool = False

    @property
    def text(self) -> str:
        return "".join(piece for piece, _marked in self.pieces)

    @property
    def marked(self) -> list[str]:
        return [piece for piece, marked in self.pieces if marked]

    @property
    def match(self) -> str:
        """The first word marked ("" when none)."""
        return next(iter(self.marked), "")

    @property
    def before(self) -> str:
        """What comes before the first word marked (all of it when none is)."""
        return "".join(p for p, _m in itertools.takewhile(lambda piece: not piece[1], self.pieces))

    @property
    def after(self) -> str:
        """What comes after the first word marked, later marks included."""
        rest = list(itertools.dropwhile(lambda piece: not piece[1], self.pieces))
        return "".join(piece for piece, _marked in rest[1:])


# Rough English endings, longest first: enough to mark "tents" for "tent" or "moving" for
# "moved"; the indexes' own stemmers (FTS5 porter, PostgreSQL english) decide what matches.
_ENDINGS = ("ingly", "edly", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def word_root(word: str) -> str:
    """A word's rough stem: "tents", "tent" → "tent"; "moves", "moving", "move" → "mov";
    "parties", "party" → "parti"; "drumming", "drums" → "drum"."""
    root = word.casefold()
    if not root.endswith("eed"):  # "speed", "needed": the e's are the word's own
        for ending in _ENDINGS:
            if ending == "s" and root.endswith("ss"):  # "pass", "grass": not plurals
                break
            if root.endswith(ending) and len(root) - len(ending) >= 3:
                root = root[: -len(ending)] + ("i" if ending in ("ies", "ied") else "")
                break
    if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "aeiouls":
        root = root[:-1]  # "drumm(ing)" → "drum"; "pass", "fall" keep theirs
    if len(root) > 3 and root[-1] == "e":
        root = root[:-1]
    if len(root) > 3 and root[-1] == "y":
        root = root[:-1] + "i"
    return root


def excerpt(text: str, words: Sequence[str], width: int = 180) -> Excerpt:
    """The passage of `text` (a decision's last version) where a word searched for first
    appears, cut to whole words around it, every word searched for in it marked; the text's
    start when none appears (with `elsewhere` when words were searched for)."""
    roots = {word_root(w) for w in words}
    for paragraph in (" ".join(p.split()) for p in text.split("\n\n")):
        found = [m for m in _WORD.finditer(paragraph) if word_root(m.group()) in roots]
        if found:
            return _marked_window(paragraph, found, width)
    flat = " ".join(text.split())
    return Excerpt(((_cut_end(flat, width), False),), elsewhere=bool(words))


def _marked_window(paragraph: str, found: list[re.Match[str]], width: int) -> Excerpt:
    """At most `width` characters of `paragraph` around the first match (centred on it when
    the paragraph is longer), on whole words."""
    first = found[0]
    side = max(0, (width - len(first.group())) // 2)
    start, end = 0, len(paragraph)
    if first.start() > side:
        start = max(0, min(first.start() - side, len(paragraph) - width))
        space = paragraph.find(" ", start, first.start()) if start > 0 else -1
        start = space + 1 if space != -1 else start
    if end - start > width:
        space = paragraph.rfind(" ", first.end(), start + width + 1)
        end = space if space != -1 else max(first.end(), start + width)
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        if match.start() > at:
            pieces.append((paragraph[at : match.start()], False))
        pieces.append((match.group(), True))
        at = match.end()
    if at < end:
        pieces.append((paragraph[at:end], False))
    if end < len(paragraph):
        pieces.append(("…", False))
    return Excerpt(tuple(pieces))


def _cut_end(text: str, width: int) -> str:
    """At most `width` characters, ending on a whole word, with "…" when cut."""
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0] + "…"


def human_day(iso_day: str, language: str | None = None) -> str:
    """ "2026-11-28" → "Saturday 28 November 2026" (months later, a weekday helps memory), in
    `language` (default: the current one)."""
    return day_words(date.fromisoformat(iso_day), language)
