"""The minutes read from the database (app/minutes/state.py) are the fold of the exported
events: a printed copy can be checked against the export, and nothing is stored twice."""

from __future__ import annotations

import json
from dataclasses import asdict

from app.db import Database
from app.events import export_events, verify_chain
from app.minutes.logic import fold_minutes
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from tests.minutes.evening import ANONYMOUS_ANSWERERS, ANONYMOUS_REASONS, Evening


def test_minutes_from_the_export_file_equal_the_minutes_from_the_database(
    any_evening: Evening,
) -> None:
    read = load_minutes(db=any_evening.db, assembly_id=any_evening.assembly_id)
    with any_evening.db.read() as session:
        export = export_events(session, any_evening.assembly_id)
    from_file = fold_minutes(json.loads(json.dumps(export))["events"])
    assert asdict(from_file) == asdict(read.minutes)
    assert verify_chain(export["events"], export["head"]) is None
    assert (read.seq, read.minutes.head.hash) == (export["head"]["seq"], export["head"]["hash"])


def test_every_prefix_of_the_log_folds_into_minutes(evening: Evening) -> None:
    """Minutes can be read at any moment of the evening (a draft while it runs)."""
    with evening.db.read() as session:
        events = export_events(session, evening.assembly_id)["events"]
    for n in range(1, len(events) + 1):
        minutes = fold_minutes(events[:n])
        assert minutes.head.seq == n
        assert minutes.header.final is (n == len(events))


def test_every_note_appears_once_as_a_note_or_as_a_correction(evening: Evening) -> None:
    minutes = load_minutes(db=evening.db, assembly_id=evening.assembly_id).minutes
    shown = [
        n.note_id
        for item in [*minutes.items, minutes.floor]
        for note in item.notes
        for n in [note, *note.corrections]
    ]
    assert sorted(shown) == sorted(evening.notes.values())


def test_the_anonymous_round_names_nobody_anywhere_in_the_minutes(evening: Evening) -> None:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    everything = json.dumps(asdict(read.minutes), ensure_ascii=False) + render_markdown(
        read.minutes
    )
    for name in ANONYMOUS_ANSWERERS:  # a phone block, a phone stand-aside, a counted block
        assert name not in everything
    drums = next(i for i in read.minutes.items if i.title == "Drumming hours")
    anonymous = next(r for r in drums.proposals[0].rounds if r.anonymous)
    said = json.dumps(asdict(anonymous), ensure_ascii=False)
    assert not [name for name in evening.ids if name in said]
    assert [b.reason for b in anonymous.blocks] == [ANONYMOUS_REASONS[0], ANONYMOUS_REASONS[2]]
    assert [s.reason for s in anonymous.stand_asides] == [ANONYMOUS_REASONS[1]]


def test_the_evening_reads_as_it_was_played(evening: Evening) -> None:
    minutes = load_minutes(db=evening.db, assembly_id=evening.assembly_id).minutes
    tents, drums = (p for i in minutes.items for p in i.proposals)
    assert (tents.outcome, tents.decided_version) == ("passed_with_stand_asides", 2)
    assert [a.fate for a in tents.amendments] == ["accepted", "rejected"]
    consensus = tents.rounds[1]
    assert [(c.value, c.phones, c.counted) for c in consensus.counts] == [
        ("agree", 18, 6), ("stand_aside", 2, 2), ("block", 0, 0)
    ]  # fmt: skip
    assert [s.name for s in consensus.stand_asides] == ["Bianca", "Lena"]
    assert (drums.outcome, drums.tabled_to) == ("tabled", "Drummers Circle")
    assert [b.name for b in drums.rounds[0].blocks] == ["Sipho"]
    heard = next(i for i in minutes.items if i.title == "Drumming hours").speakers
    assert [(s.name, s.to_a_block, s.seconds) for s in heard] == [
        ("Priya", False, 50), ("Sipho", True, 60)  # the blocker speaks to the block
    ]  # fmt: skip


def test_a_group_assembly_numbers_its_items_and_keeps_the_group_time_zone(db: Database) -> None:
    from app.agenda import service as agenda_service
    from app.assembly import service as assembly_service
    from app.groups import service as groups_service

    group = groups_service.create_group(
        db=db, name="Riverside Commons GA", slug="riverside", time_zone="America/New_York"
    )
    for _ in range(2):  # the second assembly of the group is no. 2
        made = assembly_service.create_assembly(
            db=db,
            title="Evening GA",
            joining=groups_service.joining("riverside", group.admin_token),
        )
    agenda_service.add_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, title="Kitchen",
        kind="report",
    )  # fmt: skip
    minutes = load_minutes(db=db, assembly_id=made.assembly_id).minutes
    assert (minutes.header.number, minutes.header.group) == (2, "Riverside Commons GA")
    assert minutes.header.time_zone == "America/New_York"
    assert [i.number for i in minutes.items] == ["2.1"]
    heading = "# Minutes: Evening GA no. 2\n\nRiverside Commons GA\n"
    assert render_markdown(minutes).startswith(heading)
