"""Archive pages and Atom feeds — HTML parsed with BeautifulSoup, feeds parsed as XML:
the list and its plain GET form, a decision's permanent page, groups and working groups,
private assemblies only with their join code, and bad addresses answered, never a 500."""

from __future__ import annotations

import json
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.assembly.models import Assembly
from app.blocks.models import Round
from app.db import Database
from app.web.assets import static_url
from app.web.feeds import EVENT_LOG, XML_LANG
from tests.archive.builders import (
    BLOCK_REASON,
    DRUMS_AMENDED,
    TENTS,
    TENTS_AMENDED,
    Meeting,
    hold_meeting,
    make_group,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def text_of(page: BeautifulSoup, selector: str) -> str:
    found = page.select_one(selector)
    assert found is not None, selector
    return " ".join(found.get_text(" ", strip=True).split())


@pytest.fixture
def riverside(db: Database) -> Meeting:
    """Riverside Commons' first assembly, closed: tents passed, drums tabled to Comfort."""
    return hold_meeting(db, make_group(db))


def decision_links(page: BeautifulSoup) -> list[str]:
    return [str(a["href"]) for a in page.select(".decisions .decision-title a")]


def test_the_archive_lists_decisions_and_closed_assemblies(
    client: TestClient, riverside: Meeting, db: Database
) -> None:
    hold_meeting(db, None, title="Harbour GA", close=False)  # open: not in the archive
    response = client.get("/archive")
    assert response.status_code == 200
    page = soup(response)
    assert decision_links(page) == [
        f"/archive/decisions/{riverside.tents}",
        f"/archive/decisions/{riverside.drums}",
    ]
    outcomes = [" ".join(p.get_text(" ", strip=True).split()) for p in page.select(".outcome")]
    assert outcomes == ["✓ Passed with stand-asides", "➜ Tabled to Comfort working group"]
    assemblies = page.select(".assemblies li")
    assert len(assemblies) == 1
    link = assemblies[0].select_one("a.assembly-title")
    assert link is not None and link["href"] == f"/a/{riverside.aid}/minutes"
    assert link.get_text(strip=True) == "Riverside Commons GA #1"
    assert page.find("link", rel="stylesheet", href=static_url("archive.css")) is not None


def test_the_search_form_is_a_plain_get_form(client: TestClient, riverside: Meeting) -> None:
    page = soup(client.get("/archive"))
    form = page.select_one("form.archive-filters")
    assert form is not None and form["method"] == "get" and form["action"] == "/archive"
    names = {field["name"] for field in form.select("input[name], select[name]")}
    assert names == {"q", "group", "working_group", "outcome", "from", "to", "code"}
    assert not [a for a in form.attrs if a.startswith("hx-")]
    assert page.find("script") is None  # nothing on this page needs JavaScript
    groups = [o["value"] for o in form.select("select[name=group] option")]
    assert groups == ["", "riverside-commons"]


def test_a_search_shows_where_the_word_was_found(client: TestClient, riverside: Meeting) -> None:
    page = soup(client.get("/archive", params={"q": "tarpaulins"}))
    assert decision_links(page) == [f"/archive/decisions/{riverside.drums}"]
    assert text_of(page, ".decision .excerpt mark") == "tarpaulins"
    assert page.select_one("#f-q")["value"] == "tarpaulins"  # type: ignore[index]
    assert page.select_one(".assemblies") is None  # a search lists decisions only


def test_filters_narrow_the_list_and_stay_in_the_form(
    client: TestClient, riverside: Meeting
) -> None:
    page = soup(client.get("/archive", params={"working_group": "Comfort", "outcome": "tabled"}))
    assert decision_links(page) == [f"/archive/decisions/{riverside.drums}"]
    chosen = page.select_one("select[name=outcome] option[selected]")
    assert chosen is not None and chosen["value"] == "tabled"
    assert page.select_one("details.more-filters").has_attr("open")  # type: ignore[union-attr]
    page = soup(client.get("/archive", params={"outcome": "blocked"}))
    assert decision_links(page) == [] and "No decision matches" in text_of(page, ".empty")


def test_a_bad_filter_shows_the_form_again_with_the_reason(
    client: TestClient, riverside: Meeting
) -> None:
    response = client.get("/archive", params={"q": "tents", "from": "28/11/2026"})
    assert response.status_code == 422
    page = soup(response)
    assert "YYYY-MM-DD" in text_of(page, ".mc-error")
    assert page.select_one("#f-q")["value"] == "tents"  # type: ignore[index]
    assert page.select_one("#f-from")["value"] == "28/11/2026"  # type: ignore[index]


def test_a_decision_has_a_permanent_page_with_its_text_counts_and_arithmetic(
    client: TestClient, riverside: Meeting, db: Database
) -> None:
    response = client.get(f"/archive/decisions/{riverside.tents}")
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page, "h1") == "Winter tents"
    assert text_of(page, ".verdict") == "✓ Passed with stand-asides"
    assert page.select_one(".final-text").get_text() == TENTS_AMENDED  # type: ignore[union-attr]
    assert page.select_one(".first-text blockquote").get_text() == TENTS  # type: ignore[union-attr]
    counts = {
        li["class"][0]: int(li.select_one(".n").get_text())  # type: ignore[union-attr]
        for li in page.select(".tally li")
    }
    assert counts == {"answer-agree": 3, "answer-stand_aside": 1, "answer-block": 0}
    with db.read() as session:
        last = session.exec(
            select(Round).where(Round.proposal_id == riverside.tents).order_by(col(Round.id))
        ).all()[-1]
    assert text_of(page, ".arithmetic") == last.explanation
    assert "Chen : I sleep in a van" in text_of(page, ".how")
    minutes = page.select_one(".minutes-link a")
    assert minutes is not None and minutes["href"] == f"/a/{riverside.aid}/minutes"
    facts = dict(
        zip(
            [dt.get_text(strip=True) for dt in page.select(".facts-list dt")],
            [
                " ".join(dd.get_text(" ", strip=True).split())
                for dd in page.select(".facts-list dd")
            ],
            strict=True,
        )
    )
    assert facts["Assembly"] == "Riverside Commons GA #1 of Riverside Commons General Assembly"
    assert facts["Working group"] == "Comfort" and facts["Presented by"] == "Marisol"


