"""Changes to the speaking stack: one transaction and one event each, then the screens hear."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app import clock
from app.assembly.access import assembly_for_write, require_role
from app.assembly.logic import clean_text
from app.assembly.models import AgendaItem, Assembly, Participant
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Changed, append_event, facts
from app.i18n import N_, _, translate
from app.stack import logic
from app.stack.models import Hand, StackSettings, Turn

KEEPERS = ("stack_keeper", "facilitator")
HAND_GONE = {
    "lowered": N_("That hand was already lowered."),
    "called": N_("That hand was already called."),
}
# The key, in a write session's `info` (Database.memory), of how this process's memory of the
# room's hand signals took a turn: `(assembly_id, turn_id) -> "mostly agree" | … | None`.
TURN_SIGNALS = "turn_signals"


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def settings_of(session: Session, assembly_id: str) -> logic.Settings:
    row = session.get(StackSettings, assembly_id)
    if row is None:
        return logic.Settings()
    return logic.Settings(
        mode=row.mode,
        speaking_seconds=row.speaking_seconds,
        report_seconds=row.report_seconds,
        direct_responses=row.direct_responses,
        open=row.open,
    )


def open_item_of(session: Session, assembly_id: str) -> AgendaItem | None:
    return session.exec(
        select(AgendaItem).where(AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open")
    ).first()


def open_hands(session: Session, assembly_id: str) -> list[Hand]:
    return list(
        session.exec(
            select(Hand)
            .where(Hand.assembly_id == assembly_id, Hand.status == "open")
            .order_by(col(Hand.id))
        ).all()
    )


def turn_counts(session: Session, assembly_id: str) -> dict[str, int]:
    rows = session.exec(
        select(Turn.speaker_key, func.count())
        .where(Turn.assembly_id == assembly_id)
        .group_by(col(Turn.speaker_key))
    ).all()
    return {key: count for key, count in rows}


def current_turn(session: Session, assembly_id: str) -> Turn | None:
    return session.exec(
        select(Turn).where(Turn.assembly_id == assembly_id, col(Turn.ended_at).is_(None))
    ).first()


def as_entry(hand: Hand) -> logic.Entry:
    return logic.Entry(
        id=hand.id or 0,
        speaker=hand.speaker_key,
        name=hand.name,
        kind=hand.kind,
        raised=hand.id or 0,  # ids grow with time inside one database
        participant_id=hand.participant_id,
        moved_to=hand.moved_to,
        moved_order=hand.moved_order,
        moved_by=hand.moved_by_name,
        moved_up=hand.moved_up,
        note=hand.note,
    )


def open_proposal_stage(session: Session, assembly_id: str) -> str | None:
    """The stage of the open agenda item's proposal, as the item keeps it (app/blocks moves
    it): it decides how clarifying questions rank."""
    return session.exec(
        select(AgendaItem.proposal_stage).where(
            AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open"
        )
    ).first()


def queue_of(session: Session, assembly_id: str, settings: logic.Settings) -> list[logic.Placed]:
    """The queue in speaking order, ranked for the open proposal's stage."""
    return logic.order_queue(
        [as_entry(h) for h in open_hands(session, assembly_id)],
        mode=settings.mode,
        turns=turn_counts(session, assembly_id),
        stage=open_proposal_stage(session, assembly_id),
    )


def _take_off_stack(session: Session, assembly_id: str, hand: Hand, status: str) -> None:
    """Close a hand; hands a keeper moved behind it move up with the queue, keeping their place."""
    queue = queue_of(session, assembly_id, settings_of(session, assembly_id))
    leaving = next((p.position for p in queue if p.entry.id == hand.id), None)
    if leaving is not None:
        for placed in queue:
            if placed.position > leaving and placed.entry.moved_to is not None:
                moved = session.get(Hand, placed.entry.id)
                if moved is not None and moved.moved_to is not None and moved.moved_to > 1:
                    moved.moved_to -= 1
                    session.add(moved)
    hand.status, hand.closed_at = status, clock.now()
    session.add(hand)


