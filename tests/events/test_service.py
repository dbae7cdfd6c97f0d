"""The event log in the database: gap-free seq, linked hashes, concurrent writers.

Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError

from app.assembly import service
from app.db import Database
from app.events import Event, append_event, events_after, export_events, verify_chain


def test_events_get_consecutive_seqs_and_a_verifiable_chain(any_db: Database) -> None:
    made = service.create_assembly(db=any_db, title="GA", facilitator_name="Noor")
    for name in ("Abebe", "Bianca", "Chen"):
        service.join_assembly(db=any_db, join_code=made.join_code, name=name)
    with any_db.read() as session:
        export = export_events(session, made.assembly_id)
    assert [e["seq"] for e in export["events"]] == [1, 2, 3, 4]
    assert export["events"][0]["type"] == "assembly_created"
    assert export["head"] == {"seq": 4, "hash": export["events"][-1]["hash"]}
    assert verify_chain(export["events"], export["head"]) is None


def test_two_hundred_concurrent_changes_get_seq_1_to_200_without_gaps(any_db: Database) -> None:
    made = service.create_assembly(db=any_db, title="GA", facilitator_name="Noor")

    def join(i: int) -> int:
        return service.join_assembly(db=any_db, join_code=made.join_code, name=f"P{i}").seq

    with ThreadPoolExecutor(max_workers=16) as pool:
        seqs = list(pool.map(join, range(199)))
    assert sorted(seqs) == list(range(2, 201))
    with any_db.read() as session:
        events = events_after(session, made.assembly_id)
        export = export_events(session, made.assembly_id)
    assert [e.seq for e in events] == list(range(1, 201))
    assert verify_chain(export["events"], export["head"]) is None


def test_seq_is_unique_per_assembly_by_constraint(any_db: Database) -> None:
    made = service.create_assembly(db=any_db, title="GA")
    with pytest.raises(IntegrityError), any_db.write() as session:
        session.add(
            Event(
                assembly_id=made.assembly_id,
                seq=1,
                at="2026-11-28T19:00:00.000000Z",
                type="forged",
                payload_json="{}",
                prev_hash="0" * 64,
                hash="f" * 64,
            )
        )


def test_seqs_are_counted_per_assembly(any_db: Database) -> None:
    first = service.create_assembly(db=any_db, title="North lawn GA")
    second = service.create_assembly(db=any_db, title="South plaza GA")
    with any_db.write() as session:
        a = append_event(session, first.assembly_id, None, "note_taken", {"text": "…"})
        b = append_event(session, second.assembly_id, None, "note_taken", {"text": "…"})
    assert (a.seq, b.seq) == (2, 2)


def test_a_rolled_back_change_leaves_no_event_and_no_gap(any_db: Database) -> None:
    made = service.create_assembly(db=any_db, title="GA")
    with pytest.raises(RuntimeError), any_db.write() as session:
        append_event(session, made.assembly_id, None, "note_taken", {})
        raise RuntimeError("the change failed after appending")
    joined = service.join_assembly(db=any_db, join_code=made.join_code, name="Chen")
    assert joined.seq == 2