def test_a_tabled_decision_shows_the_blocked_call_and_where_it_went(
    client: TestClient, riverside: Meeting
) -> None:
    page = soup(client.get(f"/archive/decisions/{riverside.drums}"))
    assert text_of(page, ".verdict") == "➜ Tabled to Comfort working group"
    assert page.select_one(".final-text").get_text() == DRUMS_AMENDED  # type: ignore[union-attr]
    assert text_of(page, ".round-label") == "Call for consensus, round 1: blocked"
    assert text_of(page, ".blocks li") == f"Sipho : {BLOCK_REASON}"
    assert "Then the proposal was tabled , to Comfort working group" in text_of(page, ".then")
    tabled_to = page.select_one(".facts-list a[href$='/comfort']")
    assert tabled_to is not None and tabled_to["href"] == "/archive/riverside-commons/comfort"


def test_a_private_assembly_appears_only_with_its_join_code(
    client: TestClient, db: Database, riverside: Meeting
) -> None:
    private = hold_meeting(db, None, title="Harbour GA", visibility="private")
    assert client.get(f"/archive/decisions/{private.tents}").status_code == 404
    assert client.get(f"/archive/decisions/{private.tents}?code=ZZZZZZ").status_code == 404
    shown = client.get(f"/archive/decisions/{private.tents}", params={"code": private.join_code})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert soup(shown).select_one("#events-link") is None  # its export needs a facilitator
    assert "Harbour GA" not in client.get("/archive").text
    page = soup(client.get("/archive", params={"code": private.join_code.lower()}))
    links = decision_links(page)
    assert f"/archive/decisions/{private.tents}?code={private.join_code}" in links
    assert f"/archive/decisions/{riverside.tents}" in links  # public ones keep plain links


