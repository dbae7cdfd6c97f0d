"""Mirror pages: the console's mirror panel, the take-over button's form, and the pass a phone
brings to a mirror when its primary stops answering."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.copies.service import holder_of_pass
from app.errors import Forbidden, Unauthorized
from app.i18n import _
from app.web.context import Ctx, current_member
from app.web.form_action import html, see_other
from app.web.mirrors import mirror_panel, pass_of, take_over_here

router = APIRouter(include_in_schema=False)


@router.get("/a/{assembly_id}/console/mirrors")
def mirrors_panel(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    """The console's mirror panel, polled: lag and what a take-over would lose live in this
    process's memory, not in the log, so no event pushes them."""
    member = current_member(request, assembly_id)
    if not member.admitted or not member.on_console:
        raise Forbidden(
            _("The console is for facilitators, stack keepers, minute takers and greeters.")
        )
    panel = mirror_panel(ctx, assembly_id)
    return html(ctx.renderer.page("_mirrors.html", panel=panel, me=member, assembly_id=assembly_id))


@router.post("/a/{assembly_id}/take-over")
async def take_over(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    """The mirror console's "Take over" button (facilitator): back to the console, which now
    runs the assembly."""
    await take_over_here(request, ctx, assembly_id)
    return see_other(ctx.urls.console(assembly_id))


@router.get("/a/{assembly_id}/mirror-pass")
def my_mirror_pass(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    """This phone's pass, for a page opened before the first mirror was announced: the
    script pushed with the header then asks for it while this server still answers."""
    member = current_member(request, assembly_id)
    return JSONResponse(
        {"pass": pass_of(request, ctx, member)}, headers={"Cache-Control": "no-store"}
    )


@router.get("/a/{assembly_id}/pass")
def mirror_pass(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    p: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """A phone's pass, brought to a mirror when its primary stopped answering: exchanged for
    this server's session cookie, then on to the phone page (which resyncs by seq). Only a
    mirror (or a server that took over as one) takes a pass: 401 anywhere else."""
    token_hash = holder_of_pass(db=ctx.db, assembly_id=assembly_id, given=p)
    if token_hash is None:
        raise Unauthorized(_("This pass is not valid here."), code="bad_pass")
    session = ctx.sessions.read(request)
    session.sign_in_hash(assembly_id, token_hash)
    response = see_other(ctx.urls.phone(assembly_id))
    ctx.sessions.write(response, session)
    return response
