"""`miccheck export ASSEMBLY --format md|html|json|events`: the files the API serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.events import verify_chain
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from tests.minutes.evening import Evening

runner = CliRunner()


@pytest.fixture
def exporting(evening: Evening, monkeypatch: pytest.MonkeyPatch) -> Iterator[Evening]:
    monkeypatch.setenv("MICCHECK_DATABASE_URL", evening.db.url)
    get_settings.cache_clear()
    yield evening
    get_settings.cache_clear()


def export(evening: Evening, format: str, tmp_path: Path) -> str:
    out = tmp_path / f"minutes.{format}"
    args = ["export", evening.assembly_id, "--format", format, "-o", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_export_writes_the_markdown_minutes(exporting: Evening, tmp_path: Path) -> None:
    read = load_minutes(db=exporting.db, assembly_id=exporting.assembly_id)
    assert export(exporting, "md", tmp_path) == render_markdown(read.minutes)


def test_export_writes_the_printable_minutes(exporting: Evening, tmp_path: Path) -> None:
    page = BeautifulSoup(export(exporting, "html", tmp_path), "html.parser")
    assert len(page.select("section.item")) == 6 and len(page.select("figure.round svg")) == 5
    (approval,) = page.select("#approvals figure.round.minutes")
    assert "minutes approved" in approval.select_one("p.result").get_text()


def test_export_writes_the_minutes_as_json_with_their_seq(
    exporting: Evening, tmp_path: Path
) -> None:
    data = json.loads(export(exporting, "json", tmp_path))
    assert data["seq"] == data["head"]["seq"] and data["header"]["final"] is True


def test_the_head_of_the_events_export_is_the_head_printed_in_the_minutes(
    exporting: Evening, tmp_path: Path
) -> None:
    events = json.loads(export(exporting, "events", tmp_path))
    minutes = json.loads(export(exporting, "json", tmp_path))
    assert verify_chain(events["events"], events["head"]) is None
    assert events["head"] == minutes["head"]


def test_export_of_an_unknown_assembly_fails(exporting: Evening) -> None:
    result = runner.invoke(cli, ["export", "nope", "--format", "md"])
    assert result.exit_code == 1
