"""`?key=` links (app/web/key_links.py): a link for someone else than the person a browser is
signed in as asks first (issue 12, point 3); switching is a same-origin POST; the key never
stays in the address bar."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import select

from app.assembly.auth import hash_secret
from app.assembly.models import Participant
from app.db import Database
from app.web.sessions import COOKIE
from tests.conftest import GA, Person, join

ORIGIN = {"Origin": "http://testserver"}


def browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="http://testserver")


def signed_in(client: TestClient, assembly: GA, person: Person) -> TestClient:
    """A browser that opened `person`'s link (nothing held before: no question)."""
    page = browser(client)
    opened = page.get(f"/a/{assembly.id}?key={person.token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/a/{assembly.id}"
    return page


def name_on_phone(page: TestClient, assembly: GA) -> str:
    reply = page.get(f"/a/{assembly.id}")
    assert reply.status_code == 200, reply.text
    you = BeautifulSoup(reply.text, "html.parser").select_one(".you strong")
    assert you is not None, "not the phone page"
    return you.get_text()


def open_link(page: TestClient, path: str, token: str) -> str:
    """Open `path?key=token`; where it sends the browser (the key is never there)."""
    opened = page.get(f"{path}?key={token}", follow_redirects=False)
    assert opened.status_code == 303, opened.text
    location = opened.headers["location"]
    assert "key" not in location and token not in location
    return str(location)


@pytest.fixture
def ada(client: TestClient, assembly: GA) -> Person:
    return join(client, assembly, "Ada")


@pytest.fixture
def ben(client: TestClient, assembly: GA) -> Person:
    return join(client, assembly, "Ben")


def test_a_link_for_someone_else_shows_who_is_signed_in_and_whose_link_it_is(
    client: TestClient, assembly: GA, ada: Person
) -> None:
    page = signed_in(client, assembly, ada)
    noor = assembly.facilitator
    location = open_link(page, f"/a/{assembly.id}", noor.token)
    assert location == f"/a/{assembly.id}"
    asked = page.get(location)
    assert asked.status_code == 200
    html = BeautifulSoup(asked.text, "html.parser")
    card = html.select_one("section.switch")
    assert card is not None
    words = " ".join(card.get_text(" ", strip=True).split())
    assert "This browser is signed in to Riverside Commons GA as Ada ." in words
    assert "The link you opened is Noor 's (role: facilitator)" in words
    form = card.select_one("form")
    assert form is not None and form["method"] == "post"
    assert form["action"] == f"/a/{assembly.id}/session"
    buttons = {b.get_text(strip=True): b["value"] for b in form.select("button[name=choice]")}
    assert buttons == {"Continue as Ada": "keep", "Switch to Noor": "switch"}
    assert noor.token not in asked.text and ada.token not in asked.text
    # Nothing switched yet: the session still acts as Ada.
    hand = page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"}, headers=ORIGIN)
    assert hand.status_code == 200
    stack = client.get(f"/api/assemblies/{assembly.id}/stack", headers=noor.headers).json()
    assert [entry["name"] for entry in stack["queue"]] == ["Ada"]


def test_switch_takes_the_links_seat_on_the_page_it_opened(
    client: TestClient, assembly: GA, ada: Person
) -> None:
    page = signed_in(client, assembly, ada)
    console = f"/a/{assembly.id}/console"
    assert open_link(page, console, assembly.facilitator.token) == console
    assert page.get(console).url.path == console  # the question, at the console's address
    switched = page.post(
        f"/a/{assembly.id}/session", data={"choice": "switch"}, headers=ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    assert switched.status_code == 303 and switched.headers["location"] == console
    shown = BeautifulSoup(page.get(console).text, "html.parser")
    assert shown.select_one("section.console-links") is not None  # Noor's console
    secret = shown.select_one("input.copy")  # with her secret link: this browser opened it
    assert secret is not None and str(secret["value"]).endswith(
        f"?key={assembly.facilitator.token}"
    )
    assert name_on_phone(page, assembly) == "Noor"


def test_continue_keeps_the_seat_and_forgets_the_link(
    client: TestClient, assembly: GA, ada: Person, ben: Person
) -> None:
    page = signed_in(client, assembly, ada)
    open_link(page, f"/a/{assembly.id}", ben.token)
    kept = page.post(f"/a/{assembly.id}/session", data={"choice": "keep"}, headers=ORIGIN)
    assert kept.status_code == 200
    assert name_on_phone(page, assembly) == "Ada"  # and no question any more


def test_a_switch_posted_from_another_site_is_refused(
    client: TestClient, assembly: GA, ada: Person, ben: Person
) -> None:
    page = signed_in(client, assembly, ada)
    open_link(page, f"/a/{assembly.id}", ben.token)
    for headers in ({"Origin": "https://elsewhere.example"}, {"Origin": "null"}):
        forged = page.post(f"/a/{assembly.id}/session", data={"choice": "switch"}, headers=headers)
        assert forged.status_code == 403  # a page, as other refused form posts get
        assert "did not come from a Mic Check page" in forged.text
    asked = BeautifulSoup(page.get(f"/a/{assembly.id}").text, "html.parser")
    assert asked.select_one("section.switch") is not None  # still asking
    page.post(f"/a/{assembly.id}/session", data={"choice": "keep"}, headers=ORIGIN)
    assert name_on_phone(page, assembly) == "Ada"


def test_a_choice_other_than_keep_or_switch_is_refused(
    client: TestClient, assembly: GA, ada: Person, ben: Person
) -> None:
    page = signed_in(client, assembly, ada)
    open_link(page, f"/a/{assembly.id}", ben.token)
    refused = page.post(f"/a/{assembly.id}/session", data={"choice": "both"}, headers=ORIGIN)
    assert refused.status_code == 422


def test_the_link_of_the_seat_held_only_leaves_the_address_bar(
    client: TestClient, assembly: GA, ada: Person
) -> None:
    page = signed_in(client, assembly, ada)
    again = page.get(f"/a/{assembly.id}?key={ada.token}", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/a/{assembly.id}"
    assert COOKIE not in again.headers.get("set-cookie", "")  # nothing to change
    assert name_on_phone(page, assembly) == "Ada"


def test_a_browser_without_a_seat_takes_the_links_at_once(
    client: TestClient, assembly: GA, ben: Person
) -> None:
    page = signed_in(client, assembly, ben)
    assert name_on_phone(page, assembly) == "Ben"


def test_a_link_replaces_a_seat_that_is_no_longer_valid_without_asking(
    client: TestClient, assembly: GA, ada: Person, ben: Person, db: Database
) -> None:
    page = signed_in(client, assembly, ada)
    with db.write() as session:  # Ada's link was reissued: her old one is dead
        row = session.exec(select(Participant).where(Participant.id == ada.participant_id)).one()
        row.token_hash = hash_secret("ada-reissued")
        session.add(row)
    open_link(page, f"/a/{assembly.id}", ben.token)
    assert name_on_phone(page, assembly) == "Ben"


def test_switching_to_a_link_reissued_meanwhile_keeps_the_seat(
    client: TestClient, assembly: GA, ada: Person, ben: Person, db: Database
) -> None:
    page = signed_in(client, assembly, ada)
    open_link(page, f"/a/{assembly.id}", ben.token)
    with db.write() as session:
        row = session.exec(select(Participant).where(Participant.id == ben.participant_id)).one()
        row.token_hash = hash_secret("ben-reissued")
        session.add(row)
    page.post(f"/a/{assembly.id}/session", data={"choice": "switch"}, headers=ORIGIN)
    assert name_on_phone(page, assembly) == "Ada"


def test_a_projector_key_link_never_asks_and_keeps_the_seat(
    client: TestClient, assembly: GA, ada: Person
) -> None:
    page = signed_in(client, assembly, ada)
    wall = f"/a/{assembly.id}/projector"
    assert open_link(page, wall, assembly.projector_key) == wall
    assert BeautifulSoup(page.get(wall).text, "html.parser").select_one(".join-code") is not None
    assert name_on_phone(page, assembly) == "Ada"


def test_a_seat_in_another_assembly_is_not_asked_about(
    client: TestClient, assembly: GA, ada: Person
) -> None:
    other = client.post("/api/assemblies", json={"title": "Other GA", "facilitator_name": "Lu"})
    made = other.json()
    page = signed_in(client, assembly, ada)
    assert open_link(page, f"/a/{made['id']}", made["facilitator_token"]) == f"/a/{made['id']}"
    shown = BeautifulSoup(page.get(f"/a/{made['id']}").text, "html.parser")
    you = shown.select_one(".you strong")
    assert you is not None and you.get_text() == "Lu"
    assert name_on_phone(page, assembly) == "Ada"
