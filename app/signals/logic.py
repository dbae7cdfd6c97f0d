"""Pure rules of the room's hand signals: what one person may send, how the wall's meter fades,
and the one line a turn may leave in the minutes.

A signal carries its kind and when it was made, never who made it: the meter shows the room's
mood, not anyone's. Each signal counts fully when made and fades to nothing over FADE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KINDS = ("agree", "unsure", "disagree")  # up-twinkles, so-so, down-twinkles
FADE_SECONDS = 20.0
EVERY_SECONDS = 5.0  # one signal per person this often
MOSTLY = 2 / 3  # a share of a turn's signals that makes it "mostly" one kind
FEWEST_FOR_A_LINE = 3  # fewer signals in a turn leave no line in the minutes


@dataclass(frozen=True)
class Signal:
    """One hand signal: its kind and the moment (seconds on one clock) it was made."""

    kind: str
    at: float


def may_signal(last_at: float | None, now: float) -> bool:
    """Whether a person whose last signal was at `last_at` may signal again now."""
    return last_at is None or now - last_at >= EVERY_SECONDS


def weight(age: float) -> float:
    """How much a signal made `age` seconds ago still shows: 1 when made, 0 from FADE_SECONDS."""
    if age <= 0:
        return 1.0
    return max(0.0, 1.0 - age / FADE_SECONDS)


def meter(signals: Iterable[Signal], now: float) -> dict[str, float]:
    """The wall's meter now: each kind's faded weight (a signal from the future counts fully)."""
    shown = dict.fromkeys(KINDS, 0.0)
    for signal in signals:
        if signal.kind in shown:
            shown[signal.kind] += weight(now - signal.at)
    return shown


def still_showing(signals: Iterable[Signal], now: float) -> list[Signal]:
    """The signals the meter still shows: what a holder of recent signals keeps."""
    return [s for s in signals if weight(now - s.at) > 0]


def turn_line(counts: Mapping[str, int]) -> str | None:
    """The minutes' line for one turn's signals, when the assembly keeps one: "mostly agree",
    "mostly unsure", "mostly disagree" or "mixed"; None for too few to say anything."""
    total = sum(counts.get(kind, 0) for kind in KINDS)
    if total < FEWEST_FOR_A_LINE:
        return None
    for kind in KINDS:
        if counts.get(kind, 0) >= MOSTLY * total:
            return f"mostly {kind}"
    return "mixed"
