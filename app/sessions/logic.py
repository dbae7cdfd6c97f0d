"""Pure rules of browser sessions: what a session holds per assembly, and when it ends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# A session in use is extended (last seen, expiry) at most this often: reads stay reads.
TOUCH_EVERY = timedelta(hours=1)


@dataclass(slots=True)  # one per assembly per cached session: kept small
class Seat:
    """What one browser holds for one assembly, as SHA-256 hashes (app/assembly/auth.py
    hash_secret): the participant's token, the projector key, and a link's token waiting for
    the person to confirm a switch (`pending`, with `pending_path`, the page it opened)."""

    token_hash: str | None = None
    projector_key_hash: str | None = None
    pending_hash: str | None = None
    pending_path: str | None = None
    # The token sealed under a key derived from the cookie's session id (`seal`), which the
    # server does not keep: only this browser can have it opened, for its secret console link.
    sealed_token: str | None = None
    pending_sealed: str | None = None

    def is_empty(self) -> bool:
        return self.token_hash is None and self.projector_key_hash is None and not self.pending_hash


@dataclass(slots=True)
class SessionData:
    """A browser session: its seats by assembly id, and its times (UTC)."""

    seats: dict[str, Seat] = field(default_factory=dict)
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    expires_at: datetime | None = None

    def seat(self, assembly_id: str) -> Seat:
        """The seat for `assembly_id`, added empty when the browser holds nothing there yet."""
        return self.seats.setdefault(assembly_id, Seat())


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every time here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def expired(data: SessionData, now: datetime) -> bool:
    return data.expires_at is not None and aware(data.expires_at) <= now


def due_for_touch(data: SessionData, now: datetime) -> bool:
    """A session in use is extended once TOUCH_EVERY has passed since it was last seen."""
    return data.last_seen_at is None or now - aware(data.last_seen_at) >= TOUCH_EVERY


def dump_seats(seats: dict[str, Seat]) -> str:
    out: dict[str, dict[str, str]] = {}
    for assembly_id, seat in seats.items():
        if seat.is_empty():
            continue
        entry = {
            "t": seat.token_hash,
            "p": seat.projector_key_hash,
            "w": seat.pending_hash,
            "to": seat.pending_path,
            "s": seat.sealed_token,
            "ws": seat.pending_sealed,
        }
        out[assembly_id] = {k: v for k, v in entry.items() if v is not None}
    return json.dumps(out, separators=(",", ":"), sort_keys=True)


def load_seats(raw: str) -> dict[str, Seat]:
    """The seats as stored; anything malformed counts as nothing held."""
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    seats: dict[str, Seat] = {}
    for assembly_id, entry in data.items():
        if not isinstance(entry, dict):
            continue
        values = {k: v if isinstance(v, str) else None for k, v in entry.items()}
        seats[str(assembly_id)] = Seat(
            token_hash=values.get("t"),
            projector_key_hash=values.get("p"),
            pending_hash=values.get("w"),
            pending_path=values.get("to"),
            sealed_token=values.get("s"),
            pending_sealed=values.get("ws"),
        )
    return seats


def _keystream(sid: str, assembly_id: str, nonce: bytes, length: int) -> bytes:
    """HMAC-SHA256 in counter mode, keyed by the session id (which only the cookie holds)."""
    blocks = b""
    counter = 0
    while len(blocks) < length:
        message = b"seal|" + assembly_id.encode() + b"|" + nonce + counter.to_bytes(4, "big")
        blocks += hmac.new(sid.encode(), message, hashlib.sha256).digest()
        counter += 1
    return blocks[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(sid: str, assembly_id: str, token: str) -> str:
    """`token` encrypted under a key derived from `sid` (fresh nonce each time): the table alone
    cannot open it, since it keeps only the SHA-256 of the id."""
    nonce = secrets.token_bytes(16)
    data = token.encode()
    mixed = _xor(data, _keystream(sid, assembly_id, nonce, len(data)))
    return base64.urlsafe_b64encode(nonce + mixed).decode()


def unseal(sid: str, assembly_id: str, sealed: str, token_hash: str) -> str | None:
    """The sealed token, when it is the one whose hash is `token_hash`; else None."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    nonce, mixed = raw[:16], raw[16:]
    if len(nonce) < 16 or not mixed:
        return None
    data = _xor(mixed, _keystream(sid, assembly_id, nonce, len(mixed)))
    try:
        token = data.decode()
    except UnicodeDecodeError:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()  # as app/assembly/auth.py hash_secret
    return token if hmac.compare_digest(digest, token_hash) else None
