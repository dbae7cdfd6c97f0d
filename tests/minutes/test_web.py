"""The notes and action items API and who may read the minutes (app/web/api_minutes.py,
docs/api.md "Minutes"): errors in docs/api.md's shape, the minutes as JSON with "seq"."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import GA, Person, create_assembly, error_of, join, ok
from tests.minutes.evening import Evening


def notes_url(ga: GA) -> str:
    return f"/api/assemblies/{ga.id}/notes"


@pytest.fixture
def ruth(client: TestClient, assembly: GA) -> Person:
    """The minute taker."""
    person = join(client, assembly, "Ruth")
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/roles",
            json={"participant_id": person.participant_id, "role": "minute_taker"},
            headers=assembly.facilitator.headers,
        )
    )
    return person


def test_a_minute_taker_takes_a_note_and_gets_its_id(
    client: TestClient, assembly: GA, ruth: Person
) -> None:
    body = ok(
        client.post(notes_url(assembly), json={"text": "Kitchen: 2 volunteers.", "label": "R"},
                    headers=ruth.headers),
        201,
    )  # fmt: skip
    assert set(body) == {"note_id", "seq"} and body["note_id"] == body["seq"]
    minutes = ok(client.get(f"/api/assemblies/{assembly.id}/minutes", headers=ruth.headers))
    (note,) = minutes["floor"]["notes"]
    assert (note["note_id"], note["label"], note["text"]) == (
        body["note_id"], "R", "Kitchen: 2 volunteers."
    )  # fmt: skip
    assert minutes["seq"] == body["seq"]


def test_a_correction_names_the_note_it_corrects(
    client: TestClient, assembly: GA, ruth: Person
) -> None:
    first = ok(
        client.post(notes_url(assembly), json={"text": "Thursday."}, headers=ruth.headers), 201
    )
    fixed = ok(
        client.post(notes_url(assembly), json={"text": "Friday.", "corrects": first["note_id"]},
                    headers=assembly.facilitator.headers),
        201,
    )  # fmt: skip
    minutes = ok(client.get(f"/api/assemblies/{assembly.id}/minutes", headers=ruth.headers))
    (note,) = minutes["floor"]["notes"]
    assert note["text"] == "Thursday."
    assert [c["note_id"] for c in note["corrections"]] == [fixed["note_id"]]


def post_as(
    client: TestClient, assembly: GA, ruth: Person, who: str, url: str, body: dict[str, Any]
) -> Any:
    """POST as a participant without the role, Ruth (minute taker), nobody, or a member of
    another assembly."""
    headers = {
        "participant": lambda: join(client, assembly, "Abebe").headers,
        "ruth": lambda: ruth.headers,
        "nobody": lambda: {},
        "stranger": lambda: create_assembly(client, title="Elsewhere").facilitator.headers,
    }[who]()
    return client.post(url, json=body, headers=headers)


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("participant", {"text": "Mine."}, 403, "role_required"),
        ("ruth", {"text": "Fine.", "label": "Q"}, 422, "bad_label"),
        ("ruth", {"text": ""}, 422, "text_required"),
        ("ruth", {"text": "   "}, 422, "text_required"),
        ("ruth", {"text": "x" * 2001}, 422, "text_too_long"),
        ("ruth", {"text": "Fine.", "corrects": 999}, 404, "note_not_found"),
        ("ruth", {"text": "Fine.", "corrects": 1}, 404, "note_not_found"),  # an event, not a note
        ("ruth", {"text": "Fine.", "agenda_item_id": 999}, 404, "item_not_found"),
        ("ruth", {"text": "Fine.", "colour": "red"}, 422, "invalid"),
        ("ruth", {}, 422, "invalid"),
        ("nobody", {"text": "Fine."}, 401, "unauthorized"),
        ("stranger", {"text": "Fine."}, 401, "unauthorized"),
    ],
)
def test_notes_are_refused_with_the_api_error_shape(
    client: TestClient, assembly: GA, ruth: Person, who: str, body: dict[str, Any], status: int,
    code: str,
) -> None:  # fmt: skip
    response = post_as(client, assembly, ruth, who, notes_url(assembly), body)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_no_notes_once_the_assembly_has_closed(
    client: TestClient, assembly: GA, ruth: Person
) -> None:
    ok(client.post(f"/api/assemblies/{assembly.id}/close", headers=assembly.facilitator.headers))
    response = client.post(notes_url(assembly), json={"text": "Late."}, headers=ruth.headers)
    assert response.status_code == 409 and error_of(response)["code"] == "assembly_closed"


def actions_url(ga: GA) -> str:
    return f"/api/assemblies/{ga.id}/actions"


def test_a_minute_taker_records_an_action_item_for_a_proposal_and_gets_its_id(
    client: TestClient, assembly: GA, ruth: Person
) -> None:
    made = ok(
        client.post(f"/api/assemblies/{assembly.id}/proposals",
                    json={"title": "Winter tents", "text": "Buy six tents.",
                          "presenter_name": "Marisol"},
                    headers=assembly.facilitator.headers),
        201,
    )  # fmt: skip
    body = ok(
        client.post(actions_url(assembly),
                    json={"text": "Buy the six tents", "who": "Comfort working group",
                          "due": "Friday 20 March", "proposal_id": made["proposal_id"]},
                    headers=ruth.headers),
        201,
    )  # fmt: skip
    assert set(body) == {"action_id", "seq"} and body["action_id"] == body["seq"]
    minutes = ok(client.get(f"/api/assemblies/{assembly.id}/minutes", headers=ruth.headers))
    (action,) = minutes["items"][-1]["proposals"][0]["actions"]
    assert {k: action[k] for k in ("action_id", "text", "who", "due", "by")} == {
        "action_id": body["action_id"], "text": "Buy the six tents",
        "who": "Comfort working group", "due": "Friday 20 March", "by": "Ruth",
    }  # fmt: skip
    assert action["at"]["utc"].endswith("Z")
    assert minutes["seq"] == body["seq"]


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("participant", {"text": "Mine."}, 403, "role_required"),
        ("ruth", {"text": ""}, 422, "text_required"),
        ("ruth", {"text": "x" * 501}, 422, "text_too_long"),
        ("ruth", {"text": "Fine.", "who": "w" * 81}, 422, "who_too_long"),
        ("ruth", {"text": "Fine.", "due": "d" * 61}, 422, "due_too_long"),
        ("ruth", {"text": "Fine.", "proposal_id": 999}, 404, "proposal_not_found"),
        ("ruth", {"text": "Fine.", "agenda_item_id": 999}, 404, "item_not_found"),
        ("ruth", {"text": "Fine.", "label": "R"}, 422, "invalid"),
        ("ruth", {"text": "Fine.", "proposal_id": "tents"}, 422, "invalid"),
        ("ruth", {}, 422, "invalid"),
        ("nobody", {"text": "Fine."}, 401, "unauthorized"),
        ("stranger", {"text": "Fine."}, 401, "unauthorized"),
    ],
)
def test_action_items_are_refused_with_the_api_error_shape(
    client: TestClient, assembly: GA, ruth: Person, who: str, body: dict[str, Any], status: int,
    code: str,
) -> None:  # fmt: skip
    response = post_as(client, assembly, ruth, who, actions_url(assembly), body)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_no_action_items_once_the_assembly_has_closed(
    client: TestClient, assembly: GA, ruth: Person
) -> None:
    ok(client.post(f"/api/assemblies/{assembly.id}/close", headers=assembly.facilitator.headers))
    response = client.post(actions_url(assembly), json={"text": "Late."}, headers=ruth.headers)
    assert response.status_code == 409 and error_of(response)["code"] == "assembly_closed"


FORMATS = ("minutes", "minutes.md", "minutes.html")


@pytest.mark.parametrize("suffix", FORMATS)
def test_minutes_of_a_closed_public_assembly_need_no_token(
    client: TestClient, evening: Evening, suffix: str
) -> None:
    response = client.get(f"/api/assemblies/{evening.assembly_id}/{suffix}")
    assert response.status_code == 200, response.text
    assert "Winter tents" in response.text


@pytest.mark.parametrize("suffix", FORMATS)
def test_minutes_of_an_open_assembly_are_for_members(
    client: TestClient, assembly: GA, suffix: str
) -> None:
    url = f"/api/assemblies/{assembly.id}/{suffix}"
    refused = client.get(url)
    assert refused.status_code == 401 and error_of(refused)["code"] == "unauthorized"
    elsewhere = create_assembly(client, title="Elsewhere").facilitator.headers
    assert client.get(url, headers=elsewhere).status_code == 401
    member = join(client, assembly, "Abebe")
    assert client.get(url, headers=member.headers).status_code == 200


@pytest.mark.parametrize("suffix", FORMATS)
def test_minutes_of_a_closed_private_assembly_stay_with_its_members(
    client: TestClient, suffix: str
) -> None:
    ga = create_assembly(client, visibility="private")
    member = join(client, ga, "Abebe")
    ok(client.post(f"/api/assemblies/{ga.id}/close", headers=ga.facilitator.headers))
    url = f"/api/assemblies/{ga.id}/{suffix}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=member.headers).status_code == 200


def test_a_person_waiting_at_the_door_cannot_read_the_minutes(client: TestClient) -> None:
    ga = create_assembly(client, admission="checked_in")
    waiting = join(client, ga, "Abebe")
    response = client.get(f"/api/assemblies/{ga.id}/minutes", headers=waiting.headers)
    assert response.status_code == 403 and error_of(response)["code"] == "not_admitted"


def test_minutes_of_no_assembly_are_not_found(client: TestClient) -> None:
    response = client.get("/api/assemblies/nope/minutes")
    assert response.status_code == 404 and error_of(response)["code"] == "assembly_not_found"


def test_the_minutes_json_has_the_shape_of_the_dataclass_and_the_seq(
    client: TestClient, evening: Evening
) -> None:
    body = ok(client.get(f"/api/assemblies/{evening.assembly_id}/minutes"))
    assert set(body) == {
        "header", "items", "floor", "approvals", "speaking_time", "speaker_names", "cannot_know",
        "head", "actions", "seq",
    }  # fmt: skip
    events = ok(client.get(f"/api/assemblies/{evening.assembly_id}/events"))
    assert body["seq"] == body["head"]["seq"] == events["head"]["seq"]
    assert body["head"]["hash"] == events["head"]["hash"]
    header = body["header"]
    assert (header["title"], header["time_zone"], header["final"]) == (
        "Riverside Commons GA", "America/New_York", True
    )  # fmt: skip
    assert [i["number"] for i in body["items"]] == ["1", "2", "3", "4", "5", "6"]
    tents = body["items"][3]["proposals"][0]
    assert set(tents) >= {
        "presenter", "working_group", "text_presented", "text_decided", "amendments", "rounds",
        "outcome", "outcome_line", "tabled_to", "history",
    }  # fmt: skip
    up = tents["rounds"][0]["counts"][0]
    assert up == {"value": "up", "word": "up", "phones": 15, "counted": 5, "total": 20}
    assert tents["rounds"][1]["opened"]["utc"].endswith("Z")  # API times are UTC …
    assert tents["rounds"][1]["opened"]["time"] == "19:18"  # … with the local time beside


def test_markdown_is_served_as_markdown(client: TestClient, evening: Evening) -> None:
    response = client.get(f"/api/assemblies/{evening.assembly_id}/minutes.md")
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# Minutes: Riverside Commons GA")


def test_the_minutes_page_serves_the_printable_minutes_with_links_to_the_other_formats(
    client: TestClient, evening: Evening
) -> None:
    page = client.get(f"/a/{evening.assembly_id}/minutes")
    api = client.get(f"/api/assemblies/{evening.assembly_id}/minutes.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parsed = BeautifulSoup(page.text, "html.parser")
    nav = parsed.select_one("nav.formats")
    assert nav is not None and BeautifulSoup(api.text, "html.parser").select_one("nav") is None
    nav.decompose()  # the page is the API's printable copy, plus the links
    verify = parsed.select_one("p.verify")  # and the link to /verify, which a file cannot hold
    assert (
        verify is not None and BeautifulSoup(api.text, "html.parser").select_one("p.verify") is None
    )
    verify.decompose()
    assert str(parsed).split() == str(BeautifulSoup(api.text, "html.parser")).split()


def test_the_minutes_page_of_an_open_assembly_reads_the_session_cookie(
    client: TestClient, assembly: GA
) -> None:
    refused = client.get(f"/a/{assembly.id}/minutes")
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("text/html")
    client.get(f"/a/{assembly.id}/console?key={assembly.facilitator.token}")  # the cookie
    assert client.get(f"/a/{assembly.id}/minutes").status_code == 200


def fresh_browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="http://testserver")


@pytest.mark.parametrize("link", ["console", "projector"])
def test_a_key_link_opens_the_minutes_page_of_an_open_assembly_and_leaves_the_address_bar(
    client: TestClient, assembly: GA, link: str
) -> None:
    key = assembly.facilitator.token if link == "console" else assembly.projector_key
    browser = fresh_browser(client)
    swapped = browser.get(f"/a/{assembly.id}/minutes?key={key}", follow_redirects=False)
    assert swapped.status_code == 303
    assert swapped.headers["location"] == f"/a/{assembly.id}/minutes"
    page = browser.get(f"/a/{assembly.id}/minutes")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    title = BeautifulSoup(page.text, "html.parser").title
    assert title is not None and "Riverside Commons GA" in title.get_text()


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_projector_key_in_the_cookie_opens_the_minutes_in_every_format_but_not_as_a_bearer(
    client: TestClient, assembly: GA, suffix: str
) -> None:
    browser = fresh_browser(client)
    browser.get(f"/a/{assembly.id}/projector?key={assembly.projector_key}")  # the wall's cookie
    assert browser.get(f"/a/{assembly.id}/minutes").status_code == 200
    assert browser.get(f"/api/assemblies/{assembly.id}/{suffix}").status_code == 200
    bearer = {"Authorization": f"Bearer {assembly.projector_key}"}  # not a member's token
    assert fresh_browser(client).get(f"/api/assemblies/{assembly.id}/{suffix}",
                                     headers=bearer).status_code == 401  # fmt: skip


@pytest.mark.parametrize("wrong", ["guess", "other token", "other projector key"])
def test_a_wrong_key_on_the_minutes_page_is_a_403_page_and_sets_no_cookie(
    client: TestClient, assembly: GA, wrong: str
) -> None:
    other = create_assembly(client, title="Harbour GA")
    key = {
        "guess": "guess",
        "other token": other.facilitator.token,
        "other projector key": other.projector_key,
    }[wrong]
    browser = fresh_browser(client)
    refused = browser.get(f"/a/{assembly.id}/minutes?key={key}", follow_redirects=False)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "key in this link is not valid" in BeautifulSoup(refused.text, "html.parser").text
    assert browser.get(f"/a/{assembly.id}/minutes").status_code == 401


def test_a_key_link_to_the_minutes_of_no_assembly_is_404(client: TestClient) -> None:
    assert client.get("/a/nope/minutes?key=guess").status_code == 404
