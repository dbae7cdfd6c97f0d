"""Builds the FastAPI app: context, routers, static files, error handlers, live hub."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from app.blocks import closing
from app.config import Settings, get_settings
from app.copies.follow import Follower
from app.copies.watch import PREFIX as MIRROR_STORED
from app.copies.watch import MirrorWatch
from app.db import Database
from app.i18n import _, set_current
from app.live import Hub, make_backend
from app.signals import board as signal_board
from app.signals.board import Board
from app.signals.logic import turn_line
from app.stack.floor import TURN_SIGNALS
from app.web import (
    api_archive,
    api_assemblies,
    api_groups,
    api_languages,
    api_mic,
    api_minutes,
    api_mirrors,
    api_people,
    api_proposals,
    api_rounds,
    api_signals,
    api_stack,
    assets,
    key_links,
    language,
    pages,
    pages_actions,
    pages_archive,
    pages_assembly,
    pages_groups,
    pages_languages,
    pages_mic,
    pages_minutes,
    pages_mirrors,
    pages_people,
    pages_proposals,
    pages_rounds,
    pages_signals,
    pages_stack,
    pages_verify,
    sockets,
)
from app.web.compression import Compression
from app.web.context import AppContext
from app.web.errors import error_body, install_error_handlers
from app.web.facts import regions_of
from app.web.headers import SecurityHeaders
from app.web.language import request_language
from app.web.mirror_ack import AckAfterMirror, note_commit
from app.web.ratelimit import CodeGuard, RateLimiter, TokenBucket
from app.web.render import Renderer
from app.web.sessions import SessionStore
from app.web.urls import Urls

MAX_BODY_BYTES = 256 * 1024
GC_THRESHOLDS = (7000, 10, 10)  # Python's defaults are (700, 10, 10)
log = logging.getLogger(__name__)


class TooLarge(HTTPException):
    """A body past MAX_BODY_BYTES, found while it arrives (chunked bodies say no length)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=_("The request is too large."))


