"""The phone's hand signals while someone speaks: sent over the phone's socket (a frame
`{"type": "signal", "kind": …}`, the cheap way) or, without JavaScript or a socket, as a form;
and how every process hears them on the bus."""

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
from app.db import Database
from app.errors import DomainError, TooMany
from app.i18n import _, current
from app.live.hub import Answer, Asked
from app.live.outbox import ERROR_ID
from app.signals import service
from app.signals.board import Board
from app.signals.live import Crier, Floor
from app.signals.service import Sent
from app.web.context import AppContext, Ctx
from app.web.form_action import act, html, refused
from app.web.render import METER, Renderer

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


def hearing(board: Board) -> Callable[[str, frozenset[str]], tuple[str, ...]]:
    """The hub's tap for signal markers: each lands on this process's board, and the wall's
    meter is due (pushed coalesced, like any region: at most 10 times a second)."""

    def heard(assembly_id: str, markers: frozenset[str]) -> tuple[str, ...]:
        added = [board.hear(assembly_id, text) for text in markers]
        return (METER,) if any(added) else ()

    return heard


def note(renderer: Renderer, state: str, kind: str = "") -> str:
    """The phone's own line under the buttons: sent, or wait a moment (private to the reply)."""
    return renderer.page("live/_signals.html", note=state, kind=kind, oob=True)


NOTE_ID = "mc-signal-note"


def answering(*, db: Database, renderer: Renderer, board: Board) -> Answer:
    """The hub's answer to a phone's signal frame: the same rules as the form (a speaker, a
    kind, one every 5 seconds), the turn read once per change (`Floor`), the signal told to
    the bus in a batch (`Crier`), and the line under the phone's buttons sent back to it."""
    floor = Floor(
        lambda aid: to_thread.run_sync(service.floor_of, db, aid, limiter=signal_threads())
    )
    crier = Crier(
        lambda aid, seq, markers: to_thread.run_sync(
            db.announce, aid, seq, markers, limiter=signal_threads()
        )
    )
    lines: dict[tuple[str, str, str], str] = {}  # by language, state and kind

    def line(state: str, kind: str = "") -> tuple[str, str]:
        """The line under the buttons, and no error left above them."""
        key = (current(), state, kind)
        if (said := lines.get(key)) is None:
            said = lines[key] = renderer.error_fragment("", "") + note(renderer, state, kind)
        return NOTE_ID, said

    def refusal(code: str, message: str) -> tuple[str, str]:
        return ERROR_ID, renderer.error_fragment(code, message)

    async def signal(asked: Asked) -> tuple[str, str]:
        if asked.who is None or asked.view.partition(":")[0] != "phone":
            return refusal("phone_only", _("Signals come from a person's phone page."))
        kind = asked.data.get("kind")
        seq, turn_id = await floor.turn(asked.assembly_id, asked.seq)
        try:
            claimed = service.claim_signal(
                board=board,
                assembly_id=asked.assembly_id,
                actor_id=asked.who,
                kind=kind if isinstance(kind, str) else "",
                turn_id=turn_id,
            )
        except TooMany:
            return line("wait")  # too soon is no error to alarm anyone
        except DomainError as exc:
            return refusal(exc.code, exc.message)
        crier.cry(asked.assembly_id, seq, claimed)
        return line("sent", str(kind))

    return signal


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
        return note(ctx.renderer, "sent", result.kind)

    try:
        return act(
            request, ctx, assembly_id, service.send_signal, board=ctx.renderer.board, kind=kind,
            private=sent,
        )  # fmt: skip
    except TooMany as exc:
        if not request.headers.get("hx-request"):
            raise
        # Too soon is no error to alarm anyone: the line under the buttons says to wait.
        clear = ctx.renderer.error_fragment("", "")
        return refused(html(clear + note(ctx.renderer, "wait"), status=429), exc)
