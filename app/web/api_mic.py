"""JSON API of the people's mic: the text the room repeats, phrase by phrase."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from app.mic import service
from app.mic.state import load_mic
from app.web.context import Ctx, admitted_member
from app.web.fields import Body
from app.web.replies import reply

router = APIRouter(prefix="/api/assemblies/{assembly_id}/mic", tags=["people's mic"])


class StartBody(Body):
    source: Literal["proposal", "prepared", "live"]
    text: str | None = Field(
        None,
        max_length=20_000,
        description="The prepared text, or the line typed live.",
    )


class MoveBody(Body):
    to: Literal["next", "back"] | Annotated[int, Field(ge=1, le=100_000)] = Field(
        description='"next", "back", or a phrase\'s number (1 is the first).'
    )


@router.get("")
def get_mic(assembly_id: str, request: Request, ctx: Ctx) -> Any:
    """The people's mic: its phrases and the one on the wall (`mic` is null while it is off)."""
    admitted_member(request, assembly_id)
    mic, seq = load_mic(db=ctx.db, assembly_id=assembly_id)
    return {"mic": mic.as_json() if mic else None, "seq": seq}


@router.post("")
def start_mic(assembly_id: str, body: StartBody, request: Request, ctx: Ctx) -> Any:
    """Start (or restart) the people's mic on the open proposal's text, a prepared text or a
    line typed live; the wall shows its first phrase. Facilitator or stack keeper."""
    actor = admitted_member(request, assembly_id)
    changed = service.start_mic(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        source=body.source,
        text=body.text,
    )
    return reply(changed)


@router.post("/move")
def move_mic(assembly_id: str, body: MoveBody, request: Request, ctx: Ctx) -> Any:
    """Go to the next phrase, back one, or to a phrase by number (409 past either end)."""
    actor = admitted_member(request, assembly_id)
    changed = service.move_mic(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, to=body.to
    )
    return reply(changed)


@router.delete("")
def stop_mic(assembly_id: str, request: Request, ctx: Ctx) -> Any:
    """Stop the people's mic: the wall and the phones show the assembly again."""
    actor = admitted_member(request, assembly_id)
    changed = service.stop_mic(db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id)
    return reply(changed)