def _hand_in(session: Session, assembly_id: str, entry_id: int) -> Hand:
    hand = session.get(Hand, entry_id)
    if hand is None or hand.assembly_id != assembly_id:
        raise NotFound(_("There is no such hand on this stack."), code="hand_not_found")
    return hand


def _hand_payload(hand: Hand) -> dict[str, Any]:
    return {
        "entry_id": hand.id,
        "participant_id": hand.participant_id,
        "name": hand.name,
        "kind": hand.kind,
        "agenda_item_id": hand.agenda_item_id,
    }


def _add_hand(
    session: Session,
    *,
    assembly_id: str,
    participant_id: int | None,
    name: str,
    kind: str,
    actor_id: int,
    by_keeper: bool,
) -> Hand:
    settings = settings_of(session, assembly_id)
    key = logic.speaker_key(participant_id, name)
    mine = [h.kind for h in open_hands(session, assembly_id) if h.speaker_key == key]
    logic.check_can_raise(kind, settings=settings, open_kinds=mine, by_keeper=by_keeper)
    item = open_item_of(session, assembly_id)
    hand = Hand(
        assembly_id=assembly_id,
        agenda_item_id=item.id if item else None,
        participant_id=participant_id,
        name=name,
        speaker_key=key,
        kind=kind,
        raised_at=clock.now(),
        added_by_id=actor_id if by_keeper else None,
    )
    session.add(hand)
    try:
        session.flush()
    except IntegrityError as exc:  # a twin request won the race for the same kind
        raise Conflict(_("That hand is up already."), code="hand_already_up") from exc
    return hand


def raise_hand(
    *, db: Database, assembly_id: str, actor_id: int, kind: str, agenda_item_id: int | None = None
) -> Changed:
    """A participant raises their own hand of one kind."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        person = session.get(Participant, actor_id)
        if person is None or person.assembly_id != assembly_id or person.status != "admitted":
            raise Forbidden(_("Only admitted participants can raise a hand."), code="not_admitted")
        if person.muted:
            raise Conflict(
                _(
                    "A facilitator has muted you: you cannot raise a hand, but you can still "
                    "answer rounds."
                ),
                code="muted",
            )
        if agenda_item_id is not None:
            item = open_item_of(session, assembly_id)
            if item is None or item.id != agenda_item_id:
                raise Conflict(
                    _("That agenda item is no longer open; the stack has moved on."),
                    code="item_not_open",
                )
        hand = _add_hand(
            session,
            assembly_id=assembly_id,
            participant_id=actor_id,
            name=person.name,
            kind=kind,
            actor_id=actor_id,
            by_keeper=False,
        )
        event = append_event(session, assembly_id, actor_id, "hand_raised", _hand_payload(hand))
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, {"entry_id": hand.id, "kind": kind})


def add_named_hand(
    *, db: Database, assembly_id: str, actor_id: int, kind: str, name: str
) -> Changed:
    """The stack keeper adds a hand for someone without a phone, by name."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("add a hand by name"))
        name = clean_text(name, field="name", max_len=60)
        hand = _add_hand(
            session,
            assembly_id=assembly_id,
            participant_id=None,
            name=name,
            kind=kind,
            actor_id=actor_id,
            by_keeper=True,
        )
        payload = {**_hand_payload(hand), "added_by": actor_id}
        event = append_event(session, assembly_id, actor_id, "hand_raised", payload)
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, {"entry_id": hand.id, "kind": kind})