class BodyLimit:
    """Refuse bodies over MAX_BODY_BYTES with 413: at once when Content-Length says so, and
    for a body without one (chunked) as soon as the bytes that arrived pass the limit, so
    nothing reads a large body whole."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response = JSONResponse(
                error_body("too_large", _("The request is too large.")), status_code=413
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise TooLarge()  # FastAPI passes it on; app.web.errors answers 413
            return message

        await self.app(scope, counted, send)


def build_context(settings: Settings, db: Database | None = None) -> AppContext:
    db = db or Database(settings.database_url)
    urls = Urls(settings.public_url)
    board = Board()  # the room's hand signals, kept in memory: never in the database
    renderer = Renderer(db=db, urls=urls, board=board)
    hub = Hub(
        renderer=renderer,
        backend=make_backend(settings.broadcast_url),
        push_rates={
            "phone": settings.phone_pushes_per_second,
            "projector": settings.screen_pushes_per_second,
            "console": settings.screen_pushes_per_second,
        },
        send_timeout=settings.send_timeout_seconds,
        heartbeat_seconds=settings.heartbeat_seconds,
        max_frame_bytes=settings.ws_max_frame_bytes,
    )
    db.listen(lambda aid, seq, announced: hub.notify(aid, seq, regions_of(announced)))
    # How the room took a turn, for the minutes when an assembly keeps it: this process's board
    # hears every process's signals, so whichever ends the turn knows.
    db.memory[TURN_SIGNALS] = lambda aid, turn_id: turn_line(board.tally(aid, turn_id))
    hub.tap(signal_board.PREFIX, pages_signals.hearing(board))
    hub.answer("signal", pages_signals.answering(db=db, renderer=renderer, board=board))
    # What a mirror stored, heard on whichever worker its copy stream landed: on every worker.
    mirrors = MirrorWatch()
    hub.tap(MIRROR_STORED, mirrors.hearing)
    return AppContext(
        settings=settings,
        db=db,
        urls=urls,
        renderer=renderer,
        hub=hub,
        mirrors=mirrors,
        sessions=SessionStore(
            settings.resolved_secret_key(),
            db=db,
            secure=settings.environment == "production",
            lifetime=timedelta(days=settings.session_days),
        ),
        create_limit=RateLimiter(settings.assemblies_per_hour, 3600),
        join_limit=TokenBucket(settings.joins_per_minute, settings.join_burst),
        code_guard=CodeGuard(settings.code_misses_per_minute, 60),
        person_limit=TokenBucket(settings.person_actions_per_minute, settings.person_burst),
    )


async def close_rounds_on_time(db: Database, every: float = 1.0) -> None:
    """Rounds with a deadline close themselves, also the ones due while the server was down."""
    while True:
        try:
            await asyncio.to_thread(closing.close_due_rounds, db=db)
        except Exception:  # a database hiccup must not end the loop; the next tick retries
            log.exception("closing rounds on time failed")
        await asyncio.sleep(every)


class MicCheck(FastAPI):
    """FastAPI, with the live sockets served ahead of its middleware and routing: an open
    socket then holds none of their frames (app.web.sockets.socket_endpoint)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            set_current(request_language(scope))  # this task's: errors and pages speak it
        if (found := sockets.socket_endpoint(scope)) is not None:
            endpoint, assembly_id = found
            scope["app"] = self  # as Starlette would: the endpoint finds the context there
            await endpoint(WebSocket(scope, receive, send), assembly_id)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, db: Database | None = None, follower: Follower | None = None
) -> FastAPI:
    """The Mic Check ASGI app (tests pass their own settings and database); with `follower`,
    a mirror (`miccheck mirror`) keeping its copy of one assembly while it serves."""
    ctx = build_context(settings or get_settings(), db)
    ctx.follower = follower

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await ctx.hub.start()
        closer = asyncio.create_task(close_rounds_on_time(ctx.db))
        if ctx.follower is not None:
            ctx.follower.start()
        # Objects made at startup live forever: keep full collections from walking them.
        gc.freeze()
        # Young collections ten times rarer (and so full ones): with 2,000 sockets the heap is
        # large and each full pass took ~150 ms, 16 of them in `make bench`'s run (6% of its CPU).
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            closer.cancel()
            if ctx.follower is not None:
                await ctx.follower.stop()
            await ctx.hub.stop()

    app = MicCheck(
        title="Mic Check",
        summary="Consensus general assemblies: stack, proposals, blocks, verifiable minutes.",
        lifespan=lifespan,
        docs_url=None,  # app.web.assets serves /docs on a vendored Swagger UI
        redoc_url=None,  # ReDoc would load from a CDN; /docs is enough
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    if ctx.settings.ack_after_mirror:
        ctx.db.listen(note_commit)
        app.add_middleware(AckAfterMirror, mirrors=ctx.mirrors, db=ctx.db, on=True)
    app.add_middleware(BodyLimit)
    app.add_middleware(Compression)  # compresses error replies too; not websockets
    app.add_middleware(SecurityHeaders, production=ctx.settings.environment == "production")
    app.include_router(api_assemblies.router)
    app.include_router(api_people.router)
    app.include_router(api_stack.router)
    app.include_router(api_signals.router)
    app.include_router(api_mic.router)
    app.include_router(api_proposals.router)
    app.include_router(api_rounds.router)
    app.include_router(api_minutes.router)
    app.include_router(api_groups.router)
    app.include_router(api_archive.router)
    app.include_router(api_mirrors.router)
    app.include_router(pages.router)
    app.include_router(pages_assembly.router)
    app.include_router(pages_stack.router)
    app.include_router(pages_signals.router)
    app.include_router(pages_mic.router)
    app.include_router(pages_proposals.router)
    app.include_router(pages_rounds.router)
    app.include_router(pages_minutes.router)
    app.include_router(pages_actions.router)
    app.include_router(pages_archive.router)
    app.include_router(pages_verify.router)
    app.include_router(pages_groups.router)
    app.include_router(pages_people.router)
    app.include_router(pages_mirrors.router)
    app.include_router(key_links.router)
    app.include_router(assets.router)
    app.include_router(language.router)
    app.include_router(api_languages.router)
    app.include_router(pages_languages.router)
    return app
