"""Pure rules of the speaking stack: order, reasons, who may raise what, the speaker timer."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import Conflict, Invalid
from app.stack import logic
from app.stack.logic import Entry, Settings

T0 = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)
STAGES = (None, "presented", logic.QUESTIONS_STAGE, "concerns", "consensus_call")


def hand(id: int, kind: str = "speak", speaker: str | None = None, **extra: Any) -> Entry:
    """A hand raised in id order, counting turns for `speaker` (default its own)."""
    who = speaker or f"p:{id}"
    fields: dict[str, Any] = {"raised": id, "name": who, **extra}
    return Entry(id=id, speaker=who, kind=kind, **fields)


def moved(entry: Entry, to: int, *, order: int = 1, by: str = "Keiko", up: bool = True) -> Entry:
    return replace(entry, moved_to=to, moved_order=order, moved_by=by, moved_up=up)


def ids(entries: list[Entry], **kwargs: Any) -> list[int]:
    kwargs.setdefault("mode", "progressive")
    kwargs.setdefault("turns", {})
    return [p.entry.id for p in logic.order_queue(entries, **kwargs)]


# ---- the order hands are heard in ------------------------------------------------------


@pytest.mark.parametrize("mode", logic.MODES)
def test_point_of_process_jumps_the_stack(mode: str) -> None:
    entries = [hand(1), hand(2, "point_of_information"), hand(3, "point_of_process")]
    assert ids(entries, mode=mode)[0] == 3


def test_kinds_are_heard_in_process_order_whatever_order_they_went_up_in() -> None:
    entries = [hand(i, kind) for i, kind in enumerate(reversed(logic.KINDS), start=1)]
    queue = logic.order_queue(entries, mode="fifo", turns={}, stage=logic.QUESTIONS_STAGE)
    assert [p.entry.kind for p in queue] == list(logic.KINDS)


@pytest.mark.parametrize(
    ("kind", "stage", "rank"),
    [
        ("point_of_process", None, 0),
        ("direct_response", None, 1),
        ("clarifying_question", logic.QUESTIONS_STAGE, 2),
        ("clarifying_question", None, 4),
        ("clarifying_question", "concerns", 4),
        ("point_of_information", None, 3),
        ("speak", logic.QUESTIONS_STAGE, 4),
    ],
)
def test_kind_rank(kind: str, stage: str | None, rank: int) -> None:
    assert logic.kind_rank(kind, stage) == rank


def test_clarifying_question_jumps_ordinary_hands_in_its_stage() -> None:
    entries = [hand(1), hand(2, "clarifying_question")]
    assert ids(entries, stage=logic.QUESTIONS_STAGE) == [2, 1]


@pytest.mark.parametrize("stage", [s for s in STAGES if s != logic.QUESTIONS_STAGE])
def test_clarifying_question_ranks_with_ordinary_hands_outside_its_stage(
    stage: str | None,
) -> None:
    entries = [hand(1), hand(2, "clarifying_question"), hand(3)]
    assert ids(entries, mode="fifo", stage=stage) == [1, 2, 3]
    # in progressive mode it is placed by its speaker's turns, like any ordinary hand
    turns = {"p:1": 2, "p:2": 1}
    assert ids(entries, turns=turns, stage=stage) == [3, 2, 1]


def test_progressive_is_the_default_mode() -> None:
    assert Settings().mode == "progressive"


def test_progressive_puts_first_time_speakers_first() -> None:
    entries = [hand(1, speaker="p:ana"), hand(2, speaker="p:ben"), hand(3, speaker="p:cy")]
    turns = {"p:ana": 2, "p:ben": 1}
    assert ids(entries, turns=turns) == [3, 2, 1]


def test_progressive_breaks_ties_by_time_raised() -> None:
    entries = [hand(7, raised=30), hand(5, raised=20), hand(9, raised=10)]
    assert ids(entries, turns={"p:7": 1, "p:5": 1, "p:9": 1}) == [9, 5, 7]


def test_progressive_orders_within_a_kind_never_across_kinds() -> None:
    entries = [hand(1, "speak", speaker="p:new"), hand(2, "point_of_information", "p:old")]
    assert ids(entries, turns={"p:old": 5}) == [2, 1]


def test_fifo_orders_by_time_raised() -> None:
    entries = [hand(1, raised=30), hand(2, raised=10), hand(3, raised=20)]
    assert ids(entries, mode="fifo", turns={"p:2": 9, "p:3": 4}) == [2, 3, 1]


def test_a_hand_moved_by_the_stack_keeper_keeps_its_position_and_says_who_moved_it() -> None:
    entries = [hand(1), hand(2), hand(3), moved(hand(4, speaker="p:often"), to=2)]
    queue = logic.order_queue(entries, mode="progressive", turns={"p:often": 5})
    assert [p.entry.id for p in queue] == [1, 4, 2, 3]
    assert queue[1].position == 2
    assert queue[1].reason == "moved up by Keiko"
    # new hands, even first-time speakers, go around it rather than push it back
    later = [*entries, hand(5), hand(6)]
    assert ids(later, turns={"p:often": 5})[1] == 4


def test_a_hand_moved_down_says_so() -> None:
    entries = [moved(hand(1), to=3, up=False, by="Sam"), hand(2), hand(3)]
    queue = logic.order_queue(entries, mode="fifo", turns={})
    assert [p.entry.id for p in queue] == [2, 3, 1]
    assert queue[2].reason == "moved down by Sam"


def test_a_move_past_the_end_lands_last() -> None:
    assert ids([moved(hand(1), to=99), hand(2), hand(3)]) == [2, 3, 1]


def test_later_moves_apply_after_earlier_ones() -> None:
    entries = [moved(hand(1), to=1, order=2), moved(hand(2), to=1, order=1), hand(3)]
    assert ids(entries) == [1, 2, 3]
    # the same moves in the other order
    entries = [moved(hand(1), to=1, order=1), moved(hand(2), to=1, order=2), hand(3)]
    assert ids(entries) == [2, 1, 3]


@pytest.mark.parametrize("to", [1, 2])
def test_a_move_never_goes_above_a_point_of_process(to: int) -> None:
    entries = [
        hand(1),
        hand(2, "point_of_process"),
        moved(hand(3), to=to),
        hand(4, "point_of_process"),
    ]
    assert ids(entries) == [2, 4, 3, 1]


def test_a_point_of_process_moved_down_stays_among_points_of_process() -> None:
    entries = [moved(hand(1, "point_of_process"), to=3, up=False), hand(2), hand(3)]
    assert ids(entries) == [1, 2, 3]
    entries = [*entries, hand(4, "point_of_process")]
    assert ids(entries) == [4, 1, 2, 3]


def test_positions_count_from_one() -> None:
    queue = logic.order_queue([hand(1), hand(2), hand(3)], mode="fifo", turns={})
    assert [p.position for p in queue] == [1, 2, 3]


def test_an_empty_stack_is_an_empty_queue() -> None:
    assert logic.order_queue([], mode="progressive", turns={}) == []


# ---- the words that say why a hand stands where it stands -------------------------------


@pytest.mark.parametrize(
    ("entry", "mode", "turns", "stage", "reason"),
    [
        (hand(1, "point_of_process"), "progressive", 0, None, "point of process"),
        (hand(1, "point_of_process"), "fifo", 4, None, "point of process"),
        (hand(1, "direct_response"), "progressive", 3, None, "direct response"),
        (hand(1, "point_of_information"), "fifo", 0, None, "point of information"),
        (
            hand(1, "clarifying_question"),
            "progressive",
            2,
            logic.QUESTIONS_STAGE,
            "clarifying question",
        ),
        (hand(1, "clarifying_question"), "progressive", 0, "concerns", "first time speaking"),
        (hand(1), "progressive", 0, None, "first time speaking"),
        (hand(1), "progressive", 1, None, "spoken once"),
        (hand(1), "progressive", 2, None, "spoken twice"),
        (hand(1), "progressive", 3, None, "spoken 3 times"),
        (hand(1), "progressive", 11, None, "spoken 11 times"),
        (moved(hand(1), to=1), "progressive", 2, None, "moved up by Keiko"),
        (moved(hand(1, "point_of_process"), to=1), "fifo", 0, None, "moved up by Keiko"),
        (moved(hand(1), to=4, up=False, by="Sam"), "fifo", 0, None, "moved down by Sam"),
        (hand(1), "fifo", 0, None, "in order of hands"),
        (hand(1), "fifo", 5, None, "in order of hands"),
        (hand(1, "clarifying_question"), "fifo", 5, None, "in order of hands"),
    ],
)
def test_reason_words(entry: Entry, mode: str, turns: int, stage: str | None, reason: str) -> None:
    assert logic.reason_for(entry, mode=mode, turns=turns, stage=stage) == reason


def test_the_queue_gives_each_hand_the_reason_for_its_speakers_turns() -> None:
    entries = [hand(1, speaker="p:ana"), hand(2, speaker="p:ben"), hand(3, "point_of_process")]
    queue = logic.order_queue(entries, mode="progressive", turns={"p:ana": 2})
    assert [p.reason for p in queue] == ["point of process", "first time speaking", "spoken twice"]


# ---- who may raise what -----------------------------------------------------------------

CLOSED = Settings(open=False)
NO_DIRECT = Settings(direct_responses=False)


@pytest.mark.parametrize(
    ("kind", "settings", "open_kinds"),
    [
        ("speak", Settings(), []),
        ("speak", Settings(), ["point_of_information", "direct_response"]),
        ("point_of_process", CLOSED, []),
        ("point_of_process", CLOSED, ["speak"]),
        ("point_of_process", NO_DIRECT, []),
        ("direct_response", Settings(), ["speak"]),
        ("clarifying_question", Settings(mode="fifo"), []),
    ],
)
def test_check_can_raise_accepts(kind: str, settings: Settings, open_kinds: list[str]) -> None:
    logic.check_can_raise(kind, settings=settings, open_kinds=open_kinds)


@pytest.mark.parametrize(
    ("kind", "settings", "open_kinds", "status", "code"),
    [
        *[(k, Settings(), [k], 409, "hand_already_up") for k in logic.KINDS],
        ("speak", Settings(), ["direct_response", "speak"], 409, "hand_already_up"),
        ("point_of_process", CLOSED, ["point_of_process"], 409, "hand_already_up"),
        *[(k, CLOSED, [], 409, "stack_closed") for k in logic.KINDS if k != "point_of_process"],
        ("direct_response", NO_DIRECT, [], 409, "direct_responses_off"),
        ("shout", Settings(), [], 422, "bad_kind"),
        ("", CLOSED, [], 422, "bad_kind"),
        ("Speak", Settings(), [], 422, "bad_kind"),
    ],
)
def test_check_can_raise_refuses(
    kind: str, settings: Settings, open_kinds: list[str], status: int, code: str
) -> None:
    with pytest.raises((Conflict, Invalid)) as info:
        logic.check_can_raise(kind, settings=settings, open_kinds=open_kinds)
    assert (info.value.status, info.value.code) == (status, code)
    assert info.value.message


@pytest.mark.parametrize(("by_keeper", "start"), [(False, "You have"), (True, "That person has")])
def test_a_second_hand_of_a_kind_is_refused_in_words_for_whoever_raised_it(
    by_keeper: bool, start: str
) -> None:
    with pytest.raises(Conflict) as info:
        logic.check_can_raise(
            "direct_response",
            settings=Settings(),
            open_kinds=iter(["direct_response"]),
            by_keeper=by_keeper,
        )
    assert info.value.message == f"{start} a direct response hand up already."


@pytest.mark.parametrize(
    ("participant_id", "name", "key"),
    [
        (7, "Noor", "p:7"),
        (7, "someone else", "p:7"),
        (None, "Noor", "n:noor"),
        (None, "  Big   Mike ", "n:big mike"),
        (None, "BIG MIKE", "n:big mike"),
        (None, "Straße", "n:strasse"),
    ],
)
def test_speaker_key(participant_id: int | None, name: str, key: str) -> None:
    assert logic.speaker_key(participant_id, name) == key


def test_named_hands_count_turns_under_their_normalised_name() -> None:
    first = logic.speaker_key(None, "Big Mike")
    again = logic.speaker_key(None, " big  mike")
    assert first == again
    entries = [
        hand(1, speaker=logic.speaker_key(None, "Dee")),
        hand(2, speaker=again),
    ]
    queue = logic.order_queue(entries, mode="progressive", turns={first: 1})
    assert [p.entry.id for p in queue] == [1, 2]
    assert queue[1].reason == "spoken once"


@pytest.mark.parametrize(
    ("mode", "speaking", "report"),
    [("fifo", None, None), ("progressive", 10, 3600), (None, 60, 120), (None, None, None)],
)
def test_check_settings_accepts(mode: str | None, speaking: int | None, report: int | None) -> None:
    logic.check_settings(mode=mode, speaking_seconds=speaking, report_seconds=report)


@pytest.mark.parametrize(
    ("mode", "speaking", "report"),
    [("random", None, None), ("FIFO", None, None), (None, 9, None), (None, None, 3601)],
)
def test_check_settings_refuses(mode: str | None, speaking: int | None, report: int | None) -> None:
    with pytest.raises(Invalid):
        logic.check_settings(mode=mode, speaking_seconds=speaking, report_seconds=report)


@pytest.mark.parametrize(
    ("position", "length", "clamped"), [(1, 5, 1), (3, 5, 3), (9, 5, 5), (4, 0, 1), (1, 1, 1)]
)
def test_clamp_position(position: int, length: int, clamped: int) -> None:
    assert logic.clamp_position(position, length) == clamped


@pytest.mark.parametrize("position", [0, -1])
def test_positions_below_the_head_are_refused(position: int) -> None:
    with pytest.raises(Invalid):
        logic.clamp_position(position, 5)


# ---- the speaker timer --------------------------------------------------------------------


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_turn_runs_to_a_deadline() -> None:
    clock = logic.start_clock(T0, 60)
    assert clock.speaking_until == at(60)
    assert clock.remaining(at(0)) == 60
    assert clock.remaining(at(45)) == 15 == logic.WARNING_SECONDS
    assert clock.spoken(at(45)) == 45


def test_remaining_goes_negative_when_over_time() -> None:
    clock = logic.start_clock(T0, 60)
    assert clock.remaining(at(75)) == -15
    assert clock.spoken(at(75)) == 75


def test_pause_freezes_remaining() -> None:
    clock = logic.pause(logic.start_clock(T0, 60), at(20))
    assert clock.remaining(at(20)) == clock.remaining(at(500)) == 40
    assert clock.spoken(at(20)) == clock.spoken(at(500)) == 20


def test_resume_moves_the_deadline_by_the_paused_time_and_spoken_excludes_pauses() -> None:
    clock = logic.pause(logic.start_clock(T0, 60), at(20))
    clock = logic.resume(clock, at(50))
    assert clock.paused_at is None
    assert clock.speaking_until == at(90)
    assert clock.remaining(at(50)) == 40
    assert clock.spoken(at(60)) == 30
    clock = logic.resume(logic.pause(clock, at(60)), at(70))
    assert clock.speaking_until == at(100)
    assert clock.paused_seconds == 40
    assert clock.spoken(at(100)) == 60
    assert clock.remaining(at(100)) == 0


@pytest.mark.parametrize("paused", [False, True])
def test_add_time(paused: bool) -> None:
    clock = logic.start_clock(T0, 60)
    if paused:
        clock = logic.pause(clock, at(10))
    longer = logic.add_time(clock, logic.DEFAULT_ADD_SECONDS)
    assert longer.speaking_until == at(90)
    assert longer.remaining(at(10)) == clock.remaining(at(10)) + 30
    assert logic.add_time(clock, 1).speaking_until == at(61)
    assert logic.add_time(clock, 3600).speaking_until == at(3660)


@pytest.mark.parametrize("seconds", [0, -30, 3601])
def test_add_time_refuses_amounts_out_of_range(seconds: int) -> None:
    with pytest.raises(Invalid):
        logic.add_time(logic.start_clock(T0, 60), seconds)


def test_pausing_twice_is_a_conflict() -> None:
    clock = logic.pause(logic.start_clock(T0, 60), at(5))
    with pytest.raises(Conflict) as info:
        logic.pause(clock, at(6))
    assert info.value.code == "timer_paused"


def test_resuming_a_running_timer_is_a_conflict() -> None:
    with pytest.raises(Conflict) as info:
        logic.resume(logic.start_clock(T0, 60), at(5))
    assert info.value.code == "timer_running"


@given(
    st.integers(10, 3600),
    st.lists(st.tuples(st.integers(0, 600), st.integers(0, 600)), max_size=5),
    st.integers(0, 600),
)
def test_spoken_plus_paused_is_the_time_since_the_start(
    seconds: int, pauses: list[tuple[int, int]], tail: int
) -> None:
    clock, now, held = logic.start_clock(T0, seconds), T0, 0
    for running, paused in pauses:
        now += timedelta(seconds=running)
        clock = logic.pause(clock, now)
        now += timedelta(seconds=paused)
        clock = logic.resume(clock, now)
        held += paused
    now += timedelta(seconds=tail)
    assert clock.spoken(now) + held == (now - T0).total_seconds()
    assert clock.remaining(now) == seconds - clock.spoken(now)


# ---- properties of the queue ------------------------------------------------------------

SPEAKERS = ("p:1", "p:2", "p:3", "p:4", "n:dee", "n:big mike")


@st.composite
def stacks(draw: st.DrawFn) -> list[Entry]:
    """Hands of random kinds and speakers, raised in a random order, some moved."""
    n = draw(st.integers(0, 12))
    ids_ = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    entries = []
    for id_ in ids_:
        entry = Entry(
            id=id_,
            speaker=(speaker := draw(st.sampled_from(SPEAKERS))),
            name=speaker,
            kind=draw(st.sampled_from(logic.KINDS)),
            raised=draw(st.integers(0, 20)),
        )
        if draw(st.booleans()) and draw(st.booleans()):
            entry = moved(
                entry,
                to=draw(st.integers(1, n + 2)),
                order=draw(st.integers(1, 6)),
                up=draw(st.booleans()),
            )
        entries.append(entry)
    return entries


turn_counts = st.dictionaries(st.sampled_from(SPEAKERS), st.integers(0, 5))
modes = st.sampled_from(logic.MODES)
stages = st.sampled_from(STAGES)


@given(stacks(), modes, turn_counts, stages)
def test_order_queue_returns_every_hand_exactly_once_at_positions_one_to_n(
    entries: list[Entry], mode: str, turns: dict[str, int], stage: str | None
) -> None:
    queue = logic.order_queue(entries, mode=mode, turns=turns, stage=stage)
    assert sorted(p.entry.id for p in queue) == sorted(e.id for e in entries)
    assert Counter(p.entry for p in queue) == Counter(entries)
    assert [p.position for p in queue] == list(range(1, len(entries) + 1))
    assert all(p.reason for p in queue)


@given(stacks(), modes, turn_counts, stages, st.randoms(use_true_random=False))
def test_order_queue_is_a_deterministic_function_of_the_entries(
    entries: list[Entry], mode: str, turns: dict[str, int], stage: str | None, rnd: Any
) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert logic.order_queue(shuffled, mode=mode, turns=turns, stage=stage) == (
        logic.order_queue(entries, mode=mode, turns=turns, stage=stage)
    )


@given(stacks(), modes, turn_counts, stages)
def test_every_point_of_process_comes_before_every_other_hand(
    entries: list[Entry], mode: str, turns: dict[str, int], stage: str | None
) -> None:
    kinds = [p.entry.kind for p in logic.order_queue(entries, mode=mode, turns=turns, stage=stage)]
    pops = kinds.count("point_of_process")
    assert kinds[:pops] == ["point_of_process"] * pops


@given(stacks(), turn_counts, stages)
def test_in_progressive_mode_fewer_turns_are_never_behind_more_within_a_kind_unless_moved(
    entries: list[Entry], turns: dict[str, int], stage: str | None
) -> None:
    queue = logic.order_queue(entries, mode="progressive", turns=turns, stage=stage)
    automatic = [p.entry for p in queue if p.entry.moved_to is None]
    for i, ahead in enumerate(automatic):
        for behind in automatic[i + 1 :]:
            rank_ahead = logic.kind_rank(ahead.kind, stage)
            rank_behind = logic.kind_rank(behind.kind, stage)
            assert rank_ahead <= rank_behind
            if rank_ahead == rank_behind:
                assert turns.get(ahead.speaker, 0) <= turns.get(behind.speaker, 0)


@given(stacks(), turn_counts, stages)
def test_in_fifo_mode_earlier_hands_are_never_behind_later_within_a_kind_unless_moved(
    entries: list[Entry], turns: dict[str, int], stage: str | None
) -> None:
    queue = logic.order_queue(entries, mode="fifo", turns=turns, stage=stage)
    automatic = [p.entry for p in queue if p.entry.moved_to is None]
    for ahead, behind in itertools.pairwise(automatic):
        if logic.kind_rank(ahead.kind, stage) == logic.kind_rank(behind.kind, stage):
            assert ahead.raised <= behind.raised


@given(stacks(), modes, turn_counts, stages)
def test_a_moved_hand_stands_where_it_was_put_unless_points_of_process_or_later_moves_intervene(
    entries: list[Entry], mode: str, turns: dict[str, int], stage: str | None
) -> None:
    queue = logic.order_queue(entries, mode=mode, turns=turns, stage=stage)
    last = max((e.moved_order or 0, e.id) for e in entries) if entries else None
    for p in queue:
        e = p.entry
        if e.moved_to is None or (e.moved_order, e.id) != last:
            continue
        # the latest move is applied last, so it lands exactly where asked, within bounds
        pops = sum(1 for x in entries if x.kind == "point_of_process" and x.id != e.id)
        if e.kind == "point_of_process":
            assert p.position == min(e.moved_to, pops + 1)
        else:
            assert p.position == min(max(e.moved_to, pops + 1), len(entries))
        assert p.reason == f"moved {'up' if e.moved_up else 'down'} by Keiko"


# A run of the stack: raise / lower / move / call next, as the service drives the rules.
actions = st.lists(
    st.one_of(
        st.tuples(st.just("raise"), st.sampled_from(SPEAKERS), st.sampled_from(logic.KINDS)),
        st.tuples(st.just("lower"), st.integers(0, 50)),
        st.tuples(st.just("move"), st.integers(0, 50), st.integers(1, 15)),
        st.tuples(
            st.just("next"),
        ),
    ),
    max_size=60,
)


@given(actions, modes, stages)
def test_no_hand_is_lost_or_duplicated_by_any_run_of_the_stack(
    steps: list[tuple[Any, ...]], mode: str, stage: str | None
) -> None:
    settings = Settings(mode=mode)
    open_: dict[int, Entry] = {}
    raised: list[int] = []
    lowered: list[int] = []
    called: list[int] = []
    turns: Counter[str] = Counter()
    moves = 0

    def queue() -> list[logic.Placed]:
        return logic.order_queue(open_.values(), mode=mode, turns=turns, stage=stage)

    for step in steps:
        before = queue()
        if step[0] == "raise":
            _, speaker, kind = step
            mine = [e.kind for e in open_.values() if e.speaker == speaker]
            if kind in mine:
                with pytest.raises(Conflict):
                    logic.check_can_raise(kind, settings=settings, open_kinds=mine)
                continue
            logic.check_can_raise(kind, settings=settings, open_kinds=mine)
            new_id = len(raised) + 1
            open_[new_id] = Entry(
                id=new_id, speaker=speaker, name=speaker, kind=kind, raised=new_id
            )
            raised.append(new_id)
        elif not before:
            continue
        elif step[0] == "lower":
            gone = before[step[1] % len(before)].entry.id
            del open_[gone]
            lowered.append(gone)
        elif step[0] == "move":
            placed = before[step[1] % len(before)]
            target = logic.clamp_position(step[2], len(before))
            moves += 1
            open_[placed.entry.id] = moved(
                placed.entry, to=target, order=moves, up=target <= placed.position
            )
        else:
            head = before[0].entry
            assert (
                head
                == logic.order_queue(
                    reversed(list(open_.values())), mode=mode, turns=turns, stage=stage
                )[0].entry
            )
            if any(e.kind == "point_of_process" for e in open_.values()):
                assert head.kind == "point_of_process"
            del open_[head.id]
            called.append(head.id)
            turns[head.speaker] += 1

        after = [p.entry.id for p in queue()]
        assert len(after) == len(set(after)) == len(open_)
        assert set(after) == set(open_)
        assert sorted([*after, *lowered, *called]) == raised
