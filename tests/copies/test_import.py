"""`miccheck import FILE [--head HASH]`: an assembly carried to another server from its verified
export — the same minutes, byte for byte, and the same head hash; read-only there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.assembly import service as assembly_service
from app.assembly.models import Participant
from app.cli import cli
from app.config import get_settings
from app.copies.importing import import_log
from app.db import Database
from app.demo import seed_demo
from app.errors import Conflict, Invalid
from app.events import event_hash, export_events, head_of
from app.events.models import EventHead
from tests.minutes.evening import Clock, Evening, freeze, play_evening

runner = CliRunner()


@pytest.fixture
def evening(db: Database, monkeypatch: pytest.MonkeyPatch) -> Evening:
    clock = Clock()
    freeze(monkeypatch, clock)
    return play_evening(db, clock)


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Run a command against one database or the other: `on(db)`."""

    def use(db: Database) -> None:
        monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def export_file(db: Database, assembly_id: str, path: Path, on: object) -> Path:
    on(db)  # type: ignore[operator]
    code, output = run("export", assembly_id, "--format", "events", "-o", str(path))
    assert code == 0, output
    return path


def test_an_imported_evening_has_byte_identical_minutes_and_the_same_head(
    evening: Evening, copy_db: Database, tmp_path: Path, on: object
) -> None:
    events = export_file(evening.db, evening.assembly_id, tmp_path / "events.json", on)
    head = json.loads(events.read_text())["head"]["hash"]
    minutes = {f: run("export", evening.assembly_id, "--format", f)[1] for f in ("md", "html")}
    on(copy_db)  # type: ignore[operator]
    code, output = run("import", str(events), "--head", head)
    assert code == 0, output
    assert "read-only" in output and head in output
    for format, text in minutes.items():
        assert run("export", evening.assembly_id, "--format", format) == (0, text)
    with copy_db.read() as session:
        copied = session.get(EventHead, evening.assembly_id)
    assert copied is not None and (copied.hash, copied.follows) == (head, "import")


def test_an_edited_export_is_refused_and_nothing_is_imported(
    evening: Evening, copy_db: Database, tmp_path: Path, on: object
) -> None:
    path = export_file(evening.db, evening.assembly_id, tmp_path / "events.json", on)
    data = json.loads(path.read_text())
    note = next(e for e in data["events"] if e["type"] == "note_taken")
    note["payload"]["text"] = "Nothing was said about the tents."
    path.write_text(json.dumps(data))
    on(copy_db)  # type: ignore[operator]
    code, output = run("import", str(path))
    assert code == 1 and f"chain broken at seq {note['seq']}" in output
    assert _assemblies(copy_db) == []


def test_a_rehashed_export_is_refused_against_the_printed_head(
    evening: Evening, copy_db: Database, tmp_path: Path, on: object
) -> None:
    path = export_file(evening.db, evening.assembly_id, tmp_path / "events.json", on)
    data = json.loads(path.read_text())
    printed = data["head"]["hash"]
    _rehash_after_editing_a_note(data)
    path.write_text(json.dumps(data))
    on(copy_db)  # type: ignore[operator]
    code, output = run("import", str(path), "--head", printed)
    assert code == 1 and "it was edited or is not the same assembly" in output
    assert _assemblies(copy_db) == []


def test_the_same_assembly_is_imported_once(
    evening: Evening, copy_db: Database, tmp_path: Path, on: object
) -> None:
    path = export_file(evening.db, evening.assembly_id, tmp_path / "events.json", on)
    on(copy_db)  # type: ignore[operator]
    assert run("import", str(path))[0] == 0
    code, output = run("import", str(path))
    assert code == 1 and "already on this server" in output


