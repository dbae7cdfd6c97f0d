"""The home page (templates/home.html, templates/_assembly_form.html, app/web/pages.py): a
stand-alone assembly's time zone, checked by the server, and the link to the archive."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.assets import static_url
from tests.conftest import ok


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def start(client: TestClient, **form: str) -> str:
    """Start an assembly from the home form; its id (this client now holds its cookie)."""
    data = {"title": "Riverside Commons GA", "facilitator_name": "Noor", **form}
    response = client.post("/", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return urlsplit(response.headers["location"]).path.split("/")[2]


def zone_of(client: TestClient, assembly_id: str) -> str:
    zone: str = ok(client.get(f"/api/assemblies/{assembly_id}"))["time_zone"]
    return zone


def test_the_home_page_links_to_the_archive(client: TestClient) -> None:
    page = soup(client.get("/"))
    link = page.select_one("main a[href='/archive']")
    assert link is not None and "archive" in link.get_text().lower()
    assert client.get(str(link["href"])).status_code == 200


def test_the_form_asks_for_a_time_zone_the_browser_fills_in(client: TestClient) -> None:
    page = soup(client.get("/"))
    field = page.select_one("form input[name=time_zone]")
    assert field is not None and field["value"] == "UTC"  # the server's default, without script
    assert field.has_attr("data-browser-zone")  # what static/time_zone.js fills in
    label = page.select_one(f"label[for={field['id']}]")
    assert label is not None and "Time zone" in label.get_text()
    script = page.find("script", src=static_url("time_zone.js"))
    assert script is not None
    served = client.get(static_url("time_zone.js"))
    assert served.status_code == 200 and "resolvedOptions().timeZone" in served.text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Europe/Berlin", "Europe/Berlin"), (" Asia/Kolkata ", "Asia/Kolkata"), ("", "UTC")],
)
def test_a_stand_alone_assembly_keeps_the_time_zone_of_the_form(
    client: TestClient, typed: str, kept: str
) -> None:
    assert zone_of(client, start(client, time_zone=typed)) == kept


def test_without_the_field_the_assembly_keeps_utc(client: TestClient) -> None:
    assert zone_of(client, start(client)) == "UTC"


@pytest.mark.parametrize(
    "typed", ["Mars/Olympus_Mons", "utc", "../../etc/passwd", "America", "zone.tab", "x" * 300]
)
def test_an_unknown_time_zone_is_refused_with_the_forms_error(
    client: TestClient, typed: str
) -> None:
    response = client.post("/", data={"title": "Riverside Commons GA", "time_zone": typed})
    assert response.status_code == 422
    page = soup(response)
    error = page.select_one(".mc-error")
    assert error is not None and "Unknown time zone" in error.get_text()
    field = page.select_one("input[name=time_zone]")
    assert field is not None and field["value"] == typed  # kept to be corrected …
    assert not field.has_attr("data-browser-zone")  # … not overwritten by the script
    assert page.select_one("input[name=title]")["value"] == "Riverside Commons GA"  # type: ignore[index]


def test_an_assembly_of_a_group_keeps_the_groups_time_zone(client: TestClient) -> None:
    group = ok(
        client.post("/api/groups", json={"name": "Harbour Assembly", "slug": "harbour",
                                         "time_zone": "Asia/Kolkata"}),
        201,
    )  # fmt: skip
    assembly_id = start(
        client, time_zone="Europe/Berlin", group="harbour", group_token=group["admin_token"]
    )
    assert zone_of(client, assembly_id) == "Asia/Kolkata"


def test_a_new_groups_first_assembly_form_has_no_time_zone_field(client: TestClient) -> None:
    response = client.post(
        "/groups", data={"name": "Harbour Assembly", "slug": "harbour", "time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 201, response.text
    page = soup(response)
    assert page.select_one("form input[name=group]") is not None  # the first assembly's form
    assert page.select_one("input[name=time_zone][id=time_zone]") is None
    assert page.find("script", src=static_url("time_zone.js")) is None
