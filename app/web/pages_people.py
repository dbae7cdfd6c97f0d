"""Console forms that look after people: a new link for a lost phone, mute, unmute, remove."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.assembly.state import FOUND_PEOPLE, load_state, search_people
from app.errors import Forbidden, Unauthorized
from app.i18n import _
from app.people import service as people
from app.web.context import Ctx, current_member
from app.web.fields import Id
from app.web.form_action import act, html, see_other

router = APIRouter(include_in_schema=False)


@router.get("/a/{assembly_id}/people")
def find_people(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    q: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """The console's "Find someone": admitted people by name (or "Name #12"), each with the
    actions the console offers for the latest to join — anyone, not only the latest."""
    try:
        member = current_member(request, assembly_id)
    except Unauthorized:
        state = load_state(db=ctx.db, assembly_id=assembly_id, people_lists=False)
        return see_other(ctx.urls.join(state.join_code) if state.status == "open" else "/")
    if not member.admitted or not member.on_console:
        raise Forbidden(
            _("Finding people is for facilitators, stack keepers, minute takers and greeters.")
        )
    state = load_state(db=ctx.db, assembly_id=assembly_id, people_lists=False)
    found = search_people(db=ctx.db, assembly_id=assembly_id, text=q) if q.strip() else ()
    page = ctx.renderer.page(
        "people.html", s=state, me=member, q=q.strip(), found=found, limit=FOUND_PEOPLE
    )
    return html(page)


def _back_to_find(request: Request, assembly_id: str, response: Response) -> Response:
    """A plain form from the find page goes back to it (with its search), not to the phone."""
    source = urlsplit(request.headers.get("referer") or "")
    if (
        isinstance(response, RedirectResponse)
        and source.path == f"/a/{assembly_id}/people"
        and not request.headers.get("hx-request")
    ):
        return see_other(source.path + (f"?{source.query}" if source.query else ""))
    return response


@router.post("/a/{assembly_id}/participants/{pid}/reissue")
def reissue_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    """A plain form (htmx or not): the reply is a page showing the new link once, with its QR
    code, to hand to the person; nothing keeps it, so leaving the page forgets it."""
    member = current_member(request, assembly_id)
    if not member.admitted:
        raise Forbidden(_("You have not been admitted yet."), code="not_admitted")
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
    done = act(request, ctx, assembly_id, people.remove_participant, participant_id=pid)
    return _back_to_find(request, assembly_id, done)


def _mute_form(assembly_id: str, pid: int, request: Request, ctx: Ctx, muted: bool) -> Response:
    done = act(request, ctx, assembly_id, people.set_muted, participant_id=pid, muted=muted)
    return _back_to_find(request, assembly_id, done)


@router.post("/a/{assembly_id}/participants/{pid}/mute")
def mute_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return _mute_form(assembly_id, pid, request, ctx, True)


@router.post("/a/{assembly_id}/participants/{pid}/unmute")
def unmute_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return _mute_form(assembly_id, pid, request, ctx, False)
