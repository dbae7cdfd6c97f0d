"""`miccheck demo` seeds the evening assembly of demo_assembly.json through the services, as
the next assembly of the file's group."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app.assembly.logic import parse_decision_rule
from app.assembly.state import load_state
from app.config import get_settings
from app.db import Database
from app.demo import load_demo, seed_demo
from app.errors import Forbidden
from app.events import export_events, verify_chain
from app.groups.service import load_group, set_working_groups
from tests.archive.builders import make_group


def test_demo_seeds_people_roles_headcount_and_agenda(db: Database) -> None:
    demo = load_demo()
    made = seed_demo(db=db)
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert state.title == "Riverside Commons GA"
    assert state.headcount == 140
    assert state.admitted_count == 5 + len(demo["participants"])
    assert {p.name for p in state.roles["facilitator"]} == {"Noor", "Tomás"}
    assert [p.name for p in state.roles["greeter"]] == ["Dev"]
    assert [i.title for i in state.agenda] == [i["title"] for i in demo["agenda"]]
    assert state.open_item is not None and state.open_item.title == "Kitchen report-back"
    with db.read() as session:
        export = export_events(session, made.assembly_id)
    assert verify_chain(export["events"], export["head"]) is None


def test_the_demo_proposals_reach_the_outcomes_the_demo_file_expects(db: Database) -> None:
    from sqlmodel import col, select

    from app.blocks.models import Proposal, Round

    demo = load_demo()
    made = seed_demo(db=db, proposals=True)
    expected = {i["title"]: i["proposal"] for i in demo["agenda"] if "proposal" in i}
    with db.read() as session:
        proposals = session.exec(
            select(Proposal).where(Proposal.assembly_id == made.assembly_id)
        ).all()
        calls = {
            p.title: session.exec(
                select(Round)
                .where(Round.proposal_id == p.id, Round.kind == "consensus")
                .order_by(col(Round.number))
            ).all()
            for p in proposals
        }
        export = export_events(session, made.assembly_id)
    by_title = {p.title: p for p in proposals}
    tents = by_title["Winter tents"]
    assert [c.outcome for c in calls["Winter tents"]] == [
        expected["Winter tents"]["expected"]["first_call"],
        expected["Winter tents"]["expected"]["fallback_vote"],
    ]
    assert tents.stage == "decided" and tents.outcome == "passed_by_supermajority"
    assert tents.version == 2  # Emeka's amendment accepted, Quentin's rejected
    assert calls["Winter tents"][1].explanation == (
        "24 agree, 3 stand aside, 1 block: 24/25 = 96% ≥ 90%; stand-asides 3/28 = 11% < 33%"
        " → passed by supermajority"
    )
    drums = by_title["Drumming hours"]
    assert [c.outcome for c in calls["Drumming hours"]] == ["not_enough_support"]
    assert (drums.outcome, drums.tabled_to) == ("tabled", "Drummers Circle")
    assert verify_chain(export["events"], export["head"]) is None


def test_the_demo_assembly_is_numbered_in_the_files_group_and_takes_its_zone_and_rule(
    db: Database,
) -> None:
    spec = load_demo()["group"]
    made = seed_demo(db=db)
    assert made.group is not None and made.group.created and made.number == 1
    group = load_group(db=db, slug="riverside-commons")
    assert (group.name, group.time_zone) == (spec["name"], "America/New_York")
    assert [name for name, _key in group.working_groups] == spec["working_groups"]
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert state.group == {"slug": "riverside-commons", "name": spec["name"], "number": 1}
    assert state.time_zone == "America/New_York"
    assert (
        state.rule.as_json()
        == parse_decision_rule(load_demo()["assembly"]["decision_rule"]).as_json()
    )


def test_seeding_the_demo_again_reuses_its_group_with_a_new_admin_token(db: Database) -> None:
    first = seed_demo(db=db)
    second = seed_demo(db=db)
    assert first.group is not None and second.group is not None
    assert not second.group.created and second.number == 2
    with pytest.raises(Forbidden):  # the first run's token was replaced
        set_working_groups(db=db, slug="riverside-commons", token=first.group.admin_token,
                           names=["Kitchen"])  # fmt: skip
    kept = set_working_groups(
        db=db, slug="riverside-commons", token=second.group.admin_token, names=["Kitchen"]
    )
    assert kept.assemblies == 2


def test_in_a_group_made_elsewhere_with_another_rule_the_demo_keeps_its_own_rule(
    db: Database,
) -> None:
    from sqlmodel import select

    from app.blocks.models import Proposal

    make_group(db)  # riverside-commons, with the default rule
    made = seed_demo(db=db, proposals=True)
    assert made.group is not None and not made.group.created and made.number == 1
    rule = load_state(db=db, assembly_id=made.assembly_id).rule
    assert rule.as_json() == parse_decision_rule(load_demo()["assembly"]["decision_rule"]).as_json()
    with db.read() as session:
        outcomes = {p.title: p.outcome for p in session.exec(select(Proposal))}
    assert outcomes == {"Winter tents": "passed_by_supermajority", "Drumming hours": "tabled"}


def test_the_demo_can_still_stand_alone(db: Database) -> None:
    made = seed_demo(db=db, in_group=False)
    assert made.group is None and made.number is None
    state = load_state(db=db, assembly_id=made.assembly_id)
    assert state.group is None and state.time_zone == "America/New_York"


@pytest.fixture
def demo_cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """`miccheck demo` on the temp SQLite database."""
    monkeypatch.setenv("MICCHECK_DATABASE_URL", db.url)
    monkeypatch.setenv("MICCHECK_PUBLIC_URL", "http://192.168.1.20:8000")
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def run_demo() -> list[str]:
    from app.cli import cli

    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_miccheck_demo_prints_the_groups_archive_and_its_admin_token_once(
    demo_cli: Database,
) -> None:
    lines = run_demo()
    links = dict(line.split() for line in lines if line.startswith("  ") and len(line.split()) == 2)
    assert links["archive"] == "http://192.168.1.20:8000/archive/riverside-commons"
    assert set(links) >= {"console", "projector", "phone", "archive"}
    assert "no. 1 of Riverside Commons General Assembly" in lines[0]
    token = lines[-1].strip()
    assert "shown this once" in lines[-2] and len(token) >= 40
    assert sum(token in line for line in lines) == 1
    set_working_groups(db=demo_cli, slug="riverside-commons", token=token, names=["Kitchen"])


def test_miccheck_demo_run_twice_numbers_the_second_evening_two(demo_cli: Database) -> None:
    first = run_demo()
    second = run_demo()
    assert "no. 2 of" in second[0] and "already there" in second[-2]
    assert first[-1] != second[-1]
