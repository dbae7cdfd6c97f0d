"""A room for the minutes' service tests: Noor facilitates, Ruth takes the minutes, Abebe
takes part, and two report items wait (test_service.py, test_settings.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.db import Database


@dataclass
class Room:
    db: Database
    aid: str
    noor: int  # facilitator
    ruth: int  # minute taker
    abebe: int  # participant
    kitchen: int
    legal: int


def room(db: Database) -> Room:
    made = assembly_service.create_assembly(db=db, title="Riverside GA", facilitator_name="Noor")
    aid, noor = made.assembly_id, made.participant_id
    ruth, abebe = (
        assembly_service.join_assembly(db=db, join_code=made.join_code, name=n).participant_id
        for n in ("Ruth", "Abebe")
    )
    assembly_service.grant_role(
        db=db, assembly_id=aid, actor_id=noor, participant_id=ruth, role="minute_taker"
    )
    kitchen, legal = (
        agenda_service.add_agenda_item(
            db=db, assembly_id=aid, actor_id=noor, title=title, kind="report"
        ).data["item_id"]
        for title in ("Kitchen report", "Legal report")
    )
    return Room(db, aid, noor, ruth, abebe, kitchen, legal)
