"""Leaving speakers' names out of the minutes (app/minutes/settings.py; docs/process.md "What the
minutes record": "who spoke, in order, with their speaking time (a setting may leave names
out)")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.assembly.state import load_state
from app.db import Database
from app.errors import Conflict, Forbidden
from app.events import export_events
from app.minutes import settings
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from app.minutes.words import speaker_line
from app.stack import service as stack_service
from app.stack.floor import TURN_SIGNALS
from tests.conftest import GA, error_of, join, ok, seq_of
from tests.minutes.room import Room, room


def two_turns(r: Room) -> None:
    """Abebe speaks, then Ruth: two turns on the kitchen report."""
    agenda_service.open_agenda_item(db=r.db, assembly_id=r.aid, actor_id=r.noor, item_id=r.kitchen)
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
    changed = settings.change_settings(
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
    settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, speaker_names=True)
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
        settings.change_settings(db=db, assembly_id=r.aid, actor_id=r.abebe, speaker_names=False)
    agenda_service.close_assembly(db=db, assembly_id=r.aid, actor_id=r.noor)
    with pytest.raises(Conflict):
        settings.change_settings(db=db, assembly_id=r.aid, actor_id=r.noor, speaker_names=False)
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
        (fac, {}, 422, "no_setting"),
        (fac, {"signals": "often"}, 422, "invalid"),
        (fac, {"speaker_names": False, "names": []}, 422, "invalid"),
    ]:
        refused = client.put(url, json=body, headers=who)
        assert refused.status_code == status and error_of(refused)["code"] == code
    assert seq_of(client, assembly) == before
    done = ok(client.put(url, json={"speaker_names": False}, headers=fac))
    assert done == {"speaker_names": False, "signals": False, "seq": before + 1}
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


# ---- how the room took each turn, from its hand signals (off unless the assembly keeps it) -----


def turn_endings(r: Room) -> list[dict[str, object]]:
    with r.db.read() as session:
        events = export_events(session, r.aid)["events"]
    return [e["payload"] for e in events if e["type"] == "turn_ended"]


def lines(r: Room) -> list[str]:
    minutes = load_minutes(db=r.db, assembly_id=r.aid).minutes
    return [speaker_line(s) for s in minutes.items[0].speakers]


@pytest.fixture
def heard(any_db: Database) -> Iterator[dict[int, str | None]]:
    """What this process's board makes of each turn (by turn id), as app/web/app.py wires it."""
    took: dict[int, str | None] = {}
    any_db.memory[TURN_SIGNALS] = lambda _aid, turn_id: took.get(turn_id, "mostly agree")
    yield took
    any_db.memory.pop(TURN_SIGNALS)


def test_a_turn_ends_with_how_the_room_took_it_once_the_assembly_keeps_that(
    any_db: Database, heard: dict[int, str | None]
) -> None:
    r = room(any_db)
    changed = settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, signals=True)
    assert (changed.signals, changed.speaker_names) == (True, True)
    assert load_state(db=any_db, assembly_id=r.aid).minutes_signals is True
    two_turns(r)  # Abebe's turn ends when Ruth is called
    [ended] = turn_endings(r)
    assert ended["signals"] == "mostly agree"
    abebe, ruth = lines(r)
    assert abebe.endswith("; signals: mostly agree") and "signals" not in ruth
    # The last word counts for the whole minutes: left out, the line goes; kept, it is back.
    settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, signals=False)
    assert not any("signals" in line for line in lines(r))
    assert "signals:" not in render_markdown(load_minutes(db=any_db, assembly_id=r.aid).minutes)
    settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, signals=True)
    assert lines(r)[0].endswith("; signals: mostly agree")


def test_while_the_setting_is_off_a_turn_records_nothing_of_the_signals(
    any_db: Database, heard: dict[int, str | None]
) -> None:
    r = room(any_db)
    two_turns(r)
    assert all("signals" not in payload for payload in turn_endings(r))
    assert not any("signals" in line for line in lines(r))


def test_a_turn_too_few_signalled_about_records_no_line(
    any_db: Database, heard: dict[int, str | None]
) -> None:
    r = room(any_db)
    settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, signals=True)
    heard.update(dict.fromkeys(range(1, 100)))  # every turn: fewer than 3 signals, no line
    two_turns(r)
    assert all("signals" not in payload for payload in turn_endings(r))


def test_a_process_holding_no_signals_records_no_line(any_db: Database) -> None:
    """The CLI and other processes without a board end turns too: nothing to say, no line."""
    r = room(any_db)
    settings.change_settings(db=any_db, assembly_id=r.aid, actor_id=r.noor, signals=True)
    two_turns(r)
    assert all("signals" not in payload for payload in turn_endings(r))


def test_the_api_keeps_signal_lines_and_the_assemblys_state_says_so(
    client: TestClient, assembly: GA
) -> None:
    url = f"/api/assemblies/{assembly.id}/minutes/settings"
    fac = assembly.facilitator.headers
    done = ok(client.put(url, json={"signals": True}, headers=fac))
    assert done["signals"] is True and done["speaker_names"] is True
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=fac))
    assert state["minutes_signals"] is True
