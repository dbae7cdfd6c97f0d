"""`miccheck export` and `miccheck verify`: a printed chain can be checked by anyone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from app.assembly import service
from app.cli import cli
from app.db import Database
from app.events import event_hash

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


def rehash_from(data: dict[str, Any], index: int) -> None:
    """Re-hash every event from `index` on, and the file's head, as a careful forger would."""
    events = data["events"]
    for i in range(index, len(events)):
        if i:
            events[i]["prev_hash"] = events[i - 1]["hash"]
        events[i]["hash"] = event_hash(events[i])
    data["head"] = {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}


def head_of_export(path: Path) -> tuple[int, str]:
    last = json.loads(path.read_text())["events"][-1]
    return last["seq"], last["hash"]


def test_verify_without_head_says_it_checked_the_links_only_and_how_to_compare(
    exported: Path,
) -> None:
    result = runner.invoke(cli, ["verify", str(exported)])
    assert result.exit_code == 0
    assert "links only" in result.output
    assert f"miccheck verify {exported} --head HASH" in result.output


def test_an_export_edited_and_rehashed_passes_plain_verify_but_fails_against_the_printed_head(
    exported: Path,
) -> None:
    seq, printed = head_of_export(exported)
    data = json.loads(exported.read_text())
    data["events"][2]["payload"]["name"] = "Mallory"
    rehash_from(data, 2)
    exported.write_text(json.dumps(data))
    plain = runner.invoke(cli, ["verify", str(exported)])
    assert plain.exit_code == 0, plain.output
    checked = runner.invoke(cli, ["verify", str(exported), "--head", printed])
    assert checked.exit_code == 1
    forged = data["events"][-1]["hash"]
    assert f"the export ends at seq {seq} with hash {forged}, not the head {printed}" in (
        checked.output
    )
    assert "edited or is not the same assembly" in checked.output


def test_an_untouched_export_passes_against_the_printed_head(exported: Path) -> None:
    seq, printed = head_of_export(exported)
    result = runner.invoke(cli, ["verify", str(exported), "--head", printed])
    assert result.exit_code == 0, result.output
    assert f"head seq {seq} hash {printed} is the head you compared against" in result.output


@pytest.mark.parametrize(
    "typed",
    [
        lambda h: h[:12],  # the shortest prefix taken
        lambda h: h[:12].upper(),  # any case
        lambda h: h.upper(),
        lambda h: " ".join(h[i : i + 8] for i in range(0, 64, 8)),  # in blocks, as read aloud
    ],
    ids=["prefix-12", "prefix-upper", "whole-upper", "grouped"],
)
def test_the_head_may_be_given_as_a_prefix_of_twelve_or_more_in_any_case(
    exported: Path, typed: Callable[[str], str]
) -> None:
    _, printed = head_of_export(exported)
    result = runner.invoke(cli, ["verify", str(exported), "--head", typed(printed)])
    assert result.exit_code == 0, result.output


def test_a_wrong_prefix_of_the_head_fails(exported: Path) -> None:
    _, printed = head_of_export(exported)
    wrong = ("0" if printed[0] != "0" else "1") + printed[1:12]
    result = runner.invoke(cli, ["verify", str(exported), "--head", wrong])
    assert result.exit_code == 1
    assert f"not the head {wrong} you compared against" in result.output


def test_a_truncated_export_fails_against_the_head_naming_the_seq_it_was_cut_after(
    exported: Path,
) -> None:
    seq, printed = head_of_export(exported)
    data = json.loads(exported.read_text())
    del data["events"][-2:]  # cut short: its own head rewritten to match, the links all hold
    data["head"] = {"seq": data["events"][-1]["seq"], "hash": data["events"][-1]["hash"]}
    exported.write_text(json.dumps(data))
    assert runner.invoke(cli, ["verify", str(exported)]).exit_code == 0
    result = runner.invoke(cli, ["verify", str(exported), "--head", printed])
    assert result.exit_code == 1
    assert f"the export ends at seq {seq - 2}" in result.output
    assert "not the same assembly" in result.output  # the printed head is in no event here
    # Compared with an earlier event's hash, it names that seq: it was cut short after it.
    whole = runner.invoke(cli, ["verify", str(exported), "--head", data["events"][1]["hash"]])
    assert whole.exit_code == 1
    assert "that hash is seq 2's: the export was cut short after it" in whole.output


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("not-a-hash", "only hex characters"),
        ("abc123", "has 6 hex characters"),
        ("a" * 65, "has 65 hex characters"),
        ("", "only hex characters"),
    ],
)
def test_head_text_that_is_no_hash_is_refused_with_exit_2(
    exported: Path, typed: str, reason: str
) -> None:
    result = runner.invoke(cli, ["verify", str(exported), "--head", typed])
    assert result.exit_code == 2
    assert "--head:" in result.output and reason in result.output


def test_the_head_printed_in_the_minutes_is_the_one_the_export_ends_with(
    exported: Path, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(exported.read_text())
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    from app.config import get_settings

    get_settings.cache_clear()
    html = runner.invoke(cli, ["export", data["assembly_id"], "--format", "html"])
    get_settings.cache_clear()
    assert html.exit_code == 0, html.output
    page = BeautifulSoup(html.output, "html.parser")
    printed = page.find(id="head-hash")
    seq, last = head_of_export(exported)
    assert printed is not None and printed.get_text(strip=True) == last
    assert page.find(id="head-seq").get_text() == str(seq)  # type: ignore[union-attr]
    command = page.find(id="head-check")
    assert command is not None and command.name == "code"
    assert command.get_text() == f"miccheck verify events.json --head {last}"
    result = runner.invoke(cli, ["verify", str(exported), "--head", last])
    assert result.exit_code == 0, result.output
