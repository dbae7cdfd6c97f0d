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