def test_a_groups_page_lists_its_decisions_working_groups_and_feed(
    client: TestClient, db: Database, riverside: Meeting
) -> None:
    hold_meeting(db, None, title="Lone GA")
    page = soup(client.get("/archive/riverside-commons"))
    assert text_of(page, "h1") == "Riverside Commons General Assembly"
    assert len(decision_links(page)) == 2  # not the lone assembly's
    chips = [a["href"] for a in page.select(".working-groups a")]
    assert chips[:2] == ["/archive/riverside-commons/kitchen", "/archive/riverside-commons/comfort"]
    feed = page.find("link", rel="alternate", type="application/atom+xml")
    assert feed is not None and feed["href"] == "/archive/riverside-commons/feed.atom"
    form = page.select_one("form.archive-filters")
    assert form is not None and form["action"] == "/archive/riverside-commons"
    assert form.select_one("[name=group]") is None
    options = [o["value"] for o in form.select("select[name=working_group] option")]
    assert options == ["", "kitchen", "comfort", "drummers-circle", "legal"]


@pytest.mark.parametrize(
    ("key", "titles"),
    [("comfort", ["Winter tents", "Drumming hours"]), ("drummers-circle", ["Drumming hours"]),
     ("legal", [])],
)  # fmt: skip
def test_a_working_groups_page_lists_what_names_it(
    client: TestClient, riverside: Meeting, key: str, titles: list[str]
) -> None:
    page = soup(client.get(f"/archive/riverside-commons/{key}"))
    assert [a.get_text(strip=True) for a in page.select(".decision-title a")] == titles
    assert page.select_one("form [name=working_group]") is None


def parse_feed(response: object) -> ET.Element:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/atom+xml")  # type: ignore[attr-defined]
    root = ET.fromstring(response.content)  # type: ignore[attr-defined]
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    datetime.fromisoformat(root.findtext(f"{ATOM}updated", "").replace("Z", "+00:00"))
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    return root


def test_a_groups_feed_is_atom_with_one_entry_per_decision(
    client: TestClient, riverside: Meeting, db: Database
) -> None:
    hold_meeting(db, None, title="Lone GA")
    root = parse_feed(client.get("/archive/riverside-commons/feed.atom"))
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and link.get("href") == entry.findtext(f"{ATOM}id")
        assert urlsplit(link.get("href", "")).path.startswith("/archive/decisions/")
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert titles == {"Winter tents — passed with stand-asides", "Drumming hours — tabled"}
    assert root.findtext(f"{ATOM}title") == "Decisions of Riverside Commons General Assembly"


def test_a_working_groups_feed_holds_what_was_tabled_to_it(
    client: TestClient, riverside: Meeting
) -> None:
    root = parse_feed(client.get("/archive/riverside-commons/drummers-circle/feed.atom"))
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Drumming hours — tabled"]
    summary = entries[0].findtext(f"{ATOM}summary") or ""
    assert "Tabled to: Comfort working group." in summary and "tarpaulins" in summary
    empty = parse_feed(client.get("/archive/riverside-commons/legal/feed.atom"))
    assert empty.findall(f"{ATOM}entry") == []


def test_a_feed_entry_carries_its_assemblys_log_head_as_the_decision_page_prints_it(
    client: TestClient, riverside: Meeting
) -> None:
    root = parse_feed(client.get("/archive/riverside-commons/feed.atom"))
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        page = soup(client.get(urlsplit(entry.findtext(f"{ATOM}id", "")).path))
        digest = str(page.select_one(".check #head-hash")["data-hash"])  # type: ignore[index]
        seq = text_of(page, "#head-seq")
        head = entry.find(f"{{{EVENT_LOG}}}head")
        assert head is not None and (head.text, head.get("seq")) == (digest, seq)
        summary = entry.findtext(f"{ATOM}summary") or ""
        assert summary.endswith(
            f"Event log head: seq {seq}, hash {digest} (fingerprint {digest[:4]} {digest[4:8]})."
        )


def test_private_decisions_stay_out_of_feeds(client: TestClient, db: Database) -> None:
    group = make_group(db)
    hold_meeting(db, group, visibility="private")
    root = parse_feed(client.get("/archive/riverside-commons/feed.atom"))
    assert root.findall(f"{ATOM}entry") == []