def lower_hand(*, db: Database, assembly_id: str, actor_id: int, entry_id: int) -> Changed:
    """The owner lowers their hand, or the stack keeper takes it down (recorded)."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        hand = _hand_in(session, assembly_id, entry_id)
        if hand.participant_id != actor_id:
            require_role(session, assembly_id, actor_id, KEEPERS, N_("lower someone else's hand"))
        if hand.status != "open":
            raise Conflict(
                translate(HAND_GONE.get(hand.status, N_("That hand was already {status}."))).format(
                    status=hand.status
                ),
                code="hand_not_open",
            )
        _take_off_stack(session, assembly_id, hand, "lowered")
        payload = {**_hand_payload(hand), "by_owner": hand.participant_id == actor_id}
        event = append_event(session, assembly_id, actor_id, "hand_lowered", payload)
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, {"entry_id": entry_id, "status": "lowered"})


def lower_my_hand(*, db: Database, assembly_id: str, actor_id: int, kind: str) -> Changed:
    """A phone lowers its own hand of one kind (the page knows the kind, not the entry)."""
    with db.read() as session:
        mine = [
            h.id
            for h in open_hands(session, assembly_id)
            if h.participant_id == actor_id and h.kind == kind
        ]
    if not mine or mine[0] is None:
        raise Conflict(_("You have no hand of that kind up."), code="hand_not_open")
    return lower_hand(db=db, assembly_id=assembly_id, actor_id=actor_id, entry_id=mine[0])


def move_hand(
    *, db: Database, assembly_id: str, actor_id: int, entry_id: int, position: int
) -> Changed:
    """The stack keeper puts a hand at a position (1 = head), remembered until it is heard."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        keeper = require_role(session, assembly_id, actor_id, KEEPERS, N_("move hands"))
        hand = _hand_in(session, assembly_id, entry_id)
        if hand.status != "open":
            raise Conflict(
                translate(HAND_GONE.get(hand.status, N_("That hand was already {status}."))).format(
                    status=hand.status
                ),
                code="hand_not_open",
            )
        settings = settings_of(session, assembly_id)
        queue = queue_of(session, assembly_id, settings)
        before = next(p.position for p in queue if p.entry.id == entry_id)
        target = logic.clamp_position(position, len(queue))
        last_order = session.exec(
            select(func.max(Hand.moved_order)).where(Hand.assembly_id == assembly_id)
        ).one()
        hand.moved_to, hand.moved_order = target, (last_order or 0) + 1
        hand.moved_by_name, hand.moved_up = keeper.name, target <= before
        session.add(hand)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "hand_moved",
            {**_hand_payload(hand), "from": before, "to": target, "by": keeper.name},
        )
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, {"entry_id": entry_id, "position": target})


def _end_turn(session: Session, assembly_id: str, actor_id: int | None, at: datetime) -> Any:
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


def clock_of(turn: Turn) -> logic.Clock:
    return logic.Clock(
        started_at=aware(turn.started_at),
        speaking_until=aware(turn.speaking_until),
        paused_at=aware(turn.paused_at) if turn.paused_at else None,
        paused_seconds=turn.paused_seconds,
    )


def call_next_speaker(*, db: Database, assembly_id: str, actor_id: int) -> Changed:
    """The current turn ends (recorded) and the head of the queue gets the floor."""
    moment = clock.now()
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("call the next speaker"))
        settings = settings_of(session, assembly_id)
        queue = queue_of(session, assembly_id, settings)
        if not queue:
            raise Conflict(_("Nobody is on the stack."), code="stack_empty")
        _end_turn(session, assembly_id, actor_id, moment)
        hand = session.get(Hand, queue[0].entry.id)
        assert hand is not None
        _take_off_stack(session, assembly_id, hand, "called")
        item = open_item_of(session, assembly_id)
        seconds = (
            settings.report_seconds if item and item.kind == "report" else settings.speaking_seconds
        )
        timer = logic.start_clock(moment, seconds)
        turn = Turn(
            assembly_id=assembly_id,
            agenda_item_id=item.id if item else None,
            hand_id=hand.id,
            participant_id=hand.participant_id,
            name=hand.name,
            speaker_key=hand.speaker_key,
            kind=hand.kind,
            started_at=timer.started_at,
            speaking_until=timer.speaking_until,
        )
        session.add(hand)
        session.add(turn)
        session.flush()
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "speaker_called",
            {
                **_hand_payload(hand),
                "turn_id": turn.id,
                "reason": queue[0].reason,
                "started_at": moment.isoformat(),
                "speaking_until": timer.speaking_until.isoformat(),
            },
        )
    db.announce(assembly_id, event.seq, {facts.HANDS, facts.FLOOR, facts.TURNS})
    return Changed(event.seq, {"turn_id": turn.id, "entry_id": hand.id, "name": hand.name})


