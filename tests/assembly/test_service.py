"""Assemblies, people and roles through the service layer (one event per change); the agenda's
own tests are in tests/agenda."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.auth import authenticate, hash_secret
from app.assembly.models import Participant
from app.assembly.state import load_state
from app.db import Database
from app.errors import Conflict, Forbidden, Unauthorized
from app.events import events_after, facts


def new(db: Database, **kw: object) -> service.Created:
    return service.create_assembly(
        db=db, title="Riverside Commons GA", facilitator_name="Noor", **kw
    )  # type: ignore[arg-type]


def test_creator_is_a_participant_holding_the_facilitator_role(any_db: Database) -> None:
    made = new(any_db)
    me = authenticate(db=any_db, assembly_id=made.assembly_id, token=made.facilitator_token)
    assert me.name == "Noor" and me.roles == {"facilitator"} and me.admitted


def test_tokens_are_stored_only_as_hashes(any_db: Database) -> None:
    made = new(any_db)
    with any_db.read() as session:
        person = session.get(Participant, made.participant_id)
    assert person is not None
    assert person.token_hash == hash_secret(made.facilitator_token)
    assert made.facilitator_token not in (person.token_hash or "")


def test_a_token_of_one_assembly_is_refused_by_another(db: Database) -> None:
    first, second = new(db), new(db)
    with pytest.raises(Unauthorized):
        authenticate(db=db, assembly_id=second.assembly_id, token=first.facilitator_token)


def test_joining_an_open_assembly_admits_at_once(db: Database) -> None:
    made = new(db)
    joined = service.join_assembly(db=db, join_code=made.join_code.lower(), name=" Chen ")
    assert joined.status == "admitted"
    assert load_state(db=db, assembly_id=made.assembly_id).admitted_count == 2


def test_joining_a_checked_in_assembly_waits_for_a_greeter(db: Database) -> None:
    made = new(db, admission="checked_in")
    joined = service.join_assembly(db=db, join_code=made.join_code, name="Chen")
    assert joined.status == "pending"
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert [p.name for p in state.pending] == ["Chen"]
    service.decide_admission(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=joined.participant_id, admit=True,
    )  # fmt: skip
    assert load_state(db=db, assembly_id=made.assembly_id).pending == ()


def test_a_greeter_can_admit_but_a_participant_cannot(db: Database) -> None:
    made = new(db, admission="checked_in")
    dev = service.join_assembly(db=db, join_code=made.join_code, name="Dev")
    service.decide_admission(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=dev.participant_id, admit=True,
    )  # fmt: skip
    service.grant_role(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=dev.participant_id, role="greeter",
    )  # fmt: skip
    chen = service.join_assembly(db=db, join_code=made.join_code, name="Chen")
    gus = service.join_assembly(db=db, join_code=made.join_code, name="Gus")
    service.decide_admission(
        db=db, assembly_id=made.assembly_id, actor_id=dev.participant_id,
        participant_id=chen.participant_id, admit=False,
    )  # fmt: skip
    with pytest.raises(Forbidden):
        service.decide_admission(
            db=db, assembly_id=made.assembly_id, actor_id=chen.participant_id,
            participant_id=gus.participant_id, admit=True,
        )  # fmt: skip
    with pytest.raises(Conflict):
        service.decide_admission(
            db=db, assembly_id=made.assembly_id, actor_id=dev.participant_id,
            participant_id=chen.participant_id, admit=True,
        )  # fmt: skip


def test_a_facilitator_hands_over_and_steps_back(db: Database) -> None:
    made = new(db)
    tomas = service.join_assembly(db=db, join_code=made.join_code, name="Tomás")
    service.grant_role(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=tomas.participant_id, role="facilitator",
    )  # fmt: skip
    service.revoke_role(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=made.participant_id, role="facilitator",
    )  # fmt: skip
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert [p.name for p in state.roles["facilitator"]] == ["Tomás"]
    with pytest.raises(Forbidden):  # Noor no longer facilitates
        service.set_headcount(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, count=5
        )
    with pytest.raises(Conflict) as info:
        service.revoke_role(
            db=db, assembly_id=made.assembly_id, actor_id=tomas.participant_id,
            participant_id=tomas.participant_id, role="facilitator",
        )  # fmt: skip
    assert info.value.code == "last_facilitator"


def test_several_people_may_hold_one_role_and_one_person_several(db: Database) -> None:
    made = new(db)
    keiko = service.join_assembly(db=db, join_code=made.join_code, name="Keiko")
    ruth = service.join_assembly(db=db, join_code=made.join_code, name="Ruth")
    for pid, role in [(keiko.participant_id, "stack_keeper"), (ruth.participant_id, "stack_keeper"),
                      (ruth.participant_id, "minute_taker")]:  # fmt: skip
        service.grant_role(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
            participant_id=pid, role=role,
        )  # fmt: skip
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert {p.name for p in state.roles["stack_keeper"]} == {"Keiko", "Ruth"}
    assert [p.name for p in state.roles["minute_taker"]] == ["Ruth"]
    with pytest.raises(Conflict):
        service.grant_role(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
            participant_id=ruth.participant_id, role="minute_taker",
        )  # fmt: skip


def test_a_closed_assembly_refuses_every_change(db: Database) -> None:
    made = new(db)
    agenda_service.close_assembly(db=db, assembly_id=made.assembly_id, actor_id=made.participant_id)
    with pytest.raises(Conflict) as info:
        service.set_headcount(
            db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, count=3
        )
    assert info.value.code == "assembly_closed"
    with pytest.raises(Conflict):
        service.join_assembly(db=db, join_code=made.join_code, name="Late Larry")


def test_every_change_appends_one_event_with_the_facts_for_the_minutes(db: Database) -> None:
    made = new(db)
    chen = service.join_assembly(db=db, join_code=made.join_code, name="Chen")
    service.grant_role(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id,
        participant_id=chen.participant_id, role="minute_taker",
    )  # fmt: skip
    service.set_headcount(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, count=140
    )
    item = agenda_service.add_agenda_item(
        db=db, assembly_id=made.assembly_id, actor_id=made.participant_id, title="Winter tents",
        kind="proposal", working_group="Comfort",
    )  # fmt: skip
    agenda_service.open_agenda_item(
        db=db,
        assembly_id=made.assembly_id,
        actor_id=made.participant_id,
        item_id=item.data["item_id"],
    )
    agenda_service.close_assembly(db=db, assembly_id=made.assembly_id, actor_id=made.participant_id)
    with db.read() as session:
        events = events_after(session, made.assembly_id)
    assert [e.type for e in events] == [
        "assembly_created", "participant_joined", "role_granted", "headcount_set",
        "agenda_item_added", "agenda_item_opened", "assembly_closed",
    ]  # fmt: skip
    assert '"name": "Chen"' in events[2].payload_json
    assert all(e.actor_id == made.participant_id for e in events if e.type != "participant_joined")


def test_announce_tells_listeners_the_seq_and_the_facts_after_commit(db: Database) -> None:
    heard: list[tuple[str, int, frozenset[str]]] = []
    db.listen(lambda a, s, r: heard.append((a, s, r)))
    made = new(db)
    joined = service.join_assembly(db=db, join_code=made.join_code, name="Chen")
    # A round counts "answers of phones joined", so a join changes who is eligible too.
    told = frozenset({facts.PEOPLE, facts.DOOR, facts.ELIGIBLE})
    assert heard == [(made.assembly_id, joined.seq, told)]
    with db.read() as session:
        assert session.exec(select(Participant).where(Participant.name == "Chen")).one()


def test_an_assembly_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command line reads "-x…" as an option (`miccheck export ID`): such ids are redrawn."""
    drawn = iter(["-zV3kq9fLmN2x", "_a1b2c3d4e5f6", "Qw3rTy-uIoP_a"])
    monkeypatch.setattr(service.secrets, "token_urlsafe", lambda _n: next(drawn))
    assert service.new_assembly_id() == "_a1b2c3d4e5f6"
