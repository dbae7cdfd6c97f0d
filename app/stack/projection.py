"""The stack tables rebuilt from the events stack appends (docs/architecture.md, "The log is the
truth"): one function per event type, applying what the event says.

Other concepts change the stack only through the stack's own functions (app/stack/handover.py),
which append these same event types (`hand_raised`/`hand_moved` noted "block" for a blocker,
`hand_carried`, `hand_lowered` with a `because`, `turn_ended`): replaying them here rebuilds
those changes too, and no other concept's projection touches the stack tables.

Timestamps: a row stamped with `clock.now()` inside the service's transaction carries the
event's own `at` (app/clock.py); the rest are read from the payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from app.events.projection import Projection, Replayed, earlier
from app.stack import logic
from app.stack.floor import close_gap
from app.stack.handover import ITEM_CHANGED, PROPOSAL_DECIDED
from app.stack.models import Hand, StackSettings, Turn
from app.stack.queue import aware, open_item_of

BLOCK = "block"


def _hand(session: Session, event: Replayed) -> Hand:
    return earlier(session, event, Hand, int(event.payload["entry_id"]))


def _turn(session: Session, event: Replayed) -> Turn:
    return earlier(session, event, Turn, int(event.payload["turn_id"]))


def _next_moved_order(session: Session, assembly_id: str) -> int:
    """As the services number a keeper's moves: one past the assembly's last."""
    last = session.exec(
        select(func.max(Hand.moved_order)).where(Hand.assembly_id == assembly_id)
    ).one()
    return (last or 0) + 1


def _moment(event: Replayed, key: str) -> datetime:
    moment = event.moment(key)
    assert moment is not None, f"event {event.seq}: no {key}"
    return moment


def hand_raised(session: Session, event: Replayed) -> None:
    """A hand goes up, raised by its owner, added by a keeper (`added_by`), or given to a
    blocker after a blocked call (noted "block", at a `position`, added by the event's actor)."""
    p: dict[str, Any] = event.payload
    block = p.get("note") == BLOCK
    participant_id, name = p.get("participant_id"), str(p["name"])
    hand = Hand(
        id=int(p["entry_id"]),
        assembly_id=event.assembly_id,
        agenda_item_id=p.get("agenda_item_id"),
        participant_id=participant_id,
        name=name,
        speaker_key=logic.speaker_key(participant_id, name),
        kind=str(p["kind"]),
        raised_at=event.at,
        added_by_id=event.actor_id if block else p.get("added_by"),
    )
    if block:
        hand.note, hand.moved_by_name = BLOCK, None
        hand.moved_to = int(p["position"])
        hand.moved_order = _next_moved_order(session, event.assembly_id)
    session.add(hand)
    session.flush()


def hand_moved(session: Session, event: Replayed) -> None:
    """A keeper put a hand at a position (`from` → `to`, `by` whom); or a blocker's hand already
    up was put at the head after a blocked call (noted "block": nobody's move, direction kept)."""
    p = event.payload
    hand = _hand(session, event)
    order = _next_moved_order(session, event.assembly_id)
    if p.get("note") == BLOCK:
        hand.note, hand.moved_to, hand.moved_by_name = BLOCK, int(p["position"]), None
    else:
        hand.moved_to, hand.moved_by_name = int(p["to"]), p.get("by")
        hand.moved_up = int(p["to"]) <= int(p["from"])
    hand.moved_order = order
    session.add(hand)
    session.flush()


def hand_carried(session: Session, event: Replayed) -> None:
    """Another item opened and the hand still up went with it."""
    hand = _hand(session, event)
    hand.agenda_item_id = event.payload.get("agenda_item_id")
    session.add(hand)
    session.flush()


def hand_lowered(session: Session, event: Replayed) -> None:
    """A hand lowered by its owner or a keeper, or taken with its owner muted or removed: the
    hands a keeper moved behind it move up, as live (app/stack/floor.py take_off_stack). Hands
    lowered all together (the item changed, the proposal decided) leave the others be."""
    hand = _hand(session, event)
    if event.payload.get("because") not in (ITEM_CHANGED, PROPOSAL_DECIDED):
        close_gap(session, event.assembly_id, hand)
    hand.status, hand.closed_at = "lowered", event.at
    session.add(hand)
    session.flush()


def speaker_called(session: Session, event: Replayed) -> None:
    """The head of the queue gets the floor: the hand is called, the turn starts with its
    deadline (the turn before ended in its own `turn_ended`, just before)."""
    p = event.payload
    hand = _hand(session, event)
    close_gap(session, event.assembly_id, hand)
    hand.status, hand.closed_at = "called", event.at
    session.add(hand)
    item = open_item_of(session, event.assembly_id)
    session.add(
        Turn(
            id=int(p["turn_id"]),
            assembly_id=event.assembly_id,
            agenda_item_id=item.id if item else None,
            hand_id=hand.id,
            participant_id=hand.participant_id,
            name=hand.name,
            speaker_key=hand.speaker_key,
            kind=hand.kind,
            started_at=event.moment("started_at") or event.at,
            speaking_until=_moment(event, "speaking_until"),
        )
    )
    session.flush()


def turn_ended(session: Session, event: Replayed) -> None:
    """The turn ends, with the seconds spoken; a pause in course ends with it."""
    turn = _turn(session, event)
    turn.ended_at = event.moment("ended_at") or event.at
    turn.seconds = event.payload.get("seconds")
    turn.paused_at = None
    session.add(turn)
    session.flush()


def turn_paused(session: Session, event: Replayed) -> None:
    """The timer stops at the event's moment. (Logs written before the timer read the
    transaction's moment paused a hair earlier than their `at`: `at` is the nearest value.)"""
    turn = _turn(session, event)
    turn.paused_at = event.at
    turn.speaking_until = _moment(event, "speaking_until")
    session.add(turn)
    session.flush()


def turn_resumed(session: Session, event: Replayed) -> None:
    """The timer runs again: the deadline moved by exactly the time held, which is added to
    the paused seconds (read from the deadlines, so old logs replay exactly too)."""
    turn = _turn(session, event)
    until = _moment(event, "speaking_until")
    held = until - aware(turn.speaking_until)
    turn.paused_seconds = turn.paused_seconds + held.total_seconds()
    turn.speaking_until, turn.paused_at = until, None
    session.add(turn)
    session.flush()


def turn_extended(session: Session, event: Replayed) -> None:
    """Time added: the new deadline."""
    turn = _turn(session, event)
    turn.speaking_until = _moment(event, "speaking_until")
    session.add(turn)
    session.flush()


SETTINGS = ("mode", "speaking_seconds", "report_seconds", "direct_responses", "open")


def stack_settings_changed(session: Session, event: Replayed) -> None:
    """What the keeper changed, and only that; the first change makes the row."""
    row = session.get(StackSettings, event.assembly_id) or StackSettings(
        assembly_id=event.assembly_id
    )
    for key in SETTINGS:
        if key in event.payload:
            setattr(row, key, event.payload[key])
    session.add(row)
    session.flush()


PROJECTIONS: dict[str, Projection] = {
    "hand_raised": hand_raised,
    "hand_moved": hand_moved,
    "hand_carried": hand_carried,
    "hand_lowered": hand_lowered,
    "speaker_called": speaker_called,
    "turn_ended": turn_ended,
    "turn_paused": turn_paused,
    "turn_resumed": turn_resumed,
    "turn_extended": turn_extended,
    "stack_settings_changed": stack_settings_changed,
}
