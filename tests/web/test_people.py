"""Looking after people over HTTP: a new link, mute, unmute, remove — JSON and page forms."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import GA, Person, create_assembly, error_of, join, ok

ORIGIN = "http://testserver"
ROUTES = ("reissue", "remove", "mute", "unmute")
# Who may call each route; everyone else in the assembly gets 403.
ALLOWED = {
    "reissue": {"facilitator", "greeter"},
    "remove": {"facilitator"},
    "mute": {"facilitator", "stack_keeper"},
    "unmute": {"facilitator", "stack_keeper"},
}


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def call(client: TestClient, ga: GA, pid: int, route: str, who: Person) -> Response:
    return client.post(f"/api/assemblies/{ga.id}/participants/{pid}/{route}", headers=who.headers)


def hand_up(client: TestClient, ga: GA, who: Person, kind: str = "speak") -> Response:
    return client.post(f"/api/assemblies/{ga.id}/stack", json={"kind": kind}, headers=who.headers)


def with_roles(client: TestClient, ga: GA) -> dict[str, Person]:
    """Noor facilitates; Gita greets, Sol keeps the stack, Mo takes minutes; Pat and Ruth
    hold no role."""
    people = {"facilitator": ga.facilitator}
    for name, role in (("Gita", "greeter"), ("Sol", "stack_keeper"), ("Mo", "minute_taker")):
        person = join(client, ga, name)
        body = {"participant_id": person.participant_id, "role": role}
        ok(client.post(f"/api/assemblies/{ga.id}/roles", json=body, headers=ga.facilitator.headers))
        people[role] = person
    people["participant"] = join(client, ga, "Pat")
    people["ruth"] = join(client, ga, "Ruth")
    return people


def events_of(client: TestClient, ga: GA) -> list[dict[str, object]]:
    export = client.get(f"/api/assemblies/{ga.id}/events", headers=ga.facilitator.headers)
    events: list[dict[str, object]] = ok(export)["events"]
    return events


# ---- JSON ----------------------------------------------------------------------------------


def test_a_reissued_link_replaces_the_old_token_and_never_reaches_the_log(
    client: TestClient, assembly: GA
) -> None:
    ruth = join(client, assembly, "Ruth")
    made = ok(call(client, assembly, ruth.participant_id, "reissue", assembly.facilitator))
    assert set(made) == {"assembly_id", "participant_id", "token", "urls", "seq"}
    link = urlsplit(made["urls"]["phone"])
    assert link.path == f"/a/{assembly.id}" and parse_qs(link.query)["key"] == [made["token"]]
    old = client.get(f"/api/assemblies/{assembly.id}", headers=ruth.headers)
    assert old.status_code == 401 and error_of(old)["code"] == "unauthorized"
    new = {"Authorization": f"Bearer {made['token']}"}
    assert client.get(f"/api/assemblies/{assembly.id}", headers=new).status_code == 200
    export = client.get(
        f"/api/assemblies/{assembly.id}/events", headers=assembly.facilitator.headers
    )
    assert made["token"] not in export.text and ruth.token not in export.text
    assert events_of(client, assembly)[-1]["type"] == "participant_link_reissued"


def test_removing_lowers_hands_revokes_roles_and_refuses_the_token(
    client: TestClient, assembly: GA
) -> None:
    ruth = join(client, assembly, "Ruth")
    body = {"participant_id": ruth.participant_id, "role": "stack_keeper"}
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/roles", json=body, headers=assembly.facilitator.headers
        )
    )
    ok(hand_up(client, assembly, ruth), 201)
    removed = ok(call(client, assembly, ruth.participant_id, "remove", assembly.facilitator))
    assert removed["status"] == "removed" and removed["roles_revoked"] == ["stack_keeper"]
    stack = ok(
        client.get(f"/api/assemblies/{assembly.id}/stack", headers=assembly.facilitator.headers)
    )
    assert stack["queue"] == []
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers))
    assert "stack_keeper" not in state["roles"]
    refused = client.get(f"/api/assemblies/{assembly.id}", headers=ruth.headers)
    assert refused.status_code == 403 and error_of(refused)["code"] == "removed"
    again = call(client, assembly, ruth.participant_id, "remove", assembly.facilitator)
    assert again.status_code == 409 and error_of(again)["code"] == "already_removed"
    types = [e["type"] for e in events_of(client, assembly)]
    assert types[-3:] == ["hand_lowered", "role_revoked", "participant_removed"]


def test_the_last_facilitator_cannot_be_removed(client: TestClient, assembly: GA) -> None:
    me = assembly.facilitator
    response = call(client, assembly, me.participant_id, "remove", me)
    assert response.status_code == 409
    assert error_of(response)["code"] == "last_facilitator"


def test_a_muted_phone_cannot_raise_or_amend_but_answers_until_unmuted(
    client: TestClient, assembly: GA
) -> None:
    fac, keiko = assembly.facilitator.headers, join(client, assembly, "Keiko")
    base = f"/api/assemblies/{assembly.id}"
    pid = ok(
        client.post(f"{base}/proposals", json={"title": "Tarps", "text": "Buy ten."}, headers=fac),
        201,
    )["proposal_id"]
    ok(client.post(f"/api/proposals/{pid}/stage", json={"stage": "amendments"}, headers=fac))
    ok(hand_up(client, assembly, keiko), 201)
    assert ok(call(client, assembly, keiko.participant_id, "mute", assembly.facilitator))["muted"]
    assert ok(client.get(f"{base}/stack", headers=fac))["queue"] == []
    raised = hand_up(client, assembly, keiko, "point_of_process")
    assert raised.status_code == 409 and error_of(raised)["code"] == "muted"
    amend = client.post(
        f"/api/proposals/{pid}/amendments", json={"text": "Buy twelve."}, headers=keiko.headers
    )
    assert amend.status_code == 409 and error_of(amend)["code"] == "muted"
    rid = ok(
        client.post(f"/api/proposals/{pid}/rounds", json={"kind": "temperature"}, headers=fac), 201
    )["round_id"]
    ok(client.put(f"/api/rounds/{rid}/response", json={"value": "up"}, headers=keiko.headers))
    ok(call(client, assembly, keiko.participant_id, "unmute", assembly.facilitator))
    ok(hand_up(client, assembly, keiko), 201)
    twice = call(client, assembly, keiko.participant_id, "unmute", assembly.facilitator)
    assert twice.status_code == 409 and error_of(twice)["code"] == "not_muted"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "caller", ["facilitator", "greeter", "stack_keeper", "minute_taker", "participant"]
)
def test_each_route_takes_only_its_roles(
    client: TestClient, assembly: GA, route: str, caller: str
) -> None:
    people = with_roles(client, assembly)
    target = people["ruth"].participant_id
    if route == "unmute":
        ok(call(client, assembly, target, "mute", assembly.facilitator))
    response = call(client, assembly, target, route, people[caller])
    if caller in ALLOWED[route]:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert error_of(response)["code"] == "role_required"


@pytest.mark.parametrize("route", ROUTES)
def test_nobody_and_another_assemblys_facilitator_are_refused(
    client: TestClient, assembly: GA, route: str
) -> None:
    ruth = join(client, assembly, "Ruth")
    url = f"/api/assemblies/{assembly.id}/participants/{ruth.participant_id}/{route}"
    assert client.post(url).status_code == 401
    other = create_assembly(client, title="Elsewhere")
    assert client.post(url, headers=other.facilitator.headers).status_code == 401


def test_a_greeter_cannot_give_a_role_holder_a_new_link(client: TestClient, assembly: GA) -> None:
    people = with_roles(client, assembly)
    response = call(
        client, assembly, people["stack_keeper"].participant_id, "reissue", people["greeter"]
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "role_required"


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_and_another_assemblys_people_are_not_found(
    client: TestClient, assembly: GA, route: str
) -> None:
    other = create_assembly(client, title="Elsewhere")
    sam = join(client, other, "Sam")
    for pid in (sam.participant_id, 999_999, other.facilitator.participant_id):
        response = call(client, assembly, pid, route, assembly.facilitator)
        assert response.status_code == 404
        assert error_of(response)["code"] == "participant_not_found"
    too_big = client.post(
        f"/api/assemblies/{assembly.id}/participants/{2**64}/{route}",
        headers=assembly.facilitator.headers,
    )
    assert too_big.status_code in (404, 422)


@pytest.mark.parametrize("route", ROUTES)
def test_a_closed_assembly_refuses_every_change(
    client: TestClient, assembly: GA, route: str
) -> None:
    ruth = join(client, assembly, "Ruth")
    ok(client.post(f"/api/assemblies/{assembly.id}/close", headers=assembly.facilitator.headers))
    response = call(client, assembly, ruth.participant_id, route, assembly.facilitator)
    assert response.status_code == 409
    assert error_of(response)["code"] == "assembly_closed"


# ---- pages ---------------------------------------------------------------------------------


def console_of(client: TestClient, ga: GA, who: Person) -> TestClient:
    """A browser signed in as `who` (the key link's cookie)."""
    browser = TestClient(client.app, base_url=ORIGIN)
    assert browser.get(f"/a/{ga.id}/console?key={who.token}").status_code == 200
    return browser


def test_the_console_lists_people_with_the_three_actions(client: TestClient, assembly: GA) -> None:
    ruth = join(client, assembly, "Ruth")
    page = soup(console_of(client, assembly, assembly.facilitator).get(f"/a/{assembly.id}/console"))
    row = page.select_one(f"#mc-people li.person[data-participant-id='{ruth.participant_id}']")
    assert row is not None
    actions = {urlsplit(f["action"]).path.rsplit("/", 1)[-1]: f for f in row.select("form")}
    assert set(actions) == {"reissue", "mute", "remove"}
    assert "role-door" in actions["reissue"]["class"]
    assert "role-stack" in actions["mute"]["class"]
    # Remove asks first: its button sits inside a <details> that must be opened.
    confirm = actions["remove"].find_parent("details")
    assert confirm is not None and "role-facilitator" in confirm["class"]
    assert not confirm.has_attr("open")


def test_a_new_link_is_shown_once_with_a_qr_code_and_works(
    client: TestClient, assembly: GA
) -> None:
    ruth = join(client, assembly, "Ruth")
    browser = console_of(client, assembly, assembly.facilitator)
    response = browser.post(
        f"/a/{assembly.id}/participants/{ruth.participant_id}/reissue", headers={"origin": ORIGIN}
    )
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = soup(response)
    link = page.select_one("#new-link-url")["value"]
    assert page.select_one(".new-link-qr svg") is not None
    phone = TestClient(client.app, base_url=ORIGIN)
    landed = phone.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert soup(landed).body["data-participant-id"] == str(ruth.participant_id)
    assert client.get(f"/api/assemblies/{assembly.id}", headers=ruth.headers).status_code == 401


def test_page_forms_mute_and_remove_and_the_removed_phone_says_why(
    client: TestClient, assembly: GA
) -> None:
    keiko = join(client, assembly, "Keiko")
    phone = TestClient(client.app, base_url=ORIGIN)
    assert phone.get(f"/a/{assembly.id}?key={keiko.token}").status_code == 200
    browser = console_of(client, assembly, assembly.facilitator)
    base = f"/a/{assembly.id}/participants/{keiko.participant_id}"
    muted = browser.post(f"{base}/mute", headers={"origin": ORIGIN}, follow_redirects=False)
    assert muted.status_code == 303
    page = soup(phone.get(f"/a/{assembly.id}"))
    assert page.body["data-me-muted"] == "yes"
    assert "muted you" in page.select_one("#mc-me-muted").get_text()
    assert str(keiko.participant_id) in page.select_one("#mc-stack")["data-muted"].split()
    htmx = {
        "origin": ORIGIN,
        "hx-request": "true",
        "hx-current-url": f"{ORIGIN}/a/{assembly.id}/console",
    }
    raised = phone.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"}, headers=htmx)
    assert raised.status_code == 409
    assert soup(raised).select_one("#mc-error p")["data-code"] == "muted"
    assert browser.post(f"{base}/unmute", headers=htmx).status_code == 200
    assert soup(phone.get(f"/a/{assembly.id}")).body["data-me-muted"] == "no"
    removed = browser.post(f"{base}/remove", headers=htmx)
    assert removed.status_code == 200
    gone = phone.get(f"/a/{assembly.id}")
    assert gone.status_code == 403 and "removed you" in soup(gone).get_text()


@pytest.mark.parametrize("route", ROUTES)
def test_page_forms_refuse_a_participant_without_the_role(
    client: TestClient, assembly: GA, route: str
) -> None:
    ruth, pat = join(client, assembly, "Ruth"), join(client, assembly, "Pat")
    browser = TestClient(client.app, base_url=ORIGIN)
    browser.get(f"/a/{assembly.id}?key={pat.token}")
    response = browser.post(
        f"/a/{assembly.id}/participants/{ruth.participant_id}/{route}", headers={"origin": ORIGIN}
    )
    assert response.status_code == 403


def test_find_someone_reaches_people_who_are_not_among_the_latest(
    client: TestClient, assembly: GA
) -> None:
    early = join(client, assembly, "Zainab Early")
    for n in range(14):
        join(client, assembly, f"Later {n}")
    browser = console_of(client, assembly, assembly.facilitator)
    console = soup(browser.get(f"/a/{assembly.id}/console"))
    listed = {li["data-participant-id"] for li in console.select("#mc-people li.person")}
    assert str(early.participant_id) not in listed
    form = console.select_one("form.find-people")
    assert form is not None and form["method"] == "get"
    assert form.find_parent(id="mc-people") is None  # typed text survives pushes
    page = soup(browser.get(form["action"], params={"q": "zainab"}))
    [row] = page.select("li.person")
    assert row["data-participant-id"] == str(early.participant_id)
    actions = {urlsplit(f["action"]).path.rsplit("/", 1)[-1] for f in row.select("form")}
    assert actions == {"reissue", "mute", "remove"}
    assert "can-facilitator" in page.body["class"]
    by_ref = soup(browser.get(form["action"], params={"q": f"Anyone #{early.participant_id}"}))
    assert [li["data-participant-id"] for li in by_ref.select("li.person")] == [
        str(early.participant_id)
    ]
    # A plain form on the find page comes back to it, search and all.
    back = f"/a/{assembly.id}/people?q=zainab"
    muted = browser.post(
        f"/a/{assembly.id}/participants/{early.participant_id}/mute",
        headers={"origin": ORIGIN, "referer": f"{ORIGIN}{back}"},
        follow_redirects=False,
    )
    assert muted.status_code == 303 and muted.headers["location"] == back


def test_find_someone_is_for_console_roles(client: TestClient, assembly: GA) -> None:
    pat = join(client, assembly, "Pat")
    url = f"/a/{assembly.id}/people?q=Pat"
    nobody = TestClient(client.app, base_url=ORIGIN).get(url, follow_redirects=False)
    assert nobody.status_code == 303 and nobody.headers["location"] == f"/j/{assembly.join_code}"
    phone = TestClient(client.app, base_url=ORIGIN)
    phone.get(f"/a/{assembly.id}?key={pat.token}")
    assert phone.get(url).status_code == 403
