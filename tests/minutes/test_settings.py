"""Leaving speakers' names out of the minutes (app/minutes/settings.py; PROCESS.md "Minutes":
"who spoke, in order, with their speaking time (a setting may leave names out)")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.assembly import service as assembly_service
from app.assembly.state import load_state
from app.db import Database
from app.errors import Conflict, Forbidden
from app.events import export_events
from app.minutes import settings
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from app.stack import service as stack_service
from tests.conftest import GA, error_of, join, ok, seq_of
from tests.minutes.test_service import Room, room


def two_turns(r: Room) -> None:
    """Abebe speaks, then Ruth: two turns on the kitchen report."""
    assembly_service.open_agenda_item(
        db=r.db, assembly_id=r.aid, actor_id=r.noor, item_id=r.kitchen
    )
    for who in (r.abebe, r.ruth):
        stack_service.raise_hand(db=r.db, assembly_id=r.aid, actor_id=who, kind="speak")
    for _turn in range(2):  # Ruth still has the floor when the minutes are read
        stack_service.call_next_speaker(db=r.db, assembly_id=r.aid, actor_id=r.noor)


def speakers(r: Room) -> list[str | None]:
    minutes = load_minutes(db=r.db, assembly_id=r.aid).minutes
    return [s.name for s in minutes.items[0].speakers]


def test_the_minutes_name_speakers_unless_the_assembly_leaves_names_out(any_db: Database) -> None:
    r = room(any_db)
    two_turns(r)
    assert speakers(r) == ["Abebe", "Ruth"]
    changed = settings.set_speaker_names(
        db=any_db, assembly_id=r.aid, actor_id=r.ruth, speaker_names=False
    )
    # The last word counts for the whole minutes, turns before it included.
    assert speakers(r) == [None, None]
    minutes = load_minutes(db=any_db, assembly_id=r.aid).minutes
    assert minutes.speaking_time == [] and minutes.speaker_names is False
    text = render_markdown(minutes)
    assert "Abebe" not in text and "## Speaking time" not in text
    assert load_state(db=any_db, assembly_id=r.aid).minutes_speaker_names is False
    with any_db.read() as session:
        last = export_events(session, r.aid)["events"][-1]
    assert (last["seq"], last["type"], last["payload"]) == (
        changed.seq, "minutes_settings_changed", {"speaker_names": False}
    )  # fmt: skip
    settings.set_speaker_names(db=any_db, assembly_id=r.aid, actor_id=r.noor, speaker_names=True)
    assert speakers(r) == ["Abebe", "Ruth"]


def test_an_assembly_can_be_created_leaving_names_out(db: Database) -> None:
    made = assembly_service.create_assembly(
        db=db, title="Quiet GA", facilitator_name="Noor", minutes_speaker_names=False
    )
    assert load_state(db=db, assembly_id=made.assembly_id).minutes_speaker_names is False
    with db.read() as session:
        created = export_events(session, made.assembly_id)["events"][0]
    assert created["payload"]["minutes_speaker_names"] is False
    minutes = load_minutes(db=db, assembly_id=made.assembly_id).minutes
    assert minutes.speaker_names is False


def test_only_a_minute_taker_or_facilitator_changes_it_and_only_while_open(db: Database) -> None:
    r = room(db)
    with pytest.raises(Forbidden):
        settings.set_speaker_names(db=db, assembly_id=r.aid, actor_id=r.abebe, speaker_names=False)
    assembly_service.close_assembly(db=db, assembly_id=r.aid, actor_id=r.noor)
    with pytest.raises(Conflict):
        settings.set_speaker_names(db=db, assembly_id=r.aid, actor_id=r.noor, speaker_names=False)
    assert load_state(db=db, assembly_id=r.aid).minutes_speaker_names is True


# ---- the API: PUT /api/assemblies/{id}/minutes/settings ----------------------------------


def test_the_api_sets_it_and_refuses_the_wrong_person_state_or_body(
    client: TestClient, assembly: GA
) -> None:
    url = f"/api/assemblies/{assembly.id}/minutes/settings"
    fac = assembly.facilitator.headers
    ben = join(client, assembly, "Ben")
    before = seq_of(client, assembly)
    for who, body, status, code in [
        ({}, {"speaker_names": False}, 401, "unauthorized"),
        (ben.headers, {"speaker_names": False}, 403, "role_required"),
        (fac, {"speaker_names": "sometimes"}, 422, "invalid"),
        (fac, {}, 422, "invalid"),
        (fac, {"speaker_names": False, "names": []}, 422, "invalid"),
    ]:
        refused = client.put(url, json=body, headers=who)
        assert refused.status_code == status and error_of(refused)["code"] == code
    assert seq_of(client, assembly) == before
    done = ok(client.put(url, json={"speaker_names": False}, headers=fac))
    assert done == {"speaker_names": False, "seq": before + 1}
    minutes = ok(client.get(f"/api/assemblies/{assembly.id}/minutes", headers=fac))
    assert minutes["speaker_names"] is False
    ok(client.post(f"/api/assemblies/{assembly.id}/close", headers=fac))
    late = client.put(url, json={"speaker_names": True}, headers=fac)
    assert late.status_code == 409 and error_of(late)["code"] == "assembly_closed"


def test_an_assembly_created_through_the_api_can_leave_names_out(client: TestClient) -> None:
    made = ok(
        client.post("/api/assemblies", json={"title": "Quiet GA", "minutes_speaker_names": False}),
        201,
    )
    headers = {"Authorization": f"Bearer {made['facilitator_token']}"}
    state = ok(client.get(f"/api/assemblies/{made['id']}", headers=headers))
    assert state["minutes_speaker_names"] is False
