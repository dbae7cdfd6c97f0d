"""JSON API: looking after people during an assembly — a new link, mute, remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.people import service as people
from app.web.context import Ctx, admitted_member
from app.web.fields import Id
from app.web.replies import reply

router = APIRouter(prefix="/api/assemblies/{assembly_id}/participants/{pid}", tags=["people"])


@router.post("/reissue")
def reissue_link(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A new phone link for someone whose phone is lost (facilitator; greeter for people
    holding no role): the old token stops working at once. The reply carries the new token
    and the phone link with it, like a join's; neither is ever in the event log."""
    actor = admitted_member(request, assembly_id)
    made = people.reissue_link(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, participant_id=pid
    )
    phone = ctx.urls.absolute(ctx.urls.phone(assembly_id, made.token))
    return {
        "assembly_id": assembly_id,
        "participant_id": made.participant_id,
        "token": made.token,
        "urls": {"phone": phone},
        "seq": made.seq,
    }


@router.post("/remove")
def remove(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Remove someone (facilitator): hands lowered, roles revoked, link refused (403
    `removed`); the last facilitator cannot be removed (409 `last_facilitator`)."""
    actor = admitted_member(request, assembly_id)
    changed = people.remove_participant(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, participant_id=pid
    )
    return reply(changed)


def _mute(assembly_id: str, pid: int, request: Request, ctx: Ctx, muted: bool) -> dict[str, Any]:
    actor = admitted_member(request, assembly_id)
    changed = people.set_muted(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        participant_id=pid,
        muted=muted,
    )
    return reply(changed)


@router.post("/mute")
def mute(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Mute someone (facilitator, stack keeper): their hands are lowered; raising a hand or
    proposing an amendment answers 409 `muted`; they still answer rounds."""
    return _mute(assembly_id, pid, request, ctx, True)


@router.post("/unmute")
def unmute(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Let a muted person raise hands and propose amendments again (facilitator, stack
    keeper)."""
    return _mute(assembly_id, pid, request, ctx, False)
