"""`miccheck demo` seeds the evening assembly of demo_assembly.json through the services."""

from __future__ import annotations

from app.assembly.state import load_state
from app.db import Database
from app.demo import load_demo, seed_demo
from app.events import export_events, verify_chain


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
