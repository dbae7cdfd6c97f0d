"""JSON API of decision rounds (docs/api.md "Proposals, amendments and rounds")."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from app.blocks import closing, rounds
from app.blocks.round_state import assembly_of_round, load_round
from app.blocks.state import assembly_of_proposal
from app.web.context import Ctx, admitted_member, throttle
from app.web.fields import Body, Id
from app.web.replies import created, reply

router = APIRouter(prefix="/api", tags=["rounds"])


class RoundBody(Body):
    kind: Literal["temperature", "consensus", "block_review"]
    fallback: bool = False
    block_id: Id | None = None
    anonymous: bool = False
    results: Literal["live", "hidden"] | None = None
    closes_in_seconds: int | None = Field(None, ge=rounds.CLOSES_IN[0], le=rounds.CLOSES_IN[1])


class ApprovalBody(Body):
    anonymous: bool = False
    results: Literal["live", "hidden"] | None = None
    closes_in_seconds: int | None = Field(None, ge=rounds.CLOSES_IN[0], le=rounds.CLOSES_IN[1])


class ResponseBody(Body):
    value: str = Field(max_length=16)
    reason: str | None = Field(None, max_length=2000)


class AnalogBlock(Body):
    name: str = Field(max_length=200)
    reason: str = Field(max_length=2000)


class AnalogBody(Body):
    counts: dict[str, int] = Field(default_factory=dict, max_length=3)
    blocks: list[AnalogBlock] = Field(default_factory=list, max_length=500)


@router.post("/proposals/{proposal_id}/rounds", status_code=201)
def open_round(proposal_id: Id, body: RoundBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Open a round the stage takes; one open round per proposal."""
    actor = admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    changed = rounds.open_round(
        db=ctx.db, proposal_id=proposal_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return created(reply(changed))


@router.post("/assemblies/{assembly_id}/minutes/approval", status_code=201)
def open_minutes_approval(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    body: ApprovalBody | None = None,
) -> JSONResponse:
    """Ask the assembly to approve the minutes: a temperature-style round of the assembly,
    answered with PUT /rounds/{id}/response and closed with POST /rounds/{id}/close."""
    actor = admitted_member(request, assembly_id)
    changed = rounds.open_minutes_approval(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        **(body or ApprovalBody()).model_dump(),
    )
    return created(reply(changed))


@router.get("/rounds/{round_id}")
def get_round(round_id: Id, request: Request, ctx: Ctx) -> Any:
    """Status, deadline, answers and eligible; counts when live or closed; your own answer."""
    actor = admitted_member(request, assembly_of_round(db=ctx.db, round_id=round_id))
    return load_round(db=ctx.db, round_id=round_id, participant_id=actor.participant_id)


@router.put("/rounds/{round_id}/response")
def respond(round_id: Id, body: ResponseBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Answer (or change your answer) until the round closes; the last answer counts."""
    actor = admitted_member(request, assembly_of_round(db=ctx.db, round_id=round_id))
    throttle(ctx, actor, "answer")
    changed = rounds.respond(
        db=ctx.db, round_id=round_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return JSONResponse(reply(changed))


@router.post("/rounds/{round_id}/analog")
def record_analog(round_id: Id, body: AnalogBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Hands counted in the room; replaces the round's previous analog counts."""
    actor = admitted_member(request, assembly_of_round(db=ctx.db, round_id=round_id))
    changed = rounds.record_analog(
        db=ctx.db,
        round_id=round_id,
        actor_id=actor.participant_id,
        counts=body.counts,
        blocks=[b.model_dump() for b in body.blocks],
    )
    return JSONResponse(reply(changed))


@router.post("/rounds/{round_id}/close")
def close_round(round_id: Id, request: Request, ctx: Ctx) -> Any:
    """Close: the tally, the outcome with its arithmetic; a call moves the proposal."""
    actor = admitted_member(request, assembly_of_round(db=ctx.db, round_id=round_id))
    changed = closing.close_round(db=ctx.db, round_id=round_id, actor_id=actor.participant_id)
    return JSONResponse(reply(changed))
