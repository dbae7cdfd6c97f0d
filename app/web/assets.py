"""Files the browser loads: static/ under content-hashed URLs, the API docs on a vendored Swagger
UI (no CDN, so /docs works in a room without internet) and /favicon.ico.

Every page names a static file through `static_url` (the templates' `static('app.css')`):
`/static/app.1a2b3c4d.css`, the hash being the first 8 hex digits of the SHA-256 of the file's
bytes, computed once per process (static files change only with a deploy). Such a URL is cached
for a year as immutable. A hashed URL whose hash is not the file's current one (an old page after
a deploy) is redirected, uncached, to the current URL; the plain `/static/app.css` (bookmarks, old
pages) is served too, revalidated each time with its ETag. Text files are compressed once, at the
highest level (a faster one past 256 KB: /docs' bundle), on their first request in each encoding,
and kept in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.web.compression import choose_encoding, compress, is_compressible

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# static/vendor/swagger-ui-<version>/: swagger-ui-dist's bundle and stylesheet, with its licences.
SWAGGER_UI = "vendor/swagger-ui-5.35.0"
FAVICON = "/static/favicon.svg"  # the plain URL, for /favicon.ico; pages link the hashed one
# name.<8 hex>.ext (or name.<8 hex> for a file without an extension)
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[^./]+)?$")

router = APIRouter(include_in_schema=False)


@dataclass
class StaticFile:
    """One file of static/, its hash and its compressed forms (made on first request)."""

    name: str  # path under static/, with forward slashes
    body: bytes
    digest: str
    media_type: str
    _encoded: dict[str, bytes] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        folder, slash, filename = self.name.rpartition("/")
        stem, dot, ext = filename.rpartition(".")
        hashed = f"{stem}.{self.digest}.{ext}" if dot and stem else f"{filename}.{self.digest}"
        return f"{PREFIX}{folder}{slash}{hashed}"

    @property
    def etag(self) -> str:
        # Weak: the same file is sent in several encodings, each a different byte sequence.
        return f'W/"{self.digest}"'

    @property
    def compressible(self) -> bool:
        return is_compressible(self.media_type) and len(self.body) > 0

    def cached(self, encoding: str) -> bytes | None:
        return self._encoded.get(encoding)

    def encoded(self, encoding: str) -> bytes:
        """The body in `encoding`, compressed at most once per process (blocks: call off-loop)."""
        with self._lock:
            if encoding not in self._encoded:
                packed = compress(self.body, encoding, best=True)
                # Keep the smaller: a tiny file may grow.
                self._encoded[encoding] = packed if len(packed) < len(self.body) else self.body
            return self._encoded[encoding]


def without_comments(source: str) -> str:
    """One of our own scripts as it is served: lines that are wholly `//` comments and `/* … */`
    blocks that start a line are left out (a third of each file, most of what a phone would
    download twice over a slow link); every line of code stays as written."""
    kept: list[str] = []
    in_block = False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if in_block:
            end = line.find("*/")
            if end >= 0:
                in_block = False
                if line[end + 2 :].strip():
                    kept.append(line[end + 2 :])
            continue
        if stripped.startswith("//"):
            continue
        if stripped.startswith("/*"):
            end = stripped.find("*/", 2)
            if end < 0:
                in_block = True
                continue
            if not stripped[end + 2 :].strip():
                continue
        kept.append(line)
    return "".join(kept)


def served_body(name: str, body: bytes) -> bytes:
    """What is served for a file of static/: our own scripts without their comments (vendored
    files, already minified, and everything else as they are)."""
    if name.endswith(".js") and not name.startswith("vendor/"):
        return without_comments(body.decode()).encode()
    return body


class StaticFolder:
    """The files under a folder, read and hashed once; lookups by plain or hashed name."""

    def __init__(self, directory: Path) -> None:
        self.files: dict[str, StaticFile] = {}
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            name = relative.as_posix()
            body = served_body(name, path.read_bytes())
            media_type = mimetypes.guess_type(name)[0] or "text/plain"
            if media_type.startswith("text/"):
                media_type += "; charset=utf-8"
            digest = hashlib.sha256(body).hexdigest()[:8]
            self.files[name] = StaticFile(name, body, digest, media_type)

    def url(self, name: str) -> str:
        """The hashed URL of static/`name`; an unknown name is a bug, so it raises KeyError."""
        return self.files[name].url

    def find(self, path: str) -> tuple[StaticFile, bool | None]:
        """The file at a path under /static/ and whether its hash is current (None: no hash)."""
        if path in self.files:
            return self.files[path], None
        folder, slash, filename = path.rpartition("/")
        match = HASHED.match(filename)
        if match:
            name = f"{folder}{slash}{match['stem']}{match['ext'] or ''}"
            if name in self.files:
                found = self.files[name]
                return found, match["digest"] == found.digest
        raise HTTPException(404)


@cache
def static_files() -> StaticFolder:
    """static/ as this process serves it (read once: files change only with a deploy)."""
    return StaticFolder(STATIC_DIR)


def static_url(name: str) -> str:
    """The URL a page uses for static/`name`: hashed, so it can be cached for good."""
    return static_files().url(name)


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as If-None-Match uses (RFC 9110 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def static_file(path: str, request: Request) -> Response:
    """A static file: immutable under its hashed URL, revalidated under its plain one."""
    found, current = static_files().find(path)
    if current is False:
        return RedirectResponse(found.url, status_code=307, headers={"Cache-Control": REVALIDATE})
    # A hashed URL is never revalidated, so only the plain one needs an ETag.
    headers = (
        {"Cache-Control": IMMUTABLE}
        if current
        else {"Cache-Control": REVALIDATE, "ETag": found.etag}
    )
    if found.compressible:
        headers["Vary"] = "Accept-Encoding"
    if _matches(request.headers.get("if-none-match", ""), found.etag):
        return Response(status_code=304, headers=headers)
    body = found.body
    encoding = choose_encoding(request.headers.get("accept-encoding", ""))
    if encoding and found.compressible:
        packed = found.cached(encoding)
        body = packed if packed is not None else await asyncio.to_thread(found.encoded, encoding)
        if body is not found.body:
            headers["Content-Encoding"] = encoding
    headers["Content-Length"] = str(len(body))
    if request.method == "HEAD":
        body = b""
    return Response(body, media_type=found.media_type, headers=headers)


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, every asset served from here."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        swagger_js_url=static_url(f"{SWAGGER_UI}/swagger-ui-bundle.js"),
        swagger_css_url=static_url(f"{SWAGGER_UI}/swagger-ui.css"),
        swagger_favicon_url=static_url("favicon.svg"),
        # Swagger UI would otherwise send the schema to an online validator for its badge.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the printable minutes)."""
    return RedirectResponse(FAVICON, status_code=308)
