"""Security headers on every response, and pages that keep to their policy (app/web/headers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.conftest import GA
from tests.web.screens import start_from_home

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def pages(client: TestClient, assembly_id: str) -> dict[str, str]:
    """Every page kind a room uses, for the assembly the client started (its facilitator)."""
    console = client.get(f"/a/{assembly_id}/console")
    soup = BeautifulSoup(console.text, "html.parser")
    projector = next(a["href"] for a in soup.select("a[href*='/projector?key=']"))
    return {
        "home": client.get("/").text,
        "join": client.get("/join").text,
        "console": console.text,
        "phone": client.get(f"/a/{assembly_id}").text,
        "projector": client.get(projector).text,
        "minutes": client.get(f"/a/{assembly_id}/minutes").text,
        "archive": client.get("/archive").text,
    }


def test_every_response_says_no_sniffing(client: TestClient) -> None:
    for path in ("/", "/api/assemblies/nope", "/docs"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff", path


@pytest.mark.parametrize("path", ["/", "/join", "/j/NOPE23", "/archive"])
def test_every_page_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"  # keys in links never leave the site
    assert "strict-transport-security" not in headers  # not in development (plain http)


def test_hsts_is_sent_in_production(settings: Settings, db: Database) -> None:
    production = settings.model_copy(
        update={"environment": "production", "secret_key": "a-real-secret-for-this-test-0123456789"}
    )
    with TestClient(create_app(production, db), base_url="https://testserver") as https:
        assert https.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_only_the_api_docs_may_run_an_inline_script(client: TestClient) -> None:
    assert "'unsafe-inline'" in client.get("/docs").headers["content-security-policy"]
    assert "script-src 'self';" in client.get("/").headers["content-security-policy"]


def test_no_page_has_inline_script_or_event_handlers(client: TestClient, assembly: GA) -> None:
    assembly_id = start_from_home(client)
    for name, html in pages(client, assembly_id).items():
        soup = BeautifulSoup(html, "html.parser")
        inline = [s for s in soup.find_all("script") if not s.get("src")]
        assert inline == [], name
        handlers = [
            (tag.name, attr)
            for tag in soup.find_all(True)
            for attr in tag.attrs
            if attr.startswith("on") or attr.startswith("hx-on")
        ]
        assert handlers == [], name


def test_no_template_has_inline_script_or_event_handlers() -> None:
    # Templates cover states the pages above are not in (an open round, amendments waiting).
    for template in TEMPLATES.rglob("*.html"):
        soup = BeautifulSoup(template.read_text(), "html.parser")
        assert [s for s in soup.find_all("script") if not s.get("src")] == [], template.name
        assert "hx-on" not in template.read_text(), template.name
