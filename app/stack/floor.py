"""What every change of the stack does alike, inside the caller's transaction: a hand taken off
the stack (the hands a keeper moved behind it keep their place) and a turn ended, with how the
room took it when the assembly keeps that (`TURN_SIGNALS`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app import clock
from app.assembly.models import Assembly
from app.events import append_event
from app.stack.models import Hand, Turn
from app.stack.queue import aware, clock_of, current_turn, queue_of, settings_of

# The key, in a write session's `info` (Database.memory), of how this process's memory of the
# room's hand signals took a turn: `(assembly_id, turn_id) -> "mostly agree" | … | None`.
TURN_SIGNALS = "turn_signals"


def take_off_stack(session: Session, assembly_id: str, hand: Hand, status: str) -> None:
    """Close a hand; hands a keeper moved behind it move up with the queue, keeping their place."""
    close_gap(session, assembly_id, hand)
    hand.status, hand.closed_at = status, clock.now()
    session.add(hand)


def close_gap(session: Session, assembly_id: str, hand: Hand) -> None:
    """Before an open hand leaves the queue: the hands a keeper moved behind it keep their place
    relative to the head (their position moves up by one). Reads the tables only, so a
    replay (app/stack/projection.py) runs it too."""
    queue = queue_of(session, assembly_id, settings_of(session, assembly_id))
    leaving = next((p.position for p in queue if p.entry.id == hand.id), None)
    if leaving is not None:
        for placed in queue:
            if placed.position > leaving and placed.entry.moved_to is not None:
                moved = session.get(Hand, placed.entry.id)
                if moved is not None and moved.moved_to is not None and moved.moved_to > 1:
                    moved.moved_to -= 1
                    session.add(moved)


def hand_payload(hand: Hand) -> dict[str, Any]:
    return {
        "entry_id": hand.id,
        "participant_id": hand.participant_id,
        "name": hand.name,
        "kind": hand.kind,
        "agenda_item_id": hand.agenda_item_id,
    }


def end_turn(session: Session, assembly_id: str, actor_id: int | None, at: datetime) -> Any:
    turn = current_turn(session, assembly_id)
    if turn is None:
        return None
    timer = clock_of(turn)
    turn.ended_at = at
    turn.seconds = round(timer.spoken(at))
    turn.paused_at = None
    session.add(turn)
    signals = _signals_line(session, assembly_id, turn)
    return append_event(
        session,
        assembly_id,
        actor_id,
        "turn_ended",
        {
            "turn_id": turn.id,
            "participant_id": turn.participant_id,
            "name": turn.name,
            "kind": turn.kind,
            "started_at": aware(turn.started_at).isoformat(),
            "ended_at": at.isoformat(),
            "seconds": turn.seconds,
            **({"signals": signals} if signals else {}),
        },
    )


def _signals_line(session: Session, assembly_id: str, turn: Turn) -> str | None:
    """How the room took the turn ("mostly agree"), when the assembly keeps that in its minutes
    and this process heard the room's signals; never who signalled, nor how many."""
    took = session.info.get(TURN_SIGNALS)
    if took is None or turn.id is None:
        return None
    assembly = session.get(Assembly, assembly_id)
    if assembly is None or not assembly.minutes_signals:
        return None
    line: str | None = took(assembly_id, turn.id)
    return line
