"""Reading the stack as the screens and the API show it: current speaker, queue, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app import clock
from app.db import Database
from app.events import head_of
from app.stack import logic
from app.stack.models import Hand, Turn
from app.stack.queue import aware, clock_of, current_turn, queue_of, settings_of


@dataclass(frozen=True)
class Current:
    turn_id: int
    entry_id: int | None
    participant_id: int | None
    name: str
    kind: str
    clock: logic.Clock
    note: str | None = None  # "block": a blocker speaking to their block

    def as_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "participant_id": self.participant_id,
            "name": self.name,
            "kind": self.kind,
            "started_at": self.clock.started_at.isoformat(),
            "speaking_until": self.clock.speaking_until.isoformat(),
            "paused_at": self.clock.paused_at.isoformat() if self.clock.paused_at else None,
        }


@dataclass(frozen=True)
class SpeakerStats:
    name: str
    participant_id: int | None
    turns: int
    seconds: int


@dataclass(frozen=True)
class StackState:
    current: Current | None
    queue: tuple[logic.Placed, ...]
    settings: logic.Settings
    stats: tuple[SpeakerStats, ...]
    read_at: datetime
    seq: int

    @property
    def point_of_process_raised(self) -> bool:
        return any(p.entry.kind == "point_of_process" for p in self.queue)

    def remaining(self) -> int | None:
        return None if self.current is None else round(self.current.clock.remaining(self.read_at))

    def as_json(self) -> dict[str, Any]:
        """The API form of GET /api/assemblies/{id}/stack."""
        s = self.settings
        return {
            "current": self.current.as_json() if self.current else None,
            "queue": [
                {
                    "entry_id": p.entry.id,
                    "participant_id": p.entry.participant_id,
                    "name": p.entry.name,
                    "kind": p.entry.kind,
                    "position": p.position,
                    "reason": p.reason,
                }
                for p in self.queue
            ],
            "settings": {
                "mode": s.mode,
                "speaking_seconds": s.speaking_seconds,
                "report_seconds": s.report_seconds,
                "direct_responses": s.direct_responses,
                "open": s.open,
            },
            "seq": self.seq,
        }


def load_stack(*, db: Database, assembly_id: str) -> StackState:
    """The stack of an assembly now (an assembly that does not exist has an empty one)."""
    moment = clock.now()
    with db.read() as session:
        seq = head_of(session, assembly_id)
        settings = settings_of(session, assembly_id)
        queue = queue_of(session, assembly_id, settings)
        turn = current_turn(session, assembly_id)
        hand = session.get(Hand, turn.hand_id) if turn and turn.hand_id else None
        turns = session.exec(
            select(Turn).where(Turn.assembly_id == assembly_id).order_by(col(Turn.id))
        ).all()
    totals: dict[str, list[Any]] = {}
    for t in turns:
        # A turn counts from the moment it is called (docs/process.md); its seconds are added
        # when it ends, so the table changes with events, not with the clock.
        spoken = t.seconds or 0
        row = totals.setdefault(t.speaker_key, [t.name, t.participant_id, 0, 0])
        row[2] += 1
        row[3] += spoken
    stats = sorted(
        (
            SpeakerStats(name=r[0], participant_id=r[1], turns=r[2], seconds=r[3])
            for r in totals.values()
        ),
        key=lambda s: (-s.seconds, s.name),
    )
    current = None
    if turn is not None:
        current = Current(
            turn_id=turn.id or 0,
            entry_id=turn.hand_id,
            participant_id=turn.participant_id,
            name=turn.name,
            kind=turn.kind,
            clock=clock_of(turn),
            note=hand.note if hand else None,
        )
    return StackState(
        current=current,
        queue=tuple(queue),
        settings=settings,
        stats=tuple(stats),
        read_at=aware(moment),
        seq=seq,
    )


def my_open_hands(*, db: Database, assembly_id: str, participant_id: int) -> tuple[str, ...]:
    """The kinds of the hands a person has up: the reply to their own raise or lower."""
    with db.read() as session:
        kinds = session.exec(
            select(Hand.kind).where(
                Hand.assembly_id == assembly_id,
                Hand.participant_id == participant_id,
                Hand.status == "open",
            )
        ).all()
    return tuple(sorted(kinds))
