"""`MICCHECK_ACK_AFTER_MIRROR`: a change's success reply waits until a mirror stored its seq.

One hook for every change, page form or API call: the database tells each announced commit
to a listener, which notes (assembly, seq) in the request's own list (a context variable: the
handler's thread runs in a copy of the request's context); the reply's start is held until a
mirror reports that seq stored (`MirrorWatch`, without blocking the loop), at most
ACK_WAIT_SECONDS, else it becomes 503 `not_mirrored`. The change stays committed here.
An assembly that never announced a mirror does not wait: nothing could take it over."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.copies.service import mirrors_of
from app.copies.watch import MirrorWatch
from app.db import Database
from app.i18n import _
from app.web.errors import error_response

ACK_WAIT_SECONDS = 3.0
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

written: ContextVar[dict[str, int] | None] = ContextVar("written", default=None)


def note_commit(assembly_id: str, seq: int, _regions: frozenset[str]) -> None:
    """A database listener: remember the newest seq this request committed, per assembly."""
    seqs = written.get()
    if seqs is not None and seq > seqs.get(assembly_id, 0):
        seqs[assembly_id] = seq


class AckAfterMirror:
    """Holds a change's 2xx/3xx reply until a mirror stored what it committed."""

    def __init__(self, app: ASGIApp, *, mirrors: MirrorWatch, db: Database, on: bool) -> None:
        self.app, self.mirrors, self.db, self.on = app, mirrors, db, on
        self._mirrored: set[str] = set()  # assemblies known to have announced a mirror

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.on or scope["type"] != "http" or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        seqs: dict[str, int] = {}
        token = written.set(seqs)
        refused = False

        async def hold(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                if seqs and message["status"] < 400 and not await self._stored(seqs):
                    refused = True  # the reply's own body is dropped
                    await _not_mirrored(scope, receive, send)
                    return
                await send(message)
            elif not refused:
                await send(message)

        try:
            await self.app(scope, receive, hold)
        finally:
            written.reset(token)

    async def _stored(self, seqs: dict[str, int]) -> bool:
        for assembly_id, seq in seqs.items():
            if not await self._mirrored_now(assembly_id):
                continue  # no mirror was ever announced: there is no take-over to lose it to
            if not await self.mirrors.wait_stored(assembly_id, seq, ACK_WAIT_SECONDS):
                return False
        return True

    async def _mirrored_now(self, assembly_id: str) -> bool:
        if assembly_id not in self._mirrored:

            def announced() -> bool:
                with self.db.read() as session:
                    return bool(mirrors_of(session, assembly_id))

            if await asyncio.to_thread(announced):
                self._mirrored.add(assembly_id)  # mirrors are never taken back
        return assembly_id in self._mirrored


async def _not_mirrored(scope: Scope, receive: Receive, send: Send) -> None:
    """The refusal, in the shape the caller reads: JSON for the API, the #mc-error fragment for
    a page's form under htmx, a page for a form posted without JavaScript."""
    message = _(
        "Saved here, but no mirror has stored it yet, so a take-over could lose it. "
        "Sending it again is safe."
    )
    response = error_response(Request(scope, receive), 503, "not_mirrored", message)
    response.headers["cache-control"] = "no-store"
    await response(scope, receive, send)
