"""The board: this process's memory of the room's recent hand signals, for the wall's meter.

Signals are never written to the database nor to the event log: they are ambient, anonymous
and many (2,000 phones twinkling at once would serialize 2,000 writes). Each process keeps
the signals of the turn on the floor for as long as the meter shows them, without a name;
the bus brings every process each signal as a marker (`marker`, `hear`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from app.signals.logic import EVERY_SECONDS, FADE_SECONDS, KINDS, Signal, may_signal, meter

PREFIX = "signal:"  # a marker on the bus: "signal:<turn id>:<kind>[:<how many>]"
FEWEST_FOR_FULL = 5.0  # below this much weight in all, the meter's glows stay small


MOST_IN_A_MARKER = 100_000  # more than any room sends in one batch: a bigger count is garbage


def marker(turn_id: int, kind: str, count: int = 1) -> str:
    """The bus marker of `count` signals of one kind about one turn (markers are a set, so a
    batch says how many it carries)."""
    return f"{PREFIX}{turn_id}:{kind}" + (f":{count}" if count != 1 else "")


def parse_marker(text: str) -> tuple[int, str, int] | None:
    """A marker's turn, kind and count, or None for anything else."""
    turn, _sep, rest = text.removeprefix(PREFIX).partition(":")
    kind, _sep, count = rest.partition(":")
    if not text.startswith(PREFIX) or not turn.isdigit() or kind not in KINDS:
        return None
    if not count:
        return int(turn), kind, 1
    if not count.isdigit() or not 0 < int(count) <= MOST_IN_A_MARKER:
        return None
    return int(turn), kind, int(count)


@dataclass(frozen=True)
class Showing:
    """What the meter shows at `at` (seconds since the epoch) for the turn on the floor."""

    turn_id: int | None  # None: nobody speaks
    at: float
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 0.0))
    until: dict[str, float] = field(default_factory=dict)  # when each kind's last one fades

    @property
    def speaking(self) -> bool:
        return self.turn_id is not None

    def level(self, kind: str) -> float:
        """A glow's size from 0 to 1: its share of the room's signals, small while they are few
        (a shape, never a count: the meter must not read as a vote)."""
        total = sum(self.weights.values())
        return round(self.weights.get(kind, 0.0) / max(total, FEWEST_FOR_FULL), 3)

    @property
    def at_ms(self) -> int:
        """`at` in ms since the epoch; 0 for a dark meter (it shows the same whenever read)."""
        return int(self.at * 1000) if self.until else 0

    def until_ms(self, kind: str) -> int:
        """When the kind's glow reaches nothing, in ms since the epoch (for static/signals.js);
        0 for a kind with nothing showing."""
        return int(self.until[kind] * 1000) if kind in self.until else 0


class _Turn:
    def __init__(self, turn_id: int) -> None:
        self.turn_id = turn_id
        self.signals: deque[Signal] = deque()  # in the order heard, so oldest first
        self.counts: Counter[str] = Counter()  # all the turn got, faded or not: no names


class Board:
    """Recent signals per assembly (the turn on the floor only) and, for the 1-per-5-s rule,
    when each person last signalled. Thread-safe: services claim from the threadpool, the hub
    hears on the loop, renders read from threads."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._turns: dict[str, _Turn] = {}
        # Rate limiting, not a record: a moment per (assembly, participant), dropped once 5 s
        # have passed; kept in the order of those moments so the oldest go first.
        self._last: dict[tuple[str, int], float] = {}

    def claim(self, assembly_id: str, participant_id: int) -> float:
        """Take the person's turn to signal now: 0.0 if they may, else the seconds to wait."""
        now = self.clock()
        key = (assembly_id, participant_id)
        with self._lock:
            self._forget_moments(now)
            last = self._last.get(key)
            if not may_signal(last, now):
                assert last is not None
                return EVERY_SECONDS - (now - last)
            self._last.pop(key, None)
            self._last[key] = now  # to the end: the dict stays in order of moments
            return 0.0

    def hear(self, assembly_id: str, text: str) -> bool:
        """Add the signal a bus marker carries; False for a marker that is not one."""
        parsed = parse_marker(text)
        if parsed is None:
            return False
        self.add(assembly_id, *parsed)
        return True

    def add(self, assembly_id: str, turn_id: int, kind: str, count: int = 1) -> None:
        """Note `count` signals about `turn_id`, made now; a new turn forgets the last one's."""
        now = self.clock()
        with self._lock:
            turn = self._turns.get(assembly_id)
            if turn is None or turn.turn_id != turn_id:
                if turn is not None and turn.turn_id > turn_id:
                    return  # late news about a turn already over
                turn = self._turns[assembly_id] = _Turn(turn_id)
            turn.signals.extend([Signal(kind, now)] * count)
            turn.counts[kind] += count
            self._prune(turn, now)

    def tally(self, assembly_id: str, turn_id: int) -> dict[str, int]:
        """How many signals of each kind `turn_id` got while it ran (for the minutes' one line
        about it, when the assembly keeps one): counts, never who; empty for a turn not held."""
        with self._lock:
            turn = self._turns.get(assembly_id)
            if turn is None or turn.turn_id != turn_id:
                return {}
            return dict(turn.counts)

    def showing(self, assembly_id: str, turn_id: int | None) -> Showing:
        """The meter for the turn on the floor now (`turn_id`; None when nobody speaks)."""
        now = self.clock()
        with self._lock:
            turn = self._turns.get(assembly_id)
            if turn is None or turn_id is None or turn.turn_id != turn_id:
                if turn is not None and (turn_id is None or turn.turn_id < turn_id):
                    del self._turns[assembly_id]  # that turn is over
                return Showing(turn_id, now)
            self._prune(turn, now)
            signals = tuple(turn.signals)
        until: dict[str, float] = {}
        for signal in signals:  # oldest first: the last one of a kind fades last
            until[signal.kind] = signal.at + FADE_SECONDS
        return Showing(turn_id, now, meter(signals, now), until)

    def _prune(self, turn: _Turn, now: float) -> None:
        while turn.signals and now - turn.signals[0].at >= FADE_SECONDS:
            turn.signals.popleft()

    def _forget_moments(self, now: float) -> None:
        while self._last:
            key, at = next(iter(self._last.items()))
            if now - at < EVERY_SECONDS:
                break
            del self._last[key]
