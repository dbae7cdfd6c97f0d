"""The page /a/{id}/minutes (app/web/api_minutes.py, templates/minutes.html), parsed: links to
the other formats that work for whoever reads the page and carry no secret, a `main`
landmark and headings that never skip a level, times in the assembly's time zone."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import GA, create_assembly, ok
from tests.minutes.evening import Evening


def fresh_browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="http://testserver")


def parse(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def format_links(page: BeautifulSoup) -> dict[str, str]:
    nav = page.select_one("main nav.formats")
    assert nav is not None
    return {a.get_text(): str(a["href"]) for a in nav.select("a")}


@pytest.mark.parametrize("reader", ["console link", "projector link"])
def test_the_format_links_work_for_a_browser_that_opened_the_page_by_key_and_carry_no_key(
    client: TestClient, assembly: GA, reader: str
) -> None:
    key = assembly.facilitator.token if reader == "console link" else assembly.projector_key
    browser = fresh_browser(client)
    response = browser.get(f"/a/{assembly.id}/minutes?key={key}")  # swapped for the cookie
    assert response.status_code == 200 and str(response.url).endswith("/minutes")
    links = format_links(parse(response))
    base = f"/api/assemblies/{assembly.id}/minutes"
    assert links == {"Markdown": base + ".md", "printable HTML": base + ".html", "JSON": base}
    for secret in (assembly.facilitator.token, assembly.projector_key):
        assert secret not in response.text  # the page may be projected
    types = {"Markdown": "text/markdown", "printable HTML": "text/html", "JSON": "application/json"}
    for name, href in links.items():
        answer = browser.get(href)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers["content-type"].startswith(types[name])
    assert fresh_browser(client).get(links["JSON"]).status_code == 401  # the cookie opens them


def test_the_format_links_of_closed_public_minutes_need_nothing(
    client: TestClient, evening: Evening
) -> None:
    browser = fresh_browser(client)
    links = format_links(parse(browser.get(f"/a/{evening.assembly_id}/minutes")))
    assert [browser.get(href).status_code for href in links.values()] == [200, 200, 200]


def test_the_export_and_the_api_copy_have_no_format_links(
    client: TestClient, evening: Evening
) -> None:
    printable = parse(client.get(f"/api/assemblies/{evening.assembly_id}/minutes.html"))
    assert printable.select("nav") == [] and printable.select_one("main") is not None
    assert printable.find(id="verify-link") is None  # a file on its own: no page to link to


def test_the_minutes_page_links_to_the_browser_check_with_its_head_hash(
    client: TestClient, evening: Evening
) -> None:
    page = parse(fresh_browser(client).get(f"/a/{evening.assembly_id}/minutes"))
    link, printed = page.find(id="verify-link"), page.find(id="head-hash")
    assert link is not None and printed is not None
    assert link["href"] == f"/verify?head={printed['data-hash']}"


def assert_headings_in_order(page: BeautifulSoup) -> list[str]:
    """One `main` holding one h1, first; each heading at most one level below the one before."""
    mains = page.select("main")
    assert len(mains) == 1
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert mains[0].find("h1") is not None
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert skips == [], levels
    return [h.name for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]


def test_the_minutes_of_the_evening_have_a_main_landmark_and_ordered_headings(
    client: TestClient, evening: Evening
) -> None:
    names = assert_headings_in_order(parse(client.get(f"/a/{evening.assembly_id}/minutes")))
    assert {"h2", "h3", "h4"} <= set(names)  # items, proposals and their parts all appear


def test_notes_taken_while_no_item_was_open_keep_the_heading_order(
    client: TestClient, assembly: GA
) -> None:
    ok(
        client.post(f"/api/assemblies/{assembly.id}/notes", json={"text": "Welcome."},
                    headers=assembly.facilitator.headers),
        201,
    )  # fmt: skip
    browser = fresh_browser(client)
    page = parse(browser.get(f"/a/{assembly.id}/minutes?key={assembly.facilitator.token}"))
    assert_headings_in_order(page)
    floor = page.select_one("section#floor")
    assert floor is not None and [h.name for h in floor.find_all(["h2", "h3"])] == ["h2", "h3"]


def make_group(client: TestClient, time_zone: str) -> tuple[str, str]:
    body = ok(
        client.post("/api/groups", json={"name": "Harbour Assembly", "slug": "harbour",
                                         "time_zone": time_zone}),
        201,
    )  # fmt: skip
    return body["slug"], body["admin_token"]


@pytest.mark.parametrize(
    ("kind", "zone"),
    [("stand-alone", "Pacific/Auckland"), ("in a group", "Asia/Kolkata")],  # never UTC's minutes
)
def test_the_minutes_page_shows_times_in_the_assemblys_time_zone(
    client: TestClient, kind: str, zone: str
) -> None:
    if kind == "stand-alone":
        created = create_assembly(client, time_zone=zone).created
    else:  # the assembly gives no zone: it takes its group's
        slug, group_token = make_group(client, zone)
        created = ok(
            client.post("/api/assemblies", json={"title": "Harbour GA", "group": slug},
                        headers={"X-Group-Token": group_token}),
            201,
        )  # fmt: skip
    assembly_id, token = created["id"], created["facilitator_token"]
    headers = {"Authorization": f"Bearer {token}"}
    note = {"text": "Welcome."}
    ok(client.post(f"/api/assemblies/{assembly_id}/notes", json=note, headers=headers), 201)
    minutes = ok(client.get(f"/api/assemblies/{assembly_id}/minutes", headers=headers))
    (taken,) = minutes["floor"]["notes"]
    utc = datetime.fromisoformat(taken["at"]["utc"].replace("Z", "+00:00"))
    local = utc.astimezone(ZoneInfo(zone))
    page = parse(fresh_browser(client).get(f"/a/{assembly_id}/minutes?key={token}"))
    meta = " ".join(p.get_text() for p in page.select("header p.meta"))
    assert f"(times in {zone})" in meta
    shown = page.select_one("section#floor li.note")
    assert shown is not None
    assert shown.get_text(" ", strip=True).startswith(local.strftime("%H:%M"))