def control_timer(
    *, db: Database, assembly_id: str, actor_id: int, action: str, seconds: int | None = None
) -> Changed:
    """Pause (an interposed question), resume, add time, or end the current turn."""
    moment = clock.now()
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("run the timer"))
        turn = current_turn(session, assembly_id)
        if turn is None:
            raise Conflict(_("Nobody has the floor."), code="no_speaker")
        if action == "end":
            event = _end_turn(session, assembly_id, actor_id, moment)
            changed = {facts.HANDS, facts.FLOOR, facts.TURNS}
        else:
            timer = clock_of(turn)
            if action == "pause":
                timer, kind = logic.pause(timer, moment), "turn_paused"
            elif action == "resume":
                timer, kind = logic.resume(timer, moment), "turn_resumed"
            elif action == "add":
                add = logic.DEFAULT_ADD_SECONDS if seconds is None else seconds
                timer, kind = logic.add_time(timer, add), "turn_extended"
            else:
                raise Conflict(_("The timer takes pause, resume, add or end."), code="bad_action")
            turn.speaking_until = timer.speaking_until
            turn.paused_at = timer.paused_at
            turn.paused_seconds = timer.paused_seconds
            session.add(turn)
            event = append_event(
                session,
                assembly_id,
                actor_id,
                kind,
                {
                    "turn_id": turn.id,
                    "name": turn.name,
                    "speaking_until": timer.speaking_until.isoformat(),
                    "seconds": seconds if action == "add" else None,
                },
            )
            changed = {facts.FLOOR}
    db.announce(assembly_id, event.seq, changed)
    return Changed(event.seq, {"action": action})


def update_settings(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    mode: str | None = None,
    speaking_seconds: int | None = None,
    report_seconds: int | None = None,
    direct_responses: bool | None = None,
    open: bool | None = None,
) -> Changed:
    """Change how the stack runs; only what is given changes."""
    logic.check_settings(
        mode=mode, speaking_seconds=speaking_seconds, report_seconds=report_seconds
    )
    changes = {
        key: value
        for key, value in {
            "mode": mode,
            "speaking_seconds": speaking_seconds,
            "report_seconds": report_seconds,
            "direct_responses": direct_responses,
            "open": open,
        }.items()
        if value is not None
    }
    if not changes:
        raise Invalid(_("Say what to change: mode, seconds, direct responses or open."))
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("change the stack settings"))
        row = session.get(StackSettings, assembly_id) or StackSettings(assembly_id=assembly_id)
        for key, value in changes.items():
            setattr(row, key, value)
        session.add(row)
        event = append_event(session, assembly_id, actor_id, "stack_settings_changed", changes)
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, changes)


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
    _end_turn(session, assembly_id, actor_id, moment)
    for placed in queue:
        hand = session.get(Hand, placed.entry.id)
        assert hand is not None
        if hands == "carry" and to_item_id is not None:
            from_item_id, hand.agenda_item_id = hand.agenda_item_id, to_item_id
            session.add(hand)
            payload = {
                **_hand_payload(hand),
                "from_item_id": from_item_id,
                "position": placed.position,
            }
            append_event(session, assembly_id, actor_id, "hand_carried", payload)
        else:
            hand.status, hand.closed_at = "lowered", moment
            session.add(hand)
            payload = {**_hand_payload(hand), "by_owner": False, "because": "agenda item changed"}
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
        payload = {**_hand_payload(hand), "note": "block", "position": position}
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
        payload = {**_hand_payload(hand), "by_owner": False, "because": "proposal decided"}
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
        _take_off_stack(session, assembly_id, hand, "lowered")
        payload = {**_hand_payload(hand), "by_owner": False, "because": because}
        append_event(session, assembly_id, actor_id, "hand_lowered", payload)
        taken += 1
    turn = current_turn(session, assembly_id)
    if turn is not None and turn.participant_id == participant_id:
        _end_turn(session, assembly_id, actor_id, clock.now())
        taken += 1
    return taken
