"""The browser session: the cookie holds only a random id, signed; the server keeps, under
that id's hash, the hashes of the tokens and projector keys this browser opened, and when the
session ends (app/sessions). Nothing in the cookie, the table or a log opens a seat."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.assembly.auth import hash_secret
from app.db import Database
from app.sessions.logic import SessionData, due_for_touch, expired, seal, unseal
from app.sessions.service import load_session, save_session, touch_session

COOKIE = "miccheck"
# Cookies of the old kind (tokens in clear) were signed under another salt: they read as none.
SALT = "miccheck-session-id"
MAX_AGE = 60 * 60 * 24 * 400  # the browser keeps the id; the server decides when it ends
# How long a process reuses a session it read (never the member lookup). The cookie names the
# session's version, new at each write, so a change made through another process is seen at once.
CACHE_SECONDS = 10.0
CACHE_SIZE = 20_000


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class BrowserSession:
    """This browser's session: `sid` (None until first saved) and its seats (hashes, and
    tokens sealed under the sid: app/sessions/logic.py `seal`)."""

    sid: str | None = None
    data: SessionData = field(default_factory=SessionData)
    # Tokens to seal when the session is written (the sid may not exist before), by
    # (assembly id, "token" or "pending"); never stored as they are.
    to_seal: dict[tuple[str, str], str] = field(default_factory=dict)

    def token_hash(self, assembly_id: str) -> str | None:
        seat = self.data.seats.get(assembly_id)
        return seat.token_hash if seat else None

    def token(self, assembly_id: str) -> str | None:
        """The participant's token itself, when this browser opened it (for the secret console
        link); None when it holds only the hash (a switch, or a token reissued since)."""
        seat = self.data.seats.get(assembly_id)
        if self.sid is None or seat is None or not seat.sealed_token or not seat.token_hash:
            return None
        return unseal(self.sid, assembly_id, seat.sealed_token, seat.token_hash)

    def projector_key_hash(self, assembly_id: str) -> str | None:
        seat = self.data.seats.get(assembly_id)
        return seat.projector_key_hash if seat else None

    def pending(self, assembly_id: str) -> tuple[str, str] | None:
        """A link's token hash waiting for "switch", and the page it opened."""
        seat = self.data.seats.get(assembly_id)
        if seat is None or not seat.pending_hash or not seat.pending_path:
            return None
        return seat.pending_hash, seat.pending_path

    def sign_in(self, assembly_id: str, token: str) -> None:
        """Hold this participant's token (its hash; sealed) for the assembly; nothing pending."""
        seat = self.data.seat(assembly_id)
        seat.token_hash, seat.sealed_token = hash_secret(token), None
        self.to_seal[(assembly_id, "token")] = token
        self.drop_pending(assembly_id)

    def sign_in_hash(self, assembly_id: str, token_hash: str) -> None:
        """Hold a participant by their token's hash alone (a mirror's pass: the token itself
        never reaches a mirror); nothing pending."""
        seat = self.data.seat(assembly_id)
        seat.token_hash, seat.sealed_token = token_hash, None
        self.to_seal.pop((assembly_id, "token"), None)
        self.drop_pending(assembly_id)

    def take_pending(self, assembly_id: str) -> None:
        """Switch to the pending link's participant (the person confirmed it)."""
        seat = self.data.seat(assembly_id)
        if seat.pending_hash:
            seat.token_hash, seat.sealed_token = seat.pending_hash, seat.pending_sealed
            self.to_seal.pop((assembly_id, "token"), None)
            if (waiting := self.to_seal.pop((assembly_id, "pending"), None)) is not None:
                self.to_seal[(assembly_id, "token")] = waiting
        self.drop_pending(assembly_id)

    def hold_projector_key(self, assembly_id: str, key: str) -> None:
        self.data.seat(assembly_id).projector_key_hash = hash_secret(key)

    def hold_pending(self, assembly_id: str, token: str, path: str) -> None:
        seat = self.data.seat(assembly_id)
        seat.pending_hash, seat.pending_path = hash_secret(token), path
        seat.pending_sealed = None
        self.to_seal[(assembly_id, "pending")] = token

    def drop_pending(self, assembly_id: str) -> bool:
        """Forget a pending link; whether there was one."""
        self.to_seal.pop((assembly_id, "pending"), None)
        seat = self.data.seats.get(assembly_id)
        if seat is None or seat.pending_hash is None:
            return False
        seat.pending_hash = seat.pending_path = seat.pending_sealed = None
        return True

    def seal_tokens(self) -> None:
        """Seal the tokens given since the session was read, under its sid."""
        assert self.sid is not None
        for (assembly_id, kind), token in self.to_seal.items():
            sealed = seal(self.sid, assembly_id, token)
            seat = self.data.seat(assembly_id)
            if kind == "token":
                seat.sealed_token = sealed
            else:
                seat.pending_sealed = sealed
        self.to_seal.clear()


