"""The printable minutes page (templates/minutes.html), for the routes and `miccheck export`."""

from __future__ import annotations

import re

from jinja2 import Environment
from markupsafe import Markup

from app.events.chain import check_commands, fingerprint
from app.i18n import _, current, speaking
from app.i18n.formats import number
from app.minutes import words
from app.minutes.charts import round_chart
from app.minutes.record import Minutes, Round


def css_string(text: str) -> Markup:
    """Text as the inside of a CSS string: everything but letters, digits and spaces escaped,
    so a title can never end the string or the <style> element."""
    return Markup("".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text))


def page_counter_css(template: str) -> Markup:
    """A CSS `content` value from "page {page} of {pages}": its words as escaped strings, its
    places as the printed page's counters."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece in ("{page}", "{pages}"):
            parts.append(f"counter({piece[1:-1]})")
        elif piece:
            parts.append(f'"{css_string(piece)}"')
    return Markup(" ".join(parts))


def render_minutes_html(
    env: Environment,
    minutes: Minutes,
    *,
    seq: int,
    language: str | None = None,
    formats: dict[str, str] | None = None,
    verify_url: str | None = None,
) -> str:
    """The whole page: header, items with charts of every round, the head hash to check.
    It speaks `language` (the assembly's, as the minutes were folded in; `env` is that
    language's; None: the current one). `formats` (md, html, json → URL) adds links to the
    other formats and `verify_url` a link to the /verify page: the page /a/{id}/minutes has them;
    the file `miccheck export` writes and the API's copy stand alone."""
    h = minutes.header

    def chart(row: Round) -> Markup:
        return Markup(round_chart(row))  # built from escaped parts in app/minutes/charts.py

    with speaking(language or current()):  # the phrases of app/minutes/words.py the template calls
        if h.number is not None:
            page_title = _("Minutes: {title} no. {number}, {date}").format(
                title=h.title, number=h.number, date=h.date
            )
        else:
            page_title = _("Minutes: {title}, {date}").format(title=h.title, date=h.date)
        return env.get_template("minutes.html").render(
            m=minutes,
            w=words,
            chart=chart,
            seq=seq,
            page_title=page_title,
            page_title_css=css_string(page_title),
            page_counter_css=page_counter_css(_("page {page} of {pages}")),
            formats=formats,
            check=check_commands(h.assembly_id, minutes.head.hash),
            fingerprint=fingerprint(minutes.head.hash),
            verify_url=verify_url,
            num=number,
        )
