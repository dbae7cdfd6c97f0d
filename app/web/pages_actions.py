"""The console's action item form (templates/_action_form.html): posted with or without htmx."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.minutes import service
from app.web.context import Ctx
from app.web.form_action import act
from app.web.forms import Text, optional_int

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


@router.post("/actions")
def action_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    text: Text = "",
    who: Text = "",
    due: Text = "",
    proposal_id: Text = "",
) -> Response:
    """An action item for the minutes; it goes with the proposal on screen (kept current by
    static/proposal.js), else with the open item, else with the assembly as a whole."""
    return act(
        request,
        ctx,
        assembly_id,
        service.record_action,
        text=text,
        who=who or None,
        due=due or None,
        proposal_id=optional_int(proposal_id, "proposal_id"),
        limit="action",
    )
