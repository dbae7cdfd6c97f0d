"""Which language a screen speaks: its visible text scanned against the catalogues (issue 13).

The English of a Spanish screen is found by the catalogue itself: every msgid whose Spanish
differs from it is cut at its placeholders (%(name)s, {name}, %d) into literal pieces, and a
visible text holding a piece of two or more words, or being exactly a one-word msgid ("Next"),
is a leak. An English screen is scanned the same way for the Spanish msgstr pieces. Text that
was never marked is in no catalogue, so a second, plainer check looks for the other language's
own small words ("the", "your" / "el", "para") in a line: it names what the markers missed.

What people typed (names, titles, proposal texts) is no leak: the walk-through names it, and a
text node that is part of it, or that holds it, is scanned without it. Text inside an element
whose `lang` is another language (the language switch: "English" on a Spanish phone) is that
language's by design.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

REPO_ROOT = Path(__file__).resolve().parents[2]
SPANISH_PO = REPO_ROOT / "locale" / "es" / "LC_MESSAGES" / "messages.po"

# %(name)s, %s, %d, {name}, {0}: the places a message's variables go.
# HTML tags inside a {% trans %} block cut a message the same way.
_PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]|%[sdifr%]|\{[^{}]*\}|<[^<>]*>"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SPACE = re.compile(r"\s+")
_TRIM = " \t\n.,;:·—–-()[]“”\"'‘’…!?¿¡/|"  # what a piece's ends may lose


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Small words one language has and the other has not: two of them in a line is a sentence of
# that language (used for text in no catalogue). Words the other language shares are left out
# ("a", "no", "me", "has", "he", "se", "son", "con"...).
ENGLISH_WORDS = _words(
    "the and you your yours is are was were of to with for this that these those by on at it "
    "its will would not from or be been who what when which here there their they we our an "
    "my into than then have isn't aren't don't can't won't you're it's"
)
SPANISH_WORDS = _words(
    "el la los las del de que en y un una unos unas es por para su sus tu tus al lo está "
    "están ya pero como más qué cuando donde este esta estos estas ese esa hay sin sobre "
    "también tiene puede ha"
)


def _pieces(message: str) -> list[str]:
    """A message's literal pieces between placeholders, spaces made single, ends trimmed."""
    found = []
    for piece in _PLACEHOLDER.split(message):
        piece = _SPACE.sub(" ", piece).strip(_TRIM)
        if _WORD.search(piece):
            found.append(piece)
    return found


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [v for v in value if v]


class Vocabulary:
    """What is one language's and not the other's, as the catalogue says."""

    def __init__(
        self, phrases: Iterable[str], words: Iterable[str], small_words: frozenset[str]
    ) -> None:
        self.phrases = tuple(sorted(set(phrases), key=len, reverse=True))  # found anywhere
        self.words = frozenset(words)  # one-word messages, found only as a whole text
        self.small_words = small_words  # for text in no catalogue
        body = "|".join(r"\s+".join(map(re.escape, p.split(" "))) for p in self.phrases)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE) if body else None

    def leaks(self, text: str) -> list[str]:
        """The other language's phrases in `text` (one text node or attribute)."""
        line = _SPACE.sub(" ", text).strip()
        if not line:
            return []
        pattern = self._pattern
        found = [m.group(0) for m in pattern.finditer(line)] if pattern else []
        bare = line.strip(_TRIM).casefold()
        if not found and bare in self.words:
            found.append(line)
        if not found:
            small = {w.casefold() for w in _WORD.findall(line)} & self.small_words
            if len(small) >= 2:
                found.append(f"{line} (not in the catalogue: {', '.join(sorted(small))})")
        return found


def vocabularies(catalog: Catalog) -> tuple[Vocabulary, Vocabulary]:
    """(English, Spanish): what shows a Spanish screen speaks English, and the other way round.

    A message whose Spanish is still empty counts as English (the screen shows its msgid);
    a message the same in both languages ("Mic Check", "OK") counts as neither, and so does a
    piece found in the other language's messages too.
    """
    english: set[str] = set()
    spanish: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _forms(message.id), _forms(message.string)
        if strings and set(strings) <= set(ids):
            continue  # the same in both languages
        english.update(ids)
        spanish.update(s for s in strings if s not in ids)
    english_pieces = {p for m in english for p in _pieces(m)}
    spanish_pieces = {p for m in spanish for p in _pieces(m)}
    english_all = " ".join(sorted(english_pieces)).casefold()
    spanish_all = " ".join(sorted(spanish_pieces)).casefold()
    return (
        _vocabulary(english, english_pieces, spanish_all, ENGLISH_WORDS),
        _vocabulary(spanish, spanish_pieces, english_all, SPANISH_WORDS),
    )


