"""The language a person chooses: on the join page, by the phone's switch, for a new assembly.

Spanish words are not checked here (the catalogue is filled later): the lang attribute, the
cookie and the languages stored are.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import Assembly, Participant
from app.web.language import COOKIE
from tests.conftest import GA, error_of

SAME_SITE = {"origin": "http://testserver"}


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def language_of(db: Database, participant_id: int) -> str:
    with db.read() as session:
        person = session.get(Participant, participant_id)
        assert person is not None
        return person.language


def checked_language(page: BeautifulSoup) -> list[str]:
    return [radio["value"] for radio in page.select('input[name="language"][checked]')]


def new_phone(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="http://testserver")


@pytest.mark.parametrize(
    ("accept_language", "preselected"),
    [(None, "en"), ("es-MX,es;q=0.9,en;q=0.5", "es"), ("fr, en;q=0.8", "en"), ("de", "en")],
)
def test_the_join_page_offers_each_language_by_its_own_name_and_preselects_the_browsers(
    client: TestClient, assembly: GA, accept_language: str | None, preselected: str
) -> None:
    headers = {"accept-language": accept_language} if accept_language else {}
    page = soup(client.get(f"/j/{assembly.join_code}", headers=headers))
    choices = {
        radio["value"]: radio.parent.get_text(strip=True)
        for radio in page.select('form[action="/join"] input[type="radio"][name="language"]')
    }
    assert choices == {"en": "English", "es": "Español"}
    assert checked_language(page) == [preselected]
    assert page.html["lang"] == preselected


def test_the_language_cookie_preselects_the_join_page_over_the_browser(client: TestClient) -> None:
    client.cookies.set(COOKIE, "es")
    page = soup(client.get("/join", headers={"accept-language": "en"}))
    assert checked_language(page) == ["es"]


def test_joining_in_spanish_stores_it_and_sets_the_cookie(
    client: TestClient, db: Database, assembly: GA
) -> None:
    phone = new_phone(client)
    joined = phone.post(
        "/join",
        data={"join_code": assembly.join_code, "name": "Dolores", "language": "es"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/a/{assembly.id}"
    assert phone.cookies.get(COOKIE) == "es"
    page = soup(phone.get(f"/a/{assembly.id}"))
    assert page.html["lang"] == "es"
    assert language_of(db, int(page.body["data-participant-id"])) == "es"


def test_joining_without_a_choice_keeps_the_language_the_page_spoke(
    client: TestClient, db: Database, assembly: GA
) -> None:
    phone = new_phone(client)
    phone.post(
        "/join",
        data={"join_code": assembly.join_code, "name": "Chen"},
        headers={**SAME_SITE, "accept-language": "es"},
    )
    assert phone.cookies.get(COOKIE) == "es"
    page = soup(phone.get(f"/a/{assembly.id}"))
    assert language_of(db, int(page.body["data-participant-id"])) == "es"


def test_the_phone_has_a_switch_to_the_other_language(client: TestClient, assembly: GA) -> None:
    phone = new_phone(client)
    phone.post("/join", data={"join_code": assembly.join_code, "name": "Chen"}, headers=SAME_SITE)
    page = soup(phone.get(f"/a/{assembly.id}"))
    switch = page.select_one('form[action="/language"]')
    assert switch is not None and switch["method"] == "post"
    assert switch.select_one('input[name="next"]')["value"] == f"/a/{assembly.id}"
    offered = {b["value"]: b.get_text(strip=True) for b in switch.select('button[name="language"]')}
    assert offered == {"es": "Español"}  # the page speaks English: only the other one

    moved = phone.post(
        "/language",
        data={"language": "es", "next": f"/a/{assembly.id}"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"/a/{assembly.id}"
    page = soup(phone.get(f"/a/{assembly.id}"))
    assert page.html["lang"] == "es"
    switch = page.select_one('form[action="/language"]')
    assert [b["value"] for b in switch.select('button[name="language"]')] == ["en"]


@pytest.mark.parametrize("target", ["//evil.example", "https://x", "http://evil.example/a", "a/b"])
def test_the_switch_never_sends_a_browser_to_another_site(client: TestClient, target: str) -> None:
    moved = client.post(
        "/language",
        data={"language": "es", "next": target},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/"


def test_an_unknown_language_is_refused_with_the_error_shape(client: TestClient) -> None:
    asked = client.post(
        "/language",
        data={"language": "xx", "next": "/"},
        headers={**SAME_SITE, "accept": "application/json"},
        follow_redirects=False,
    )
    assert asked.status_code == 422
    assert error_of(asked)["code"] == "bad_language"
    assert COOKIE not in asked.headers.get("set-cookie", "")


def test_an_unknown_language_from_a_page_form_gets_a_readable_page(client: TestClient) -> None:
    asked = client.post(
        "/language",
        data={"language": "xx", "next": "/"},
        headers={**SAME_SITE, "accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        follow_redirects=False,
    )
    assert asked.status_code == 422
    assert asked.headers["content-type"].startswith("text/html")
    page = soup(asked)
    assert "English" in page.select_one("main").get_text()  # the languages it may choose from
    assert page.find("a", href="/") is not None


@pytest.mark.parametrize("cookie", ["es", "en"])
def test_pages_say_the_language_they_are_rendered_in(client: TestClient, cookie: str) -> None:
    client.cookies.set(COOKIE, cookie)
    for path in ("/", "/join", "/groups/new"):
        assert soup(client.get(path)).html["lang"] == cookie, path


def test_the_create_form_passes_the_chosen_language_to_the_new_assembly(
    client: TestClient, db: Database
) -> None:
    home = soup(client.get("/"))
    select_box = home.select_one('#new-assembly select[name="language"]')
    assert select_box is not None
    options = {o["value"]: o.get_text(strip=True) for o in select_box.select("option")}
    assert options == {"en": "English", "es": "Español"}
    assert [o["value"] for o in select_box.select("option[selected]")] == ["en"]

    made = client.post(
        "/",
        data={"title": "Asamblea del barrio", "facilitator_name": "Noor", "language": "es"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert made.status_code == 303
    assembly_id = urlsplit(made.headers["location"]).path.split("/")[2]
    with db.read() as session:
        assembly = session.exec(select(Assembly).where(Assembly.id == assembly_id)).one()
        assert assembly.language == "es"


def test_the_create_form_defaults_to_the_language_the_page_speaks(
    client: TestClient, db: Database
) -> None:
    client.cookies.set(COOKIE, "es")
    home = soup(client.get("/"))
    chosen = home.select('#new-assembly select[name="language"] option[selected]')
    assert [o["value"] for o in chosen] == ["es"]
    made = client.post(
        "/",
        data={"title": "Asamblea", "facilitator_name": "Noor"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assembly_id = urlsplit(made.headers["location"]).path.split("/")[2]
    with db.read() as session:
        assembly = session.exec(select(Assembly).where(Assembly.id == assembly_id)).one()
        assert assembly.language == "es"


def test_live_pages_give_their_scripts_the_texts_they_show(
    client: TestClient, assembly: GA
) -> None:
    phone = new_phone(client)
    phone.post("/join", data={"join_code": assembly.join_code, "name": "Chen"}, headers=SAME_SITE)
    body = soup(phone.get(f"/a/{assembly.id}")).body
    assert body["data-t-live"] == "Live"
    assert body["data-t-disconnected"] == "Disconnected — %(reason)s"
    assert body["data-t-you-are-why"] == "You are %(place)s — %(reason)s"
    assert body["data-t-muted"].startswith("A facilitator has muted you")
    wall = soup(client.get(f"/a/{assembly.id}/projector?key={assembly.projector_key}")).body
    assert wall["data-t-more"] == "and %(n)s more" and wall["data-t-live"] == "Live"
    home = soup(client.get("/")).body
    assert not [name for name in home.attrs if name.startswith("data-t-")]  # no script to say them
