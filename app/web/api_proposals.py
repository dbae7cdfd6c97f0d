"""JSON API of proposals and friendly amendments (docs/api.md "Proposals, amendments and
rounds")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from app.blocks import amendments, service
from app.blocks.amendment_state import assembly_of_amendment
from app.blocks.state import assembly_of_proposal, load_proposal
from app.web.context import AppContext, Ctx, admitted_member, throttle
from app.web.fields import Body, Id
from app.web.replies import created, reply

router = APIRouter(prefix="/api", tags=["proposals"])


class ProposalBody(Body):
    title: str
    text: str
    presenter_id: Id | None = None
    presenter_name: str | None = None
    working_group: str | None = None
    agenda_item_id: Id | None = None


class StageBody(Body):
    stage: str
    outcome: str | None = None
    tabled_to: str | None = None


class ProposalSettingsBody(Body):
    amendments_open: bool | None = None
    max_amendment_rounds: int | None = Field(None, ge=0, le=100)


class AmendmentBody(Body):
    text: str
    rationale: str | None = Field(None, max_length=1000)


@router.post("/assemblies/{assembly_id}/proposals", status_code=201)
def submit(assembly_id: str, body: ProposalBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Put a proposal forward at stage `presented`; without an item, a proposal item is made."""
    actor = admitted_member(request, assembly_id)
    changed = service.submit_proposal(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return created(reply(changed))


@router.get("/proposals/{proposal_id}")
def get_proposal(proposal_id: Id, request: Request, ctx: Ctx) -> Any:
    """Stage, every version with what changed, amendments, outcome."""
    admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    return load_proposal(db=ctx.db, proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/stage")
def move_stage(proposal_id: Id, body: StageBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Move along docs/process.md's table; anything else is 409 naming the allowed moves."""
    actor = admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    changed = service.move_stage(
        db=ctx.db, proposal_id=proposal_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return JSONResponse(reply(changed))


@router.post("/proposals/{proposal_id}/withdraw")
def withdraw(proposal_id: Id, request: Request, ctx: Ctx) -> Any:
    """The presenter or a facilitator withdraws the proposal."""
    actor = admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    changed = service.withdraw(db=ctx.db, proposal_id=proposal_id, actor_id=actor.participant_id)
    return JSONResponse(reply(changed))


@router.put("/proposals/{proposal_id}/settings")
def settings(
    proposal_id: Id,
    body: ProposalSettingsBody,
    request: Request,
    ctx: Ctx,
) -> JSONResponse:
    """Stop or allow new amendments; cap the amendment rounds (null lifts the cap)."""
    actor = admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    given = body.model_fields_set
    changed = amendments.set_amendments_open(
        db=ctx.db,
        proposal_id=proposal_id,
        actor_id=actor.participant_id,
        amendments_open=body.amendments_open,
        max_amendment_rounds=body.max_amendment_rounds
        if "max_amendment_rounds" in given
        else "keep",
    )
    return JSONResponse(reply(changed))


@router.post("/proposals/{proposal_id}/amendments", status_code=201)
def propose_amendment(
    proposal_id: Id, body: AmendmentBody, request: Request, ctx: Ctx
) -> JSONResponse:
    """A friendly amendment: the full new text, with a rationale."""
    actor = admitted_member(request, assembly_of_proposal(db=ctx.db, proposal_id=proposal_id))
    throttle(ctx, actor, "amendment")
    changed = amendments.propose_amendment(
        db=ctx.db,
        proposal_id=proposal_id,
        actor_id=actor.participant_id,
        max_pending=ctx.settings.pending_amendments_per_person,
        **body.model_dump(),
    )
    return created(reply(changed))


def _decide(amendment_id: Id, request: Request, ctx: AppContext, accept: bool) -> JSONResponse:
    actor = admitted_member(request, assembly_of_amendment(db=ctx.db, amendment_id=amendment_id))
    changed = amendments.decide_amendment(
        db=ctx.db, amendment_id=amendment_id, actor_id=actor.participant_id, accept=accept
    )
    return JSONResponse(reply(changed))


@router.post("/amendments/{amendment_id}/accept")
def accept(amendment_id: Id, request: Request, ctx: Ctx) -> Any:
    """The presenter accepts (or a facilitator on their word): a new version is made."""
    return _decide(amendment_id, request, ctx, True)


@router.post("/amendments/{amendment_id}/reject")
def reject(amendment_id: Id, request: Request, ctx: Ctx) -> Any:
    """The presenter rejects (or a facilitator on their word)."""
    return _decide(amendment_id, request, ctx, False)
