"""JSON API of the room's hand signals (ambient and anonymous: nothing is stored)."""

from __future__ import annotations

import functools
from typing import Literal

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.signals import service
from app.web.context import AppContext, Ctx, admitted_member
from app.web.fields import Body
from app.web.pages_signals import signal_threads

router = APIRouter(prefix="/api/assemblies/{assembly_id}/signals", tags=["signals"])


class SignalBody(Body):
    kind: Literal["agree", "unsure", "disagree"]


@router.post("", status_code=202)
async def send_signal(
    assembly_id: str, body: SignalBody, request: Request, ctx: Ctx
) -> JSONResponse:
    """Signal to the speaker: agree (up-twinkles), unsure (so-so) or disagree (down-twinkles).
    Anonymous and never stored; one every 5 seconds (429 with Retry-After); 409 when nobody
    speaks."""
    call = functools.partial(_send_signal, assembly_id, body, request, ctx)
    return await to_thread.run_sync(call, limiter=signal_threads())


def _send_signal(
    assembly_id: str, body: SignalBody, request: Request, ctx: AppContext
) -> JSONResponse:
    actor = admitted_member(request, assembly_id)
    sent = service.send_signal(
        db=ctx.db,
        board=ctx.renderer.board,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        kind=body.kind,
    )
    return JSONResponse({"kind": sent.kind, "seq": sent.seq}, status_code=202)
