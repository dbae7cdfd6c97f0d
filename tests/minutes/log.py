"""A hand-written event log of one assembly, hash-chained like the real one: the minutes'
fold tested on small logs (test_logic.py, test_html.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.events.chain import GENESIS_HASH, event_hash
from app.events.service import utc_stamp
from app.minutes.logic import fold_minutes
from app.minutes.record import Minutes

START = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)


class Log:
    """A hand-written event log of one assembly, hash-chained like the real one."""

    def __init__(self, **created: Any) -> None:
        self.events: list[dict[str, Any]] = []
        self.moment = START
        self.add(
            "assembly_created",
            {
                "title": "Riverside GA",
                "location": "North lawn",
                "time_zone": "America/New_York",
                "visibility": "public",
                "decision_rule": {"kind": "modified_consensus", "threshold": "9/10"},
                "facilitator": {"participant_id": 1, "name": "Noor"},
                **created,
            },
        )

    def add(self, type: str, payload: dict[str, Any], *, after: int = 0, actor: int = 1) -> int:
        self.moment += timedelta(seconds=after)
        prev = self.events[-1]["hash"] if self.events else GENESIS_HASH
        event = {
            "assembly_id": "A1",
            "seq": len(self.events) + 1,
            "at": utc_stamp(self.moment),
            "actor_id": actor,
            "type": type,
            "payload": payload,
            "prev_hash": prev,
        }
        event["hash"] = event_hash(event)
        self.events.append(event)
        return int(event["seq"])

    def item(self, item_id: int, title: str = "Kitchen report", **more: Any) -> None:
        payload = {"item_id": item_id, "position": item_id, "title": title, "kind": "report"}
        self.add("agenda_item_added", {"time_box_minutes": 5, **payload, **more})

    def note(self, text: str, *, after: int = 0, **more: Any) -> int:
        payload = {"text": text, "label": None, "agenda_item_id": None, "by": "Ruth", **more}
        return self.add("note_taken", payload, after=after)

    def action(self, text: str, *, after: int = 0, **more: Any) -> int:
        payload = {"text": text, "who": None, "due": None, "proposal_id": None,
                   "agenda_item_id": None, "by": "Ruth", **more}  # fmt: skip
        return self.add("action_item_recorded", payload, after=after)

    def fold(self, **options: Any) -> Minutes:
        return fold_minutes(self.events, **options)