def _copy(data: SessionData) -> SessionData:
    return replace(data, seats={k: replace(v) for k, v in data.seats.items()})


def record_id(sid: str) -> str:
    """The table's key for a session id: a copy of the table names no session."""
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Reads and writes browser sessions: a signed id in the cookie (HttpOnly, SameSite=Lax),
    the session in the database. A session read is one primary-key read, reused for
    CACHE_SECONDS by this process; the participant behind it is looked up by its hash on every
    request (app/assembly/auth.py authenticate_hash), so a reissued or removed one is refused
    at once. `clock` gives the time (tests set it)."""

    def __init__(self, secret: str, *, db: Database, secure: bool, lifetime: timedelta) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.db = db
        self.secure = secure
        self.lifetime = lifetime
        self.clock: Callable[[], datetime] = _utcnow
        self._cache: dict[str, tuple[float, SessionData]] = {}
        self._lock = threading.Lock()

    def _sid_of(self, conn: HTTPConnection) -> tuple[str, str] | None:
        """The session id in the cookie, and the version of the session it was last given
        with (a new one each write: another process's cached copy is then not used)."""
        raw = conn.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw)
        except BadSignature:
            return None
        if not (isinstance(value, list) and len(value) == 2):
            return None
        sid, version = value
        if not (isinstance(sid, str) and 20 <= len(sid) <= 64 and isinstance(version, str)):
            return None
        return sid, version

    def _load(self, key: str, version: str, *, keep: bool = True) -> SessionData | None:
        with self._lock:
            cached = self._cache.get(f"{key}:{version}")
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        data = load_session(db=self.db, record_id=key)
        if data is not None and keep:
            self._remember(key, version, data)
        return data

    def _remember(self, key: str, version: str, data: SessionData) -> None:
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[f"{key}:{version}"] = (time.monotonic(), data)

    def forget_cached(self) -> None:
        """Drop what this process remembers (tests: another process changed a session)."""
        with self._lock:
            self._cache.clear()

    def read(self, conn: HTTPConnection) -> BrowserSession:
        """This browser's session; an empty one when it has none, or its session expired."""
        found = self._sid_of(conn)
        if found is None:
            return BrowserSession()
        sid, version = found
        key = record_id(sid)
        # A socket reads its session once, as it opens: keeping it would only hold memory for
        # each of a room's sockets (the page's own request, just before, cached it if useful).
        data = self._load(key, version, keep=conn.scope["type"] != "websocket")
        now = self.clock()
        if data is None or expired(data, now):
            return BrowserSession()
        if due_for_touch(data, now):  # in use: extended, at most once an hour
            data = replace(
                data,
                last_seen_at=now,
                expires_at=touch_session(
                    db=self.db, record_id=key, now=now, lifetime=self.lifetime
                ),
            )
            self._remember(key, version, data)
        return BrowserSession(sid=sid, data=_copy(data))

    def write(self, response: Response, session: BrowserSession) -> None:
        """Save the session (a new one gets its id, and expired ones are cleared out a batch
        at a time) and set the cookie."""
        now = self.clock()
        new = session.sid is None
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.data = replace(session.data, created_at=None)
        session.seal_tokens()
        key = record_id(session.sid)
        saved = save_session(
            db=self.db,
            record_id=key,
            data=session.data,
            now=now,
            lifetime=self.lifetime,
            clear_expired=new,
        )
        version = secrets.token_hex(4)
        self._remember(key, version, _copy(saved))
        response.set_cookie(
            COOKIE,
            self._serializer.dumps([session.sid, version]),
            max_age=max(MAX_AGE, int(self.lifetime.total_seconds())),
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )


def same_origin(conn: HTTPConnection) -> bool:
    """Cookie-authenticated writes must come from our own pages (Origin, else Referer)."""
    source = conn.headers.get("origin") or conn.headers.get("referer")
    if not source:
        # Old browsers send neither on same-site form posts; SameSite=Lax covers cross-site.
        return True
    if source == "null":
        return False
    host = conn.headers.get("host", "")
    origin = urlsplit(source)
    # Scheme, host and port: http://host is not https://host (behind a proxy the scheme is the
    # one X-Forwarded-Proto gives, from MICCHECK_FORWARDED_ALLOW_IPS only).
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    return origin.scheme.lower() == scheme and origin.netloc.lower() == host.lower()
