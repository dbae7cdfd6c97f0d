"""The speaking stack through its services: hands, turns, the timer as stored deadlines, events."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.agenda import service as agenda_service
from app.assembly import service as assembly
from app.assembly.models import AgendaItem
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Event, events_after, export_events, facts, verify_chain
from app.stack import service
from app.stack.models import Hand, Turn
from app.stack.queue import aware
from app.stack.state import StackState, load_stack


@dataclass
class Room:
    """An open assembly facilitated by Noor, with helpers to act in it."""

    db: Database
    id: str
    noor: int
    code: str

    def join(self, name: str) -> int:
        return assembly.join_assembly(db=self.db, join_code=self.code, name=name).participant_id

    def grant(self, participant_id: int, role: str) -> None:
        assembly.grant_role(
            db=self.db, assembly_id=self.id, actor_id=self.noor,
            participant_id=participant_id, role=role,
        )  # fmt: skip

    def item(self, title: str, kind: str, *, open: bool = True, hands: str | None = None) -> int:
        item_id = int(
            agenda_service.add_agenda_item(
                db=self.db, assembly_id=self.id, actor_id=self.noor, title=title, kind=kind
            ).data["item_id"]
        )
        if open:
            self.open(item_id, hands=hands)
        return item_id

    def open(self, item_id: int, **how: Any) -> assembly.Changed:
        return agenda_service.open_agenda_item(
            db=self.db, assembly_id=self.id, actor_id=self.noor, item_id=item_id, **how
        )

    def hand(self, who: int, kind: str = "speak", **kw: Any) -> int:
        changed = service.raise_hand(db=self.db, assembly_id=self.id, actor_id=who, kind=kind, **kw)
        return int(changed.data["entry_id"])

    def named(self, name: str, kind: str = "speak", by: int | None = None) -> int:
        changed = service.add_named_hand(
            db=self.db, assembly_id=self.id, actor_id=by or self.noor, kind=kind, name=name
        )
        return int(changed.data["entry_id"])

    def next(self, by: int | None = None) -> service.Changed:
        return service.call_next_speaker(db=self.db, assembly_id=self.id, actor_id=by or self.noor)

    def timer(self, action: str, seconds: int | None = None) -> service.Changed:
        return service.control_timer(
            db=self.db, assembly_id=self.id, actor_id=self.noor, action=action, seconds=seconds
        )

    def stack(self, db: Database | None = None) -> StackState:
        return load_stack(db=db or self.db, assembly_id=self.id)

    def queue(self) -> list[tuple[str, str, str]]:
        return [(p.entry.name, p.entry.kind, p.reason) for p in self.stack().queue]

    def events(self, after: int = 0) -> list[Event]:
        with self.db.read() as session:
            return events_after(session, self.id, after)

    def seq(self) -> int:
        return self.stack().seq

    def turn(self) -> Turn:
        with self.db.read() as session:
            turn = session.exec(
                select(Turn).where(Turn.assembly_id == self.id).order_by(col(Turn.id).desc())
            ).first()
        assert turn is not None
        return turn


def payload(event: Event) -> dict[str, Any]:
    return dict(json.loads(event.payload_json))


def new_room(db: Database) -> Room:
    made = assembly.create_assembly(db=db, title="Riverside Commons GA", facilitator_name="Noor")
    return Room(db=db, id=made.assembly_id, noor=made.participant_id, code=made.join_code)


@pytest.fixture
def room(db: Database) -> Room:
    return new_room(db)


# ---- hands and the queue -----------------------------------------------------------------


def test_a_raised_hand_stands_in_the_queue_with_its_reason(room: Room) -> None:
    chen = room.join("Chen")
    entry = room.hand(chen)
    state = room.stack()
    assert state.current is None
    [placed] = state.queue
    assert (placed.entry.id, placed.entry.participant_id, placed.entry.name) == (
        entry, chen, "Chen",
    )  # fmt: skip
    assert (placed.position, placed.reason) == (1, "first time speaking")


def test_a_point_of_process_heads_the_stack_and_kinds_are_heard_in_order(room: Room) -> None:
    a, b, c, d = (room.join(n) for n in ("Abebe", "Bianca", "Chen", "Dolores"))
    room.hand(a, "speak")
    room.hand(b, "point_of_information")
    room.hand(c, "direct_response")
    room.hand(d, "point_of_process")
    assert room.queue() == [
        ("Dolores", "point_of_process", "point of process"),
        ("Chen", "direct_response", "direct response"),
        ("Bianca", "point_of_information", "point of information"),
        ("Abebe", "speak", "first time speaking"),
    ]


def test_one_open_hand_per_person_per_kind_but_other_kinds_are_fine(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen, "speak")
    with pytest.raises(Conflict) as info:
        room.hand(chen, "speak")
    assert info.value.code == "hand_already_up"
    room.hand(chen, "point_of_information")
    assert len(room.stack().queue) == 2


def test_a_closed_stack_takes_only_points_of_process(room: Room) -> None:
    chen = room.join("Chen")
    service.update_settings(db=room.db, assembly_id=room.id, actor_id=room.noor, open=False)
    with pytest.raises(Conflict) as info:
        room.hand(chen, "speak")
    assert info.value.code == "stack_closed"
    room.hand(chen, "point_of_process")
    assert [p.entry.kind for p in room.stack().queue] == ["point_of_process"]


def test_direct_responses_can_be_switched_off(room: Room) -> None:
    chen = room.join("Chen")
    service.update_settings(
        db=room.db, assembly_id=room.id, actor_id=room.noor, direct_responses=False
    )
    with pytest.raises(Conflict) as info:
        room.hand(chen, "direct_response")
    assert info.value.code == "direct_responses_off"


def test_a_hand_for_an_item_that_is_not_open_is_refused(room: Room) -> None:
    chen = room.join("Chen")
    first = room.item("Welcome", "announcement")
    second = room.item("Kitchen report-back", "report")
    with pytest.raises(Conflict) as info:
        room.hand(chen, agenda_item_id=first)
    assert info.value.code == "item_not_open"
    room.hand(chen, agenda_item_id=second)
    with room.db.read() as session:
        hand = session.exec(select(Hand).where(Hand.participant_id == chen)).one()
    assert hand.agenda_item_id == second


def test_participants_lower_only_their_own_hands(room: Room) -> None:
    chen, dev = room.join("Chen"), room.join("Dev")
    entry = room.hand(chen)
    with pytest.raises(Forbidden):
        service.lower_hand(db=room.db, assembly_id=room.id, actor_id=dev, entry_id=entry)
    service.lower_hand(db=room.db, assembly_id=room.id, actor_id=chen, entry_id=entry)
    assert room.stack().queue == ()
    with pytest.raises(Conflict) as info:
        service.lower_hand(db=room.db, assembly_id=room.id, actor_id=chen, entry_id=entry)
    assert info.value.code == "hand_not_open"
    with pytest.raises(NotFound):
        service.lower_hand(db=room.db, assembly_id=room.id, actor_id=chen, entry_id=999_999)


def test_the_stack_keeper_takes_a_hand_down_and_it_is_recorded(room: Room) -> None:
    chen, keiko = room.join("Chen"), room.join("Keiko")
    room.grant(keiko, "stack_keeper")
    entry = room.hand(chen)
    changed = service.lower_hand(db=room.db, assembly_id=room.id, actor_id=keiko, entry_id=entry)
    [event] = room.events(changed.seq - 1)
    assert event.type == "hand_lowered" and event.actor_id == keiko
    assert payload(event)["by_owner"] is False and payload(event)["name"] == "Chen"


def test_only_keepers_move_add_by_name_call_next_run_the_timer_and_change_settings(
    room: Room,
) -> None:
    chen = room.join("Chen")
    entry = room.hand(chen)
    db, aid = room.db, room.id
    refused = [
        lambda: service.move_hand(
            db=db, assembly_id=aid, actor_id=chen, entry_id=entry, position=1
        ),
        lambda: service.add_named_hand(
            db=db, assembly_id=aid, actor_id=chen, kind="speak", name="Rosa"
        ),
        lambda: service.call_next_speaker(db=db, assembly_id=aid, actor_id=chen),
        lambda: service.control_timer(db=db, assembly_id=aid, actor_id=chen, action="pause"),
        lambda: service.update_settings(db=db, assembly_id=aid, actor_id=chen, mode="fifo"),
    ]
    before = room.seq()
    for call in refused:
        with pytest.raises(Forbidden) as info:
            call()
        assert info.value.code == "role_required"
    assert room.seq() == before


def test_a_called_hand_leaves_the_stack_so_the_speaker_may_raise_another(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen)
    room.next()
    assert room.stack().queue == ()
    room.hand(chen)
    assert room.queue() == [("Chen", "speak", "spoken once")]


def test_progressive_mode_puts_fewer_turns_first_and_fifo_keeps_hand_order(room: Room) -> None:
    abebe, bianca = room.join("Abebe"), room.join("Bianca")
    room.hand(abebe)
    room.next()
    room.hand(abebe)  # up first, but has spoken once
    room.hand(bianca)
    assert room.queue() == [
        ("Bianca", "speak", "first time speaking"),
        ("Abebe", "speak", "spoken once"),
    ]
    service.update_settings(db=room.db, assembly_id=room.id, actor_id=room.noor, mode="fifo")
    assert [name for name, _, _ in room.queue()] == ["Abebe", "Bianca"]


# ---- hands added by name -------------------------------------------------------------------


def test_a_hand_added_by_name_counts_turns_under_that_name_for_the_whole_assembly(
    room: Room,
) -> None:
    chen = room.join("Chen")
    room.item("Welcome", "announcement")
    rosa = room.named("Rosa")
    state = room.stack()
    assert state.queue[0].entry.participant_id is None
    assert state.queue[0].reason == "first time speaking"
    room.next()
    current = room.stack().current
    assert current is not None and current.entry_id == rosa
    room.item("Kitchen report-back", "report")  # a fresh stack; the turn count stays
    room.named("  rosa ")
    room.hand(chen)
    assert room.queue() == [
        ("Chen", "speak", "first time speaking"),
        ("rosa", "speak", "spoken once"),
    ]
    assert [(s.name, s.turns) for s in room.stack().stats] == [("Rosa", 1)]


def test_the_same_name_cannot_have_two_open_hands_of_one_kind(room: Room) -> None:
    room.named("Rosa")
    with pytest.raises(Conflict) as info:
        room.named("ROSA")
    assert info.value.code == "hand_already_up"


def test_a_hand_added_by_name_records_who_added_it(room: Room) -> None:
    keiko = room.join("Keiko")
    room.grant(keiko, "stack_keeper")
    room.named("Rosa", by=keiko)
    event = room.events()[-1]
    assert event.type == "hand_raised" and event.actor_id == keiko
    assert payload(event)["added_by"] == keiko and payload(event)["participant_id"] is None


# ---- the stack keeper's moves ----------------------------------------------------------------


def test_the_stack_keepers_move_is_recorded_with_their_name(room: Room) -> None:
    a, b, c = (room.join(n) for n in ("Abebe", "Bianca", "Chen"))
    keiko = room.join("Keiko")
    room.grant(keiko, "stack_keeper")
    room.hand(a)
    room.hand(b)
    entry = room.hand(c)
    changed = service.move_hand(
        db=room.db, assembly_id=room.id, actor_id=keiko, entry_id=entry, position=1
    )
    assert changed.data == {"entry_id": entry, "position": 1}
    [event] = room.events(changed.seq - 1)
    assert event.type == "hand_moved" and event.actor_id == keiko
    assert {k: payload(event)[k] for k in ("entry_id", "from", "to", "by")} == {
        "entry_id": entry, "from": 3, "to": 1, "by": "Keiko",
    }  # fmt: skip
    assert room.queue()[0] == ("Chen", "speak", "moved up by Keiko")


def test_a_move_is_remembered_until_the_entry_is_called(room: Room) -> None:
    a, b = room.join("Abebe"), room.join("Bianca")
    room.hand(a)
    entry = room.hand(b)
    service.move_hand(
        db=room.db, assembly_id=room.id, actor_id=room.noor, entry_id=entry, position=1
    )
    room.next()
    current = room.stack().current
    assert current is not None and current.name == "Bianca"
    room.hand(b)
    assert room.queue() == [
        ("Abebe", "speak", "first time speaking"),
        ("Bianca", "speak", "spoken once"),
    ]


def test_a_position_past_the_end_puts_the_hand_last(room: Room) -> None:
    a, b = room.join("Abebe"), room.join("Bianca")
    entry = room.hand(a)
    room.hand(b)
    changed = service.move_hand(
        db=room.db, assembly_id=room.id, actor_id=room.noor, entry_id=entry, position=99
    )
    assert changed.data["position"] == 2
    assert room.queue() == [
        ("Bianca", "speak", "first time speaking"),
        ("Abebe", "speak", "moved down by Noor"),
    ]


# ---- turns and the timer ---------------------------------------------------------------------


def test_calling_the_next_speaker_ends_the_turn_and_records_who_kind_start_end_seconds(
    room: Room,
) -> None:
    chen, dev = room.join("Chen"), room.join("Dev")
    room.hand(chen, "point_of_information")
    room.hand(dev)
    room.next()
    first = room.turn()
    with room.db.write() as session:  # pretend Chen started 42 s ago
        turn = session.get(Turn, first.id)
        assert turn is not None
        turn.started_at = aware(turn.started_at) - timedelta(seconds=42)
        session.add(turn)
    changed = room.next()
    ended, called = room.events(changed.seq - 2)
    assert (ended.type, called.type) == ("turn_ended", "speaker_called")
    facts = payload(ended)
    assert facts["participant_id"] == chen and facts["name"] == "Chen"
    assert facts["kind"] == "point_of_information"
    assert 42 <= facts["seconds"] <= 47
    started = datetime.fromisoformat(facts["started_at"])
    stopped = datetime.fromisoformat(facts["ended_at"])
    assert 42 <= (stopped - started).total_seconds() <= 47
    with room.db.read() as session:
        stored = session.get(Turn, first.id)
    assert stored is not None and stored.ended_at is not None
    assert stored.seconds == facts["seconds"]
    state = room.stack()
    assert state.current is not None and state.current.name == "Dev"
    assert {s.name: s.turns for s in state.stats} == {"Chen": 1, "Dev": 1}


@pytest.mark.parametrize(
    ("item_kind", "seconds"),
    [(None, 60), ("report", 120), ("proposal", 60), ("discussion", 60), ("announcement", 60)],
)
def test_a_report_item_gives_120_seconds_and_others_60(
    room: Room, item_kind: str | None, seconds: int
) -> None:
    chen = room.join("Chen")
    if item_kind is not None:
        room.item("Item", item_kind)
    room.hand(chen)
    changed = room.next()
    current = room.stack().current
    assert current is not None
    assert (current.clock.speaking_until - current.clock.started_at) == timedelta(seconds=seconds)
    called = room.events(changed.seq - 1)[0]
    facts = payload(called)
    until = datetime.fromisoformat(facts["speaking_until"])
    assert until - datetime.fromisoformat(facts["started_at"]) == timedelta(seconds=seconds)


def test_the_speaking_seconds_setting_sets_the_deadline(room: Room) -> None:
    chen = room.join("Chen")
    service.update_settings(
        db=room.db, assembly_id=room.id, actor_id=room.noor, speaking_seconds=90
    )
    room.hand(chen)
    room.next()
    turn = room.turn()
    assert aware(turn.speaking_until) - aware(turn.started_at) == timedelta(seconds=90)


def test_pause_resume_add_and_end_change_the_stored_deadline(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen)
    room.next()
    deadline = aware(room.turn().speaking_until)

    room.timer("pause")
    paused = room.turn()
    assert paused.paused_at is not None and aware(paused.speaking_until) == deadline
    frozen = room.stack().remaining()
    with pytest.raises(Conflict) as info:
        room.timer("pause")
    assert info.value.code == "timer_paused"

    with room.db.write() as session:  # pretend the interposed question took 10 s
        turn = session.get(Turn, paused.id)
        assert turn is not None and turn.paused_at is not None
        turn.paused_at = aware(turn.paused_at) - timedelta(seconds=10)
        session.add(turn)
    room.timer("resume")
    resumed = room.turn()
    assert resumed.paused_at is None and resumed.paused_seconds >= 10
    held = aware(resumed.speaking_until) - deadline
    assert timedelta(seconds=10) <= held <= timedelta(seconds=15)
    assert frozen is not None and (room.stack().remaining() or 0) >= frozen + 5
    with pytest.raises(Conflict) as info:
        room.timer("resume")
    assert info.value.code == "timer_running"

    room.timer("add")
    assert aware(room.turn().speaking_until) == aware(resumed.speaking_until) + timedelta(
        seconds=30
    )
    room.timer("add", 45)
    extended = aware(room.turn().speaking_until)
    assert extended == aware(resumed.speaking_until) + timedelta(seconds=75)

    room.timer("end")
    ended = room.turn()
    assert ended.ended_at is not None and ended.seconds is not None
    assert aware(ended.speaking_until) == extended
    assert room.stack().current is None
    with pytest.raises(Conflict) as info:
        room.timer("pause")
    assert info.value.code == "no_speaker"


def test_over_time_the_remaining_time_goes_negative_and_nobody_is_cut_off(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen)
    room.next()
    with room.db.write() as session:
        turn = session.get(Turn, room.turn().id)
        assert turn is not None
        turn.started_at = aware(turn.started_at) - timedelta(seconds=80)
        turn.speaking_until = aware(turn.speaking_until) - timedelta(seconds=80)
        session.add(turn)
    state = room.stack()
    assert state.current is not None and state.current.name == "Chen"
    remaining = state.remaining()
    assert remaining is not None and -25 <= remaining <= -15


def test_a_paused_turn_does_not_count_the_pause_as_speaking(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen)
    room.next()
    room.timer("pause")
    with room.db.write() as session:  # started 100 s ago, paused for the last 90
        turn = session.get(Turn, room.turn().id)
        assert turn is not None and turn.paused_at is not None
        turn.started_at = aware(turn.started_at) - timedelta(seconds=100)
        turn.paused_at = aware(turn.paused_at) - timedelta(seconds=90)
        session.add(turn)
    changed = room.timer("end")
    [event] = room.events(changed.seq - 1)
    assert event.type == "turn_ended" and 10 <= payload(event)["seconds"] <= 15


def test_calling_next_on_an_empty_stack_is_refused_and_the_turn_goes_on(room: Room) -> None:
    chen = room.join("Chen")
    with pytest.raises(Conflict) as info:
        room.next()
    assert info.value.code == "stack_empty"
    room.hand(chen)
    room.next()
    with pytest.raises(Conflict):
        room.next()
    assert room.stack().current is not None


def test_a_restart_mid_turn_loses_nothing(any_db: Database) -> None:
    room = new_room(any_db)
    chen = room.join("Chen")
    entry = room.hand(chen)
    room.next()
    before = room.stack()
    restarted = Database(any_db.url)  # a new engine: the server came back up
    try:
        after = room.stack(restarted)
        assert after.current is not None and before.current is not None
        assert (after.current.entry_id, after.current.participant_id, after.current.name) == (
            entry, chen, "Chen",
        )  # fmt: skip
        assert after.current.clock == before.current.clock
        was, now = before.remaining(), after.remaining()
        assert was is not None and now is not None
        assert 0 < now <= 60 and was - 5 <= now <= was
        assert after.seq == before.seq
        service.control_timer(db=restarted, assembly_id=room.id, actor_id=room.noor, action="end")
        assert load_stack(db=restarted, assembly_id=room.id).current is None
    finally:
        restarted.dispose()


def test_a_restart_while_paused_keeps_the_pause(any_db: Database) -> None:
    room = new_room(any_db)
    room.hand(room.join("Chen"))
    room.next()
    room.timer("pause")
    frozen = room.stack().remaining()
    restarted = Database(any_db.url)
    try:
        state = room.stack(restarted)
        assert state.current is not None and state.current.clock.paused_at is not None
        assert state.remaining() == frozen
    finally:
        restarted.dispose()


# ---- a new agenda item, a fresh stack ---------------------------------------------------------


def test_opening_another_item_with_clear_ends_the_turn_and_lowers_the_hands_recorded(
    room: Room,
) -> None:
    a, b, c = (room.join(n) for n in ("Abebe", "Bianca", "Chen"))
    room.item("Welcome", "announcement")
    room.hand(a)
    room.hand(b)
    room.hand(c, "point_of_information")
    room.next()  # Chen speaks
    before = room.seq()
    room.item("Kitchen report-back", "report", hands="clear")
    events = room.events(before)
    assert [e.type for e in events] == [
        "agenda_item_added", "turn_ended", "hand_lowered", "hand_lowered", "agenda_item_opened",
    ]  # fmt: skip
    assert payload(events[1])["name"] == "Chen"
    lowered = [payload(e) for e in events if e.type == "hand_lowered"]
    assert {p["name"] for p in lowered} == {"Abebe", "Bianca"}
    assert all(p["because"] == "agenda item changed" and p["by_owner"] is False for p in lowered)
    assert payload(events[-1])["hands"] == "clear" and payload(events[-1])["hand_count"] == 2
    state = room.stack()
    assert state.current is None and state.queue == ()
    room.hand(a)  # the same person may raise the same kind on the new stack
    assert room.queue() == [("Abebe", "speak", "first time speaking")]


def test_opening_another_item_with_carry_keeps_the_hands_their_order_and_kinds(
    room: Room,
) -> None:
    a, b, c, d = (room.join(n) for n in ("Abebe", "Bianca", "Chen", "Dawit"))
    room.item("Welcome", "announcement")
    room.hand(a)
    room.hand(b)
    room.hand(c)
    room.next()  # Abebe speaks: Bianca and Chen wait
    room.hand(a)  # Abebe again, behind people who have not spoken
    room.named("Big Mike")
    room.hand(d, "point_of_process")
    moved = room.hand(c, "point_of_information")
    service.move_hand(
        db=room.db, assembly_id=room.id, actor_id=room.noor, entry_id=moved, position=5
    )
    waiting = room.queue()
    assert len(waiting) == 6
    before = room.seq()
    kitchen = room.item("Kitchen report-back", "report", hands="carry")
    assert room.queue() == waiting
    events = room.events(before)
    assert [e.type for e in events] == [
        "agenda_item_added", "turn_ended", *["hand_carried"] * 6, "agenda_item_opened",
    ]  # fmt: skip
    carried = [payload(e) for e in events if e.type == "hand_carried"]
    assert [(p["name"], p["kind"], p["position"]) for p in carried] == [
        (name, kind, n) for n, (name, kind, _why) in enumerate(waiting, start=1)
    ]
    assert all(p["agenda_item_id"] == kitchen for p in carried)
    assert payload(events[-1])["hands"] == "carry" and payload(events[-1])["hand_count"] == 6
    with room.db.read() as session:
        hands = session.exec(select(Hand).where(Hand.status == "open")).all()
    assert {h.agenda_item_id for h in hands} == {kitchen}
    assert room.stack().current is None  # the turn ended with the item it belonged to
    with pytest.raises(Conflict) as info:
        room.hand(b)  # still up: carried, not lowered
    assert info.value.code == "hand_already_up"


@pytest.mark.parametrize(("hands", "message"), [(1, "1 hand is up"), (3, "3 hands are up")])
def test_opening_another_item_while_hands_are_up_needs_carry_or_clear(
    room: Room, hands: int, message: str
) -> None:
    welcome = room.item("Welcome", "announcement")
    for n in range(hands):
        room.hand(room.join(f"Person {n}"))
    kitchen = room.item("Kitchen report-back", "report", open=False)
    before = room.seq()
    with pytest.raises(Conflict) as info:
        room.open(kitchen)
    assert info.value.code == "hands_waiting"
    assert str(info.value).startswith(message) and "carry" in str(info.value)
    assert room.seq() == before and len(room.queue()) == hands
    assert room.open(kitchen, hands="clear").data["hand_count"] == hands
    with room.db.read() as session:
        assert session.get(AgendaItem, welcome).status == "done"  # type: ignore[union-attr]


def test_opening_an_item_from_the_open_floor_asks_about_the_floors_hands_too(room: Room) -> None:
    room.hand(room.join("Chen"))
    kitchen = room.item("Kitchen report-back", "report", open=False)
    with pytest.raises(Conflict) as info:
        room.open(kitchen)
    assert info.value.code == "hands_waiting"
    assert room.open(kitchen, hands="carry").data["previous_item_id"] is None
    assert room.queue() == [("Chen", "speak", "first time speaking")]


def test_opening_another_item_with_no_hands_up_asks_nothing(room: Room) -> None:
    room.item("Welcome", "announcement")
    room.hand(room.join("Chen"))
    room.next()  # Chen speaks; nobody waits
    opened = room.open(room.item("Kitchen report-back", "report", open=False))
    assert opened.data["hands"] is None and opened.data["hand_count"] == 0
    assert room.stack().current is None


@pytest.mark.parametrize("hands", ["keep", "", "CARRY"])
def test_a_hands_choice_other_than_carry_or_clear_is_refused(room: Room, hands: str) -> None:
    kitchen = room.item("Kitchen report-back", "report", open=False)
    with pytest.raises(Invalid) as info:
        room.open(kitchen, hands=hands)
    assert info.value.code == "bad_hands"


def test_closing_an_item_lowers_the_hands_and_records_them_without_asking(room: Room) -> None:
    welcome = room.item("Welcome", "announcement")
    room.hand(room.join("Abebe"))
    room.named("Big Mike")
    before = room.seq()
    agenda_service.close_agenda_item(
        db=room.db, assembly_id=room.id, actor_id=room.noor, item_id=welcome
    )
    events = room.events(before)
    assert [e.type for e in events] == ["hand_lowered", "hand_lowered", "agenda_item_closed"]
    assert all(payload(e)["because"] == "agenda item changed" for e in events[:2])
    assert room.queue() == []


def test_closing_the_assembly_ends_the_turn_and_lowers_hands_then_refuses_changes(
    room: Room,
) -> None:
    a, b = room.join("Abebe"), room.join("Bianca")
    entry = room.hand(a)
    room.hand(b)
    room.next()
    before = room.seq()
    agenda_service.close_assembly(db=room.db, assembly_id=room.id, actor_id=room.noor)
    assert [e.type for e in room.events(before)] == [
        "turn_ended", "hand_lowered", "assembly_closed",
    ]  # fmt: skip
    after = room.seq()
    for call in (
        lambda: room.hand(a),
        lambda: room.named("Rosa"),
        lambda: room.next(),
        lambda: room.timer("add"),
        lambda: service.lower_hand(db=room.db, assembly_id=room.id, actor_id=a, entry_id=entry),
        lambda: service.update_settings(
            db=room.db, assembly_id=room.id, actor_id=room.noor, open=False
        ),
    ):
        with pytest.raises(Conflict) as info:
            call()
        assert info.value.code == "assembly_closed"
    assert room.seq() == after


# ---- the database's own guard ----------------------------------------------------------------


def test_one_open_hand_per_person_per_kind_is_also_a_database_constraint(any_db: Database) -> None:
    room = new_room(any_db)
    chen = room.join("Chen")
    room.hand(chen)

    def row(status: str = "open", kind: str = "speak") -> Hand:
        return Hand(
            assembly_id=room.id, participant_id=chen, name="Chen", speaker_key=f"p:{chen}",
            kind=kind, status=status, raised_at=datetime.now(UTC),
        )  # fmt: skip

    with pytest.raises(IntegrityError), any_db.write() as session:
        session.add(row())
    with any_db.write() as session:  # lowered hands and other kinds are not constrained
        session.add(row(status="lowered"))
        session.add(row(status="called"))
        session.add(row(kind="point_of_information"))
    with any_db.read() as session:
        hands = session.exec(select(Hand).where(Hand.assembly_id == room.id)).all()
    assert sorted((h.kind, h.status) for h in hands) == [
        ("point_of_information", "open"), ("speak", "called"), ("speak", "lowered"),
        ("speak", "open"),
    ]  # fmt: skip


def test_a_named_hand_is_guarded_by_the_same_constraint(any_db: Database) -> None:
    room = new_room(any_db)
    room.named("Rosa")
    with pytest.raises(IntegrityError), any_db.write() as session:
        session.add(
            Hand(
                assembly_id=room.id, name="rosa", speaker_key="n:rosa", kind="speak",
                raised_at=datetime.now(UTC),
            )
        )  # fmt: skip


# ---- two clicks at once -------------------------------------------------------------------


def at_once(*calls: Callable[[], Any]) -> list[BaseException | None]:
    """Run the calls in threads released together; what each raised (or None)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            calls[i]()
        except BaseException as exc:  # reported to the test, not swallowed
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_clicks_on_call_next_call_two_hands_and_leave_one_turn_open(any_db: Database) -> None:
    room = new_room(any_db)
    for name in ("Abebe", "Bianca", "Chen", "Dolores", "Emeka", "Farah"):
        room.hand(room.join(name))
    for _ in range(3):
        assert at_once(room.next, room.next) == [None, None]
    with any_db.read() as session:
        turns = session.exec(select(Turn).where(Turn.assembly_id == room.id)).all()
        called = session.exec(
            select(Hand).where(Hand.assembly_id == room.id, Hand.status == "called")
        ).all()
    assert len(turns) == len(called) == 6
    assert len({t.hand_id for t in turns}) == 6
    assert [t.name for t in turns if t.ended_at is None] == ["Farah"]
    assert [e.type for e in room.events()].count("turn_ended") == 5


