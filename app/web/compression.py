"""Compressed responses: brotli or gzip, as the client asks, for text bodies worth it.

Pages and JSON are compressed per response at a moderate level by `Compression`, a pure ASGI
middleware that leaves websockets and streamed bodies alone; static files are compressed once,
at the highest level, by app.web.assets and pass through it untouched.
"""

from __future__ import annotations

import asyncio
import gzip

import brotli
import zopfli.gzip
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.accept import weighted

ENCODINGS = ("br", "gzip")  # preferred first when the client weighs them alike
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "text/plain",
        "text/markdown",
        "application/javascript",
        "application/json",
        "application/atom+xml",
        "application/xml",
        "image/svg+xml",
    }
)
MIN_SIZE = 500  # below this the encoding's own header and framing eat the gain
DYNAMIC_GZIP_LEVEL = 6
DYNAMIC_BROTLI_QUALITY = 5  # as cheap as gzip 6 on a page, and smaller
OFF_LOOP_SIZE = 128 * 1024  # bigger bodies are compressed in a thread, not on the event loop
# The slowest levels (brotli 11, Zopfli's gzip, a few % smaller than gzip 9) are for the files a
# phone loads; a bigger one (/docs' bundle) would take seconds, so it gets brotli 9 and gzip 9.
SLOWEST_MAX_SIZE = 256 * 1024


def choose_encoding(accept_encoding: str) -> str | None:
    """The encoding to answer with for an Accept-Encoding header: "br", "gzip" or None."""
    weights = dict(weighted(accept_encoding.lower()))

    def weight(encoding: str) -> float:
        return weights.get(encoding, weights.get("*", 0.0))

    # max() keeps the first of equals: brotli when the client weighs both alike.
    return max((e for e in ENCODINGS if weight(e) > 0), key=weight, default=None)


def compress(body: bytes, encoding: str, *, best: bool = False) -> bytes:
    """`body` in `encoding`; `best` is the slow, smallest level kept for static files."""
    slowest = best and len(body) <= SLOWEST_MAX_SIZE
    if encoding == "br":
        quality = 11 if slowest else 9 if best else DYNAMIC_BROTLI_QUALITY
        return bytes(brotli.compress(body, quality=quality))
    if encoding == "gzip" and slowest:
        return bytes(zopfli.gzip.compress(body))
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=9 if best else DYNAMIC_GZIP_LEVEL, mtime=0)
    raise ValueError(f"unknown encoding {encoding!r}")


def is_compressible(content_type: str) -> bool:
    return content_type.partition(";")[0].strip().lower() in COMPRESSIBLE


def add_vary(headers: MutableHeaders) -> None:
    """Caches must keep one copy per Accept-Encoding."""
    vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if not any(v.lower() in ("accept-encoding", "*") for v in vary):
        headers["vary"] = ", ".join([*vary, "Accept-Encoding"])


class Compression:
    """Compress whole text responses of MIN_SIZE bytes or more in the client's encoding.

    Only http scopes are touched (websockets pass straight through), and only a body sent in
    one message: a streamed one goes out as it comes, so nothing is held back. A response that
    already has a Content-Encoding (the static files) is left as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(Headers(scope=scope).get("accept-encoding", ""))
        start: Message | None = None
        decided = False

        async def send_compressed(message: Message) -> None:
            nonlocal start, decided
            if decided:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message  # held until the first body shows whether it is worth it
                return
            decided = True
            if start is None:  # not a response this middleware knows how to read
                await send(message)
                return
            if message["type"] == "http.response.body":
                message = await self._encode(start, message, encoding)
            await send(start)
            await send(message)

        await self.app(scope, receive, send_compressed)

    @staticmethod
    async def _encode(start: Message, message: Message, encoding: str | None) -> Message:
        body: bytes = message.get("body", b"")
        headers = MutableHeaders(scope=start)
        if (
            message.get("more_body", False)
            or len(body) < MIN_SIZE
            or start["status"] in (204, 206, 304)
            or "content-encoding" in headers
            or not is_compressible(headers.get("content-type", ""))
        ):
            return message
        add_vary(headers)
        if encoding is None or "no-transform" in headers.get("cache-control", "").lower():
            return message
        if len(body) >= OFF_LOOP_SIZE:
            body = await asyncio.to_thread(compress, body, encoding)
        else:
            body = compress(body, encoding)
        headers["content-encoding"] = encoding
        headers["content-length"] = str(len(body))
        etag = headers.get("etag")
        if etag and not etag.startswith("W/"):
            headers["etag"] = f"W/{etag}"  # the compressed bytes are not the same representation
        return {**message, "body": body}
