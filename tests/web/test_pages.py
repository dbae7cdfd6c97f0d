"""Pages: create, join, phone, console, projector — parsed, not matched by substring luck."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.render import REGION_IDS, VIEW_REGIONS
from tests.conftest import GA, Person, create_assembly
from tests.web.screens import start_from_home


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def test_home_offers_join_and_create_forms(client: TestClient) -> None:
    page = soup(client.get("/"))
    assert page.find("form", action="/join") is not None
    assert page.find("input", attrs={"name": "title"}) is not None
    assert page.find("meta", attrs={"name": "viewport"}) is not None


def test_creating_from_the_home_page_lands_on_the_console(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    page = soup(client.get(f"/a/{assembly_id}/console"))
    body = page.body
    assert body is not None and "can-facilitator" in body["class"]
    assert page.select_one("#mc-header .mc-title").get_text(strip=True) == "Riverside Commons GA"
    live = page.select_one("#mc-live")
    assert live is not None and live["ws-connect"].startswith(
        f"/ws/assemblies/{assembly_id}?view=console"
    )
    for region in VIEW_REGIONS["console"]:
        assert page.select_one(f"#{REGION_IDS[region]}") is not None, region
    assert int(page.select_one("#mc-seq")["data-seq"]) == 1


def test_the_home_page_can_start_an_assembly_whose_minutes_leave_names_out(
    client: TestClient,
) -> None:
    home = soup(client.get("/"))
    assert home.select_one("input[type=checkbox][name=speaker_names][value=no]") is not None
    named = start_from_home(client)
    unnamed = start_from_home(client, speaker_names="no")
    for assembly_id, expected in ((named, "named"), (unnamed, "without names")):
        notes = soup(client.get(f"/a/{assembly_id}/console")).select_one("#mc-notes")
        words = "The minutes name who spoke" if expected == "named" else expected
        assert words in notes.get_text(), (assembly_id, notes.get_text())


def test_a_blank_title_on_the_home_page_keeps_what_was_typed(client: TestClient) -> None:
    response = client.post("/", data={"title": " ", "location": "North lawn"})
    assert response.status_code == 422
    page = soup(response)
    assert "cannot be empty" in page.select_one(".mc-error").get_text()
    assert page.find("input", attrs={"name": "location"})["value"] == "North lawn"


def test_the_qr_link_asks_only_for_a_name_and_joins_to_the_phone_page(
    client: TestClient, assembly: GA
) -> None:
    page = soup(client.get(f"/j/{assembly.join_code.lower()}"))
    assert (
        page.find("input", attrs={"name": "join_code", "type": "hidden"})["value"]
        == assembly.join_code
    )
    assert "Riverside Commons GA" in page.h1.get_text()
    phone = TestClient(client.app, base_url="http://testserver")
    joined = phone.post(
        "/join", data={"join_code": assembly.join_code, "name": "Chen"}, follow_redirects=False
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/a/{assembly.id}"
    cookie = joined.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = soup(phone.get(f"/a/{assembly.id}"))
    assert page.body["data-view"] == "phone"
    assert page.select_one(".you strong").get_text() == "Chen"
    assert page.select_one("#mc-people .joined").get_text() == "2"


def test_the_wall_and_a_phone_show_the_log_heads_fingerprint_in_a_corner(
    client: TestClient, assembly: GA
) -> None:
    phone = TestClient(client.app, base_url="http://testserver")
    phone.post("/join", data={"join_code": assembly.join_code, "name": "Chen"})
    wall = TestClient(client.app, base_url="http://testserver")
    wall.get(f"/a/{assembly.id}/projector?key={assembly.projector_key}")
    auth = {"Authorization": f"Bearer {assembly.facilitator.token}"}
    head = client.get(f"/api/assemblies/{assembly.id}/events", headers=auth).json()["head"]
    fingerprint = f"{head['hash'][:4]} {head['hash'][4:8]}"
    for page in (
        soup(phone.get(f"/a/{assembly.id}")),
        soup(wall.get(f"/a/{assembly.id}/projector")),
    ):
        corner = page.select_one("#mc-log")
        assert corner is not None
        assert corner.get_text() == f"Log {fingerprint} · seq {head['seq']}"
        assert corner.select_one(".fingerprint").get_text() == fingerprint  # type: ignore[union-attr]


def test_an_unknown_code_on_the_join_page_says_so(client: TestClient) -> None:
    response = client.post("/join", data={"join_code": "ZZZZZZ", "name": "Chen"})
    assert response.status_code == 404
    assert "No assembly has this join code" in soup(response).select_one(".mc-error").get_text()


def test_a_key_in_a_link_becomes_a_cookie_and_leaves_the_address_bar(
    client: TestClient, assembly: GA
) -> None:
    fresh = TestClient(client.app, base_url="http://testserver")
    first = fresh.get(
        f"/a/{assembly.id}/projector?key={assembly.projector_key}", follow_redirects=False
    )
    assert first.status_code == 303 and first.headers["location"] == f"/a/{assembly.id}/projector"
    page = soup(fresh.get(f"/a/{assembly.id}/projector"))
    assert page.select_one(".join-code").get_text() == assembly.join_code
    # The wall shows the address without its scheme, the code whole (a line may break before it).
    assert page.select_one(".join-url").get_text() == f"testserver/j/{assembly.join_code}"
    assert page.select_one(".join-qr svg") is not None
    assert page.find("form") is None  # the projector has no controls
    console_link = assembly.created["urls"]["console"]
    key = parse_qs(urlsplit(console_link).query)["key"][0]
    moved = fresh.get(f"/a/{assembly.id}/console?key={key}", follow_redirects=False)
    assert moved.headers["location"] == f"/a/{assembly.id}/console"


def test_a_wrong_projector_key_is_refused(client: TestClient, assembly: GA) -> None:
    fresh = TestClient(client.app, base_url="http://testserver")
    response = fresh.get(f"/a/{assembly.id}/projector?key=guess", follow_redirects=False)
    assert response.status_code == 403
    assert fresh.get(f"/a/{assembly.id}/projector").status_code == 403


def test_a_participant_without_a_role_cannot_open_the_console(
    client: TestClient, assembly: GA
) -> None:
    phone = TestClient(client.app, base_url="http://testserver")
    phone.post("/join", data={"join_code": assembly.join_code, "name": "Chen"})
    response = phone.get(f"/a/{assembly.id}/console")
    assert response.status_code == 403
    assert "console is for" in soup(response).get_text()


def test_a_phone_without_a_session_is_sent_to_join(client: TestClient, assembly: GA) -> None:
    fresh = TestClient(client.app, base_url="http://testserver")
    response = fresh.get(f"/a/{assembly.id}", follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == f"/j/{assembly.join_code}"
    )


def test_a_waiting_phone_sees_the_door_then_the_assembly(client: TestClient) -> None:
    made = create_assembly(client, admission="checked_in")
    phone = TestClient(client.app, base_url="http://testserver")
    phone.post("/join", data={"join_code": made.join_code, "name": "Chen"})
    page = soup(phone.get(f"/a/{made.id}"))
    assert "Waiting at the door" in page.h1.get_text()
    assert phone.get(f"/a/{made.id}/status").headers.get("hx-refresh") is None
    pending = client.get(f"/api/assemblies/{made.id}", headers=made.facilitator.headers).json()[
        "pending"
    ]
    client.post(
        f"/api/assemblies/{made.id}/participants/{pending[0]['participant_id']}/admit",
        headers=made.facilitator.headers,
    )
    assert phone.get(f"/a/{made.id}/status").headers["hx-refresh"] == "true"
    assert soup(phone.get(f"/a/{made.id}")).body["data-view"] == "phone"


def test_console_forms_answer_htmx_with_fresh_regions(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    headers = {
        "origin": "http://testserver",
        "hx-request": "true",
        "hx-current-url": f"http://testserver/a/{assembly_id}/console",
    }
    response = client.post(
        f"/a/{assembly_id}/agenda",
        data={"title": "Winter tents", "kind": "proposal"},
        headers=headers,
    )
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#mc-agenda")["hx-swap-oob"] == "true"
    assert page.select_one("#mc-agenda .ai-title").get_text(" ", strip=True) == "1. Winter tents"
    assert page.select_one("#mc-seq")["data-seq"] == "2"
    assert page.select_one("#mc-error").get_text(strip=True) == ""


def test_a_refused_form_shows_the_reason_in_the_error_region(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    headers = {"origin": "http://testserver", "hx-request": "true"}
    response = client.post(f"/a/{assembly_id}/agenda/999999/open", headers=headers)
    assert response.status_code == 404
    error = soup(response).select_one("#mc-error")
    assert error["hx-swap-oob"] == "true"
    assert "no such agenda item" in error.get_text()


def test_a_plain_form_without_javascript_is_redirected_back(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    response = client.post(
        f"/a/{assembly_id}/headcount",
        data={"count": "140"},
        headers={
            "origin": "http://testserver",
            "referer": f"http://testserver/a/{assembly_id}/console",
        },
        follow_redirects=False,
    )
    assert (
        response.status_code == 303 and response.headers["location"] == f"/a/{assembly_id}/console"
    )
    page = soup(client.get(f"/a/{assembly_id}/console"))
    assert page.select_one("#mc-people .headcount").get_text() == "140"


def test_a_cookie_post_from_another_site_is_refused(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    response = client.post(
        f"/a/{assembly_id}/headcount",
        data={"count": "5"},
        headers={"origin": "http://evil.example"},
    )
    assert response.status_code == 403
    assert client.get(f"/a/{assembly_id}/console").status_code == 200


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://testserver", 200),  # this page's own origin
        ("https://testserver", 403),  # same host, another scheme
        ("http://testserver:8080", 403),  # same host, another port
        ("http://TESTSERVER", 200),  # hosts are case-insensitive
    ],
)
def test_a_cookie_post_must_come_from_the_same_scheme_host_and_port(
    client: TestClient, origin: str, status: int
) -> None:
    assembly_id = start_from_home(client)
    response = client.post(
        f"/a/{assembly_id}/headcount",
        data={"count": "5"},
        headers={"origin": origin, "hx-request": "true"},
    )
    assert response.status_code == status


def test_a_form_with_a_non_number_headcount_gets_a_readable_error(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    response = client.post(
        f"/a/{assembly_id}/headcount",
        data={"count": "lots"},
        headers={"origin": "http://testserver", "hx-request": "true"},
    )
    assert response.status_code == 422
    assert "count" in soup(response).select_one("#mc-error").get_text()


def test_an_unknown_page_is_a_readable_404(client: TestClient) -> None:
    response = client.get("/a/nope/console")
    assert response.status_code in (401, 404)
    assert soup(response).h1 is not None


def test_every_page_renders_a_demo_evening_with_an_open_item(
    client: TestClient, db: object
) -> None:
    from app.demo import seed_demo

    made = seed_demo(db=client.app.state.ctx.db)  # type: ignore[attr-defined]
    fresh = TestClient(client.app, base_url="http://testserver")
    console = soup(fresh.get(f"/a/{made.assembly_id}/console?key={made.facilitator_token}"))
    assert console.select_one("#mc-agenda .open-title").get_text() == "Kitchen report-back"
    clock = console.select_one("#mc-agenda .time-box")
    assert clock["data-until"].endswith("Z") and "left of 5 min" in clock.get_text()
    assert [dd.get_text(" ", strip=True) for dd in console.select("#mc-roles dd")][2].startswith(
        "Ruth"
    )
    projector = soup(fresh.get(f"/a/{made.assembly_id}/projector?key={made.projector_key}"))
    assert projector.select_one("#mc-header .mc-now strong").get_text() == "Kitchen report-back"
    assert projector.select_one("#mc-agenda .time-box").has_attr("hidden")  # over 2 min left
    assert projector.select_one("#mc-people .headcount").get_text() == "140"
    # This browser holds the facilitator's seat: Chen's link asks first (key_links.py).
    asked = soup(fresh.get(f"/a/{made.assembly_id}?key={made.tokens['Chen']}"))
    assert asked.select_one(".link-name").get_text() == "Chen"
    fresh.post(f"/a/{made.assembly_id}/session", data={"choice": "switch"})
    phone = soup(fresh.get(f"/a/{made.assembly_id}"))
    assert phone.select_one(".you strong").get_text() == "Chen"
    assert phone.select_one("#mc-agenda .open-title").get_text() == "Kitchen report-back"


def test_the_console_gives_a_role_to_a_name_picked_from_the_list(client: TestClient) -> None:
    assembly_id = start_from_home(client)
    code = client.get(f"/api/assemblies/{assembly_id}").json()["join_code"]
    for name in ("Keiko", "Chen", "Chen"):
        client.post("/api/join", json={"join_code": code, "name": name})
    console = soup(client.get(f"/a/{assembly_id}/console"))
    options = [o["value"] for o in console.select("#mc-people-options option")]
    keiko = next(v for v in options if v.startswith("Keiko #"))
    headers = {
        "origin": "http://testserver",
        "hx-request": "true",
        "hx-current-url": f"http://testserver/a/{assembly_id}/console",
    }
    url = f"/a/{assembly_id}/roles"
    given = client.post(url, data={"participant": keiko, "role": "stack_keeper"}, headers=headers)
    assert given.status_code == 200
    roles = soup(given).select("#mc-roles dd")
    assert "Keiko" in roles[1].get_text()
    by_name = client.post(url, data={"participant": "keiko", "role": "greeter"}, headers=headers)
    assert by_name.status_code == 200
    twice = client.post(url, data={"participant": "Chen", "role": "greeter"}, headers=headers)
    assert twice.status_code == 409
    assert "Several people are called Chen" in soup(twice).select_one("#mc-error").get_text()
    nobody = client.post(url, data={"participant": "Zed", "role": "greeter"}, headers=headers)
    assert nobody.status_code == 404


def test_role_controls_carry_the_classes_that_hide_them_from_other_roles(
    client: TestClient,
) -> None:
    made = create_assembly(client, admission="checked_in")
    client.post("/api/join", json={"join_code": made.join_code, "name": "Chen"})
    page = soup(client.get(f"/a/{made.id}/console?key={made.facilitator.token}"))
    assert page.select_one("#mc-admissions .actions.role-door") is not None
    assert page.select_one(".room-controls.role-facilitator") is not None
    # Pushed regions hold no inputs a person types in: a push must not wipe them.
    for region in ("mc-people", "mc-admissions", "mc-roles", "mc-agenda", "mc-header"):
        typed = page.select(f"#{region} input:not([type=hidden]), #{region} select")
        assert typed == [], region


# ---- opening the next agenda item: the hands still up are never dropped silently ----------


def console_with_hands(client: TestClient, hands: int) -> tuple[str, list[int], dict[str, str]]:
    """A console (this client's cookie) with "Welcome" open and `hands` hands up on its stack;
    "Kitchen report-back" pending. Returns the assembly id, the item ids and htmx headers."""
    assembly_id = start_from_home(client)
    console = f"http://testserver/a/{assembly_id}/console"
    htmx = {"origin": "http://testserver", "hx-request": "true", "hx-current-url": console}
    for title in ("Welcome", "Kitchen report-back"):
        form = {"title": title, "kind": "discussion"}
        assert client.post(f"/a/{assembly_id}/agenda", data=form, headers=htmx).status_code == 200
    state = client.get(f"/api/assemblies/{assembly_id}").json()
    items = [int(i["id"]) for i in state["agenda"]]
    opened = client.post(f"/a/{assembly_id}/agenda/{items[0]}/open", headers=htmx)
    assert opened.status_code == 200
    for n in range(hands):
        joined = client.post(
            "/api/join", json={"join_code": state["join_code"], "name": f"Person {n}"}
        ).json()
        raised = client.post(
            f"/api/assemblies/{assembly_id}/stack",
            json={"kind": "speak"},
            headers={"Authorization": f"Bearer {joined['token']}"},
        )
        assert raised.status_code == 201, raised.text
    return assembly_id, items, htmx


def open_form_of(page: BeautifulSoup, item_id: int) -> BeautifulSoup:
    return page.select_one(f"#mc-agenda .agenda-item[data-item-id='{item_id}'] form")


def test_with_hands_up_the_console_offers_to_carry_or_clear_them_and_to_keep_the_item_pending(
    client: TestClient,
) -> None:
    assembly_id, items, _htmx = console_with_hands(client, 2)
    form = open_form_of(soup(client.get(f"/a/{assembly_id}/console")), items[1])
    buttons = [(b.get_text(strip=True), b.get("name"), b.get("value")) for b in form("button")]
    assert buttons == [
        ("Open — carry the 2 hands over", "hands", "carry"),
        ("Open — clear the 2 hands", "hands", "clear"),
    ]
    assert all("btn-small" not in b["class"] for b in form("button"))  # 44 px and more
    keep = form.select_one("input[type=checkbox][name=previous]")
    assert keep["value"] == "pending"
    assert keep.find_parent("label").get_text(strip=True) == "Keep “Welcome” pending"


def test_with_no_hands_up_the_console_just_opens_and_asks_only_about_the_open_item(
    client: TestClient,
) -> None:
    assembly_id, items, htmx = console_with_hands(client, 0)
    form = open_form_of(soup(client.get(f"/a/{assembly_id}/console")), items[1])
    assert [(b.get_text(strip=True), b.get("name")) for b in form("button")] == [("Open", None)]
    assert form.select_one("input[name=previous]") is not None
    assert client.post(f"/a/{assembly_id}/agenda/{items[0]}/close", headers=htmx).status_code == 200
    form = open_form_of(soup(client.get(f"/a/{assembly_id}/console")), items[0])
    assert [b.get_text(strip=True) for b in form("button")] == ["Reopen"]
    assert form.select_one("input[name=previous]") is None  # nothing open to keep pending


def test_opening_from_the_console_while_hands_are_up_without_a_choice_shows_the_question(
    client: TestClient,
) -> None:
    assembly_id, items, htmx = console_with_hands(client, 3)
    refused = client.post(f"/a/{assembly_id}/agenda/{items[1]}/open", headers=htmx)
    assert refused.status_code == 409
    error = soup(refused).select_one("#mc-error").get_text(" ", strip=True)
    assert "3 hands are up: carry them over to the next item, or clear them?" in error
    page = soup(client.get(f"/a/{assembly_id}/console"))
    assert page.select_one("#mc-agenda .open-title").get_text() == "Welcome"
    assert len(page.select("#mc-stack .queue li")) == 3


def test_the_console_carries_the_hands_over_to_the_next_item(client: TestClient) -> None:
    assembly_id, items, htmx = console_with_hands(client, 2)
    carried = client.post(
        f"/a/{assembly_id}/agenda/{items[1]}/open", data={"hands": "carry"}, headers=htmx
    )
    assert carried.status_code == 200
    fragment = soup(carried)
    assert fragment.select_one("#mc-agenda .open-title").get_text() == "Kitchen report-back"
    stack = client.get(f"/api/assemblies/{assembly_id}/stack").json()
    assert [h["name"] for h in stack["queue"]] == ["Person 0", "Person 1"]
    agenda = client.get(f"/api/assemblies/{assembly_id}").json()["agenda"]
    assert [i["status"] for i in agenda] == ["done", "open"]


def test_the_console_clears_the_hands_and_keeps_the_item_before_pending(
    client: TestClient,
) -> None:
    assembly_id, items, htmx = console_with_hands(client, 2)
    form = {"hands": "clear", "previous": "pending"}
    cleared = client.post(f"/a/{assembly_id}/agenda/{items[1]}/open", data=form, headers=htmx)
    assert cleared.status_code == 200
    assert client.get(f"/api/assemblies/{assembly_id}/stack").json()["queue"] == []
    agenda = client.get(f"/api/assemblies/{assembly_id}").json()["agenda"]
    assert [i["status"] for i in agenda] == ["pending", "open"]


def test_opening_without_javascript_posts_the_choice_and_goes_back_to_the_console(
    client: TestClient,
) -> None:
    assembly_id, items, htmx = console_with_hands(client, 1)
    plain = {"origin": "http://testserver", "referer": htmx["hx-current-url"]}
    response = client.post(
        f"/a/{assembly_id}/agenda/{items[1]}/open",
        data={"hands": "carry"},
        headers=plain,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{assembly_id}/console"
    page = soup(client.get(f"/a/{assembly_id}/console"))
    assert page.select_one("#mc-agenda .open-title").get_text() == "Kitchen report-back"


def test_a_change_of_the_stack_reaches_the_consoles_agenda_but_not_the_phones(
    client: TestClient,
) -> None:
    assembly_id, _items, _htmx = console_with_hands(client, 1)
    renderer = client.app.state.ctx.renderer  # type: ignore[attr-defined]
    snap = renderer.snapshot(assembly_id)
    stack = frozenset({"stack"})
    assert set(renderer.regions(snap, "console", stack)) == {"mc-stack", "mc-agenda"}
    assert set(renderer.regions(snap, "phone", stack)) == {"mc-stack"}
    assert set(renderer.regions(snap, "projector", stack)) == {"mc-stack"}


@pytest.mark.parametrize("name", ["Chen", "Nobody Here"])
def test_the_grant_role_form_refuses_a_participant_before_looking_up_the_name(
    client: TestClient, assembly: GA, participants: Callable[[int], list[Person]], name: str
) -> None:
    """403 whether or not someone of that name has joined: the form tells nobody who is in."""
    abebe, _, _ = participants(3)  # Abebe, Bianca, Chen
    response = client.post(
        f"/a/{assembly.id}/roles",
        data={"participant": name, "role": "greeter"},
        headers={**abebe.headers, "hx-request": "true"},
    )
    assert response.status_code == 403
