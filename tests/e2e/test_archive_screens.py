"""The archive in a real browser, at a phone's and a laptop's size, without JavaScript:
nothing runs off the side of the screen, the search form works, and screenshots are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from harness import screenshot

from app.agenda import service as agenda_service
from app.db import Database
from app.demo import seed_demo
from app.web.app import create_app
from tests.archive.builders import Meeting, hold_meeting, make_group

SIZES = {"phone": (390, 844), "laptop": (1366, 900)}


@pytest.fixture
def archive(settings: Any, db: Database, live_server: Callable[..., str]) -> Iterator[Any]:
    """Two numbered meetings of Riverside Commons and the demo's evening, all closed."""
    group = make_group(db)
    first = hold_meeting(db, group)
    second = hold_meeting(db, group, title="Riverside Commons GA")
    demo = seed_demo(db=db, proposals=True)
    with db.read() as session:
        from app.assembly.models import RoleGrant

        facilitator = session.exec(
            __import__("sqlmodel")
            .select(RoleGrant.participant_id)
            .where(RoleGrant.assembly_id == demo.assembly_id, RoleGrant.role == "facilitator")
        ).first()
    agenda_service.close_assembly(db=db, assembly_id=demo.assembly_id, actor_id=facilitator)
    base = live_server(create_app(settings, db))
    yield base, first, second


def _no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page runs {overflow}px off the side"


@pytest.mark.parametrize("size", SIZES)
def test_archive_and_decision_pages_fit_the_screen_without_javascript(
    browser: Any, archive: tuple[str, Meeting, Meeting], size: str
) -> None:
    base, first, second = archive
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/archive")
        _no_sideways_scroll(page)
        screenshot(page, f"archive-{size}")

        page.fill("#f-q", "tarpaulins")
        page.click("button[type=submit]")
        assert "q=tarpaulins" in page.url
        titles = page.locator(".decision-title").all_inner_texts()
        assert titles == ["Drumming hours", "Drumming hours"]
        screenshot(page, f"archive-search-{size}")

        page.goto(f"{base}/archive/decisions/{second.drums}")
        _no_sideways_scroll(page)
        screenshot(page, f"archive-decision-tabled-{size}")
        page.goto(f"{base}/archive/decisions/{first.tents}")
        _no_sideways_scroll(page)
        screenshot(page, f"archive-decision-passed-{size}")
        page.goto(f"{base}/archive/riverside-commons/comfort")
        _no_sideways_scroll(page)
        screenshot(page, f"archive-working-group-{size}")
    finally:
        context.close()
