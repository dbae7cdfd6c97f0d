"""A hand the stack keeper moved keeps its place as the queue moves on (docs/process.md,
"step up")."""

from __future__ import annotations

from app.assembly import service as assembly
from app.db import Database
from app.stack import service
from app.stack.state import load_stack


def test_a_moved_hand_keeps_its_place_among_the_hands_ahead_of_it(db: Database) -> None:
    made = assembly.create_assembly(db=db, title="GA", facilitator_name="Keiko")
    aid, keeper = made.assembly_id, made.participant_id
    service.update_settings(db=db, assembly_id=aid, actor_id=keeper, mode="fifo")
    entries = [
        service.add_named_hand(db=db, assembly_id=aid, actor_id=keeper, kind="speak", name=n).data[
            "entry_id"
        ]
        for n in ("Ana", "Bo", "Cy", "Di", "Ed")
    ]
    service.move_hand(db=db, assembly_id=aid, actor_id=keeper, entry_id=entries[4], position=2)
    names = [p.entry.name for p in load_stack(db=db, assembly_id=aid).queue]
    assert names == ["Ana", "Ed", "Bo", "Cy", "Di"]
    service.call_next_speaker(db=db, assembly_id=aid, actor_id=keeper)
    stack = load_stack(db=db, assembly_id=aid)
    assert [p.entry.name for p in stack.queue] == ["Ed", "Bo", "Cy", "Di"]
    assert stack.queue[0].reason == "moved up by Keiko"
    service.lower_hand(db=db, assembly_id=aid, actor_id=keeper, entry_id=entries[1])
    service.call_next_speaker(db=db, assembly_id=aid, actor_id=keeper)
    assert load_stack(db=db, assembly_id=aid).current.name == "Ed"  # type: ignore[union-attr]
