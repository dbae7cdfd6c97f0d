"""Security headers on every HTTP response: what a page may load and who may frame it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts only from files the server serves (no inline script, no eval: forms say what to do
# after success in data-after-success, static/live.js does it); styles may be inline (htmx adds
# its indicator style, meters set their width); sockets to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# /docs: FastAPI's Swagger UI page starts its bundle with an inline script.
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """CSP (no framing: frame-ancestors), no sniffing, referrers only to this site (keys travel
    in links), and HSTS when `production` (cookies are Secure there: the site is https only)."""

    def __init__(self, app: ASGIApp, *, production: bool = False) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] == "/docs" else CONTENT_SECURITY_POLICY
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not static:  # hashed files of the server's own, each with its exact type
                    headers.setdefault("X-Content-Type-Options", "nosniff")
                # The rest is about documents: on a phone's scripts and styles it would be
                # 300 bytes each, for nothing (a browser applies a page's policy to them).
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy)
                    headers.setdefault("Referrer-Policy", "same-origin")
                    if self.production:
                        headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)
