"""JSON API: a mirror announced to phones, and a mirror taking over (docs/api.md "Mirrors")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from app.copies import service as copies
from app.web.context import Ctx, admitted_member
from app.web.fields import Body
from app.web.mirrors import take_over_here
from app.web.replies import reply

router = APIRouter(prefix="/api/assemblies/{assembly_id}", tags=["mirrors"])


class MirrorBody(Body):
    address: str = Field(min_length=1, max_length=200, examples=["http://192.168.1.11:8001"])


@router.post("/mirrors")
def announce_mirror(
    assembly_id: str, body: MirrorBody, request: Request, ctx: Ctx
) -> dict[str, Any]:
    """A mirror runs at `address` (facilitator; `miccheck mirror` sends it with their key):
    event `mirror_announced`, and phones learn where to go when this server stops answering.
    Announcing the same address again changes nothing."""
    actor = admitted_member(request, assembly_id)
    changed = copies.announce_mirror(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, address=body.address
    )
    return reply(changed)


@router.post("/take-over")
async def take_over(assembly_id: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """On a mirror, a facilitator makes it the primary: it stops following and the log goes on
    from the last seq it holds (event `taken_over`). 409 `not_a_mirror` on a primary."""
    return reply(await take_over_here(request, ctx, assembly_id))
