"""What other changes do to the stack inside their own transaction: an item opened or closed
(the hands carried over or cleared), a blocked call (the blockers given the floor, then their
hands lowered with the decision), a person removed or muted (their hands and floor taken)."""

from __future__ import annotations

from sqlmodel import Session, func, select

from app import clock
from app.events import append_event
from app.stack import logic
from app.stack.floor import end_turn, hand_payload, take_off_stack
from app.stack.models import Hand
from app.stack.queue import current_turn, open_hands, open_item_of, queue_of, settings_of

# Why a hand was lowered with others, all at once, where nobody's place moves up (the payload's
# `because`): a replay closes no gap for these (app/stack/projection.py).
ITEM_CHANGED = "agenda item changed"
PROPOSAL_DECIDED = "proposal decided"


def clear_stack_for_new_item(session: Session, assembly_id: str, actor_id: int) -> int:
    """Closing an item (or the assembly): the turn ends, open hands are lowered (recorded).

    Runs inside the caller's transaction; appends one event per change; returns how many hands.
    """
    return hand_over_stack(session, assembly_id, actor_id, hands="clear", to_item_id=None)


def hand_over_stack(
    session: Session,
    assembly_id: str,
    actor_id: int,
    *,
    hands: str | None,
    to_item_id: int | None,
) -> int:
    """Another item is opened: the turn ends; hands still up are carried over to it, in their
    order and with their kinds, or lowered, as the facilitator said (409 when nobody said).

    Runs inside the caller's transaction; appends one event per change (`hand_carried` or
    `hand_lowered` for each hand); returns how many hands were carried or lowered.
    """
    settings = settings_of(session, assembly_id)
    queue = queue_of(session, assembly_id, settings)
    logic.check_hands_choice(len(queue), hands)
    moment = clock.now()
    end_turn(session, assembly_id, actor_id, moment)
    for placed in queue:
        hand = session.get(Hand, placed.entry.id)
        assert hand is not None
        if hands == "carry" and to_item_id is not None:
            from_item_id, hand.agenda_item_id = hand.agenda_item_id, to_item_id
            session.add(hand)
            payload = {
                **hand_payload(hand),
                "from_item_id": from_item_id,
                "position": placed.position,
            }
            append_event(session, assembly_id, actor_id, "hand_carried", payload)
        else:
            hand.status, hand.closed_at = "lowered", moment
            session.add(hand)
            payload = {**hand_payload(hand), "by_owner": False, "because": ITEM_CHANGED}
            append_event(session, assembly_id, actor_id, "hand_lowered", payload)
    return len(queue)


def give_blockers_the_floor(
    session: Session,
    assembly_id: str,
    actor_id: int | None,
    agenda_item_id: int,
    blockers: list[tuple[int | None, str]],
) -> list[int]:
    """After a blocked call, each named blocker's `speak` hand heads the stack, noted "block".

    Runs inside the caller's transaction (only while the proposal's item is open); returns
    the seqs of the events it appended.
    """
    item = open_item_of(session, assembly_id)
    if item is None or item.id != agenda_item_id:
        return []
    last_order = session.exec(
        select(func.max(Hand.moved_order)).where(Hand.assembly_id == assembly_id)
    ).one()
    order, seqs = last_order or 0, []
    by_key = {h.speaker_key: h for h in open_hands(session, assembly_id) if h.kind == "speak"}
    for position, (participant_id, name) in enumerate(blockers, start=1):
        key = logic.speaker_key(participant_id, name)
        raised = key not in by_key
        hand = by_key.get(key) or Hand(
            assembly_id=assembly_id,
            agenda_item_id=item.id,
            participant_id=participant_id,
            name=name,
            speaker_key=key,
            kind="speak",
            raised_at=clock.now(),
            added_by_id=actor_id,
        )
        order += 1
        hand.note, hand.moved_to, hand.moved_order, hand.moved_by_name = (
            "block",
            position,
            order,
            None,
        )
        session.add(hand)
        session.flush()
        by_key[key] = hand
        payload = {**hand_payload(hand), "note": "block", "position": position}
        kind = "hand_raised" if raised else "hand_moved"
        seqs.append(append_event(session, assembly_id, actor_id, kind, payload).seq)
    return seqs


def lower_block_hands(session: Session, assembly_id: str, actor_id: int | None) -> int:
    """The proposal is decided: the hands its blockers were given to speak to their block are
    lowered (recorded), so the stack and the wall stop offering a floor that has passed; a
    blocker who still wants to speak raises a new hand.

    Runs inside the caller's transaction; one `hand_lowered` event a hand; returns how many.
    """
    moment, lowered = clock.now(), 0
    for hand in open_hands(session, assembly_id):
        if hand.note != "block":
            continue
        hand.status, hand.closed_at = "lowered", moment
        session.add(hand)
        payload = {**hand_payload(hand), "by_owner": False, "because": PROPOSAL_DECIDED}
        append_event(session, assembly_id, actor_id, "hand_lowered", payload)
        lowered += 1
    return lowered


def take_floor_from(
    session: Session, assembly_id: str, actor_id: int, participant_id: int, *, because: str
) -> int:
    """Someone muted or removed: their open hands are lowered and, if they have the floor, their
    turn ends (each recorded, `hand_lowered` with `because`, `turn_ended`).

    Runs inside the caller's transaction; returns how many hands and turns it took.
    """
    taken = 0
    for hand in open_hands(session, assembly_id):
        if hand.participant_id != participant_id:
            continue
        take_off_stack(session, assembly_id, hand, "lowered")
        payload = {**hand_payload(hand), "by_owner": False, "because": because}
        append_event(session, assembly_id, actor_id, "hand_lowered", payload)
        taken += 1
    turn = current_turn(session, assembly_id)
    if turn is not None and turn.participant_id == participant_id:
        end_turn(session, assembly_id, actor_id, clock.now())
        taken += 1
    return taken
