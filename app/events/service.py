"""Appending to and reading the event log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, update
from sqlmodel import Session, col, select

from app import clock
from app.errors import Conflict
from app.events.chain import GENESIS_HASH, event_hash
from app.events.models import Event, EventHead
from app.i18n import _

EVENT: Table = Event.__table__  # type: ignore[attr-defined]
HEAD: Table = EventHead.__table__  # type: ignore[attr-defined]


def utc_stamp(moment: datetime | None = None) -> str:
    """UTC with microseconds and a trailing Z: the form that is hashed."""
    moment = (moment or clock.now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append_event(
    session: Session,
    assembly_id: str,
    actor_id: int | None,
    type: str,
    payload: dict[str, Any],
) -> Event:
    """Append one event inside the caller's write transaction; returns it as written.

    The head row is locked first (FOR UPDATE on PostgreSQL; SQLite writers already hold
    the database lock under BEGIN IMMEDIATE), so seq is gap-free and the chain linear.
    Plain SQL statements on the session's connection, not the ORM's unit of work: every
    change appends, and an answer in a call is mostly this (half its cost went to flushes).
    """
    connection = session.connection()
    head = connection.execute(
        select(EventHead.seq, EventHead.hash, EventHead.follows)
        .where(EventHead.assembly_id == assembly_id)
        .with_for_update()
    ).first()
    if head is not None and head.follows is not None:
        raise read_only_copy()
    prev_seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    seq, at = prev_seq + 1, utc_stamp()
    body = {
        "assembly_id": assembly_id,
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "type": type,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    digest = event_hash(body)
    row: dict[str, Any] = {
        "assembly_id": assembly_id,
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "type": type,
        "payload_json": json.dumps(payload, sort_keys=True, ensure_ascii=False),
        "prev_hash": prev_hash,
        "hash": digest,
    }
    connection.execute(insert(EVENT), row)
    if head is None:
        connection.execute(insert(HEAD), {"assembly_id": assembly_id, "seq": seq, "hash": digest})
    else:
        connection.execute(
            update(HEAD).where(HEAD.c.assembly_id == assembly_id), {"seq": seq, "hash": digest}
        )
    return Event(**row)


def read_only_copy() -> Conflict:
    """The refusal of any change to an assembly whose log this server only follows."""
    return Conflict(
        _(
            "This server holds a copy of this assembly (an import or a mirror): it can be "
            "read here, not changed, unless a facilitator takes over on this copy."
        ),
        code="read_only_copy",
    )


def store_event(session: Session, record: Mapping[str, Any], *, follows: str | None) -> None:
    """Store an event exactly as it was written elsewhere (an export being imported, a mirror
    following its primary), and move the head to it. The caller has verified that it links
    to the current head; `follows` says whose copy the log now is (None: this server's own)."""
    connection = session.connection()
    payload = record["payload"]
    connection.execute(
        insert(EVENT),
        {
            "assembly_id": record["assembly_id"],
            "seq": record["seq"],
            "at": record["at"],
            "actor_id": record.get("actor_id"),
            "type": record["type"],
            "payload_json": json.dumps(payload, sort_keys=True, ensure_ascii=False),
            "prev_hash": record["prev_hash"],
            "hash": record["hash"],
        },
    )
    head = {"seq": record["seq"], "hash": record["hash"], "follows": follows}
    moved = connection.execute(
        update(HEAD).where(HEAD.c.assembly_id == record["assembly_id"]), head
    )
    if moved.rowcount == 0:
        connection.execute(insert(HEAD), {"assembly_id": record["assembly_id"], **head})


def follows_of(session: Session, assembly_id: str) -> str | None:
    """Whose copy this server's log of the assembly is: None (its own), "import", or the
    primary's address a mirror follows."""
    return session.exec(
        select(EventHead.follows).where(EventHead.assembly_id == assembly_id)
    ).first()


def head_of(session: Session, assembly_id: str) -> int:
    """The assembly's newest seq (0 before its first event)."""
    seq = session.exec(select(EventHead.seq).where(EventHead.assembly_id == assembly_id)).first()
    return seq or 0


def hash_at(session: Session, assembly_id: str, seq: int) -> str:
    """The chain's hash as it stood at `seq`: event `seq`'s own (the genesis hash before any)."""
    if seq <= 0:
        return GENESIS_HASH
    digest = session.exec(
        select(Event.hash).where(Event.assembly_id == assembly_id, Event.seq == seq)
    ).first()
    return digest or GENESIS_HASH


def events_after(
    session: Session, assembly_id: str, after: int = 0, up_to: int | None = None
) -> list[Event]:
    """Events with seq > after (and <= up_to), in order."""
    query = select(Event).where(Event.assembly_id == assembly_id, Event.seq > after)
    if up_to is not None:
        query = query.where(Event.seq <= up_to)
    return list(session.exec(query.order_by(col(Event.seq))).all())


def event_record(event: Event) -> dict[str, Any]:
    """The export form of one event (docs/api.md)."""
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
