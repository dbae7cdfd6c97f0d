"""The signed browser session: which assemblies this browser has joined, and projector keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

COOKIE = "miccheck"
MAX_AGE = 60 * 60 * 24 * 120  # minutes are read months later; a phone keeps its seat a while


@dataclass
class BrowserSession:
    """Participant tokens and projector keys, by assembly id."""

    tokens: dict[str, str] = field(default_factory=dict)
    projector_keys: dict[str, str] = field(default_factory=dict)


class SessionCodec:
    """Signs and reads the session cookie (HttpOnly, SameSite=Lax)."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self._serializer = URLSafeSerializer(secret, salt="miccheck-session")
        self.secure = secure

    def read(self, conn: HTTPConnection) -> BrowserSession:
        raw = conn.cookies.get(COOKIE)
        if not raw:
            return BrowserSession()
        try:
            data = self._serializer.loads(raw)
        except BadSignature:
            return BrowserSession()
        if not isinstance(data, dict):
            return BrowserSession()
        tokens = data.get("t")
        keys = data.get("p")
        if not isinstance(tokens, dict) or not isinstance(keys, dict):
            return BrowserSession()
        return BrowserSession(
            tokens={str(k): str(v) for k, v in tokens.items()},
            projector_keys={str(k): str(v) for k, v in keys.items()},
        )

    def write(self, response: Response, session: BrowserSession) -> None:
        value = self._serializer.dumps({"t": session.tokens, "p": session.projector_keys})
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
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
