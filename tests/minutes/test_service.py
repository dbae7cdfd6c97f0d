"""The minute taker's notes and action items through the service layer
(app/minutes/service.py): one event each and no table — the note or action is its event — on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import inspect

from app.agenda import service as agenda_service
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import events_after, export_events, facts, verify_chain
from app.minutes import service
from app.minutes.state import load_minutes
from tests.minutes.room import Room, room


def note(r: Room, text: str = "Kitchen needs volunteers.", **more: Any) -> service.Noted:
    """Ruth, the minute taker, takes a note."""
    return service.take_note(db=r.db, assembly_id=r.aid, actor_id=r.ruth, text=text, **more)


def test_a_note_is_one_event_and_its_id_is_the_seq(any_db: Database) -> None:
    r = room(any_db)
    with any_db.read() as session:
        before = export_events(session, r.aid)["head"]["seq"]
    noted = note(r, label="R")
    with any_db.read() as session:
        added = events_after(session, r.aid, before)
        export = export_events(session, r.aid)
    assert [e.type for e in added] == ["note_taken"]
    assert noted.note_id == noted.seq == added[0].seq
    assert json.loads(added[0].payload_json) == {
        "text": "Kitchen needs volunteers.",
        "label": "R",
        "agenda_item_id": None,
        "corrects": None,
        "by": "Ruth",
    }
    assert verify_chain(export["events"], export["head"]) is None


def test_notes_have_no_table_of_their_own(any_db: Database) -> None:
    tables = inspect(any_db.engine).get_table_names()
    assert not [t for t in tables if "note" in t or "minute" in t]


def test_a_note_goes_to_the_open_item_unless_another_is_named(any_db: Database) -> None:
    r = room(any_db)
    agenda_service.open_agenda_item(
        db=any_db, assembly_id=r.aid, actor_id=r.noor, item_id=r.kitchen
    )
    note(r, "On the open item.")
    note(r, "Added to the legal report.", agenda_item_id=r.legal)
    kitchen, legal = load_minutes(db=any_db, assembly_id=r.aid).minutes.items
    assert [n.text for n in kitchen.notes] == ["On the open item."]
    assert [n.text for n in legal.notes] == ["Added to the legal report."]


def test_a_correction_stays_with_the_note_it_corrects_which_keeps_its_words(
    any_db: Database,
) -> None:
    r = room(any_db)
    agenda_service.open_agenda_item(db=any_db, assembly_id=r.aid, actor_id=r.noor, item_id=r.legal)
    first = note(r, "The arraignment is on Thursday.")
    agenda_service.open_agenda_item(
        db=any_db, assembly_id=r.aid, actor_id=r.noor, item_id=r.kitchen
    )
    # A facilitator may correct too; the correction stays on the legal report's note.
    fixed = service.take_note(
        db=any_db,
        assembly_id=r.aid,
        actor_id=r.noor,
        text="It is on Friday.",
        corrects=first.note_id,
    )
    minutes = load_minutes(db=any_db, assembly_id=r.aid).minutes
    legal = next(i for i in minutes.items if i.item_id == r.legal)
    (original,) = legal.notes
    assert original.text == "The arraignment is on Thursday."
    assert [(c.note_id, c.text, c.by) for c in original.corrections] == [
        (fixed.note_id, "It is on Friday.", "Noor")
    ]
    with any_db.read() as session:
        event = events_after(session, r.aid, fixed.seq - 1, fixed.seq)[0]
    assert json.loads(event.payload_json)["agenda_item_id"] == r.legal


def test_a_gap_is_a_note_of_one_ellipsis(db: Database) -> None:
    r = room(db)
    note(r, "...")
    (gap,) = load_minutes(db=db, assembly_id=r.aid).minutes.floor.notes
    assert (gap.text, gap.gap) == ("…", True)


def test_only_minute_takers_and_facilitators_take_notes(db: Database) -> None:
    r = room(db)
    with pytest.raises(Forbidden) as refused:
        service.take_note(db=db, assembly_id=r.aid, actor_id=r.abebe, text="Mine.")
    assert refused.value.code == "role_required"
    service.take_note(db=db, assembly_id=r.aid, actor_id=r.noor, text="The facilitator's.")


@pytest.mark.parametrize(
    ("text", "label", "code"),
    [("Fine.", "Q", "bad_label"), ("", None, "text_required"), ("x" * 2001, "R", "text_too_long")],
)
def test_a_note_with_a_bad_label_or_text_is_refused(
    db: Database, text: str, label: str | None, code: str
) -> None:
    r = room(db)
    with pytest.raises(Invalid) as refused:
        note(r, text, label=label)
    assert refused.value.code == code


def test_a_correction_must_name_a_note_of_this_assembly(db: Database) -> None:
    r = room(db)
    other = room(db)
    elsewhere = note(other)
    for corrects in (9999, 1, elsewhere.note_id + 100, elsewhere.note_id):
        # 1 is this assembly's `assembly_created`: an event, but not a note.
        with pytest.raises(NotFound) as refused:
            note(r, "Correction.", corrects=corrects)
        assert refused.value.code == "note_not_found"


def test_a_note_for_an_item_of_another_assembly_is_refused(db: Database) -> None:
    r, other = room(db), room(db)
    with pytest.raises(NotFound):
        note(r, agenda_item_id=other.kitchen)


def test_no_notes_once_the_assembly_has_closed(db: Database) -> None:
    r = room(db)
    agenda_service.close_assembly(db=db, assembly_id=r.aid, actor_id=r.noor)
    with pytest.raises(Conflict) as refused:
        note(r)
    assert refused.value.code == "assembly_closed"


def test_a_note_announces_the_minutes_changed(db: Database) -> None:
    r = room(db)
    heard: list[tuple[str, int, frozenset[str]]] = []
    db.listen(lambda aid, seq, regions: heard.append((aid, seq, regions)))
    noted = note(r)
    assert heard == [(r.aid, noted.seq, frozenset({facts.MINUTES}))]


def test_a_proposal_made_without_an_item_and_closed_with_the_assembly_leaves_no_gap(
    any_db: Database,
) -> None:
    """Its item is added by an event of its own, and closing the assembly records its time."""
    from app.blocks import service as blocks_service

    r = room(any_db)
    made = blocks_service.submit_proposal(
        db=any_db, assembly_id=r.aid, actor_id=r.noor, title="Winter tents", text="Buy tents.",
        presenter_name="Marisol", working_group="Comfort",
    )  # fmt: skip
    item_id = made.data["agenda_item_id"]
    agenda_service.open_agenda_item(db=any_db, assembly_id=r.aid, actor_id=r.noor, item_id=item_id)
    agenda_service.close_assembly(db=any_db, assembly_id=r.aid, actor_id=r.noor)
    minutes = load_minutes(db=any_db, assembly_id=r.aid).minutes
    tents = minutes.items[-1]
    assert (tents.title, tents.time_box_minutes, tents.status) == ("Winter tents", 15, "done")
    assert [p.title for p in tents.proposals] == ["Winter tents"]
    assert minutes.cannot_know == []
    with any_db.read() as session:
        closed = export_events(session, r.aid)["events"][-1]
    assert closed["type"] == "assembly_closed"
    assert closed["payload"] == {"closed_item_id": item_id, "used_seconds": tents.used_seconds}


# ---- action items ------------------------------------------------------------------------


def action(r: Room, text: str = "Buy the six tents.", **more: Any) -> service.Recorded:
    """Ruth, the minute taker, records an action item."""
    return service.record_action(db=r.db, assembly_id=r.aid, actor_id=r.ruth, text=text, **more)


def tents(r: Room) -> tuple[int, int]:
    """A proposal (and the item made with it): (proposal id, agenda item id)."""
    from app.blocks import service as blocks_service

    made = blocks_service.submit_proposal(
        db=r.db, assembly_id=r.aid, actor_id=r.noor, title="Winter tents", text="Buy tents.",
        presenter_name="Marisol", working_group="Comfort",
    )  # fmt: skip
    return int(made.data["proposal_id"]), int(made.data["agenda_item_id"])


def open_item(r: Room, item_id: int) -> None:
    agenda_service.open_agenda_item(db=r.db, assembly_id=r.aid, actor_id=r.noor, item_id=item_id)


def test_an_action_item_is_one_event_and_its_id_is_the_seq(any_db: Database) -> None:
    r = room(any_db)
    proposal_id, item_id = tents(r)
    with any_db.read() as session:
        before = export_events(session, r.aid)["head"]["seq"]
    recorded = action(
        r, "  Buy the six tents.  ", who="Comfort working group", due="Friday 20 March",
        proposal_id=proposal_id,
    )  # fmt: skip
    with any_db.read() as session:
        added = events_after(session, r.aid, before)
        export = export_events(session, r.aid)
    assert [e.type for e in added] == ["action_item_recorded"]
    assert recorded.action_id == recorded.seq == added[0].seq
    assert json.loads(added[0].payload_json) == {
        "text": "Buy the six tents.",
        "who": "Comfort working group",
        "due": "Friday 20 March",
        "proposal_id": proposal_id,
        "agenda_item_id": item_id,
        "by": "Ruth",
    }
    assert verify_chain(export["events"], export["head"]) is None
    (shown,) = load_minutes(db=any_db, assembly_id=r.aid).minutes.items[-1].proposals[0].actions
    assert (shown.action_id, shown.who, shown.by) == (recorded.seq, "Comfort working group", "Ruth")


def test_an_action_item_goes_with_the_open_items_proposal_by_default(db: Database) -> None:
    r = room(db)
    proposal_id, item_id = tents(r)
    open_item(r, item_id)
    recorded = action(r)
    with db.read() as session:
        event = events_after(session, r.aid, recorded.seq - 1, recorded.seq)[0]
    payload = json.loads(event.payload_json)
    assert (payload["proposal_id"], payload["agenda_item_id"]) == (proposal_id, item_id)


def test_an_action_item_goes_with_the_open_item_when_it_has_no_proposal(db: Database) -> None:
    r = room(db)
    open_item(r, r.kitchen)
    action(r, "Post the breakfast rota.", who="Farah")
    kitchen = load_minutes(db=db, assembly_id=r.aid).minutes.items[0]
    assert [(a.text, a.who) for a in kitchen.actions] == [("Post the breakfast rota.", "Farah")]


def test_an_action_item_with_no_item_open_is_for_the_assembly_as_a_whole(db: Database) -> None:
    r = room(db)
    action(r, "Book the square for next week.")
    minutes = load_minutes(db=db, assembly_id=r.aid).minutes
    assert [a.text for a in minutes.actions] == ["Book the square for next week."]
    assert all(not item.actions for item in minutes.items)


def test_an_action_item_for_a_named_item_stays_with_that_item(db: Database) -> None:
    r = room(db)
    open_item(r, r.kitchen)
    action(r, "Find a lawyer for Friday.", agenda_item_id=r.legal)
    kitchen, legal = load_minutes(db=db, assembly_id=r.aid).minutes.items
    assert (kitchen.actions, [a.text for a in legal.actions]) == ([], ["Find a lawyer for Friday."])


def test_only_minute_takers_and_facilitators_record_action_items(db: Database) -> None:
    r = room(db)
    with pytest.raises(Forbidden) as refused:
        service.record_action(db=db, assembly_id=r.aid, actor_id=r.abebe, text="Mine.")
    assert refused.value.code == "role_required"
    service.record_action(db=db, assembly_id=r.aid, actor_id=r.noor, text="The facilitator's.")


def test_no_action_items_once_the_assembly_has_closed(db: Database) -> None:
    r = room(db)
    agenda_service.close_assembly(db=db, assembly_id=r.aid, actor_id=r.noor)
    with pytest.raises(Conflict) as refused:
        action(r)
    assert refused.value.code == "assembly_closed"


@pytest.mark.parametrize(
    ("text", "who", "due", "code"),
    [
        ("", None, None, "text_required"),
        ("   ", "Comfort", None, "text_required"),
        ("x" * 501, None, None, "text_too_long"),
        ("Buy tents.", "w" * 81, None, "who_too_long"),
        ("Buy tents.", None, "d" * 61, "due_too_long"),
        ("Buy\x07 tents.", None, None, "bad_text"),
    ],
)
def test_an_action_item_with_bad_text_who_or_due_is_refused(
    db: Database, text: str, who: str | None, due: str | None, code: str
) -> None:
    r = room(db)
    with pytest.raises(Invalid) as refused:
        action(r, text, who=who, due=due)
    assert refused.value.code == code


def test_an_action_item_for_a_proposal_of_another_assembly_is_refused(db: Database) -> None:
    r, other = room(db), room(db)
    elsewhere, _item = tents(other)
    for proposal_id in (elsewhere, 9999):
        with pytest.raises(NotFound) as refused:
            action(r, proposal_id=proposal_id)
        assert refused.value.code == "proposal_not_found"
    with pytest.raises(NotFound) as refused:
        action(r, agenda_item_id=other.kitchen)
    assert refused.value.code == "item_not_found"


def test_an_action_item_naming_a_proposal_and_another_item_is_refused(db: Database) -> None:
    r = room(db)
    proposal_id, _item = tents(r)
    with pytest.raises(Invalid) as refused:
        action(r, proposal_id=proposal_id, agenda_item_id=r.kitchen)
    assert refused.value.code == "proposal_not_on_item"


def test_an_action_item_announces_the_minutes_changed(db: Database) -> None:
    r = room(db)
    heard: list[tuple[str, int, frozenset[str]]] = []
    db.listen(lambda aid, seq, regions: heard.append((aid, seq, regions)))
    recorded = action(r)
    assert heard == [(r.aid, recorded.seq, frozenset({facts.MINUTES}))]
