"""Atom 1.0 feeds of decisions (RFC 4287), built with ElementTree so every text is escaped.

Each entry speaks its assembly's language (xml:lang says which); the feed's own title speaks
the language of its newest decision. Each entry carries its assembly's event log head, in its
summary and as an `mc:head` element (namespace EVENT_LOG), to check an export against."""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

from app.archive.search import ArchivedDecision
from app.archive.state import DecisionFeed
from app.events.chain import fingerprint
from app.i18n import DEFAULT, _, speaking
from app.i18n.formats import short_day
from app.web.urls import Urls

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EVENT_LOG = "urn:miccheck:event-log"  # <mc:head seq="…">hash</mc:head>


def _stamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def entry_title(d: ArchivedDecision) -> str:
    """The title of a decision's entry, in the current language."""
    return f"{d.title} — {d.outcome_words}"


def entry_summary(d: ArchivedDecision, head: tuple[int, str] | None = None) -> str:
    """What an entry says of its decision, in the current language; with its assembly's log
    head (seq, hash) last."""
    where = d.assembly_title + (f" #{d.number}" if d.number else "")
    day = short_day(date.fromisoformat(d.decided_on))
    lines = [
        _("{outcome} at {assembly} on {day}.").format(
            outcome=d.outcome_words.capitalize(), assembly=where, day=day
        )
    ]
    if d.tabled_to:
        lines.append(_("Tabled to: {name}.").format(name=d.tabled_to))
    if d.working_group:
        lines.append(_("Working group: {name}.").format(name=d.working_group))
    lines.append(d.excerpt.text)
    if head is not None:
        seq, digest = head
        lines.append(
            _("Event log head: seq {seq}, hash {hash} (fingerprint {fingerprint}).").format(
                seq=seq, hash=digest, fingerprint=fingerprint(digest)
            )
        )
    return " ".join(lines)


def atom_feed(feed: DecisionFeed, urls: Urls) -> bytes:
    """The feed document: id, title, updated, links and author, then one entry per decision."""
    ET.register_namespace("", ATOM)
    ET.register_namespace("mc", EVENT_LOG)
    slug, key = feed.group.slug, feed.working_group_key
    language = feed.decisions[0].language if feed.decisions else DEFAULT
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language})
    _add(root, "id", urls.absolute(urls.archive_feed(slug, key)))
    who = f"{feed.working_group} — {feed.group.name}" if feed.working_group else feed.group.name
    with speaking(language):
        _add(root, "title", _("Decisions of {name}").format(name=who))
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
        entry = _add(root, "entry", **{XML_LANG: d.language})
        head = feed.heads.get(d.assembly_id)
        with speaking(d.language):
            title, summary, minutes = entry_title(d), entry_summary(d, head), _("Minutes")
        _add(entry, "id", link)  # the permanent page is the decision's identity
        _add(entry, "title", title)
        _add(entry, "updated", _stamp(d.decided_at))
        _add(entry, "published", _stamp(d.decided_at))
        _add(entry, "link", rel="alternate", type="text/html", href=link)
        _add(entry, "link", rel="related", type="text/html",
             href=urls.absolute(urls.minutes(d.assembly_id)), title=minutes)  # fmt: skip
        _add(entry, "summary", summary, type="text")
        for name in dict.fromkeys(n for n in (d.working_group, d.tabled_to) if n):
            _add(entry, "category", term=name)
        if head is not None:
            ET.SubElement(entry, f"{{{EVENT_LOG}}}head", {"seq": str(head[0])}).text = head[1]
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