def _vocabulary(
    messages: Iterable[str], pieces: Iterable[str], other: str, small_words: frozenset[str]
) -> Vocabulary:
    """Phrases of 2+ words and whole one-word messages of one language, less the other's."""
    phrases = [p for p in pieces if len(_WORD.findall(p)) >= 2 and p.casefold() not in other]
    words = set()
    for message in messages:
        whole = _pieces(message)
        if len(whole) == 1 and whole[0] == _SPACE.sub(" ", message).strip(_TRIM):
            word = whole[0].casefold()
            if _WORD.fullmatch(word) and len(word) > 1 and not _within(word, other):
                words.add(word)
    return Vocabulary(phrases, words, small_words)


def _within(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def read_catalogue(path: Path = SPANISH_PO) -> Catalog:
    """The Spanish catalogue, with every string marked in the code but not in it yet (as
    `make messages` would add it: untranslated, so a Spanish screen shows its English)."""
    with path.open("rb") as file:
        catalog = read_po(file, locale="es")
    for message in _marked_in_the_code():
        if message not in catalog:
            catalog.add(message, "" if isinstance(message, str) else ("", ""))
    return catalog


def _marked_in_the_code() -> list[str | tuple[str, ...]]:
    with (REPO_ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "also": None}  # `also("…")`: the wall's second language
    found: list[str | tuple[str, ...]] = []
    wanted = (REPO_ROOT / "app", REPO_ROOT / "templates")

    def inside(path: str) -> bool:  # the root, app/ and templates/ and what is under them
        here = Path(path).resolve()
        return here == REPO_ROOT or any(w == here or w in here.parents for w in wanted)

    for _file, _line, message, _comments, _context in extract_from_dir(
        REPO_ROOT, method_map, options_map, keywords=keywords, directory_filter=inside
    ):
        found.append(message if isinstance(message, str) else tuple(message[:2]))
    return found


# ---- what a screen shows ---------------------------------------------------------------------

# Every visible text node, and the words of visible controls a person sees or hears, with the
# language its element is marked as ("" when it is the page's own).
VISIBLE_TEXT_JS = r"""() => {
  const page = (document.documentElement.getAttribute('lang') || '').toLowerCase();
  const langOf = (el) => {
    const marked = el.closest('[lang]');
    const lang = marked ? marked.getAttribute('lang').toLowerCase() : '';
    return lang === page ? '' : lang;
  };
  const shown = (el) => {
    if (!el) return false;
    if (el.closest('datalist, template, noscript, script, style')) return false;
    const owner = el.closest('select');  // an option is seen as its box is
    const box = owner || el;
    return box.checkVisibility({checkVisibilityCSS: true}) && box.getClientRects().length > 0;
  };
  const found = [];
  if (document.title.trim()) found.push({text: document.title, where: 'title', lang: ''});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text || !shown(node.parentElement)) continue;
    const el = node.parentElement;
    found.push({text, where: el.tagName.toLowerCase(), lang: langOf(el)});
  }
  // Words a style sheet writes (content: " (you)") are read as well.
  for (const el of document.body.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      if (!style.content.startsWith('"') || style.display === 'none') continue;
      const text = [...style.content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join('');
      if (/\p{L}/u.test(text) && shown(el)) {
        found.push({text: text.trim(), where: el.tagName.toLowerCase() + pseudo, lang: langOf(el)});
      }
    }
  }
  const controls = document.body.querySelectorAll('[placeholder], [aria-label], [title], '
    + 'img[alt], input[type=submit][value], input[type=button][value]');
  for (const el of controls) {
    if (!shown(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt', 'value']) {
      const pressed = el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type);
      if (name === 'value' && !pressed) continue;
      const text = (el.getAttribute(name) || '').trim();
      if (text) found.push({text, where: `${el.tagName.toLowerCase()}[${name}]`, lang: langOf(el)});
    }
  }
  return {lang: page, texts: found};
}"""


@dataclass
class Typed:
    """What people typed into the evening: theirs, in whatever language they wrote it."""

    texts: set[str] = field(default_factory=set)

    def add(self, *texts: str) -> None:
        # Without their end's stops, as a line is compared: "Seis no alcanzan."
        self.texts.update(_SPACE.sub(" ", t).strip(_TRIM) for t in texts if t.strip(_TRIM))

    def without(self, text: str) -> str:
        """`text` less whatever in it was typed; "" when all of it is part of a typed text."""
        line = _SPACE.sub(" ", text).strip(_TRIM)  # a diff's "… changed words …" too
        if not line:
            return ""
        part = re.compile(rf"(?<!\w){re.escape(line)}(?!\w)")
        if any(part.search(typed) for typed in self.texts):
            return ""
        for typed in sorted(self.texts, key=len, reverse=True):
            line = line.replace(typed, " ")
        return line


def screen_leaks(
    page: Any, vocabulary: Vocabulary, typed: Typed, *, lang: str, where: str
) -> list[str]:
    """Everything the other language left on this screen, as "screen · moment · text"."""
    shown = page.evaluate(VISIBLE_TEXT_JS)
    found = []
    if shown["lang"] != lang:
        found.append(f"{where} · <html lang={shown['lang']!r}>, not {lang!r}")
    seen: set[str] = set()
    for item in shown["texts"]:
        if item["lang"]:
            continue  # marked as another language on purpose (the language switch)
        text = typed.without(item["text"])
        for leak in vocabulary.leaks(text):
            line = f"{where} · {item['where']}: {leak!r} in {_SPACE.sub(' ', item['text'])[:120]!r}"
            if line not in seen:
                seen.add(line)
                found.append(line)
    return found


# ---- what never went through the catalogue ---------------------------------------------------

# A pseudo-Spanish catalogue writes every literal run of every message between ⟦ and ⟧ (the
# placeholders and tags stay outside, so a value put into a message shows bare): a screen
# speaking it shows letters outside the brackets only where a string never went through
# gettext (a Python f-string, a word kept in the database, an N_() constant shown as it is).
OPEN, CLOSE = "⟦", "⟧"
_RUN = re.compile(rf"{_PLACEHOLDER.pattern}|[^%{{<]+|.", re.DOTALL)
_MARKED = re.compile(rf"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def bracketed(message: str) -> str:
    """A message with each literal run between brackets: "⟦You are ⟧%(place)s"."""
    out = []
    for match in _RUN.finditer(message):
        run = match.group(0)
        literal = not _PLACEHOLDER.fullmatch(run)
        out.append(f"{OPEN}{run}{CLOSE}" if literal and run.strip() else run)
    return "".join(out).replace(f"{CLOSE}{OPEN}", "")


def pseudo_translations(catalog: Catalog) -> Any:
    """A babel Translations speaking the catalogue's messages bracketed (changes `catalog`)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.support import Translations

    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            message.string = bracketed(message.id)
        else:  # as many forms as the catalogue's own Plural-Forms asks for
            one, other = bracketed(message.id[0]), bracketed(message.id[1])
            message.string = (one, *[other] * (catalog.num_plurals - 1))
        message.flags.discard("fuzzy")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def spanish_dates() -> frozenset[str]:
    """The words babel writes in Spanish dates: theirs, not the catalogue's."""
    from babel.dates import get_day_names, get_month_names

    words = {"de", "del", "a", "m", "p"}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for names in (
                get_month_names(width, context, "es"),
                get_day_names(width, context, "es"),
            ):
                for name in names.values():
                    words.update(w.casefold() for w in _WORD.findall(name))
    return frozenset(words)


UNTRANSLATABLE = frozenset({"utc", "gmt"})  # a time zone's name stays as it is


def unmarked(page: Any, typed: Typed, *, where: str) -> list[str]:
    """The visible words of a page speaking the pseudo catalogue that never went through it."""
    shown = page.evaluate(VISIBLE_TEXT_JS)
    allowed = spanish_dates() | UNTRANSLATABLE
    found = []
    for item in shown["texts"]:
        if item["lang"] or item["where"] in ("code", "kbd", "pre", "samp"):
            continue  # another language on purpose; a command to type, as it is typed
        text = item["text"]
        rest = typed.without(_MARKED.sub(" ", text))
        words = [w for w in _LETTERS.findall(rest) if w.casefold() not in allowed]
        if words:
            found.append(
                f"{where} · {item['where']}: {' '.join(words)!r} in {_SPACE.sub(' ', text)[:120]!r}"
            )
    return found
