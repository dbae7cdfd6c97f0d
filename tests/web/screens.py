"""Pages as a device sees them: a screen with its own cookie (the console or a phone), the
parsed page, and an assembly started from the home page's form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import GA

ORIGIN = "http://testserver"


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


class Screen:
    """One device with its own cookie: the console or a phone."""

    def __init__(self, client: TestClient, assembly: GA, token: str, view: str) -> None:
        self.http = TestClient(client.app, base_url=ORIGIN)
        self.assembly, self.view = assembly, view
        page = "/console" if view == "console" else ""
        assert self.http.get(f"/a/{assembly.id}{page}?key={token}").status_code == 200
        self.url = f"{ORIGIN}/a/{assembly.id}{page}"

    def page(self) -> BeautifulSoup:
        return soup(self.http.get(self.url))

    def post(self, path: str, htmx: bool = True, live: bool = False, **form: str) -> Any:
        headers = {"origin": ORIGIN, "hx-current-url": self.url, "referer": self.url}
        if htmx:
            headers["hx-request"] = "true"
        if live:  # static/live.js says its socket is open
            headers["mc-live"] = "3"
        return self.http.post(
            f"/a/{self.assembly.id}/{path}", data=form, headers=headers, follow_redirects=False
        )


def start_from_home(client: TestClient, **form: str) -> str:
    """Create an assembly through the home page form; returns its id (cookie now set)."""
    data = {
        "title": "Riverside Commons GA",
        "facilitator_name": "Noor",
        "location": "North lawn",
        **form,
    }
    response = client.post(
        "/", data=data, headers={"origin": "http://testserver"}, follow_redirects=False
    )
    assert response.status_code == 303
    return urlsplit(response.headers["location"]).path.split("/")[2]
