"""Appending to and reading the event log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.events.chain import GENESIS_HASH, event_hash
from app.events.models import Event, EventHead


def utc_stamp(moment: datetime | None = None) -> str:
    """UTC with microseconds and a trailing Z: the form that is hashed."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append_event(
    session: Session,
    assembly_id: str,
    actor_id: int | None,
    type: str,
    payload: dict[str, Any],
) -> Event:
    """Append one event inside the caller's write transaction.

    The head row is locked first (FOR UPDATE on PostgreSQL; SQLite writers already hold
    the database lock under BEGIN IMMEDIATE), so seq is gap-free and the chain linear.
    """
    head = session.exec(
        select(EventHead).where(EventHead.assembly_id == assembly_id).with_for_update()
    ).first()
    if head is None:
        head = EventHead(assembly_id=assembly_id, seq=0, hash=GENESIS_HASH)
    seq, at = head.seq + 1, utc_stamp()
    body = {
        "assembly_id": assembly_id,
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "type": type,
        "payload": payload,
        "prev_hash": head.hash,
    }
    digest = event_hash(body)
    event = Event(
        assembly_id=assembly_id,
        seq=seq,
        at=at,
        actor_id=actor_id,
        type=type,
        payload_json=json.dumps(payload, sort_keys=True, ensure_ascii=False),
        prev_hash=head.hash,
        hash=digest,
    )
    head.seq = event.seq
    head.hash = digest
    session.add(head)
    session.add(event)
    session.flush()
    return event


def head_of(session: Session, assembly_id: str) -> int:
    """The assembly's newest seq (0 before its first event)."""
    seq = session.exec(select(EventHead.seq).where(EventHead.assembly_id == assembly_id)).first()
    return seq or 0


def events_after(
    session: Session, assembly_id: str, after: int = 0, up_to: int | None = None
) -> list[Event]:
    """Events with seq > after (and <= up_to), in order."""
    query = select(Event).where(Event.assembly_id == assembly_id, Event.seq > after)
    if up_to is not None:
        query = query.where(Event.seq <= up_to)
    return list(session.exec(query.order_by(col(Event.seq))).all())


def event_record(event: Event) -> dict[str, Any]:
    """The export form of one event (API.md)."""
    return {
        "assembly_id": event.assembly_id,
        "seq": event.seq,
        "at": event.at,
        "actor_id": event.actor_id,
        "type": event.type,
        "payload": json.loads(event.payload_json),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def export_events(session: Session, assembly_id: str, after: int = 0) -> dict[str, Any]:
    """The event export file: every event after `after` plus the head."""
    events = [event_record(e) for e in events_after(session, assembly_id, after)]
    head = session.exec(select(EventHead).where(EventHead.assembly_id == assembly_id)).first()
    return {
        "assembly_id": assembly_id,
        "events": events,
        "head": {"seq": head.seq, "hash": head.hash} if head else {"seq": 0, "hash": GENESIS_HASH},
    }
