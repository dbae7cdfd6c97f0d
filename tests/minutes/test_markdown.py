"""The fixture evening's Markdown minutes against a golden file, on SQLite and PostgreSQL.

Times are deterministic because tests/minutes/evening.py runs the services on one fake clock
(see its docstring): the minutes read every time from the events, so the same script gives
the same text. Only the assembly id and the head hash change per run (a random id, hashed
into every event); they, and the head's fingerprint, are replaced by placeholders before
comparing.
Regenerate after an intended change: MICCHECK_UPDATE_GOLDEN=1 pytest tests/minutes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.events.chain import fingerprint
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from tests.minutes.evening import Evening

GOLDEN = Path(__file__).parent / "golden" / "evening.md"


def normalised(text: str, assembly_id: str) -> str:
    text = text.replace(assembly_id, "ASSEMBLY_ID")
    for digest in set(re.findall(r"\b[0-9a-f]{64}\b", text)):
        text = text.replace(f"`{fingerprint(digest)}`", "`HEAD_FINGERPRINT`")
    return re.sub(r"\b[0-9a-f]{64}\b", "HEAD_HASH", text)


def test_markdown_minutes_of_the_evening_match_the_golden_file(any_evening: Evening) -> None:
    read = load_minutes(db=any_evening.db, assembly_id=any_evening.assembly_id)
    text = normalised(render_markdown(read.minutes), any_evening.assembly_id)
    if os.environ.get("MICCHECK_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_markdown_prints_the_head_hash_of_the_event_log(evening: Evening) -> None:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    text = render_markdown(read.minutes)
    assert f"seq {read.seq}, hash `{read.minutes.head.hash}`" in text
    assert f"miccheck export {evening.assembly_id} --format events" in text


def test_markdown_gives_the_command_that_checks_an_export_against_this_head(
    evening: Evening,
) -> None:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    text = render_markdown(read.minutes)
    assert f"`miccheck verify events.json --head {read.minutes.head.hash}`" in text


def test_markdown_prints_the_fingerprint_of_the_head_beside_its_hash(evening: Evening) -> None:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    text = render_markdown(read.minutes)
    digest = read.minutes.head.hash
    assert f"hash `{digest}` (fingerprint `{digest[:4]} {digest[4:8]}`)" in text
