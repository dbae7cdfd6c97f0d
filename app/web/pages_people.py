"""Console forms that look after people: a new link for a lost phone, mute, unmute, remove."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.assembly import people
from app.errors import Forbidden
from app.web.context import Ctx, current_member
from app.web.fields import Id
from app.web.pages import form_action, html

router = APIRouter(include_in_schema=False)


@router.post("/a/{assembly_id}/participants/{pid}/reissue")
def reissue_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    """A plain form (htmx or not): the reply is a page showing the new link once, with its QR
    code, to hand to the person; nothing keeps it, so leaving the page forgets it."""
    member = current_member(request, assembly_id)
    if not member.admitted:
        raise Forbidden("You have not been admitted yet.", code="not_admitted")
    made = people.reissue_link(
        db=ctx.db, assembly_id=assembly_id, actor_id=member.participant_id, participant_id=pid
    )
    link = ctx.urls.absolute(ctx.urls.phone(assembly_id, made.token))
    mine = made.participant_id == member.participant_id
    page = ctx.renderer.page(
        "new_link.html",
        assembly_id=assembly_id,
        person=made.name,
        link=link,
        qr=ctx.renderer.qr_svg(link),
        # Your own new link: this browser's old one has stopped working, so the way back to
        # the console signs it in with the new one.
        back=ctx.urls.console(assembly_id, made.token if mine else None),
    )
    return html(page, seq=made.seq)


@router.post("/a/{assembly_id}/participants/{pid}/remove")
def remove_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: people.remove_participant(
            db=ctx.db, assembly_id=assembly_id, actor_id=m.participant_id, participant_id=pid
        ),
    )


@router.post("/a/{assembly_id}/participants/{pid}/mute")
def mute_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: people.set_muted(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_id=pid,
            muted=True,
        ),
    )


@router.post("/a/{assembly_id}/participants/{pid}/unmute")
def unmute_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: people.set_muted(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_id=pid,
            muted=False,
        ),
    )
