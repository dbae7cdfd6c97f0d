"""The agenda through the service layer (app/agenda): one item open at a time, what happens to
the item before, the time each used, and items of other assemblies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.models import AgendaItem
from app.assembly.state import load_state
from app.db import Database
from app.errors import Conflict, Invalid, NotFound
from app.events import events_after


def new(db: Database) -> service.Created:
    return service.create_assembly(db=db, title="Riverside Commons GA", facilitator_name="Noor")


def test_one_agenda_item_is_open_at_a_time(db: Database) -> None:
    made = new(db)
    ids = [
        agenda_service.add_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, title=t, kind=k,
        ).data["item_id"]
        for t, k in [("Welcome", "announcement"), ("Kitchen report-back", "report")]
    ]  # fmt: skip
    agenda_service.open_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=ids[0]
    )
    agenda_service.open_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=ids[1]
    )
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert [i.status for i in state.agenda] == ["done", "open"]
    assert state.open_item is not None and state.open_item.title == "Kitchen report-back"
    agenda_service.close_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=ids[1]
    )
    with pytest.raises(Conflict):
        agenda_service.close_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=ids[1]
        )
    assert load_state(db=db, assembly_id=made.assembly_id).open_item is None


@pytest.mark.parametrize(
    ("previous", "status"), [(None, "done"), ("done", "done"), ("pending", "pending")]
)
def test_opening_another_item_makes_the_one_before_done_unless_kept_pending(
    db: Database, previous: str | None, status: str
) -> None:
    made = new(db)
    fac = made.participant_id
    first, second = (
        agenda_service.add_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=fac, title=t, kind="discussion"
        ).data["item_id"]
        for t in ("Welcome", "Kitchen report-back")
    )
    agenda_service.open_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=fac, item_id=first
    )
    how = {} if previous is None else {"previous": previous}
    opened = agenda_service.open_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=fac, item_id=second, **how
    )
    assert opened.data["previous_item_id"] == first and opened.data["previous_status"] == status
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert [i.status for i in state.agenda] == [status, "open"]
    with db.read() as session:
        event = events_after(session, made.assembly_id, opened.seq - 1)[0]
    assert event.type == "agenda_item_opened"
    assert json.loads(event.payload_json)["previous_status"] == status


@pytest.mark.parametrize("previous", ["closed", "", "Done"])
def test_a_previous_status_other_than_done_or_pending_is_refused(
    db: Database, previous: str
) -> None:
    made = new(db)
    item_id = agenda_service.add_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, title="Welcome",
        kind="announcement",
    ).data["item_id"]  # fmt: skip
    with pytest.raises(Invalid) as info:
        agenda_service.open_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=item_id,
            previous=previous,
        )  # fmt: skip
    assert info.value.code == "bad_previous"


def test_time_used_is_recorded_when_an_item_closes(db: Database) -> None:
    made = new(db)
    item_id = agenda_service.add_agenda_item(
        db=db,
        assembly_id=made.assembly_id,
        actor_id=made.participant_id,
        title="Welcome",
        kind="announcement",
    ).data["item_id"]
    agenda_service.open_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=item_id
    )
    with db.write() as session:  # pretend it opened 125 s ago
        item = session.get(AgendaItem, item_id)
        assert item is not None and item.opened_at is not None
        item.opened_at = item.opened_at - timedelta(seconds=125)
        session.add(item)
    changed = agenda_service.close_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, item_id=item_id
    )
    assert 125 <= changed.data["used_seconds"] <= 130


def test_an_agenda_item_of_another_assembly_is_not_found(db: Database) -> None:
    first, second = new(db), new(db)
    item_id = agenda_service.add_agenda_item(
        db=db,
        assembly_id=first.assembly_id,
        actor_id=first.participant_id,
        title="Welcome",
        kind="announcement",
    ).data["item_id"]
    with pytest.raises(NotFound):
        agenda_service.open_agenda_item(
            db=db, assembly_id=second.assembly_id, actor_id=second.participant_id, item_id=item_id
        )
