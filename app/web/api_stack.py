"""JSON API of the speaking stack (docs/api.md "Speaking stack and hand signals")."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from app.stack import service
from app.stack.state import load_stack
from app.web.context import Ctx, admitted_member, throttle
from app.web.fields import Body, Id
from app.web.replies import created, reply

router = APIRouter(prefix="/api/assemblies/{assembly_id}/stack", tags=["stack"])
Kind = Literal[
    "point_of_process", "direct_response", "clarifying_question", "point_of_information", "speak"
]


class HandBody(Body):
    kind: Kind
    agenda_item_id: Id | None = None
    name: str | None = Field(None, description="For someone without a phone (stack keeper).")


class MoveBody(Body):
    entry_id: Id
    position: int = Field(ge=1, le=100_000)


class TimerBody(Body):
    action: Literal["pause", "resume", "add", "end"]
    seconds: int | None = Field(None, ge=1, le=3600)


class SettingsBody(Body):
    mode: Literal["fifo", "progressive"] | None = None
    speaking_seconds: int | None = Field(None, ge=10, le=3600)
    report_seconds: int | None = Field(None, ge=10, le=3600)
    direct_responses: bool | None = None
    open: bool | None = None


@router.get("")
def get_stack(assembly_id: str, request: Request, ctx: Ctx) -> Any:
    """The current speaker and the queue in speaking order, each with its reason."""
    admitted_member(request, assembly_id)
    return load_stack(db=ctx.db, assembly_id=assembly_id).as_json()


@router.post("", status_code=201)
def raise_hand(assembly_id: str, body: HandBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Raise your own hand, or (stack keeper) a hand by name for someone without a phone."""
    actor = admitted_member(request, assembly_id)
    throttle(ctx, actor, "hand")
    if body.name is not None:
        changed = service.add_named_hand(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=actor.participant_id,
            kind=body.kind,
            name=body.name,
        )
    else:
        changed = service.raise_hand(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=actor.participant_id,
            kind=body.kind,
            agenda_item_id=body.agenda_item_id,
        )
    return created(reply(changed))


@router.delete("/{entry_id}")
def lower_hand(assembly_id: str, entry_id: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Lower a hand: your own, or any (stack keeper, facilitator)."""
    actor = admitted_member(request, assembly_id)
    throttle(ctx, actor, "hand")
    changed = service.lower_hand(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, entry_id=entry_id
    )
    return reply(changed)


@router.post("/next")
def call_next(assembly_id: str, request: Request, ctx: Ctx) -> Any:
    """End the current turn and give the floor to the head of the queue."""
    actor = admitted_member(request, assembly_id)
    changed = service.call_next_speaker(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id
    )
    return reply(changed)


@router.post("/timer")
def timer(assembly_id: str, body: TimerBody, request: Request, ctx: Ctx) -> Any:
    """Pause, resume, add time (default 30 s) or end the current turn."""
    actor = admitted_member(request, assembly_id)
    changed = service.control_timer(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        action=body.action,
        seconds=body.seconds,
    )
    return reply(changed)


@router.post("/move")
def move(assembly_id: str, body: MoveBody, request: Request, ctx: Ctx) -> Any:
    """Put a hand at a position (1 = head); recorded with who did it."""
    actor = admitted_member(request, assembly_id)
    changed = service.move_hand(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        entry_id=body.entry_id,
        position=body.position,
    )
    return reply(changed)


@router.put("/settings")
def update_settings(assembly_id: str, body: SettingsBody, request: Request, ctx: Ctx) -> Any:
    """Mode, seconds per turn, direct responses on/off, stack open/closed."""
    actor = admitted_member(request, assembly_id)
    changed = service.update_settings(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return reply(changed)
