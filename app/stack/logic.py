"""Pure rules of the speaking stack (PROCESS.md "The speaking stack"): no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.errors import Conflict, Invalid

KINDS = (
    "point_of_process",
    "direct_response",
    "clarifying_question",
    "point_of_information",
    "speak",
)
LABELS = {
    "point_of_process": "point of process",
    "direct_response": "direct response",
    "clarifying_question": "clarifying question",
    "point_of_information": "point of information",
    "speak": "speak",
}
MODES = ("fifo", "progressive")
WARNING_SECONDS = 15
DEFAULT_ADD_SECONDS = 30
# Clarifying questions jump ordinary hands only while a proposal takes them.
QUESTIONS_STAGE = "clarifying_questions"


@dataclass(frozen=True)
class Settings:
    """How one assembly runs its stack."""

    mode: str = "progressive"
    speaking_seconds: int = 60
    report_seconds: int = 120
    direct_responses: bool = True
    open: bool = True


@dataclass(frozen=True)
class Entry:
    """A hand on the stack, as the ordering rules see it."""

    id: int
    speaker: str  # whose turns it counts: "p:<participant id>" or "n:<name>" for a named hand
    name: str
    kind: str
    raised: int  # increasing with the time the hand went up
    participant_id: int | None = None
    moved_to: int | None = None  # 1-based position a stack keeper put it at
    moved_order: int | None = None  # later moves apply after earlier ones
    moved_by: str | None = None
    moved_up: bool = True
    note: str | None = None  # "block": a blocker given the floor at the head of the stack


@dataclass(frozen=True)
class Placed:
    """An entry at its place in the queue, with the words that say why it stands there."""

    entry: Entry
    position: int
    reason: str


def speaker_key(participant_id: int | None, name: str) -> str:
    """Turns count per phone, or per name for a hand added by the stack keeper."""
    if participant_id is not None:
        return f"p:{participant_id}"
    return "n:" + " ".join(name.split()).casefold()


def kind_rank(kind: str, stage: str | None) -> int:
    """Lower is heard first; a clarifying question ranks as a speak outside its stage."""
    if kind == "clarifying_question" and stage != QUESTIONS_STAGE:
        return KINDS.index("speak")
    return KINDS.index(kind)


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def reason_for(entry: Entry, *, mode: str, turns: int, stage: str | None) -> str:
    """Why an entry stands where it stands, in words a person reads on the screen."""
    if entry.note:
        return entry.note
    if entry.moved_to is not None and entry.moved_by:
        return f"moved {'up' if entry.moved_up else 'down'} by {entry.moved_by}"
    rank = kind_rank(entry.kind, stage)
    if rank < KINDS.index("speak"):
        return LABELS[entry.kind]
    if mode == "fifo":
        return "in order of hands"
    return "first time speaking" if turns == 0 else f"spoken {times(turns)}"


def order_queue(
    entries: Iterable[Entry],
    *,
    mode: str,
    turns: Mapping[str, int],
    stage: str | None = None,
) -> list[Placed]:
    """The queue in speaking order: a deterministic function of the entries.

    Kinds first (point of process always heads), then within a kind fewer turns first
    (progressive) or time raised (fifo); entries a stack keeper moved keep their position,
    applied in the order they were moved, but never above a point of process.
    """
    entries = list(entries)
    is_pop = {e.id: e.kind == "point_of_process" for e in entries}

    def auto_key(e: Entry) -> tuple[int, int, int, int]:
        count = turns.get(e.speaker, 0) if mode == "progressive" else 0
        return (kind_rank(e.kind, stage), count, e.raised, e.id)

    queue = sorted((e for e in entries if e.moved_to is None), key=auto_key)
    moved = sorted(
        (e for e in entries if e.moved_to is not None),
        key=lambda e: (e.moved_order or 0, e.id),
    )
    for entry in moved:
        heads = sum(1 for e in queue if is_pop[e.id])
        low, high = (0, heads) if is_pop[entry.id] else (heads, len(queue))
        index = min(max((entry.moved_to or 1) - 1, low), high)
        queue.insert(index, entry)
    return [
        Placed(
            entry=e,
            position=i,
            reason=reason_for(e, mode=mode, turns=turns.get(e.speaker, 0), stage=stage),
        )
        for i, e in enumerate(queue, start=1)
    ]


def check_can_raise(
    kind: str, *, settings: Settings, open_kinds: Iterable[str], by_keeper: bool = False
) -> None:
    """Refuse a hand the stack does not take now (409), with the reason."""
    if kind not in KINDS:
        raise Invalid(f"A hand is one of: {', '.join(KINDS)}.", code="bad_kind")
    if kind in set(open_kinds):
        raise Conflict(
            f"{'That person has' if by_keeper else 'You have'} a {LABELS[kind]} hand up already.",
            code="hand_already_up",
        )
    if not settings.open and kind != "point_of_process":
        raise Conflict(
            "The stack is closed to new hands; a point of process is still taken.",
            code="stack_closed",
        )
    if kind == "direct_response" and not settings.direct_responses:
        raise Conflict("Direct responses are turned off for now.", code="direct_responses_off")


HAND_CHOICES = ("carry", "clear")  # what opening another item does with the hands still up


def check_hands_choice(waiting: int, hands: str | None) -> None:
    """Hands still up never go silently: with any waiting, the facilitator says carry or clear."""
    if hands is not None and hands not in HAND_CHOICES:
        raise Invalid("Hands are carried over or cleared: carry or clear.", code="bad_hands")
    if waiting and hands is None:
        are, them = (f"{waiting} hands are", "them") if waiting > 1 else ("1 hand is", "it")
        raise Conflict(
            f"{are} up: carry {them} over to the next item, or clear {them}?",
            code="hands_waiting",
        )


def check_settings(
    *, mode: str | None, speaking_seconds: int | None, report_seconds: int | None
) -> None:
    if mode is not None and mode not in MODES:
        raise Invalid("The stack mode is fifo or progressive.", code="bad_mode")
    for value, what in ((speaking_seconds, "speaking"), (report_seconds, "report")):
        if value is not None and not 10 <= value <= 3600:
            raise Invalid(f"The {what} time is between 10 and 3600 seconds.")


def clamp_position(position: int, length: int) -> int:
    if position < 1:
        raise Invalid("Positions start at 1 (the head of the stack).")
    return min(position, max(length, 1))


# ---- the speaker timer: deadlines, never counters ---------------------------------------


@dataclass(frozen=True)
class Clock:
    """A turn's timer: it runs to `speaking_until`, or stands still since `paused_at`."""

    started_at: datetime
    speaking_until: datetime
    paused_at: datetime | None = None
    paused_seconds: float = 0.0

    def remaining(self, now: datetime) -> float:
        """Seconds left (negative when over time: nobody is cut off)."""
        return (self.speaking_until - (self.paused_at or now)).total_seconds()

    def spoken(self, now: datetime) -> float:
        """Seconds spoken so far, not counting pauses."""
        paused = self.paused_seconds
        if self.paused_at is not None:
            paused += (now - self.paused_at).total_seconds()
        return max(0.0, (now - self.started_at).total_seconds() - paused)


def start_clock(now: datetime, seconds: int) -> Clock:
    return Clock(started_at=now, speaking_until=now + timedelta(seconds=seconds))


def pause(clock: Clock, now: datetime) -> Clock:
    if clock.paused_at is not None:
        raise Conflict("The timer is already paused.", code="timer_paused")
    return replace(clock, paused_at=now)


def resume(clock: Clock, now: datetime) -> Clock:
    if clock.paused_at is None:
        raise Conflict("The timer is not paused.", code="timer_running")
    held = now - clock.paused_at
    return replace(
        clock,
        paused_at=None,
        speaking_until=clock.speaking_until + held,
        paused_seconds=clock.paused_seconds + held.total_seconds(),
    )


def add_time(clock: Clock, seconds: int) -> Clock:
    if not 1 <= seconds <= 3600:
        raise Invalid("Add between 1 and 3600 seconds.")
    return replace(clock, speaking_until=clock.speaking_until + timedelta(seconds=seconds))
