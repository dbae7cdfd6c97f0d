"""The fixture evening's minutes printed to PDF by headless Chromium, on A4 and Letter, with a
page of it as a PNG in artifacts/screenshots/ to look at (docs/architecture.md: minutes that working
groups can read and trust later)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from harness import SCREENSHOT_DIR

from app.db import Database
from app.minutes.state import load_minutes
from app.web.minutes_html import render_minutes_html
from app.web.render import make_environment
from tests.conftest import unavailable
from tests.minutes.evening import Clock, freeze, play_evening


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.fixture
def minutes_html(db: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    clock = Clock()
    freeze(monkeypatch, clock)
    evening = play_evening(db, clock)
    read = load_minutes(db=db, assembly_id=evening.assembly_id)
    return render_minutes_html(make_environment(), read.minutes, seq=read.seq)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_minutes_print_one_item_a_page_on_a4_and_letter(
    browser: Any, minutes_html: str, paper: str
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(minutes_html)
        pdf = page.pdf(format=paper, prefer_css_page_size=False)
    finally:
        context.close()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"minutes-evening-{paper.lower()}.pdf"
    path.write_bytes(pdf)
    # The header and agenda, then each of the six items on a page of its own (and no more
    # than a few pages beyond, or something spills).
    assert 7 <= pages_of(pdf) <= 10
    if paper == "A4":
        png_of(path, page=7, name="minutes-evening-a4-page7")


def png_of(pdf: Path, *, page: int, name: str) -> Path:
    """One page as PNG with pdftoppm (poppler-utils) when it is installed."""
    if shutil.which("pdftoppm") is None:
        unavailable("pdftoppm (poppler-utils) is not installed: no PNG of the PDF")
    out = SCREENSHOT_DIR / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    return out.with_suffix(".png")


def test_the_minutes_on_screen_as_printed(browser: Any, minutes_html: str) -> None:
    """The print stylesheet on screen (no PDF reader needed): a full-page screenshot."""
    context = browser.new_context(viewport={"width": 794, "height": 1123})
    try:
        page = context.new_page()
        page.set_content(minutes_html)
        page.emulate_media(media="print")
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOT_DIR / "minutes-evening-print-media.png"), full_page=True
        )
        charts = page.locator("figure.round svg")
        assert charts.count() == 5  # four rounds on proposals, and the approval of the minutes
        assert all(box and box["width"] > 300 for box in (c.bounding_box() for c in charts.all()))
    finally:
        context.close()
