"""The stack's tables rebuilt from its events alone (app/stack/projection.py): hands, turns and
settings replayed into an empty database equal the live rows, timers as deadlines included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from app.agenda import service as agenda_service
from app.assembly import service as assembly
from app.db import Database
from app.people import service as people_service
from app.stack import service
from app.stack.models import Hand, StackSettings, Turn
from tests.blocks.world import REASON, analog, answer, close, move, open_, open_item, submit, world
from tests.copies.replays import replay_into
from tests.copies.tables import differences, rows_of
from tests.minutes.evening import Clock, freeze

STACK_TABLES = ("hand", "turn", "stack_settings")


@dataclass
class Room:
    db: Database
    clock: Clock
    id: str
    noor: int
    code: str

    def join(self, name: str) -> int:
        return assembly.join_assembly(db=self.db, join_code=self.code, name=name).participant_id

    def item(self, title: str, *, hands: str | None = None) -> int:
        item_id = int(
            agenda_service.add_agenda_item(
                db=self.db, assembly_id=self.id, actor_id=self.noor, title=title, kind="discussion"
            ).data["item_id"]
        )
        agenda_service.open_agenda_item(
            db=self.db, assembly_id=self.id, actor_id=self.noor, item_id=item_id, hands=hands
        )
        return item_id

    def hand(self, who: int, kind: str = "speak") -> int:
        changed = service.raise_hand(db=self.db, assembly_id=self.id, actor_id=who, kind=kind)
        return int(changed.data["entry_id"])

    def named(self, name: str) -> int:
        changed = service.add_named_hand(
            db=self.db, assembly_id=self.id, actor_id=self.noor, kind="speak", name=name
        )
        return int(changed.data["entry_id"])

    def move(self, entry_id: int, position: int) -> None:
        service.move_hand(
            db=self.db, assembly_id=self.id, actor_id=self.noor, entry_id=entry_id,
            position=position,
        )  # fmt: skip

    def lower(self, entry_id: int, by: int | None = None) -> None:
        service.lower_hand(
            db=self.db, assembly_id=self.id, actor_id=by or self.noor, entry_id=entry_id
        )

    def next(self) -> None:
        service.call_next_speaker(db=self.db, assembly_id=self.id, actor_id=self.noor)

    def timer(self, action: str, seconds: int | None = None) -> None:
        service.control_timer(
            db=self.db, assembly_id=self.id, actor_id=self.noor, action=action, seconds=seconds
        )

    def later(self, seconds: float) -> None:
        self.clock.tick(seconds)


@pytest.fixture
def room(db: Database, monkeypatch: pytest.MonkeyPatch) -> Room:
    clock = Clock()
    freeze(monkeypatch, clock)
    made = assembly.create_assembly(db=db, title="Riverside Commons GA", facilitator_name="Noor")
    return Room(
        db=db, clock=clock, id=made.assembly_id, noor=made.participant_id, code=made.join_code
    )


def stack_differences(room: Room, copy_db: Database) -> list[str]:
    """The room replayed into `copy_db`: what differs in the stack's tables, row by row."""
    return differences_in(room.db, room.id, copy_db)


def differences_in(db: Database, assembly_id: str, copy_db: Database) -> list[str]:
    replay_into(db, copy_db, assembly_id)
    live, copy = rows_of(db, assembly_id), rows_of(copy_db, assembly_id)
    return differences(
        {t: live[t] for t in STACK_TABLES}, {t: copy.get(t, []) for t in STACK_TABLES}
    )


def copied(copy_db: Database, model: Any, row_id: Any) -> Any:
    with copy_db.read() as session:
        row = session.get(model, row_id)
        assert row is not None
        return row


def test_raised_and_lowered_hands_replay_with_their_ids_owners_and_closing_times(
    room: Room, copy_db: Database
) -> None:
    chen = room.join("Chen")
    room.item("Kitchen")
    mine = room.hand(chen)
    room.later(5)
    named = room.named("Dolores")
    room.later(5)
    room.lower(mine, by=chen)
    assert stack_differences(room, copy_db) == []
    lowered = copied(copy_db, Hand, mine)
    assert (lowered.status, lowered.participant_id, lowered.added_by_id) == ("lowered", chen, None)
    assert lowered.closed_at is not None
    assert (copied(copy_db, Hand, named).added_by_id, copied(copy_db, Hand, named).speaker_key) == (
        room.noor, "n:dolores",
    )  # fmt: skip


def test_a_keepers_move_replays_with_its_place_order_mover_and_direction(
    room: Room, copy_db: Database
) -> None:
    a, b, c, d = (room.join(n) for n in ("Abebe", "Bianca", "Chen", "Dev"))
    room.item("Kitchen")
    hands = [room.hand(p) for p in (a, b, c, d)]
    room.move(hands[3], 1)
    room.move(hands[0], 4)
    assert stack_differences(room, copy_db) == []
    up, down = copied(copy_db, Hand, hands[3]), copied(copy_db, Hand, hands[0])
    assert (up.moved_to, up.moved_order, up.moved_by_name, up.moved_up) == (1, 1, "Noor", True)
    assert (down.moved_to, down.moved_order, down.moved_up) == (4, 2, False)


