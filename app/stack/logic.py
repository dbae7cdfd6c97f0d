"""Pure rules of the speaking stack (docs/process.md "The speaking stack"): no database, no
clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.errors import Conflict, Invalid
from app.i18n import DEFAULT, N_, _, ngettext, translate

KINDS = (
    "point_of_process",
    "direct_response",
    "clarifying_question",
    "point_of_information",
    "speak",
)
LABELS = {
    "point_of_process": N_("point of process"),
    "direct_response": N_("direct response"),
    "clarifying_question": N_("clarifying question"),
    "point_of_information": N_("point of information"),
    "speak": N_("speak"),
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
    reason: str  # in English, as the event log keeps it
    because: Reason | None = None  # the same, to say in a screen's language (Reason.say)

    @property
    def said(self) -> str:
        """The reason in the current language (a screen's: the renderer speaks it)."""
        return self.because.say() if self.because is not None else self.reason


@dataclass(frozen=True)
class Reason:
    """Why an entry stands where it stands, as a message marked with N_() and its values, so
    each screen says it in its own language; a stack keeper's note is shown as typed."""

    message: str
    values: tuple[tuple[str, str | int], ...] = ()  # (name, value): hashable, as Placed is
    typed: bool = False  # a note, not one of our messages

    def say(self, language: str | None = None) -> str:
        """The reason in `language` (default: the current one)."""
        if self.typed:
            return self.message
        return translate(self.message, language).format(**dict(self.values))


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


def reason_of(entry: Entry, *, mode: str, turns: int, stage: str | None) -> Reason:
    """Why an entry stands where it stands, in words a person reads on the screen."""
    if entry.note:
        return Reason(entry.note, typed=True)
    if entry.moved_to is not None and entry.moved_by:
        moved = N_("moved up by {name}") if entry.moved_up else N_("moved down by {name}")
        return Reason(moved, (("name", entry.moved_by),))
    rank = kind_rank(entry.kind, stage)
    if rank < KINDS.index("speak"):
        return Reason(LABELS[entry.kind])
    if mode == "fifo":
        return Reason(N_("in order of hands"))
    if turns == 0:
        return Reason(N_("first time speaking"))
    if turns <= 2:
        return Reason(N_("spoken once") if turns == 1 else N_("spoken twice"))
    return Reason(N_("spoken {num} times"), (("num", turns),))


def reason_for(entry: Entry, *, mode: str, turns: int, stage: str | None) -> str:
    """The reason in English, as the event log and the API keep it."""
    return reason_of(entry, mode=mode, turns=turns, stage=stage).say(DEFAULT)


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
    placed = []
    for i, e in enumerate(queue, start=1):
        because = reason_of(e, mode=mode, turns=turns.get(e.speaker, 0), stage=stage)
        placed.append(Placed(entry=e, position=i, reason=because.say(DEFAULT), because=because))
    return placed


def check_can_raise(
    kind: str, *, settings: Settings, open_kinds: Iterable[str], by_keeper: bool = False
) -> None:
    """Refuse a hand the stack does not take now (409), with the reason."""
    if kind not in KINDS:
        raise Invalid(
            _("A hand is one of: {choices}.").format(choices=", ".join(KINDS)), code="bad_kind"
        )
    if kind in set(open_kinds):
        raise Conflict(
            (
                _("That person has a {kind} hand up already.")
                if by_keeper
                else _("You have a {kind} hand up already.")
            ).format(kind=translate(LABELS[kind])),
            code="hand_already_up",
        )
    if not settings.open and kind != "point_of_process":
        raise Conflict(
            _("The stack is closed to new hands; a point of process is still taken."),
            code="stack_closed",
        )
    if kind == "direct_response" and not settings.direct_responses:
        raise Conflict(_("Direct responses are turned off for now."), code="direct_responses_off")


HAND_CHOICES = ("carry", "clear")  # what opening another item does with the hands still up


def check_hands_choice(waiting: int, hands: str | None) -> None:
    """Hands still up never go silently: with any waiting, the facilitator says carry or clear."""
    if hands is not None and hands not in HAND_CHOICES:
        raise Invalid(_("Hands are carried over or cleared: carry or clear."), code="bad_hands")
    if waiting and hands is None:
        raise Conflict(
            ngettext(
                "{num} hand is up: carry it over to the next item, or clear it?",
                "{num} hands are up: carry them over to the next item, or clear them?",
                waiting,
            ).format(num=waiting),
            code="hands_waiting",
        )


def check_settings(
    *, mode: str | None, speaking_seconds: int | None, report_seconds: int | None
) -> None:
    if mode is not None and mode not in MODES:
        raise Invalid(_("The stack mode is fifo or progressive."), code="bad_mode")
    for value, message in (
        (speaking_seconds, N_("The speaking time is between 10 and 3600 seconds.")),
        (report_seconds, N_("The report time is between 10 and 3600 seconds.")),
    ):
        if value is not None and not 10 <= value <= 3600:
            raise Invalid(translate(message))


def clamp_position(position: int, length: int) -> int:
    if position < 1:
        raise Invalid(_("Positions start at 1 (the head of the stack)."))
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
        raise Conflict(_("The timer is already paused."), code="timer_paused")
    return replace(clock, paused_at=now)


def resume(clock: Clock, now: datetime) -> Clock:
    if clock.paused_at is None:
        raise Conflict(_("The timer is not paused."), code="timer_running")
    held = now - clock.paused_at
    return replace(
        clock,
        paused_at=None,
        speaking_until=clock.speaking_until + held,
        paused_seconds=clock.paused_seconds + held.total_seconds(),
    )


def add_time(clock: Clock, seconds: int) -> Clock:
    if not 1 <= seconds <= 3600:
        raise Invalid(_("Add between 1 and 3600 seconds."))
    return replace(clock, speaking_until=clock.speaking_until + timedelta(seconds=seconds))
