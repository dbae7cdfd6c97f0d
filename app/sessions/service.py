"""Browser sessions in the database: read one by its id, save, extend, clear out expired ones.

Sessions are not part of any assembly's record, so no event is appended for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db import Database
from app.sessions.logic import SessionData, dump_seats, load_seats
from app.sessions.models import BrowserSessionRecord

CLEANUP_BATCH = 200  # expired rows deleted per sign-in: bounded work on a request


def load_session(*, db: Database, record_id: str) -> SessionData | None:
    """The session stored under `record_id` (one primary-key read), expired or not."""
    with db.read() as session:
        record = session.get(BrowserSessionRecord, record_id)
    if record is None:
        return None
    return SessionData(
        seats=load_seats(record.seats_json),
        created_at=record.created_at,
        last_seen_at=record.last_seen_at,
        expires_at=record.expires_at,
    )


def save_session(
    *,
    db: Database,
    record_id: str,
    data: SessionData,
    now: datetime,
    lifetime: timedelta,
    clear_expired: bool = False,
) -> SessionData:
    """Store the seats under `record_id`, seen now and ending `lifetime` from now; with
    `clear_expired` (a new session), delete a batch of expired ones in the same transaction."""
    saved = SessionData(
        seats=data.seats,
        created_at=data.created_at or now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    with db.write() as session:
        if clear_expired:
            _delete_expired(session, now, CLEANUP_BATCH)
        record = session.get(BrowserSessionRecord, record_id)
        if record is None:
            assert saved.created_at is not None and saved.expires_at is not None
            record = BrowserSessionRecord(
                id=record_id,
                seats_json=dump_seats(saved.seats),
                created_at=saved.created_at,
                last_seen_at=now,
                expires_at=saved.expires_at,
            )
        else:
            record.seats_json = dump_seats(saved.seats)
            record.last_seen_at = now
            assert saved.expires_at is not None
            record.expires_at = saved.expires_at
        session.add(record)
    return saved


def touch_session(*, db: Database, record_id: str, now: datetime, lifetime: timedelta) -> datetime:
    """A session in use: seen now, ending `lifetime` from now (its seats untouched)."""
    expires = now + lifetime
    with db.write() as session:
        record = session.get(BrowserSessionRecord, record_id)
        if record is not None:
            record.last_seen_at = now
            record.expires_at = expires
            session.add(record)
    return expires


def delete_expired(*, db: Database, now: datetime, limit: int = CLEANUP_BATCH) -> int:
    """Delete up to `limit` expired sessions; how many went."""
    with db.write() as session:
        return _delete_expired(session, now, limit)


def _delete_expired(session: Session, now: datetime, limit: int) -> int:
    ids = session.exec(
        select(BrowserSessionRecord.id)
        .where(col(BrowserSessionRecord.expires_at) <= now)
        .limit(limit)
    ).all()
    if ids:
        session.connection().execute(
            delete(BrowserSessionRecord).where(col(BrowserSessionRecord.id).in_(ids))
        )
    return len(ids)
