"""The catalogues: every marked string is in each, Spanish translates them all, and each
compiles with the same placeholders as its English."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES, LOCALE_DIR, translations

ROOT = LOCALE_DIR.parent
# `also("…")`: a wall line in the assembly's second language (app/web/render.py).
KEYWORDS = {**DEFAULT_KEYWORDS, "also": None}
BRACES = re.compile(r"\{(\w*)[^{}]*\}")
PERCENTS = re.compile(r"%\((\w+)\)[sd]")


@cache
def extracted() -> frozenset[str]:
    """Every msgid marked in app/ and templates/, as `make messages` extracts them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found: set[str] = set()
    for folder in ("app", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT,
            method_map,
            options_map,
            keywords=KEYWORDS,
            directory_filter=lambda path, folder=folder: _inside(path, ROOT / folder),
        ):
            found.update([message] if isinstance(message, str) else message[:2])
    return frozenset(found)


def _inside(path: str, folder: Path) -> bool:
    here = Path(path).resolve()
    return here in (ROOT, folder) or folder in here.parents or here in folder.parents


def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} | {
        m.id[1] for m in catalog if m.id and not isinstance(m.id, str)
    }


def placeholders(text: str) -> tuple[set[str], set[str]]:
    return set(BRACES.findall(text)), set(PERCENTS.findall(text))


def test_the_extraction_finds_the_strings_of_code_and_templates() -> None:
    found = extracted()
    assert "The {field} must be one of: {choices}." in found  # app/assembly/logic.py
    assert "Set languages" in found  # templates/_languages_form.html


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_marked_string_is_in_every_catalogue(language: str) -> None:
    missing = sorted(extracted() - ids(catalogue(language)))
    assert not missing, f"run `make messages`, then translate: {missing[:20]}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_catalogue_keeps_a_string_nothing_shows(language: str) -> None:
    stale = sorted(ids(catalogue(language)) - extracted())
    assert not stale, f"run `make messages` (it drops them): {stale[:20]}"


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_every_string_is_translated_and_none_is_left_fuzzy(language: str) -> None:
    untranslated = [
        m.id for m in catalogue(language) if m.id and (m.fuzzy or not all(_strings(m.string)))
    ]
    assert not untranslated, f"{language}: {len(untranslated)} to translate: {untranslated[:20]}"


def _strings(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_catalogue_compiles_with_its_placeholders_intact(language: str) -> None:
    catalog = catalogue(language)
    problems = [f"{m.id!r}: {errors}" for m, errors in catalog.check()]
    for message in catalog:
        if not message.id:
            continue
        sources = _strings(message.id)
        for translated in _strings(message.string):
            if translated and placeholders(translated) != placeholders(sources[-1]):
                problems.append(f"{message.id!r} -> {translated!r}: placeholders differ")
    assert not problems, "\n".join(problems[:20])
    write_mo(io.BytesIO(), catalog)  # raises on a catalogue that does not compile
    translations.cache_clear()
    assert translations(language).gettext("Set languages")
