"""Rebuilding tables from the log: what a projection of one event type is given.

The tables are a projection of the log (docs/architecture.md, "The log is the truth"): each
concept's `projection.py` maps the event types it appends to a function that applies one event
to that concept's tables, and `app/copies` replays an export through them into empty tables.
A projection writes what the event says, never asks the clock, and checks nothing a service
already checked when the event was first appended.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session

from app.errors import Invalid
from app.i18n import _


@dataclass(frozen=True)
class Replayed:
    """One event of an export, ready to apply: `at` parsed, `payload` a dict."""

    assembly_id: str
    seq: int
    at: datetime
    actor_id: int | None
    type: str
    payload: dict[str, Any]
    # Who gave an open anonymous round's answer: told to a mirror beside the event (never in
    # the log or an export; `app/blocks/owners.py`), None everywhere else.
    owner: int | None = None

    def moment(self, key: str) -> datetime | None:
        """A timestamp the payload carries (ISO 8601), or None."""
        return parse_moment(self.payload.get(key))


Projection = Callable[[Session, Replayed], None]
Row = TypeVar("Row")


class NotInLog(Invalid):
    """A log that names a row no earlier event made: not a whole assembly's log."""


def earlier(session: Session, event: Replayed, model: type[Row], key: Any) -> Row:
    """The row of `model` with primary key `key`, which an earlier event made."""
    row = session.get(model, key)
    if row is None:
        raise NotInLog(
            _("Event {seq} names {table} {key}, which no earlier event made.").format(
                seq=event.seq, table=getattr(model, "__tablename__", model.__name__), key=key
            ),
            code="not_in_log",
        )
    return row


def parse_stamp(stamp: str) -> datetime:
    """An event's `at` ("2026-03-14T23:05:10.000000Z") as an aware UTC datetime."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from a payload, as an aware datetime in UTC; None stays None."""
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def replayed(record: Mapping[str, Any], *, owner: int | None = None) -> Replayed:
    """An export record (docs/api.md, "Event export and the hash chain") as a Replayed; a
    mirror also gives the owner of an open anonymous answer its primary told it."""
    payload = record["payload"]
    return Replayed(
        assembly_id=str(record["assembly_id"]),
        seq=int(record["seq"]),
        at=parse_stamp(str(record["at"])),
        actor_id=record.get("actor_id"),
        type=str(record["type"]),
        payload=json.loads(payload) if isinstance(payload, str) else dict(payload),
        owner=owner,
    )
