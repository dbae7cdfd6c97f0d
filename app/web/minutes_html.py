"""The printable minutes page (templates/minutes.html), for the routes and `miccheck export`."""

from __future__ import annotations

from jinja2 import Environment
from markupsafe import Markup

from app.events.chain import check_commands
from app.minutes import words
from app.minutes.charts import round_chart
from app.minutes.record import Minutes, Round


def css_string(text: str) -> Markup:
    """Text as the inside of a CSS string: everything but letters, digits and spaces escaped,
    so a title can never end the string or the <style> element."""
    return Markup("".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text))


def render_minutes_html(
    env: Environment, minutes: Minutes, *, seq: int, formats: dict[str, str] | None = None
) -> str:
    """The whole page: header, items with charts of every round, the head hash to check.
    `formats` (md, html, json → URL) adds links to the other formats: the page /a/{id}/minutes
    has them; the file `miccheck export` writes and the API's copy stand alone."""
    h = minutes.header
    number = f" no. {h.number}" if h.number is not None else ""
    page_title = f"Minutes: {h.title}{number}, {h.date}"

    def chart(row: Round) -> Markup:
        return Markup(round_chart(row))  # built from escaped parts in app/minutes/charts.py

    return env.get_template("minutes.html").render(
        m=minutes,
        w=words,
        chart=chart,
        seq=seq,
        page_title_css=css_string(page_title),
        formats=formats,
        check=check_commands(h.assembly_id, minutes.head.hash),
    )