def test_a_double_tap_raises_one_hand(any_db: Database) -> None:
    room = new_room(any_db)
    chen = room.join("Chen")
    outcomes = at_once(lambda: room.hand(chen), lambda: room.hand(chen))
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 1 and isinstance(refused[0], Conflict)
    assert refused[0].code == "hand_already_up"
    assert len(room.stack().queue) == 1


# ---- events and the chain --------------------------------------------------------------------


def test_every_change_to_the_stack_is_an_event_and_the_chain_verifies(any_db: Database) -> None:
    room = new_room(any_db)
    chen, dev = room.join("Chen"), room.join("Dev")
    start = room.seq()
    service.update_settings(
        db=any_db, assembly_id=room.id, actor_id=room.noor, mode="fifo", speaking_seconds=90
    )
    first = room.hand(chen)
    room.hand(dev)
    rosa = room.named("Rosa", "point_of_information")
    service.move_hand(
        db=any_db, assembly_id=room.id, actor_id=room.noor, entry_id=first, position=1
    )
    room.next()  # Chen, moved to the head
    room.timer("pause")
    room.timer("resume")
    room.timer("add", 20)
    service.lower_hand(db=any_db, assembly_id=room.id, actor_id=room.noor, entry_id=rosa)
    room.next()  # Dev
    room.timer("end")
    events = room.events(start)
    assert [e.type for e in events] == [
        "stack_settings_changed",
        "hand_raised",
        "hand_raised",
        "hand_raised",
        "hand_moved",
        "speaker_called",
        "turn_paused",
        "turn_resumed",
        "turn_extended",
        "hand_lowered",
        "turn_ended",
        "speaker_called",
        "turn_ended",
    ]
    facts = [payload(e) for e in events]
    assert facts[0] == {"mode": "fifo", "speaking_seconds": 90}
    assert [f["name"] for f in facts[1:4]] == ["Chen", "Dev", "Rosa"]
    assert facts[5]["name"] == "Chen" and facts[5]["reason"] == "moved up by Noor"
    assert facts[8]["seconds"] == 20
    assert facts[9]["name"] == "Rosa" and facts[9]["by_owner"] is False
    assert facts[10]["name"] == "Chen" and facts[11]["name"] == "Dev"
    assert facts[12]["name"] == "Dev" and facts[12]["kind"] == "speak"
    assert all(e.actor_id == room.noor for e in events if e.type != "hand_raised")
    with any_db.read() as session:
        export = export_events(session, room.id)
    assert verify_chain(export["events"], export["head"]) is None
    assert export["head"]["seq"] == room.seq()


def test_refused_changes_append_no_event(room: Room) -> None:
    chen = room.join("Chen")
    room.hand(chen)
    before = room.seq()
    for call in (
        lambda: room.hand(chen),
        lambda: room.timer("pause"),
        lambda: service.lower_hand(db=room.db, assembly_id=room.id, actor_id=chen, entry_id=0),
    ):
        with pytest.raises((Conflict, NotFound)):
            call()
    assert room.seq() == before


def test_each_change_tells_what_changed_hands_the_floor_or_the_turns_taken(room: Room) -> None:
    heard: list[tuple[int, frozenset[str]]] = []
    room.db.listen(lambda _a, seq, told: heard.append((seq, told)))
    chen = room.join("Chen")
    heard.clear()
    room.hand(chen)
    called = room.next()
    paused = room.timer("pause")
    assert [r for _, r in heard] == [
        frozenset({facts.HANDS}),
        frozenset({facts.HANDS, facts.FLOOR, facts.TURNS}),
        frozenset({facts.FLOOR}),
    ]
    assert [seq for seq, _ in heard][1:] == [called.seq, paused.seq]
