"""The fold of the agenda and the stack into the minutes (pure): each item's clock, who
spoke on it, for how long, and to which hand.

`logic._Fold` inherits these handlers, as it does `DecisionFold`'s; what they share with it is
declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.i18n import translate
from app.minutes import record as r
from app.minutes.words import SIGNAL_LINES
from app.stack.logic import LABELS as HAND_WORDS


def parse_utc(at: str) -> datetime:
    """An event's ISO time (with "Z" or an offset) as an aware UTC datetime."""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)


def seconds_between(start: r.Moment, end: r.Moment) -> int:
    return max(0, int((parse_utc(end.utc) - parse_utc(start.utc)).total_seconds()))


def _hand_words(kind: str, own: Mapping[str, str]) -> str:
    if own.get(f"hand:{kind}"):
        return own[f"hand:{kind}"]
    return translate(HAND_WORDS[kind]) if kind in HAND_WORDS else kind


class AgendaFold:
    """Handlers of agenda and stack events; state shared with the whole fold."""

    at: r.Moment
    items: dict[int, r.Item]
    running: dict[int, r.Moment]  # open item -> when this opening began
    turns: dict[int, r.Speaker]
    block_hands: set[int]
    floor: r.Floor
    own: dict[str, str]  # the assembly's own words for hand kinds and answers (logic.own_words)
    item: Callable[[int | None], r.Item | None]  # DecisionFold's
    add_item: Callable[..., r.Item]  # DecisionFold's

    # -- the agenda --

    def on_agenda_item_added(self, _seq: int, p: Mapping[str, Any]) -> None:
        self.add_item(
            p["item_id"],
            p["position"],
            p["title"],
            p["kind"],
            working_group=p.get("working_group"),
            time_box_minutes=p.get("time_box_minutes"),
        )

    def stop_clock(self, item_id: int, *, closed: bool) -> None:
        item, began = self.items.get(item_id), self.running.pop(item_id, None)
        if item is None or began is None:
            return
        item.used_seconds += seconds_between(began, self.at)
        item.status = "done" if closed else "put back"
        if closed:
            item.closed = self.at

    def on_agenda_item_opened(self, _seq: int, p: Mapping[str, Any]) -> None:
        # Older logs have no previous_status: the item before went back to pending then.
        done = p.get("previous_status") == "done"
        for item_id in list(self.running):
            self.stop_clock(item_id, closed=done)
        before = self.items.get(p.get("previous_item_id") or 0)
        if before is not None:
            if done and p.get("previous_used_seconds") is not None:
                before.used_seconds = int(p["previous_used_seconds"])  # the service's count wins
            if p.get("hands") == "carry":
                before.hands_carried += int(p.get("hand_count") or 0)
            elif p.get("hands") == "clear":
                before.hands_cleared += int(p.get("hand_count") or 0)
        item = self.items.get(p["item_id"])
        if item is not None:
            item.status, item.opened = "open", item.opened or self.at
            self.running[item.item_id] = self.at

    def on_agenda_item_closed(self, _seq: int, p: Mapping[str, Any]) -> None:
        self.stop_clock(p["item_id"], closed=True)
        item = self.items.get(p["item_id"])
        if item is not None and p.get("used_seconds") is not None:
            item.used_seconds = int(p["used_seconds"])  # the service's own count wins

    # -- the stack --

    def on_hand_raised(self, _seq: int, p: Mapping[str, Any]) -> None:
        if p.get("note") == "block" and p.get("entry_id") is not None:
            self.block_hands.add(p["entry_id"])

    on_hand_moved = on_hand_raised

    def on_speaker_called(self, _seq: int, p: Mapping[str, Any]) -> None:
        item = self.item(p.get("agenda_item_id"))
        speakers = item.speakers if item is not None else self.floor.speakers
        speaker = r.Speaker(
            order=len(speakers) + 1,
            name=p.get("name"),  # left out at the end if the assembly so chose
            kind=p.get("kind", "speak"),
            kind_words=_hand_words(p.get("kind", "speak"), self.own),
            started=self.at,
            seconds=None,
            to_a_block=p.get("entry_id") in self.block_hands,
        )
        speakers.append(speaker)
        if p.get("turn_id") is not None:
            self.turns[p["turn_id"]] = speaker

    def on_turn_ended(self, _seq: int, p: Mapping[str, Any]) -> None:
        speaker = self.turns.get(int(p.get("turn_id") or 0))
        if speaker is not None:
            speaker.seconds = int(p.get("seconds") or 0)
            if p.get("signals") in SIGNAL_LINES:
                speaker.signals = p["signals"]

    def speaking_time(self, items: Sequence[r.Item]) -> list[r.SpeakingTime]:
        """Turns and seconds per person, most time first ("step up, step back")."""
        totals: dict[str, r.SpeakingTime] = {}
        for speaker in [*self.floor.speakers, *(s for i in items for s in i.speakers)]:
            name = speaker.name or ""
            entry = totals.setdefault(name, r.SpeakingTime(name, 0, 0))
            entry.turns += 1
            entry.seconds += speaker.seconds or 0
        return sorted(totals.values(), key=lambda t: (-t.seconds, t.name))
