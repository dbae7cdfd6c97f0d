"""Archive search on SQLite (FTS5) and PostgreSQL (text search) behind one function: words
from any version or amendment, filters, visibility, and an index in step with the facts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.agenda import service as agenda_service
from app.archive import index
from app.archive.models import ArchiveEntry
from app.archive.search import search
from app.blocks import amendments
from app.blocks import service as proposals
from app.db import Database
from app.errors import Invalid, NotFound
from tests.archive.builders import hold_meeting, make_group


def titles(found: list) -> list[str]:  # type: ignore[type-arg]
    return [d.title for d in found]


def test_a_tabled_proposal_is_found_by_a_word_only_in_its_amended_text(any_db: Database) -> None:
    meeting = hold_meeting(any_db, make_group(any_db))
    found = search(any_db, "tarpaulins")
    assert [(d.proposal_id, d.outcome, d.tabled_to) for d in found] == [
        (meeting.drums, "tabled", "Comfort working group")
    ]
    assert found[0].excerpt.match == "tarpaulins"
    assert titles(search(any_db, "tarpaulin")) == ["Drumming hours"]  # stemmed


def test_every_word_must_appear(any_db: Database) -> None:
    hold_meeting(any_db)
    assert titles(search(any_db, "fire lane")) == ["Winter tents"]
    assert search(any_db, "tarpaulins tents") == []


def test_titles_rationales_and_names_are_searched_too(any_db: Database) -> None:
    hold_meeting(any_db)
    assert titles(search(any_db, "drumming")) == ["Drumming hours"]
    assert titles(search(any_db, "clear")) == ["Winter tents"]  # "Keep the fire lane clear."
    assert titles(search(any_db, "Marisol")) == ["Winter tents"]


def test_text_typed_with_search_syntax_is_just_words(any_db: Database) -> None:
    hold_meeting(any_db)
    for q in ['tents" OR (', "(tents)", "tents*", "-tents", "tents AND", "'tents'", "the tents"]:
        assert titles(search(any_db, q)) == ["Winter tents"], q
    assert search(any_db, "!!! ???") == search(any_db, None)


def test_a_rejected_amendment_is_searched(any_db: Database) -> None:
    meeting = hold_meeting(any_db, close=False)
    pid = proposals.submit_proposal(
        db=any_db, assembly_id=meeting.aid, actor_id=meeting.noor, title="Kitchen rota",
        text="The kitchen opens at 7.", presenter_name="Farah",
    ).data["proposal_id"]  # fmt: skip
    proposals.move_stage(db=any_db, proposal_id=pid, actor_id=meeting.noor, stage="amendments")
    amendment = amendments.propose_amendment(
        db=any_db, proposal_id=pid, actor_id=meeting.people["Chen"],
        text="The kitchen opens at 6 with porridge.",
    ).data["amendment_id"]  # fmt: skip
    amendments.decide_amendment(
        db=any_db, amendment_id=amendment, actor_id=meeting.noor, accept=False
    )
    agenda_service.close_assembly(db=any_db, assembly_id=meeting.aid, actor_id=meeting.noor)
    found = search(any_db, "porridge")
    assert [(d.title, d.outcome) for d in found] == [("Kitchen rota", "undecided")]


def test_open_assemblies_are_not_in_the_archive_until_they_close(any_db: Database) -> None:
    meeting = hold_meeting(any_db, close=False)
    assert search(any_db, "tarpaulins") == [] and search(any_db) == []
    agenda_service.close_assembly(db=any_db, assembly_id=meeting.aid, actor_id=meeting.noor)
    assert titles(search(any_db)) == ["Winter tents", "Drumming hours"]


def test_a_working_group_is_found_as_presenter_or_as_where_it_was_tabled_to(
    any_db: Database,
) -> None:
    hold_meeting(any_db)
    assert titles(search(any_db, working_group="Comfort")) == ["Winter tents", "Drumming hours"]
    assert titles(search(any_db, working_group="comfort working group")) == titles(
        search(any_db, working_group="comfort")
    )
    assert titles(search(any_db, working_group="Drummers Circle")) == ["Drumming hours"]
    assert search(any_db, working_group="Legal") == []
    assert titles(search(any_db, "tarpaulins", working_group="comfort")) == ["Drumming hours"]


def test_the_group_filter_keeps_that_groups_assemblies(any_db: Database) -> None:
    riverside, harbour = make_group(any_db), make_group(any_db, "harbour")
    hold_meeting(any_db, riverside)
    hold_meeting(any_db, harbour, title="Harbour GA")
    hold_meeting(any_db, None, title="Lone GA")
    found = search(any_db, "tarpaulins", group="harbour")
    assert [(d.assembly_title, d.group_slug, d.number) for d in found] == [
        ("Harbour GA", "harbour", 1)
    ]
    assert len(search(any_db, "tarpaulins")) == 3
    with pytest.raises(NotFound):
        search(any_db, group="nowhere")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("adopted", ["Winter tents"]), ("passed_with_stand_asides", ["Winter tents"]),
     ("tabled", ["Drumming hours"]), ("blocked", []), (None, ["Winter tents", "Drumming hours"])],
)  # fmt: skip
def test_the_outcome_filter(any_db: Database, outcome: str | None, expected: list[str]) -> None:
    hold_meeting(any_db)
    assert titles(search(any_db, outcome=outcome)) == expected


def test_an_unknown_outcome_is_refused(db: Database) -> None:
    with pytest.raises(Invalid):
        search(db, outcome="approved")


def test_dates_are_inclusive_days_where_the_assembly_met(any_db: Database) -> None:
    meeting = hold_meeting(any_db, make_group(any_db))
    with any_db.read() as session:
        day = date.fromisoformat(session.exec(select(ArchiveEntry.decided_on)).first() or "")
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    assert len(search(any_db, date_from=day, date_to=day)) == 2
    assert len(search(any_db, date_from=before, date_to=after)) == 2
    assert search(any_db, date_from=after) == [] and search(any_db, date_to=before) == []
    assert {d.decided_on for d in search(any_db)} == {day.isoformat()}
    assert meeting.number == 1


def test_a_private_assembly_appears_only_with_its_join_code(any_db: Database) -> None:
    private = hold_meeting(any_db, title="Harbour GA", visibility="private")
    other = hold_meeting(any_db, title="Quay GA", visibility="private")
    hold_meeting(any_db, title="Open GA")
    assert {d.assembly_title for d in search(any_db, "tarpaulins")} == {"Open GA"}
    found = search(any_db, "tarpaulins", code=private.join_code)
    assert {(d.assembly_title, d.private) for d in found} == {
        ("Open GA", False),
        ("Harbour GA", True),
    }
    assert "Quay GA" not in {d.assembly_title for d in found} and other.join_code


def test_notes_on_a_proposals_item_are_searched(any_db: Database) -> None:
    hold_meeting(
        any_db,
        notes=[("Crn: the megaphone is loud after midnight", "drums"), ("R: fine", "tents")],
    )
    assert titles(search(any_db, "megaphone")) == ["Drumming hours"]


def test_the_index_is_derived_and_rebuilds_to_the_same_answers(any_db: Database) -> None:
    group = make_group(any_db)
    hold_meeting(any_db, group)
    hold_meeting(any_db, None, title="Harbour GA", visibility="private")
    hold_meeting(any_db, group, close=False)
    before = [search(any_db, q) for q in (None, "tarpaulins", "fire lane", "Marisol")]
    with any_db.write() as session:
        for entry in session.exec(select(ArchiveEntry)):
            session.delete(entry)
    assert search(any_db, "tarpaulins") == []
    assert index.rebuild(db=any_db) == index.Rebuilt(assemblies=2, decisions=4)
    after = [search(any_db, q) for q in (None, "tarpaulins", "fire lane", "Marisol")]
    assert after == before
    assert index.rebuild(db=any_db).decisions == 4  # again: nothing doubles
    assert [search(any_db, q) for q in (None, "tarpaulins", "fire lane", "Marisol")] == before


def test_pages_of_results(any_db: Database) -> None:
    for _ in range(3):
        hold_meeting(any_db)
    first = search(any_db, limit=4)
    second = search(any_db, limit=4, offset=4)
    assert len(first) == 4 and len(second) == 2
    assert not {d.proposal_id for d in first} & {d.proposal_id for d in second}
