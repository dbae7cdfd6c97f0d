"""The snippet under each decision of an archive search (templates/archive/_decision.html),
parsed, on SQLite (FTS5) and PostgreSQL: the decided wording, the words searched for in
<mark>, everything else escaped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.archive.builders import (
    BREAKFAST_DECIDED,
    TENTS,
    TENTS_AMENDED,
    decide_breakfast,
    hold_meeting,
)


@pytest.fixture
def any_client(settings: Settings, any_db: Database) -> Iterator[TestClient]:
    """The app on SQLite and on PostgreSQL."""
    with TestClient(create_app(settings, any_db), base_url="http://testserver") as client:
        yield client


def results(client: TestClient, q: str) -> dict[str, Tag]:
    response = client.get("/archive", params={"q": q})
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    return {
        li.select_one(".decision-title").get_text(strip=True): li  # type: ignore[union-attr]
        for li in page.select(".decisions li.decision")
    }


def snippet(decision: Tag) -> tuple[str, list[str]]:
    """The snippet's text and its marked words."""
    found = decision.select_one("p.excerpt")
    assert found is not None
    return found.get_text(), [mark.get_text() for mark in found.select("mark")]


def test_a_search_shows_the_decided_wording_with_the_words_marked(
    any_client: TestClient, any_db: Database
) -> None:
    hold_meeting(any_db)
    tents = results(any_client, "tents lane")["Winter tents"]
    text, marks = snippet(tents)
    assert text == TENTS_AMENDED and text != TENTS  # the decided version, not version 1
    assert marks == ["tents", "lane"]
    assert tents.select_one(".excerpt-elsewhere") is None


def test_a_word_found_only_in_an_earlier_version_is_said_to_be_elsewhere(
    any_client: TestClient, any_db: Database
) -> None:
    decide_breakfast(any_db, hold_meeting(any_db, close=False))
    breakfast = results(any_client, "porridge")["Breakfast"]
    assert snippet(breakfast) == (BREAKFAST_DECIDED, [])
    note = breakfast.select_one("p.excerpt-elsewhere")
    assert note is not None and "earlier version" in note.get_text()


def test_the_snippet_is_escaped_around_the_marks(any_client: TestClient, any_db: Database) -> None:
    hostile = 'Tents <script>alert("x")</script> & <b>heaters</b> for the <mark>lawn</mark>.'
    decide_breakfast(any_db, hold_meeting(any_db, close=False), text=hostile)
    breakfast = results(any_client, "heaters lawn")["Breakfast"]
    excerpt = breakfast.select_one("p.excerpt")
    assert excerpt is not None
    assert excerpt.find(["script", "b"]) is None  # no markup from the text survives …
    assert excerpt.get_text() == hostile  # … it is shown as typed …
    assert [m.get_text() for m in excerpt.select("mark")] == ["heaters", "lawn"]  # … and marked
    assert [child.name for child in excerpt.children if isinstance(child, Tag)] == [
        "mark", "mark"
    ]  # fmt: skip