@pytest.mark.parametrize(
    "path",
    [
        "/archive/nowhere",
        "/archive/nowhere/feed.atom",
        "/archive/riverside-commons/nobody",
        "/archive/riverside-commons/nobody/feed.atom",
        "/archive/decisions/abc",
        "/archive/decisions/-1",
        "/archive/decisions/99999999999999999999",
        "/archive/decisions/999",
        "/archive/riverside-commons/comfort/extra/feed.atom",
    ],
)
def test_bad_archive_addresses_are_not_found(
    client: TestClient, riverside: Meeting, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert "text/html" in response.headers["content-type"]
    assert soup(response).select_one("h1") is not None


@pytest.mark.parametrize(
    "params",
    [{"outcome": "zzz"}, {"page": "0"}, {"to": "x"}, {"code": "!!"}, {"q": "x" * 300},
     {"from": "2026-12-02", "to": "2026-12-01"}],
)  # fmt: skip
def test_bad_filters_on_pages_are_422_pages(
    client: TestClient, riverside: Meeting, params: dict[str, str]
) -> None:
    for path in ("/archive", "/archive/riverside-commons", "/archive/riverside-commons/comfort"):
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        assert soup(response).select_one(".mc-error") is not None


def test_pages_link_onwards_with_the_search_kept(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.archive import logic

    monkeypatch.setattr(logic, "PAGE_SIZE", 3)
    group = make_group(db)
    for _ in range(2):
        hold_meeting(db, group)
    page = soup(client.get("/archive/riverside-commons", params={"outcome": "adopted"}))
    assert len(decision_links(page)) == 2 and page.select_one("a[rel=next]") is None
    page = soup(client.get("/archive/riverside-commons"))
    assert len(decision_links(page)) == 3
    onward = page.select_one("a[rel=next]")
    assert onward is not None
    target = urlsplit(str(onward["href"]))
    assert target.path == "/archive/riverside-commons" and parse_qs(target.query)["page"] == ["2"]
    second = soup(client.get(str(onward["href"])))
    assert len(decision_links(second)) == 1 and second.select_one("a[rel=prev]") is not None


def test_the_api_and_the_page_show_the_same_decisions(
    client: TestClient, riverside: Meeting
) -> None:
    data = client.get("/api/archive", params={"working_group": "comfort"}).json()
    page = soup(client.get("/archive", params={"working_group": "comfort"}))
    assert [f"/archive/decisions/{d['proposal_id']}" for d in data["decisions"]] == decision_links(
        page
    )


LISTINGS = ["/archive", "/archive/riverside-commons", "/archive/riverside-commons/comfort"]


@pytest.mark.parametrize("path", LISTINGS)
def test_every_listing_page_reads_the_same_filters_and_shows_them_in_its_form(
    client: TestClient, riverside: Meeting, path: str
) -> None:
    asked = {"q": "tents", "outcome": "adopted", "from": "2000-01-01", "to": "2100-01-01"}
    page = soup(client.get(path, params=asked))
    assert decision_links(page) == [f"/archive/decisions/{riverside.tents}"]
    assert page.select_one("#f-q")["value"] == "tents"
    assert page.select_one("#f-outcome option[selected]")["value"] == "adopted"
    assert (page.select_one("#f-from")["value"], page.select_one("#f-to")["value"]) == (
        "2000-01-01", "2100-01-01",
    )  # fmt: skip


def test_a_listing_pages_address_outranks_the_group_fields_of_its_query(
    client: TestClient, riverside: Meeting
) -> None:
    params = {"group": "harbour", "working_group": "kitchen"}
    page = soup(client.get("/archive/riverside-commons/comfort", params=params))
    assert text_of(page, "h1") == "Comfort"
    assert f"/archive/decisions/{riverside.tents}" in decision_links(page)


def test_a_decision_page_shows_the_head_hash_its_assemblys_export_ends_with(
    client: TestClient, riverside: Meeting, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        exported = CliRunner().invoke(cli, ["export", riverside.aid, "--format", "events"])
    finally:
        get_settings.cache_clear()
    assert exported.exit_code == 0, exported.output
    last = json.loads(exported.output)["events"][-1]
    page = soup(client.get(f"/archive/decisions/{riverside.tents}"))
    printed = page.select_one(".check #head-hash")
    assert printed is not None and printed.name == "code"
    assert printed.get_text() == printed["data-hash"] == last["hash"]
    assert text_of(page, "#head-seq") == str(last["seq"])
    command = page.select_one("#head-check")
    assert command is not None and command.name == "code"
    assert command.get_text() == f"miccheck verify events.json --head {last['hash']}"
    assert f"miccheck export {riverside.aid} --format events -o events.json" in text_of(
        page, ".check"
    )
    # The assembly's printable minutes print the same head.
    minutes = soup(client.get(f"/api/assemblies/{riverside.aid}/minutes.html"))
    assert text_of(minutes, "#head-hash") == last["hash"]
    assert text_of(minutes, "#head-check") == command.get_text()


def test_a_decision_page_shows_the_heads_fingerprint_and_links_to_the_browser_check(
    client: TestClient, riverside: Meeting
) -> None:
    page = soup(client.get(f"/archive/decisions/{riverside.tents}"))
    digest = str(page.select_one(".check #head-hash")["data-hash"])  # type: ignore[index]
    assert text_of(page, ".check #head-fingerprint") == f"{digest[:4]} {digest[4:8]}"
    link = page.select_one(".check a#verify-link")
    assert link is not None and link["href"] == f"/verify?head={digest}"
    minutes = soup(client.get(f"/api/assemblies/{riverside.aid}/minutes.html"))
    assert text_of(minutes, "#head-fingerprint") == text_of(page, "#head-fingerprint")
    events = page.select_one(".check a#events-link")  # the file to check, anyone's: it is public
    assert events is not None and events["href"] == f"/api/assemblies/{riverside.aid}/events"
    assert client.get(str(events["href"])).json()["head"]["hash"] == digest


def speak(db: Database, assembly_id: str, language: str) -> None:
    with db.write() as session:
        assembly = session.get(Assembly, assembly_id)
        assert assembly is not None
        assembly.language = language
        session.add(assembly)


def decided_on(client: TestClient, proposal_id: int) -> date:
    found = client.get("/api/archive", params={"q": "tents"}).json()["decisions"]
    return date.fromisoformat(
        next(d for d in found if d["proposal_id"] == proposal_id)["decided_on"]
    )


def test_a_decisions_page_speaks_its_assemblys_language_whatever_the_readers(
    client: TestClient, riverside: Meeting, db: Database
) -> None:
    speak(db, riverside.aid, "es")
    day = decided_on(client, riverside.tents)
    response = client.get(
        f"/archive/decisions/{riverside.tents}", headers={"Accept-Language": "en-GB,en"}
    )
    page = soup(response)
    assert page.html is not None and page.html["lang"] == "es"
    spanish_day = format_date(day, "full", locale="es")  # "sábado, 28 de noviembre de 2026"
    assert text_of(page, ".facts-list dd").startswith(spanish_day)
    listing = soup(client.get("/archive", headers={"Accept-Language": "en"}))
    assert listing.html is not None and listing.html["lang"] == "en"  # the reader's
    assert format_date(day, "EEEE d MMMM y", locale="en") in text_of(listing, ".decisions")


def test_a_feed_entry_speaks_its_assemblys_language(
    client: TestClient, riverside: Meeting, db: Database
) -> None:
    speak(db, riverside.aid, "es")
    day = decided_on(client, riverside.tents)
    root = parse_feed(client.get("/archive/riverside-commons/feed.atom"))
    assert root.get(XML_LANG) == "es"
    entries = root.findall(f"{ATOM}entry")
    assert {e.get(XML_LANG) for e in entries} == {"es"}
    tents = next(e for e in entries if (e.findtext(f"{ATOM}title") or "").startswith("Winter"))
    summary = tents.findtext(f"{ATOM}summary") or ""
    assert f" {format_date(day, 'long', locale='es')}." in summary  # "28 de noviembre de 2026"


def test_an_english_feed_keeps_its_iso_days(client: TestClient, riverside: Meeting) -> None:
    day = decided_on(client, riverside.tents)
    root = parse_feed(client.get("/archive/riverside-commons/feed.atom"))
    assert root.get(XML_LANG) == "en"
    summaries = [e.findtext(f"{ATOM}summary") or "" for e in root.findall(f"{ATOM}entry")]
    assert any(f" on {day.isoformat()}." in s for s in summaries)