def test_hands_moved_behind_a_hand_that_leaves_move_up_in_the_copy_too(
    room: Room, copy_db: Database
) -> None:
    a, b, c, d = (room.join(n) for n in ("Abebe", "Bianca", "Chen", "Dev"))
    room.item("Kitchen")
    hands = [room.hand(p) for p in (a, b, c, d)]
    room.move(hands[0], 3)
    room.lower(hands[1])  # ahead of the moved hand: it moves up to 2
    room.next()  # the head is called: it moves up to 1
    assert stack_differences(room, copy_db) == []
    assert copied(copy_db, Hand, hands[0]).moved_to == 1


def test_a_turn_replays_with_its_deadline_pauses_added_time_and_seconds_spoken(
    room: Room, copy_db: Database
) -> None:
    chen, dev = room.join("Chen"), room.join("Dev")
    room.item("Kitchen")
    room.hand(chen)
    room.hand(dev)
    room.next()
    room.later(10.25)
    room.timer("pause")
    room.later(7.5)
    room.timer("resume")
    room.timer("add", 30)
    room.later(12)
    room.next()  # Chen's turn ends, Dev's starts
    room.later(3)
    room.timer("pause")  # the log ends mid-pause
    assert stack_differences(room, copy_db) == []
    with copy_db.read() as session:
        first, second = session.exec(select(Turn).order_by(col(Turn.id))).all()
    assert (first.paused_seconds, first.seconds, first.paused_at) == (7.5, 22, None)
    assert first.ended_at is not None and second.paused_at is not None


def test_a_turn_ended_by_the_keeper_replays_ended(room: Room, copy_db: Database) -> None:
    chen = room.join("Chen")
    room.item("Kitchen")
    room.hand(chen)
    room.next()
    room.later(40)
    room.timer("end")
    assert stack_differences(room, copy_db) == []


def test_the_stack_settings_replay_as_changed_and_only_what_changed(
    room: Room, copy_db: Database
) -> None:
    service.update_settings(
        db=room.db, assembly_id=room.id, actor_id=room.noor, mode="fifo", speaking_seconds=90
    )
    service.update_settings(db=room.db, assembly_id=room.id, actor_id=room.noor, open=False)
    assert stack_differences(room, copy_db) == []
    row = copied(copy_db, StackSettings, room.id)
    assert (row.mode, row.speaking_seconds, row.report_seconds, row.open) == (
        "fifo", 90, 120, False,
    )  # fmt: skip


def test_hands_carried_to_the_next_item_or_cleared_with_its_close_replay(
    room: Room, copy_db: Database
) -> None:
    chen, dev = room.join("Chen"), room.join("Dev")
    room.item("Kitchen")
    carried = room.hand(chen)
    room.hand(dev)
    room.move(carried, 2)
    room.next()
    second = room.item("Garden", hands="carry")
    assert copied(room.db, Hand, carried).agenda_item_id == second
    room.later(20)
    agenda_service.close_agenda_item(
        db=room.db, assembly_id=room.id, actor_id=room.noor, item_id=second
    )
    assert stack_differences(room, copy_db) == []
    assert copied(copy_db, Hand, carried).status == "lowered"


def test_the_hands_and_floor_of_someone_muted_replay_taken(room: Room, copy_db: Database) -> None:
    chen, dev, eli = room.join("Chen"), room.join("Dev"), room.join("Eli")
    room.item("Kitchen")
    room.hand(chen)
    room.hand(dev, "point_of_information")
    moved = room.hand(eli)
    room.move(moved, 3)
    room.next()  # Dev's point of information
    room.hand(dev)
    people_service.set_muted(
        db=room.db, assembly_id=room.id, actor_id=room.noor, participant_id=dev, muted=True
    )
    assert stack_differences(room, copy_db) == []


def test_the_blockers_hands_replay_at_the_head_and_lowered_with_the_decision(
    db: Database, copy_db: Database
) -> None:
    w = world(db)
    pid = submit(w, "consensus_call")
    open_item(w, pid)
    raise_ = service.raise_hand
    chen = int(raise_(db=db, assembly_id=w.aid, actor_id=w.chen, kind="speak").data["entry_id"])
    raise_(db=db, assembly_id=w.aid, actor_id=w.quentin, kind="speak")
    emeka = int(raise_(db=db, assembly_id=w.aid, actor_id=w.emeka, kind="speak").data["entry_id"])
    service.move_hand(db=db, assembly_id=w.aid, actor_id=w.noor, entry_id=chen, position=2)
    rid = open_(w, pid, "consensus")
    answer(w, rid, w.emeka, "block", REASON)  # a hand already up: moved to the head
    answer(w, rid, w.dolores, "block", REASON)  # no hand up: one is raised for her
    answer(w, rid, w.quentin, "agree")
    close(w, rid)
    with db.read() as session:
        given = session.exec(select(Hand).where(Hand.note == "block")).all()
    assert {h.id for h in given} - {emeka} and emeka in {h.id for h in given}

    move(w, pid, "consensus_call")
    fallback = open_(w, pid, "consensus", fallback=True)
    analog(w, fallback, {"agree": 27})
    close(w, fallback)
    assert differences_in(db, w.aid, copy_db) == []
    assert copied(copy_db, Hand, emeka).status == "lowered"
    assert copied(copy_db, Hand, chen).status == "open"
