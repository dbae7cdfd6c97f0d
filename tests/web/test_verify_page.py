"""The page /verify (app/web/pages_verify.py, templates/verify.html), parsed: it needs no login,
its form sends nothing anywhere (the checking is static/verify.js's), a `?head=` fills in the
hash, and every word its script shows comes translated from the page."""

from __future__ import annotations

import json
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def verify_page(client: TestClient, **headers: str) -> BeautifulSoup:
    response = client.get("/verify", params={"head": "4f2a 9c01 " * 2}, headers=headers)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def messages(page: BeautifulSoup) -> dict[str, Any]:
    block = page.select_one("#verify-messages[data-messages]")
    assert block is not None
    return json.loads(str(block["data-messages"]))  # type: ignore[no-any-return]


def test_the_verify_page_needs_no_login_and_its_form_sends_no_file(client: TestClient) -> None:
    page = verify_page(client)
    form = page.select_one("form#verify-form")
    assert form is not None and form.get("method") == "get"
    assert form.select("input[type=file]")[0].get("name") is None  # never submitted
    assert form.select_one("textarea").get("name") is None  # type: ignore[union-attr]
    assert page.select_one("#verify-head")["value"] == "4f2a 9c01 " * 2  # type: ignore[index]
    scripts = [str(s["src"]) for s in page.select("script[src]")]
    assert len(scripts) == 1 and "/static/verify." in scripts[0]


def test_every_word_the_script_shows_comes_from_the_page(client: TestClient) -> None:
    words = messages(verify_page(client))
    assert words["ok"] == "All %(count)s events verify."
    assert words["words"]["outcomes"]["passed_with_stand_asides"] == "passed with stand-asides"
    assert words["words"]["answers"]["stand_aside"] == "stand aside"
    script = (client.get(str(verify_page(client).select_one("script[src]")["src"]))).text  # type: ignore[index]
    used = {key for key in words if f"T.{key}" in script or f'"{key}"' in script}
    assert {"ok", "broken", "head_match", "head_mismatch", "links_only"} <= used


def test_the_spanish_verify_page_speaks_spanish_in_its_script_too(client: TestClient) -> None:
    english, spanish = (
        messages(verify_page(client)),
        messages(verify_page(client, **{"Accept-Language": "es"})),
    )
    assert set(spanish) == set(english)
    for key, text in english.items():
        if key not in ("words", "round_line"):  # the round's line is placeholders and a seq
            assert spanish[key] != text, key
    assert spanish["words"]["outcomes"]["tabled"] != "tabled"
