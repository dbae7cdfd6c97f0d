"""Groups through the service layer: creation, working groups kept by the admins, and the
numbering of a group's assemblies — gap-free and unique under concurrent creation, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.assembly import logic as assembly_logic
from app.assembly import service as assembly_service
from app.assembly.auth import hash_secret
from app.assembly.models import Assembly, AssemblyGroup
from app.assembly.state import load_state
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from app.events import events_after
from app.groups import service
from tests.archive.builders import Group, make_group

RULE = {"kind": "modified_consensus", "threshold": "4/5", "stand_aside_limit": "1/3"}


def new_assembly(db: Database, group: Group | None, **kw: object) -> assembly_service.Created:
    return assembly_service.create_assembly(
        db=db,
        title="Riverside Commons GA",
        joining=service.joining(group.slug, group.token) if group else None,
        **kw,  # type: ignore[arg-type]
    )


def test_a_new_group_gets_an_admin_token_kept_only_as_its_hash(db: Database) -> None:
    made = service.create_group(
        db=db, name=" Riverside  Commons ", slug="riverside", time_zone="America/New_York",
        decision_rule=RULE, working_groups=["Kitchen", "Comfort"],
    )  # fmt: skip
    assert made.group.name == "Riverside Commons"
    assert made.group.working_groups == (("Kitchen", "kitchen"), ("Comfort", "comfort"))
    assert made.group.decision_rule is not None and made.group.decision_rule["threshold"] == "4/5"
    with db.read() as session:
        row = session.exec(select(AssemblyGroup)).one()
    assert row.admin_token_hash == hash_secret(made.admin_token) != made.admin_token
    assert service.load_group(db=db, slug="riverside") == made.group


def test_a_slug_already_taken_is_refused_with_409(db: Database) -> None:
    make_group(db, "riverside")
    with pytest.raises(Conflict) as refused:
        make_group(db, "riverside")
    assert refused.value.code == "slug_taken"


def test_two_groups_racing_for_one_slug_leave_one_group(any_db: Database) -> None:
    def attempt(_: int) -> str:
        try:
            make_group(any_db, "riverside")
        except Conflict:
            return "taken"
        return "made"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("made") == 1 and results.count("taken") == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("time_zone", ""), ("decision_rule", {"threshold": "3/2"}),
     ("name", " "), ("slug", "Riverside Commons")],
)  # fmt: skip
def test_a_group_with_a_bad_field_is_refused_with_422(
    db: Database, field: str, value: object
) -> None:
    fields: dict[str, object] = {"name": "Riverside", "slug": "riverside", "time_zone": "UTC"}
    fields[field] = value
    with pytest.raises(Invalid):
        service.create_group(db=db, **fields)  # type: ignore[arg-type]


def test_the_admins_replace_the_working_groups_in_their_order(db: Database) -> None:
    group = make_group(db)
    view = service.set_working_groups(
        db=db, slug=group.slug, token=group.token, names=["Legal", "Comfort", "Media"]
    )
    assert [name for name, _key in view.working_groups] == ["Legal", "Comfort", "Media"]
    assert service.load_group(db=db, slug=group.slug).working_groups == view.working_groups


@pytest.mark.parametrize(
    ("token", "error"), [(None, Unauthorized), ("", Unauthorized), ("not-the-token", Forbidden)]
)
def test_only_the_admin_token_changes_the_working_groups(
    db: Database, token: str | None, error: type[Exception]
) -> None:
    group = make_group(db)
    before = service.load_group(db=db, slug=group.slug)
    with pytest.raises(error):
        service.set_working_groups(db=db, slug=group.slug, token=token, names=["Legal"])
    assert service.load_group(db=db, slug=group.slug) == before


def test_working_groups_of_an_unknown_group_are_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        service.set_working_groups(db=db, slug="nowhere", token="x", names=[])


def test_assemblies_of_a_group_are_numbered_one_two_three(db: Database) -> None:
    group = make_group(db)
    numbers = [new_assembly(db, group).group for _ in range(3)]
    assert [g["number"] if g else None for g in numbers] == [1, 2, 3]
    assert service.load_group(db=db, slug=group.slug).assemblies == 3


def test_numbers_have_no_gap_and_no_duplicate_under_concurrent_creation(
    any_db: Database,
) -> None:
    group, other = make_group(any_db), make_group(any_db, "harbour")
    with ThreadPoolExecutor(12) as pool:
        made = list(pool.map(lambda i: new_assembly(any_db, group if i % 4 else other), range(24)))
    with any_db.read() as session:
        rows = session.exec(select(Assembly.group_id, Assembly.number)).all()
    by_group: dict[int | None, list[int | None]] = {}
    for group_id, number in rows:
        by_group.setdefault(group_id, []).append(number)
    assert sorted(len(n) for n in by_group.values()) == [6, 18]
    for numbers in by_group.values():
        assert sorted(n or 0 for n in numbers) == list(range(1, len(numbers) + 1))
    assert {m.group["number"] for m in made if m.group and m.group["slug"] == "harbour"} == set(
        range(1, 7)
    )


def test_a_refused_creation_takes_no_number(db: Database) -> None:
    group = make_group(db)
    with pytest.raises(Forbidden):
        new_assembly(db, Group(group.slug, "wrong token"))
    with pytest.raises(Unauthorized):
        new_assembly(db, Group(group.slug, ""))
    with pytest.raises(NotFound):
        new_assembly(db, Group("nowhere", group.token))
    assert (new_assembly(db, group).group or {})["number"] == 1


def test_a_creation_retried_after_a_join_code_collision_keeps_the_numbers_gap_free(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = make_group(db)
    first = new_assembly(db, group)
    codes = iter([first.join_code, "K7P2QX"])  # the first draw collides: rolled back, retried
    monkeypatch.setattr(assembly_logic, "new_join_code", lambda: next(codes))
    second = new_assembly(db, group)
    assert second.join_code == "K7P2QX" and (second.group or {})["number"] == 2


def test_a_group_token_without_a_group_is_refused(db: Database) -> None:
    with pytest.raises(Invalid):
        service.joining(None, "something")


def test_an_assembly_takes_its_groups_time_zone_and_rule_unless_given(db: Database) -> None:
    group = make_group(db, decision_rule=RULE)
    inherited = load_state(db=db, assembly_id=new_assembly(db, group).assembly_id)
    assert inherited.time_zone == "America/New_York"
    assert inherited.rule.as_json()["threshold"] == "4/5"
    own = load_state(
        db=db,
        assembly_id=new_assembly(
            db, group, time_zone="Europe/London", decision_rule={"kind": "consensus"}
        ).assembly_id,
    )
    assert own.time_zone == "Europe/London" and own.rule.kind == "consensus"
    assert own.rule.as_json()["threshold"] == "9/10"  # a given rule is taken whole


def test_an_assembly_without_a_group_stands_alone_as_before(db: Database) -> None:
    made = new_assembly(db, None)
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert made.group is None and state.group is None and state.time_zone == "UTC"
    with db.read() as session:
        created = events_after(session, made.assembly_id)[0]
    assert "group" not in json.loads(created.payload_json)


def test_the_first_event_and_the_state_agree_on_the_group_and_number(any_db: Database) -> None:
    group = make_group(any_db, decision_rule=RULE)
    new_assembly(any_db, group)
    made = new_assembly(any_db, group)
    with any_db.read() as session:
        created = events_after(session, made.assembly_id)[0]
    payload = json.loads(created.payload_json)
    state = load_state(db=any_db, assembly_id=made.assembly_id)
    expected = {"slug": "riverside-commons", "name": "Riverside Commons General Assembly"}
    assert payload["group"] == state.group == {**expected, "number": 2}
    assert payload["time_zone"] == state.time_zone == "America/New_York"
    assert payload["decision_rule"] == state.rule.as_json()


def test_the_number_is_unique_within_a_group_by_constraint(any_db: Database) -> None:
    group = make_group(any_db)
    new_assembly(any_db, group)
    second = new_assembly(any_db, group)
    with pytest.raises(IntegrityError), any_db.write() as session:
        row = session.get(Assembly, second.assembly_id)
        assert row is not None
        row.number = 1
        session.add(row)
        session.flush()


def test_a_reissued_admin_token_replaces_the_old_one_and_keeps_the_group(db: Database) -> None:
    group = make_group(db)
    new_assembly(db, group)
    token = service.reissue_admin_token(db=db, slug=group.slug)
    assert token != group.token
    with pytest.raises(Forbidden):
        new_assembly(db, group)
    renewed = Group(group.slug, token)
    assert new_assembly(db, renewed).group == {
        "slug": group.slug, "name": "Riverside Commons General Assembly", "number": 2,
    }  # fmt: skip
    assert len(service.load_group(db=db, slug=group.slug).working_groups) == 4


def test_no_token_is_reissued_for_an_unknown_group(db: Database) -> None:
    with pytest.raises(NotFound):
        service.reissue_admin_token(db=db, slug="nobody")
