"""Standing groups from the home page, without JavaScript (app/web/pages_groups.py and the home
form in app/web/pages.py): the group's admin token shown once, its first assembly started
from the reply page, and every refusal a readable page with the right status."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from app.web.assets import static_url

GROUP = {
    "name": "Riverside Commons General Assembly",
    "slug": "riverside-commons",
    "time_zone": "America/New_York",
    "working_groups": "Kitchen\r\n\r\n  Comfort  \r\nDrummers Circle\r\n",
}
SAME_SITE = {"origin": "http://testserver"}


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def error_text(response: Any) -> str:
    alert = soup(response).select_one(".mc-error[role=alert]")
    assert alert is not None, response.text
    return alert.get_text(" ", strip=True)


def start_group(client: TestClient, **changes: str) -> Any:
    return client.post("/groups", data={**GROUP, **changes}, headers=SAME_SITE)


def fields_of(form: Tag) -> dict[str, str]:
    """What a browser would post: inputs with their values, checked radios, textareas."""
    data: dict[str, str] = {}
    for field in form.select("input[name], textarea[name]"):
        if field.get("type") == "radio" and not field.has_attr("checked"):
            continue
        data[str(field["name"])] = str(field.get("value", field.get_text()))
    return data


@pytest.fixture
def created(client: TestClient) -> Any:
    response = start_group(client)
    assert response.status_code == 201, response.text
    return response


def token_of(created: Any) -> str:
    field = soup(created).select_one("textarea#admin-token")
    assert field is not None and field.has_attr("readonly")
    return field.get_text(strip=True)


def test_the_home_page_has_a_plain_form_to_start_a_standing_group(client: TestClient) -> None:
    page = soup(client.get("/"))
    section = page.select_one("#new-group")
    assert section is not None and "Start a standing group" in section.get_text()
    form = section.find("form")
    assert form is not None and (form["method"], form["action"]) == ("post", "/groups")
    assert fields_of(form) == {"name": "", "slug": "", "time_zone": "UTC", "working_groups": ""}
    assert "btn-big" in form.select_one("button[type=submit]")["class"]
    # Nothing on the home page needs JavaScript: its one script only fills in the time zone.
    assert [s.get("src") for s in page.find_all("script")] == [static_url("time_zone.js")]


def test_the_group_form_also_stands_alone(client: TestClient) -> None:
    page = soup(client.get("/groups/new"))
    form = page.select_one("form[action='/groups']")
    assert form is not None and set(fields_of(form)) == {
        "name", "slug", "time_zone", "working_groups"
    }  # fmt: skip


def test_a_started_group_shows_its_admin_token_once_with_a_warning_and_its_archive(
    client: TestClient, created: Any
) -> None:
    assert created.headers["cache-control"] == "no-store"
    page = soup(created)
    token = token_of(created)
    assert len(token) >= 40
    card = page.select_one(".token-card")
    assert card is not None and "shown once" in card.get_text()
    assert "Keep this secret; you need it to create this group's assemblies." in " ".join(
        card.get_text(" ", strip=True).split()
    )
    archive = page.select_one("a.archive-url")
    assert archive is not None
    assert archive["href"] == "http://testserver/archive/riverside-commons"
    group = client.get("/api/groups/riverside-commons").json()
    assert (group["name"], group["time_zone"]) == (GROUP["name"], "America/New_York")
    assert [w["name"] for w in group["working_groups"]] == ["Kitchen", "Comfort", "Drummers Circle"]
    # The token shown is the group's: it keeps the working groups over the API.
    kept = client.put(
        "/api/groups/riverside-commons/working_groups",
        json={"names": ["Kitchen"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert kept.status_code == 200


def test_the_time_zone_defaults_to_utc_when_left_out(client: TestClient) -> None:
    response = client.post("/groups", data={"name": "Harbour", "slug": "harbour"})
    assert response.status_code == 201
    assert client.get("/api/groups/harbour").json()["time_zone"] == "UTC"


def test_the_reply_pages_form_starts_the_groups_first_assembly_numbered_one(
    client: TestClient, created: Any
) -> None:
    form = soup(created).select_one("form[action='/']")
    assert form is not None
    data = fields_of(form)
    assert (data["group"], data["group_token"]) == ("riverside-commons", token_of(created))
    data.update(title="Riverside Commons GA", facilitator_name="Noor")
    landed = client.post("/", data=data, headers=SAME_SITE, follow_redirects=False)
    assert landed.status_code == 303
    assembly_id = urlsplit(landed.headers["location"]).path.split("/")[2]
    state = client.get(f"/api/assemblies/{assembly_id}").json()  # the facilitator's cookie
    assert state["group"] == {"slug": "riverside-commons", "name": GROUP["name"], "number": 1}
    assert state["time_zone"] == "America/New_York"


def test_the_home_form_starts_a_groups_next_assembly_with_its_slug_and_token(
    client: TestClient, created: Any
) -> None:
    data = {"title": "GA", "group": "riverside-commons", "group_token": token_of(created)}
    for number in (1, 2):
        landed = client.post("/", data=data, headers=SAME_SITE, follow_redirects=False)
        assert landed.status_code == 303
        assembly_id = urlsplit(landed.headers["location"]).path.split("/")[2]
        assert client.get(f"/api/assemblies/{assembly_id}").json()["group"]["number"] == number


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"slug": "Riverside Commons"}, 422, "lowercase letters, digits and hyphens"),
        ({"slug": "riverside-commons"}, 409, "is taken"),
        ({"slug": "new"}, 409, "is reserved"),
        ({"time_zone": "Mars/Olympus"}, 422, "Unknown time zone"),
        ({"name": "   "}, 422, "name"),
        ({"working_groups": "Comfort\nThe Comfort working group"}, 422, "name the same"),
    ],
)  # fmt: skip
def test_a_refused_group_is_a_readable_page_with_the_right_status_keeping_what_was_typed(
    client: TestClient, created: Any, changes: dict[str, str], status: int, says: str
) -> None:
    data = {**GROUP, "slug": "harbour", **changes}
    response = client.post("/groups", data=data, headers=SAME_SITE)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert says in error_text(response)
    form = soup(response).select_one("form[action='/groups']")
    assert form is not None and fields_of(form)["slug"] == data["slug"]
    assert fields_of(form)["working_groups"].strip() == data["working_groups"].strip()
    assert soup(response).select_one("#admin-token") is None


@pytest.mark.parametrize(
    ("group", "token", "status", "says"),
    [
        ("riverside-commons", "not-the-token", 403, "not the group's admin token"),
        ("riverside-commons", "", 401, "needs the group's admin token"),
        ("harbour", "whatever", 404, "no group called"),
        ("", "a-token", 422, "without naming the group"),
    ],
)  # fmt: skip
def test_a_refused_assembly_of_a_group_is_a_readable_page_with_the_right_status(
    client: TestClient, created: Any, group: str, token: str, status: int, says: str
) -> None:
    data = {"title": "Riverside Commons GA", "group": group, "group_token": token}
    response = client.post("/", data=data, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == status
    assert says in error_text(response)
    page = soup(response)
    details = page.select_one("#new-assembly details.group-fields")
    assert details is not None and details.has_attr("open")
    assert page.select_one("#new-assembly input[name=title]")["value"] == "Riverside Commons GA"
    assert client.get("/api/groups/riverside-commons").json()["assemblies"] == 0


def test_group_creation_from_the_form_is_rate_limited_like_the_api(
    settings: Settings, db: Database
) -> None:
    strict = settings.model_copy(update={"assemblies_per_hour": 1})
    with TestClient(create_app(strict, db), base_url="http://testserver") as client:
        assert start_group(client).status_code == 201
        refused = start_group(client, slug="harbour")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("text/html")
    assert "Too many new groups" in soup(refused).get_text()


def test_a_form_post_with_a_field_far_too_long_is_a_readable_page(client: TestClient) -> None:
    response = start_group(client, slug="a" * 5000)
    assert response.status_code == 422 and error_text(response)
