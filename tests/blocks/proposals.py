"""The helpers the proposal and amendment service tests share: an assembly with a presenter,
participants and a working group (`world`), and short calls to submit, amend and decide (moving
and forcing a stage are tests/blocks/world.py's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.assembly import service as assembly_service
from app.blocks import amendments, service
from app.db import Database
from app.errors import DomainError
from app.events import events_after, export_events
from tests.blocks.tents import TEXT


@dataclass
class World:
    """An open assembly: Noor facilitates, Marisol presents, Emeka and Quentin take part."""

    db: Database
    aid: str
    join_code: str
    noor: int
    marisol: int
    emeka: int
    quentin: int


def world(db: Database) -> World:
    made = assembly_service.create_assembly(db=db, title="Riverside GA", facilitator_name="Noor")
    ids = [
        assembly_service.join_assembly(db=db, join_code=made.join_code, name=n).participant_id
        for n in ("Marisol", "Emeka", "Quentin")
    ]
    return World(db, made.assembly_id, made.join_code, made.participant_id, *ids)


def submit(w: World, **kw: Any) -> int:
    body: dict[str, Any] = {
        "title": "Winter tents", "text": TEXT, "presenter_id": w.marisol,
        "working_group": "Comfort", **kw,
    }  # fmt: skip
    changed = service.submit_proposal(db=w.db, assembly_id=w.aid, actor_id=w.noor, **body)
    pid: int = changed.data["proposal_id"]
    return pid


def amend(w: World, pid: int, by: int, text: str, rationale: str | None = None) -> int:
    changed = amendments.propose_amendment(
        db=w.db, proposal_id=pid, actor_id=by, text=text, rationale=rationale
    )
    aid: int = changed.data["amendment_id"]
    return aid


def decide(w: World, aid: int, by: int, accept: bool = True) -> service.Changed:
    return amendments.decide_amendment(db=w.db, amendment_id=aid, actor_id=by, accept=accept)


def head(db: Database, assembly_id: str) -> int:
    with db.read() as session:
        events = events_after(session, assembly_id)
    return events[-1].seq if events else 0


def event_types(db: Database, assembly_id: str, after: int = 0) -> list[str]:
    with db.read() as session:
        return [e.type for e in events_after(session, assembly_id, after)]


def refused(exc_type: type[DomainError], code: str, fn: Any, *args: Any, **kw: Any) -> str:
    """Call fn, expect the refusal, return its message."""
    with pytest.raises(exc_type) as caught:
        fn(*args, **kw)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def export_events_of(db: Database, assembly_id: str) -> dict[str, Any]:
    with db.read() as session:
        return export_events(session, assembly_id)
