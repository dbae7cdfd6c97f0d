"""Files the browser asks for by itself (app/web/assets.py): /docs on the vendored Swagger UI,
with no asset from another host, and the favicon."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.assets import FAVICON, SWAGGER_UI, static_url


def test_docs_load_every_asset_from_this_server(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assets = [str(tag["src"]) for tag in page.find_all("script", src=True)]
    assets += [str(tag["href"]) for tag in page.find_all("link", href=True)]
    assert static_url(f"{SWAGGER_UI}/swagger-ui-bundle.js") in assets
    assert static_url(f"{SWAGGER_UI}/swagger-ui.css") in assets
    assert static_url("favicon.svg") in assets
    for url in assets:
        assert not urlsplit(url).netloc and url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert not re.search(r"https?://", response.text)  # no CDN, no online validator
    assert "'/openapi.json'" in response.text and client.get("/openapi.json").status_code == 200


def test_the_vendored_swagger_ui_names_no_cdn_and_keeps_its_licence(client: TestClient) -> None:
    css = client.get(static_url(f"{SWAGGER_UI}/swagger-ui.css"))
    assert css.headers["content-type"].startswith("text/css")
    assert "cdn." not in css.text and "@import" not in css.text
    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        assert client.get(f"/static/{SWAGGER_UI}/{name}").status_code == 200, name


def test_redoc_is_not_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_the_favicon_is_an_svg_linked_from_every_page_and_at_favicon_ico(
    client: TestClient,
) -> None:
    icon = client.get(FAVICON)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert BeautifulSoup(icon.text, "html.parser").find("svg") is not None
    for path in ("/", "/join", "/archive"):
        page = BeautifulSoup(client.get(path).text, "html.parser")
        link = page.find("link", rel="icon")
        assert link is not None, path
        assert (link["href"], link["type"]) == (static_url("favicon.svg"), "image/svg+xml")
    legacy = client.get("/favicon.ico", follow_redirects=False)
    assert legacy.status_code in (301, 308) and legacy.headers["location"] == FAVICON
    assert client.get("/favicon.ico").status_code == 200
