"""The console's links (app/web/pages.py `console_links`, the console-links section of
templates/console.html): every facilitator's console links the projector with a working key —
also on a second device opened from a secret link, which holds no projector key — and every
console links the minutes."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.assembly import service as assembly_service
from app.config import Settings, get_settings
from app.db import Database
from tests.conftest import GA, join, ok


def second_device(client: TestClient, assembly_id: str, token: str) -> TestClient:
    """A fresh browser that opened the console from a secret link (`?key=` → cookie)."""
    browser = TestClient(client.app, base_url="http://testserver")
    swapped = browser.get(f"/a/{assembly_id}/console?key={token}", follow_redirects=False)
    assert swapped.status_code == 303, swapped.text
    return browser


def links_of(browser: TestClient, assembly_id: str) -> Tag:
    response = browser.get(f"/a/{assembly_id}/console")
    assert response.status_code == 200, response.text
    section = BeautifulSoup(response.text, "html.parser").select_one("section.console-links")
    assert section is not None
    assert section.find("a", href="None") is None  # the bug: a link to "None"
    return section


def projector_href(section: Tag) -> str:
    link = section.find("a", string="open the projector screen")
    assert isinstance(link, Tag)
    return str(link["href"])


def assert_opens_the_wall(client: TestClient, assembly_id: str, href: str) -> None:
    """The link carries a key that opens the projector in yet another browser."""
    path = urlsplit(href)
    assert path.path == f"/a/{assembly_id}/projector" and parse_qs(path.query)["key"]
    wall = TestClient(client.app, base_url="http://testserver")
    page = wall.get(href)
    assert page.status_code == 200 and str(page.url).endswith("/projector")
    assert BeautifulSoup(page.text, "html.parser").select_one(".join-code") is not None


def assert_minutes_link_works(browser: TestClient, assembly_id: str, section: Tag) -> None:
    link = section.find("a", string="minutes")
    assert isinstance(link, Tag) and link["href"] == f"/a/{assembly_id}/minutes"
    assert browser.get(str(link["href"])).status_code == 200


def test_a_second_device_opened_from_the_secret_console_link_links_a_working_projector(
    client: TestClient, assembly: GA
) -> None:
    token = parse_qs(urlsplit(assembly.created["urls"]["console"]).query)["key"][0]
    browser = second_device(client, assembly.id, token)
    section = links_of(browser, assembly.id)
    href = projector_href(section)
    assert parse_qs(urlsplit(href).query)["key"] == [assembly.projector_key]  # the assembly's
    assert_opens_the_wall(client, assembly.id, href)
    assert_minutes_link_works(browser, assembly.id, section)
    secret = section.select_one("input.copy")
    assert secret is not None and str(secret["value"]).endswith(f"?key={token}")


def test_a_facilitator_named_later_gets_the_projector_link_too(
    client: TestClient, assembly: GA
) -> None:
    tomas = join(client, assembly, "Tomás")
    ok(
        client.post(f"/api/assemblies/{assembly.id}/roles",
                    json={"participant_id": tomas.participant_id, "role": "facilitator"},
                    headers=assembly.facilitator.headers),
    )  # fmt: skip
    browser = second_device(client, assembly.id, tomas.token)
    section = links_of(browser, assembly.id)
    assert_opens_the_wall(client, assembly.id, projector_href(section))
    assert_minutes_link_works(browser, assembly.id, section)


def test_a_stack_keeper_gets_the_minutes_but_no_projector_or_secret_link(
    client: TestClient, assembly: GA
) -> None:
    abebe = join(client, assembly, "Abebe")
    ok(
        client.post(f"/api/assemblies/{assembly.id}/roles",
                    json={"participant_id": abebe.participant_id, "role": "stack_keeper"},
                    headers=assembly.facilitator.headers),
    )  # fmt: skip
    browser = second_device(client, assembly.id, abebe.token)
    section = links_of(browser, assembly.id)
    assert section.find("a", string="open the projector screen") is None
    assert section.select_one("input.copy") is None
    assert_minutes_link_works(browser, assembly.id, section)


def test_the_home_form_console_links_the_projector_with_the_key_it_was_given(
    client: TestClient,
) -> None:
    made = client.post("/", data={"title": "Riverside Commons GA"}, follow_redirects=False)
    assembly_id = urlsplit(made.headers["location"]).path.split("/")[2]
    section = links_of(client, assembly_id)
    assert_opens_the_wall(client, assembly_id, projector_href(section))


def test_an_assembly_with_a_random_projector_key_says_where_its_link_is(
    client: TestClient, db: Database
) -> None:
    # Made without the server's secret, as before keys were derived: only its maker has it.
    made = assembly_service.create_assembly(db=db, title="Old GA", facilitator_name="Noor")
    browser = second_device(client, made.assembly_id, made.facilitator_token)
    section = links_of(browser, made.assembly_id)
    assert section.find("a", string="open the projector screen") is None
    assert "on the device that started this assembly" in section.get_text()
    assert_minutes_link_works(browser, made.assembly_id, section)


@pytest.fixture
def demo_cli(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`miccheck demo` on the test database, with the test server's secret."""
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    monkeypatch.setenv("MICCHECK_SECRET_KEY", settings.resolved_secret_key())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_demos_printed_console_link_links_a_working_projector(
    client: TestClient, demo_cli: None
) -> None:
    from app.cli import cli

    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  ")]
    printed = dict(words for words in lines if len(words) == 2)  # "  console http://…"
    console = urlsplit(printed["console"])
    assembly_id = console.path.split("/")[2]
    browser = second_device(client, assembly_id, parse_qs(console.query)["key"][0])
    section = links_of(browser, assembly_id)
    assert_opens_the_wall(client, assembly_id, projector_href(section))
    assert_minutes_link_works(browser, assembly_id, section)
