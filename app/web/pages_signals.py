"""The phone's hand signals while someone speaks, and how every process hears them on the bus."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.assembly.auth import Member
from app.errors import TooMany
from app.signals import service
from app.signals.board import Board
from app.signals.service import Sent
from app.web.context import AppContext, Ctx
from app.web.pages import form_action, html, refused
from app.web.render import METER

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


def hearing(board: Board) -> Callable[[str, frozenset[str]], tuple[str, ...]]:
    """The hub's tap for signal markers: each lands on this process's board, and the wall's
    meter is due (pushed coalesced, like any region: at most 10 times a second)."""

    def heard(assembly_id: str, markers: frozenset[str]) -> tuple[str, ...]:
        added = [board.hear(assembly_id, text) for text in markers]
        return (METER,) if any(added) else ()

    return heard


def note(ctx: AppContext, state: str, kind: str = "") -> str:
    """The phone's own line under the buttons: sent, or wait a moment (private to the reply)."""
    return ctx.renderer.page("live/_signals.html", note=state, kind=kind, oob=True)


SIGNAL_THREADS = 2
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def signal_threads() -> CapacityLimiter:
    """The few threads signals may hold at once, on this event loop: a storm of 2,000 waits its
    turn without taking the thread pool (40 threads) from the stack's actions and the pages."""
    loop = asyncio.get_running_loop()
    if (limiter := _LIMITERS.get(loop)) is None:
        limiter = _LIMITERS[loop] = CapacityLimiter(SIGNAL_THREADS)
    return limiter


@router.post("/signal")
async def signal_form(
    assembly_id: str, request: Request, ctx: Ctx, kind: Annotated[str, Form()] = ""
) -> Response:
    return await to_thread.run_sync(
        functools.partial(_signal_form, assembly_id, request, ctx, kind), limiter=signal_threads()
    )


def _signal_form(assembly_id: str, request: Request, ctx: AppContext, kind: str) -> Response:
    def sent(result: Sent, member: Member) -> str:
        return note(ctx, "sent", result.kind)

    try:
        return form_action(
            request,
            ctx,
            assembly_id,
            lambda m: service.send_signal(
                db=ctx.db,
                board=ctx.renderer.board,
                assembly_id=assembly_id,
                actor_id=m.participant_id,
                kind=kind,
            ),
            private=sent,
        )
    except TooMany as exc:
        if not request.headers.get("hx-request"):
            raise
        # Too soon is no error to alarm anyone: the line under the buttons says to wait.
        clear = ctx.renderer.error_fragment("", "")
        return refused(html(clear + note(ctx, "wait"), status=429), exc)
