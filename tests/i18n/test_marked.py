"""Every piece of text a template shows a person is marked for translation.

Each template is read through Jinja's own lexer: what stands outside its tags and outside
`{% trans %}` blocks is the template's literal HTML. Parsed as HTML (with every Jinja
expression replaced by a placeholder), any text node or person-facing attribute holding a
letter is a string nobody can translate.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from jinja2 import Environment

from app.web.render import TEMPLATES, make_environment

HOLE = "\x00"  # where a Jinja expression or a translated block stood
# Attributes whose values people read or hear (screen readers read aria-label and title).
READ_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt", "label"})
SKIPPED_ELEMENTS = frozenset({"script", "style"})
# Names that are the same in every language.
UNTRANSLATED = frozenset({"Mic Check", "Mic Check:", "English", "Español", "SVG", "QR"})
LETTER = re.compile(r"[^\W\d_]")


def literal_html(env: Environment, source: str) -> str:
    """The template's HTML with every tag's output and trans block replaced by HOLE."""
    parts: list[str] = []
    depth = 0  # inside {% trans %} … {% endtrans %}
    expect_name = False
    for _line, kind, value in env.lex(source):
        if kind == "block_begin":
            expect_name = True
            continue
        if expect_name and kind == "name":
            if value == "trans":
                depth += 1
                parts.append(HOLE)
            elif value == "endtrans":
                depth -= 1
            expect_name = False
            continue
        if kind in ("whitespace",):
            continue
        expect_name = False
        if kind == "data" and depth == 0:
            parts.append(value)
        elif kind == "variable_begin" and depth == 0:
            parts.append(HOLE)
    return "".join(parts)


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        named = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(value)
        if tag == "input" and named.get("type") in ("submit", "button") and named.get("value"):
            self.found.append(named["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.found.append(data)


def unmarked(env: Environment, source: str) -> list[str]:
    """The person-facing texts of a template that are not marked for translation."""
    parser = _Texts()
    parser.feed(literal_html(env, source))
    texts = []
    for text in parser.found:
        for piece in text.split(HOLE):
            piece = " ".join(piece.split())
            if LETTER.search(piece) and piece not in UNTRANSLATED:
                texts.append(piece)
    return texts


TEMPLATE_FILES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_every_text_of_a_template_is_marked_for_translation(name: str) -> None:
    env = make_environment()
    found = unmarked(env, (TEMPLATES / name).read_text(encoding="utf-8"))
    assert not found, f"{name} shows text nobody can translate: {found}"


def test_the_checker_finds_an_unmarked_text_and_passes_a_marked_one() -> None:
    env = make_environment()
    assert unmarked(env, '<p>Hands up</p><input placeholder="Your name">') == [
        "Hands up",
        "Your name",
    ]
    marked = (
        '<p>{{ _("Hands up") }}</p><input placeholder="{{ _("Your name") }}">'
        '<p>{% trans n=3 %}You are {{ n }}{% endtrans %}</p><script>var x = "y";</script>'
        '<p class="big">{{ name }} &middot; 3</p>'
    )
    assert unmarked(env, marked) == []
