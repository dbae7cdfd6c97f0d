"""Languages: the gettext catalogues, the language of the moment, numbers and dates.

Catalogues are `locale/<code>/LC_MESSAGES/messages.po`, read (and compiled in memory) when
first used, so no compiled `.mo` file is kept in the repository. Strings are marked with
`_()` where they are made for a person now (an error, a CLI line), and with `N_()` where
they are made once at import and translated where they are shown (`translate()`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
DEFAULT = "en"
# Each language has a complete catalogue; its own name is how the language switch shows it.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def N_(message: str) -> str:
    """Mark a string for the catalogues without translating it (it is translated where shown)."""
    return message


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalogue of a language (English's holds no changes)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def normal(code: str | None) -> str | None:
    """The supported language a code asks for ("es-MX" -> "es"), or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def current() -> str:
    """The language this request (or CLI run) speaks."""
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Speak `language` (a supported code; anything else is the default) inside the block."""
    chosen = normal(language) or DEFAULT
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_current(language: str | None) -> str:
    """Speak `language` from now on in this context (a request's own task)."""
    chosen = normal(language) or DEFAULT
    _current.set(chosen)
    return chosen


def gettext(message: str) -> str:
    """`message` in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message in the current language, for `n`."""
    return translations(_current.get()).ngettext(singular, plural, n)


def translate(message: str, language: str | None = None) -> str:
    """A string marked with `N_()`, in `language` (default: the current one)."""
    return translations(normal(language) or _current.get()).gettext(message)


_ = gettext


def ordinal(n: int, language: str | None = None) -> str:
    """A place in a line: 3rd, 3.º."""
    if (normal(language) or _current.get()) == "es":
        return f"{n}.º"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