def test_an_export_names_no_token_and_its_import_has_no_token_hashes(
    db: Database, copy_db: Database
) -> None:
    made = seed_demo(db=db, proposals=True)
    with db.read() as session:
        export = export_events(session, made.assembly_id)
        hashes = session.exec(
            select(Participant.token_hash).where(Participant.assembly_id == made.assembly_id)
        ).all()
    text = json.dumps(export)
    assert hashes and not [h for h in hashes if h and h in text]
    assert not [t for t in made.tokens.values() if t in text]
    import_log(db=copy_db, events=export["events"])
    with copy_db.read() as session:
        copied = session.exec(
            select(Participant.token_hash).where(Participant.assembly_id == made.assembly_id)
        ).all()
    assert copied and set(copied) == {None}


def test_an_assembly_imported_mid_evening_is_read_only(db: Database, copy_db: Database) -> None:
    made = seed_demo(db=db)  # still open, an item open
    with db.read() as session:
        export = export_events(session, made.assembly_id)
        facilitator = session.exec(
            select(Participant.id).where(Participant.assembly_id == made.assembly_id)
        ).first()
    assert facilitator is not None
    import_log(db=copy_db, events=export["events"])
    with pytest.raises(Conflict) as refused:
        assembly_service.set_headcount(
            db=copy_db, assembly_id=made.assembly_id, actor_id=facilitator, count=99
        )
    assert refused.value.code == "read_only_copy"
    with copy_db.read() as session:
        assert head_of(session, made.assembly_id) == export["head"]["seq"]


def test_an_import_into_a_server_whose_rows_hold_the_same_ids_is_refused_whole(
    db: Database, copy_db: Database
) -> None:
    made = seed_demo(db=db, in_group=False)
    seed_demo(db=copy_db, in_group=False)  # the other server's own assembly, ids 1, 2, 3…
    with db.read() as session:
        export = export_events(session, made.assembly_id)
    with pytest.raises(Conflict) as refused:
        import_log(db=copy_db, events=export["events"])
    assert refused.value.code == "ids_taken"
    assert made.assembly_id not in _assemblies(copy_db)


def _assemblies(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(EventHead.assembly_id)).all())


def _rehash_after_editing_a_note(data: dict[str, object]) -> None:
    """What a forger would do: edit an event, then recompute every hash after it."""
    events = data["events"]
    assert isinstance(events, list)
    note = next(e for e in events if e["type"] == "note_taken")
    note["payload"]["text"] = "Nothing was said about the tents."
    prev = None
    for event in events:
        if prev is not None:
            event["prev_hash"] = prev
        event["hash"] = event_hash(event)
        prev = event["hash"]
    data["head"] = {"seq": events[-1]["seq"], "hash": prev}


def test_after_an_import_this_servers_own_new_rows_get_ids_of_their_own(
    copy_db: Database, any_db: Database
) -> None:
    """PostgreSQL's sequences do not move for rows written with their own ids: the import
    moves them, so the next assembly made here does not collide with the imported one."""
    made = seed_demo(db=copy_db, in_group=False)  # made elsewhere, carried here
    with copy_db.read() as session:
        export = export_events(session, made.assembly_id)
    import_log(db=any_db, events=export["events"])
    mine = assembly_service.create_assembly(db=any_db, title="Our own GA")
    joined = assembly_service.join_assembly(db=any_db, join_code=mine.join_code, name="Ada")
    with any_db.read() as session:
        imported = session.exec(
            select(Participant.id).where(Participant.assembly_id == made.assembly_id)
        ).all()
    assert {mine.participant_id, joined.participant_id}.isdisjoint(imported)


def test_a_whole_chain_that_names_a_row_no_event_made_is_refused_and_nothing_is_imported(
    db: Database, copy_db: Database
) -> None:
    made = seed_demo(db=db, in_group=False)
    with db.read() as session:
        events = export_events(session, made.assembly_id)["events"]
    last = events[-1]
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "type": "participant_muted",
        "payload": {"participant_id": 999, "name": "Nobody"},
        "prev_hash": last["hash"],
    }
    forged["hash"] = event_hash(forged)
    with pytest.raises(Invalid) as refused:
        import_log(db=copy_db, events=[*events, forged])
    assert refused.value.code == "not_in_log"
    assert f"Event {forged['seq']} names participant 999" in refused.value.message
    assert _assemblies(copy_db) == []
