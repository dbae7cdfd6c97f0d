"""Changes people make to the speaking stack: hands raised, added, lowered and moved, the next
speaker called, the timer run, the stack's settings. One transaction and one event each,
then the screens hear."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from app import clock
from app.assembly.access import assembly_for_write, require_role
from app.assembly.logic import clean_text
from app.assembly.models import Participant
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Changed, append_event, facts
from app.i18n import N_, _, translate
from app.stack import logic
from app.stack.floor import end_turn, hand_payload, take_off_stack
from app.stack.models import Hand, StackSettings, Turn
from app.stack.queue import clock_of, current_turn, open_hands, open_item_of, queue_of, settings_of

KEEPERS = ("stack_keeper", "facilitator")


HAND_GONE = {
    "lowered": N_("That hand was already lowered."),
    "called": N_("That hand was already called."),
}


def _hand_in(session: Session, assembly_id: str, entry_id: int) -> Hand:
    hand = session.get(Hand, entry_id)
    if hand is None or hand.assembly_id != assembly_id:
        raise NotFound(_("There is no such hand on this stack."), code="hand_not_found")
    return hand


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
        event = append_event(session, assembly_id, actor_id, "hand_raised", hand_payload(hand))
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
        payload = {**hand_payload(hand), "added_by": actor_id}
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
        take_off_stack(session, assembly_id, hand, "lowered")
        payload = {**hand_payload(hand), "by_owner": hand.participant_id == actor_id}
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
            {**hand_payload(hand), "from": before, "to": target, "by": keeper.name},
        )
    db.announce(assembly_id, event.seq, {facts.HANDS})
    return Changed(event.seq, {"entry_id": entry_id, "position": target})


def call_next_speaker(*, db: Database, assembly_id: str, actor_id: int) -> Changed:
    """The current turn ends (recorded) and the head of the queue gets the floor."""
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the events' `at` (a replay reads it)
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("call the next speaker"))
        settings = settings_of(session, assembly_id)
        queue = queue_of(session, assembly_id, settings)
        if not queue:
            raise Conflict(_("Nobody is on the stack."), code="stack_empty")
        end_turn(session, assembly_id, actor_id, moment)
        hand = session.get(Hand, queue[0].entry.id)
        assert hand is not None
        take_off_stack(session, assembly_id, hand, "called")
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
                **hand_payload(hand),
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
    with db.write() as session:
        moment = clock.now()  # the transaction's moment: the events' `at` (a replay reads it)
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, N_("run the timer"))
        turn = current_turn(session, assembly_id)
        if turn is None:
            raise Conflict(_("Nobody has the floor."), code="no_speaker")
        if action == "end":
            event = end_turn(session, assembly_id, actor_id, moment)
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
