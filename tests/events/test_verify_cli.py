"""`miccheck export` and `miccheck verify`: a printed chain can be checked by anyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.assembly import service
from app.cli import cli
from app.db import Database

runner = CliRunner()


@pytest.fixture
def exported(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    made = service.create_assembly(db=db, title="GA", facilitator_name="Noor")
    for name in ("Abebe", "Bianca", "Chen", "Dolores"):
        service.join_assembly(db=db, join_code=made.join_code, name=name)
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    from app.config import get_settings

    get_settings.cache_clear()
    out = tmp_path / "events.json"
    result = runner.invoke(cli, ["export", made.assembly_id, "--format", "events", "-o", str(out)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return out


def test_verify_accepts_an_untouched_export(exported: Path) -> None:
    result = runner.invoke(cli, ["verify", str(exported)])
    assert result.exit_code == 0
    assert "ok: 5 events" in result.output


@pytest.mark.parametrize(
    ("tamper", "seq"),
    [("edit", 3), ("delete", 3), ("reorder", 3), ("insert", 3)],
)
def test_verify_names_the_seq_where_a_tampered_export_breaks(
    exported: Path, tamper: str, seq: int
) -> None:
    data = json.loads(exported.read_text())
    events = data["events"]
    if tamper == "edit":
        events[2]["payload"]["name"] = "Mallory"
    elif tamper == "delete":
        del events[2]
    elif tamper == "reorder":
        events[2], events[3] = events[3], events[2]
    elif tamper == "insert":
        events.insert(2, dict(events[1], payload={"name": "Mallory"}))
    exported.write_text(json.dumps(data))
    result = runner.invoke(cli, ["verify", str(exported)])
    assert result.exit_code == 1
    assert f"chain broken at seq {seq}" in result.output


def test_verify_refuses_a_file_that_is_not_an_export(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(cli, ["verify", str(bad)])
    assert result.exit_code == 2
    assert "cannot read" in result.output
