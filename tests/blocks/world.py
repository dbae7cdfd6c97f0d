"""An open assembly (the World) and the steps of a proposal's rounds, shared by the tests of
app/blocks/rounds.py, app/blocks/closing.py and the tests that build on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app import clock
from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.blocks import closing, rounds, service
from app.blocks.models import Proposal
from app.blocks.round_state import load_round
from app.blocks.state import load_proposal
from app.db import Database
from app.errors import DomainError
from app.events import events_after, export_events, verify_chain

TEXT = "Buy four winter tents for the camp, up to $600 from the general fund."
AMENDED = "Buy four winter tents for the camp, up to $600, set at least 3 m from the fire lane."
REASON = "The fund is promised to the legal team; this breaks that promise."
REVIEWED = "3/4"  # Boston's block review threshold


@dataclass
class World:
    """An open assembly: Noor facilitates, Marisol presents, the others take part."""

    db: Database
    aid: str
    join_code: str
    noor: int
    marisol: int
    emeka: int
    quentin: int
    chen: int
    dolores: int

    @property
    def everyone(self) -> list[int]:
        return [self.marisol, self.emeka, self.quentin, self.chen, self.dolores]


def world(db: Database, rule: dict[str, Any] | None = None) -> World:
    made = assembly_service.create_assembly(
        db=db, title="Riverside GA", facilitator_name="Noor", decision_rule=rule
    )
    ids = [
        assembly_service.join_assembly(db=db, join_code=made.join_code, name=n).participant_id
        for n in ("Marisol", "Emeka", "Quentin", "Chen", "Dolores")
    ]
    return World(db, made.assembly_id, made.join_code, made.participant_id, *ids)


def submit(w: World, stage: str = "presented") -> int:
    changed = service.submit_proposal(
        db=w.db, assembly_id=w.aid, actor_id=w.noor, title="Winter tents", text=TEXT,
        presenter_id=w.marisol, working_group="Comfort",
    )  # fmt: skip
    pid: int = changed.data["proposal_id"]
    if stage != "presented":
        move(w, pid, stage)
    return pid


def move(w: World, pid: int, stage: str, **kw: Any) -> service.Changed:
    return service.move_stage(db=w.db, proposal_id=pid, actor_id=w.noor, stage=stage, **kw)


def force_stage(db: Database, pid: int, stage: str) -> None:
    with db.write() as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None
        proposal.stage = stage
        session.add(proposal)


def open_(w: World, pid: int, kind: str, **kw: Any) -> int:
    changed = rounds.open_round(db=w.db, proposal_id=pid, actor_id=w.noor, kind=kind, **kw)
    rid: int = changed.data["round_id"]
    return rid


def answer(w: World, rid: int, who: int, value: str, reason: str | None = None) -> Any:
    return rounds.respond(db=w.db, round_id=rid, actor_id=who, value=value, reason=reason)


def close(w: World, rid: int) -> service.Changed:
    return closing.close_round(db=w.db, round_id=rid, actor_id=w.noor)


def analog(w: World, rid: int, counts: dict[str, Any], blocks: Any = None) -> service.Changed:
    return rounds.record_analog(
        db=w.db, round_id=rid, actor_id=w.noor, counts=counts, blocks=blocks
    )


def shown(w: World, rid: int, who: int | None = None) -> dict[str, Any]:
    return load_round(db=w.db, round_id=rid, participant_id=who)


def stage_of(w: World, pid: int) -> tuple[str, str | None]:
    proposal = load_proposal(db=w.db, proposal_id=pid)
    return proposal["stage"], proposal["outcome"]


def blocked_call(w: World, pid: int, **kw: Any) -> int:
    """A call in which Emeka blocks and the rest agree; the proposal goes to block_discussion."""
    rid = open_(w, pid, "consensus", **kw)
    answer(w, rid, w.emeka, "block", REASON)
    for who in (w.marisol, w.quentin, w.chen, w.dolores):
        answer(w, rid, who, "agree")
    assert close(w, rid).data["outcome"] == "blocked"
    return rid


def head(db: Database, assembly_id: str) -> int:
    with db.read() as session:
        events = events_after(session, assembly_id)
    return events[-1].seq if events else 0


@dataclass(frozen=True)
class Logged:
    """One event as exported: seq, type, actor and payload."""

    seq: int
    type: str
    actor_id: int | None
    payload: dict[str, Any]


def events_since(db: Database, assembly_id: str, after: int) -> list[Logged]:
    with db.read() as session:
        records = export_events(session, assembly_id, after)["events"]
    return [Logged(r["seq"], r["type"], r["actor_id"], r["payload"]) for r in records]


def chain_verifies(db: Database, assembly_id: str) -> bool:
    with db.read() as session:
        export = export_events(session, assembly_id)
    return verify_chain(export["events"], export["head"]) is None


def response_rows(db: Database, rid: int) -> list[tuple[int | None, str, str | None]]:
    """round_response as stored: (participant_id, value, reason), read with plain SQL."""
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT participant_id, value, reason FROM round_response "
                "WHERE round_id = :rid ORDER BY id"
            ),
            {"rid": rid},
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def refused(exc_type: type[DomainError], code: str, fn: Any, *args: Any, **kw: Any) -> str:
    """Call fn, expect the refusal (exactly that class and code), return its message."""
    with pytest.raises(exc_type) as caught:
        fn(*args, **kw)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def later(seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


def open_item(w: World, pid: int) -> None:
    """Open the proposal's agenda item (the blockers' hands go on its stack)."""
    with w.db.read() as session:
        proposal = session.get(Proposal, pid)
    assert proposal is not None
    agenda_service.open_agenda_item(
        db=w.db, assembly_id=w.aid, actor_id=w.noor, item_id=proposal.agenda_item_id
    )
