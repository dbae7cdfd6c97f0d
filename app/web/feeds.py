"""Atom 1.0 feeds of decisions (RFC 4287), built with ElementTree so every text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from app.archive.search import ArchivedDecision
from app.archive.state import DecisionFeed
from app.web.urls import Urls

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"


def _stamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def entry_title(d: ArchivedDecision) -> str:
    return f"{d.title} — {d.outcome_words}"


def entry_summary(d: ArchivedDecision) -> str:
    where = d.assembly_title + (f" #{d.number}" if d.number else "")
    lines = [f"{d.outcome_words.capitalize()} at {where} on {d.decided_on}."]
    if d.tabled_to:
        lines.append(f"Tabled to: {d.tabled_to}.")
    if d.working_group:
        lines.append(f"Working group: {d.working_group}.")
    lines.append(d.excerpt.text)
    return " ".join(lines)


def atom_feed(feed: DecisionFeed, urls: Urls) -> bytes:
    """The feed document: id, title, updated, links and author, then one entry per decision."""
    ET.register_namespace("", ATOM)
    slug, key = feed.group.slug, feed.working_group_key
    root = ET.Element(f"{{{ATOM}}}feed")
    _add(root, "id", urls.absolute(urls.archive_feed(slug, key)))
    who = f"{feed.working_group} — {feed.group.name}" if feed.working_group else feed.group.name
    _add(root, "title", f"Decisions of {who}")
    _add(root, "updated", _stamp(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml",
         href=urls.absolute(urls.archive_feed(slug, key)))  # fmt: skip
    _add(root, "link", rel="alternate", type="text/html",
         href=urls.absolute(urls.archive_group(slug, key)))  # fmt: skip
    author = _add(root, "author")
    _add(author, "name", feed.group.name)
    _add(root, "generator", "Mic Check")
    for d in feed.decisions:
        link = urls.absolute(urls.archive_decision(d.proposal_id))
        entry = _add(root, "entry")
        _add(entry, "id", link)  # the permanent page is the decision's identity
        _add(entry, "title", entry_title(d))
        _add(entry, "updated", _stamp(d.decided_at))
        _add(entry, "published", _stamp(d.decided_at))
        _add(entry, "link", rel="alternate", type="text/html", href=link)
        _add(entry, "link", rel="related", type="text/html",
             href=urls.absolute(urls.minutes(d.assembly_id)), title="Minutes")  # fmt: skip
        _add(entry, "summary", entry_summary(d), type="text")
        for name in dict.fromkeys(n for n in (d.working_group, d.tabled_to) if n):
            _add(entry, "category", term=name)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
