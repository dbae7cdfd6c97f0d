"""Forms of proposals and friendly amendments, posted from phones and the console (and the
page of one amendment in full)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.assembly.state import match_participant
from app.blocks import amendments, service
from app.blocks.amendment_state import read_amendment
from app.errors import Forbidden, Invalid
from app.i18n import _
from app.web.context import Ctx, current_member
from app.web.fields import Id
from app.web.form_action import act_within, form_action, html
from app.web.forms import Text, optional_int, required_int

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


@router.post("/proposals")
def submit_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    title: Text = "",
    text: Text = "",
    presenter: Text = "",
    working_group: Text = "",
) -> Response:
    # A name that picks out one person who joined is their phone (they accept amendments on
    # it); any other name is someone without a phone; an empty box is the service's default.
    def presented_by() -> dict[str, Any]:
        if not presenter.strip():
            return {}
        pid = match_participant(db=ctx.db, assembly_id=assembly_id, ref=presenter)
        return {"presenter_id": pid} if pid is not None else {"presenter_name": presenter}

    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.submit_proposal(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            title=title,
            text=text,
            working_group=working_group or None,
            **presented_by(),
        ),
    )


@router.post("/proposals/{proposal_id}/stage")
def stage_form(
    assembly_id: str,
    proposal_id: Id,
    request: Request,
    ctx: Ctx,
    stage: Text = "",
    outcome: Text = "",
    tabled_to: Text = "",
) -> Response:
    return act_within(
        request,
        ctx,
        assembly_id,
        service.move_stage,
        proposal_id=proposal_id,
        stage=stage,
        outcome=outcome or None,
        tabled_to=tabled_to or None,
    )


@router.post("/proposals/{proposal_id}/withdraw")
def withdraw_form(assembly_id: str, proposal_id: Id, request: Request, ctx: Ctx) -> Response:
    return act_within(request, ctx, assembly_id, service.withdraw, proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/settings")
def settings_form(
    assembly_id: str,
    proposal_id: Id,
    request: Request,
    ctx: Ctx,
    amendments_open: Text = "",
) -> Response:
    return act_within(
        request,
        ctx,
        assembly_id,
        amendments.set_amendments_open,
        proposal_id=proposal_id,
        amendments_open=amendments_open == "yes",
    )


@router.post("/proposals/{proposal_id}/wall-page")
def wall_page_form(
    assembly_id: str, proposal_id: Id, request: Request, ctx: Ctx, page: Text = ""
) -> Response:
    """Turn the page of a long proposal text on the wall (the console's page buttons)."""
    return act_within(
        request,
        ctx,
        assembly_id,
        service.turn_wall_page,
        proposal_id=proposal_id,
        page=required_int(page, "page"),
    )


@router.post("/proposals/decide")
def decide_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    outcome: Text = "",
    tabled_to: Text = "",
) -> Response:
    """The console's decide form sits outside the pushed regions, so the id is a field."""
    return act_within(
        request,
        ctx,
        assembly_id,
        service.move_stage,
        proposal_id=required_int(proposal_id, "proposal_id"),
        stage="decided",
        outcome=outcome or None,
        tabled_to=tabled_to or None,
    )


@router.post("/proposals/cap")
def cap_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    max_amendment_rounds: Text = "",
) -> Response:
    """Cap the amendment rounds of the proposal on screen; an empty box lifts the cap."""
    return act_within(
        request,
        ctx,
        assembly_id,
        amendments.set_amendments_open,
        proposal_id=required_int(proposal_id, "proposal_id"),
        max_amendment_rounds=optional_int(max_amendment_rounds, "max_amendment_rounds"),
    )


@router.post("/proposals/amend")
def amend_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    text: Text = "",
    rationale: Text = "",
) -> Response:
    return act_within(
        request,
        ctx,
        assembly_id,
        amendments.propose_amendment,
        proposal_id=required_int(proposal_id, "proposal_id"),
        text=text,
        rationale=rationale or None,
        max_pending=ctx.settings.pending_amendments_per_person,
        limit="amendment",
    )


@router.get("/amendments/{amendment_id}")
def amendment_page(assembly_id: str, amendment_id: Id, request: Request, ctx: Ctx) -> HTMLResponse:
    """One friendly amendment in full, for anyone admitted: the amendment lists on phones and
    the console show its first changed line and link here."""
    member = current_member(request, assembly_id)
    if not member.admitted:
        raise Forbidden(_("You have not been admitted yet."), code="not_admitted")
    page = read_amendment(db=ctx.db, assembly_id=assembly_id, amendment_id=amendment_id)
    back = ctx.urls.console(assembly_id) if member.on_console else ctx.urls.phone(assembly_id)
    return html(ctx.renderer.page("amendment.html", page=page, back=back))


@router.post("/amendments/{amendment_id}/{decision}")
def decide_amendment_form(
    assembly_id: str, amendment_id: Id, decision: str, request: Request, ctx: Ctx
) -> Response:
    if decision not in ("accept", "reject"):
        raise Invalid(_("An amendment is accepted or rejected."), code="bad_decision")
    return act_within(
        request,
        ctx,
        assembly_id,
        amendments.decide_amendment,
        amendment_id=amendment_id,
        accept=decision == "accept",
    )
