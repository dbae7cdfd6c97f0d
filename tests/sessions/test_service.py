"""Browser sessions in the database (app/sessions/service.py), on SQLite and PostgreSQL: times
come back as the same UTC moments, expired rows go a batch at a time, seats round-trip."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from app.db import Database
from app.sessions.logic import Seat, SessionData, aware, expired, seal, unseal
from app.sessions.service import delete_expired, load_session, save_session, touch_session

NOW = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)
DAYS_30 = timedelta(days=30)
HASH = "a" * 64


def saved(db: Database, record_id: str, now: datetime = NOW) -> SessionData:
    data = SessionData(seats={"GA1": Seat(token_hash=HASH, projector_key_hash="b" * 64)})
    return save_session(db=db, record_id=record_id, data=data, now=now, lifetime=DAYS_30)


def test_a_saved_session_loads_with_its_seats_and_utc_times(any_db: Database) -> None:
    saved(any_db, "r1")
    loaded = load_session(db=any_db, record_id="r1")
    assert loaded is not None
    assert loaded.seats == {"GA1": Seat(token_hash=HASH, projector_key_hash="b" * 64)}
    assert loaded.created_at is not None and aware(loaded.created_at) == NOW
    assert loaded.expires_at is not None and aware(loaded.expires_at) == NOW + DAYS_30
    assert not expired(loaded, NOW + DAYS_30 - timedelta(seconds=1))
    assert expired(loaded, NOW + DAYS_30)
    assert load_session(db=any_db, record_id="nobody") is None


def test_touching_extends_and_saving_again_keeps_the_creation_time(any_db: Database) -> None:
    first = saved(any_db, "r1")
    later = NOW + timedelta(days=10)
    assert touch_session(db=any_db, record_id="r1", now=later, lifetime=DAYS_30) == later + DAYS_30
    loaded = load_session(db=any_db, record_id="r1")
    assert loaded is not None and loaded.expires_at is not None
    assert aware(loaded.expires_at) == later + DAYS_30
    resaved = save_session(db=any_db, record_id="r1", data=first, now=later, lifetime=DAYS_30)
    assert resaved.created_at is not None and aware(resaved.created_at) == NOW


def test_expired_sessions_are_deleted_a_batch_at_a_time(any_db: Database) -> None:
    for n in range(5):
        saved(any_db, f"old{n}", now=NOW - DAYS_30 - timedelta(minutes=n))
    saved(any_db, "current")
    assert delete_expired(db=any_db, now=NOW, limit=3) == 3
    assert delete_expired(db=any_db, now=NOW, limit=3) == 2
    assert delete_expired(db=any_db, now=NOW) == 0
    assert load_session(db=any_db, record_id="current") is not None
    # A new session clears expired ones in its own transaction.
    saved(any_db, "old-again", now=NOW - DAYS_30 - timedelta(days=1))
    data = SessionData(seats={"GA2": Seat(token_hash=HASH)})
    save_session(
        db=any_db, record_id="new", data=data, now=NOW, lifetime=DAYS_30, clear_expired=True
    )
    assert load_session(db=any_db, record_id="old-again") is None


def test_a_sealed_token_opens_only_with_the_session_id_and_the_right_hash() -> None:
    token = "Zk3q-a-participant-token_0123456789abcdefghijk"
    digest = hashlib.sha256(token.encode()).hexdigest()
    sealed = seal("the-cookies-session-id-0123456789", "GA1", token)
    assert token not in sealed
    assert unseal("the-cookies-session-id-0123456789", "GA1", sealed, digest) == token
    assert unseal("another-session-id-0123456789abc", "GA1", sealed, digest) is None
    assert unseal("the-cookies-session-id-0123456789", "GA2", sealed, digest) is None
    assert unseal("the-cookies-session-id-0123456789", "GA1", sealed, HASH) is None
    assert unseal("the-cookies-session-id-0123456789", "GA1", "not base64!", digest) is None
    assert seal("the-cookies-session-id-0123456789", "GA1", token) != sealed  # a fresh nonce
