"""Pages: home, join, the phone, the console and the projector (the forms they post are
in pages_assembly; the plumbing of every form in form_action)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.assembly.auth import (
    Member,
    check_projector_key_hash,
    recover_projector_key,
)
from app.assembly.logic import normalise_join_code
from app.assembly.state import find_by_code, load_state
from app.blocks.round_state import load_my_answer
from app.errors import DomainError, Forbidden, Unauthorized
from app.i18n import _
from app.web.context import AppContext, Ctx, client_address, current_member
from app.web.form_action import html, refused, see_other
from app.web.key_links import PROJECTOR, swap_key_for_cookie
from app.web.mirrors import mirror_panel, pass_of
from app.web.render import Snapshot

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(ctx: Ctx) -> HTMLResponse:
    return html(ctx.renderer.page("home.html", form={}))


@router.get("/join")
def join_page(ctx: Ctx, code: str = "") -> HTMLResponse:
    return html(ctx.renderer.page("join.html", code=None, form={"join_code": code}))


@router.get("/j/{code}")
def join_by_link(code: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The QR code's target: the code is filled in, only a name is asked."""
    try:
        with ctx.code_guard.lookup(client_address(request)):
            clean = normalise_join_code(code)
            title = find_by_code(db=ctx.db, join_code=clean)
    except DomainError as exc:
        page = ctx.renderer.page("join.html", code=None, form={}, error=exc.message)
        return refused(html(page, exc.status), exc)
    return html(ctx.renderer.page("join.html", code=clean, assembly_title=title, form={}))


def _page_member(request: Request, ctx: AppContext, assembly_id: str) -> Member | Response:
    """The person a page is for; or the redirect that comes first: a `?key=` link swapped for
    the cookie, or, for nobody signed in, the join page (or home once the assembly closed)."""
    if swapped := swap_key_for_cookie(request, ctx, assembly_id):
        return swapped
    try:
        return current_member(request, assembly_id)
    except Unauthorized:
        state = load_state(db=ctx.db, assembly_id=assembly_id)
        return see_other(ctx.urls.join(state.join_code) if state.status == "open" else "/")


@router.get("/a/{assembly_id}")
def phone(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    member = _page_member(request, ctx, assembly_id)
    if isinstance(member, Response):
        return member
    if member.status == "pending":
        page = ctx.renderer.page(
            "message.html",
            heading=_("Waiting at the door"),
            message=_("Hello {name}. A greeter will let you in shortly.").format(name=member.name),
            poll_url=ctx.urls.action(assembly_id, "status"),
        )
        return html(page)
    if member.status == "rejected":
        raise Forbidden(_("A greeter did not admit this phone. Ask a greeter in person."))
    snap = ctx.renderer.snapshot(assembly_id, people_lists=False)
    return html(
        ctx.renderer.page(
            "phone.html",
            **snap.context(),
            me=member,
            mine=my_answer_of(ctx, snap, member),
            mirror_pass=pass_of(request, ctx, member),
        )
    )


@router.get("/a/{assembly_id}/status")
def admission_status(assembly_id: str, request: Request) -> Response:
    """Polled by a waiting phone: tells htmx to reload once a greeter has decided."""
    member = current_member(request, assembly_id)
    if member.status == "pending":
        return Response(status_code=204)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.get("/a/{assembly_id}/console")
def console(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    member = _page_member(request, ctx, assembly_id)
    if isinstance(member, Response):
        return member
    if not member.admitted or not member.on_console:
        raise Forbidden(
            _("The console is for facilitators, stack keepers, minute takers and greeters.")
        )
    snap = ctx.renderer.snapshot(assembly_id)
    links = console_links(request, ctx, member)
    panel = mirror_panel(ctx, assembly_id)
    page = ctx.renderer.page(
        "console.html",
        **snap.context(),
        me=member,
        links=links,
        panel=panel,
        assembly_id=assembly_id,
    )
    return html(page)


def console_links(request: Request, ctx: AppContext, member: Member) -> dict[str, str | None]:
    """The minutes, for everyone at the console; for a facilitator also the projector with the
    key derived from the server's secret, and their secret console link when this browser
    opened their token (the session keeps it sealed under the cookie's id: a browser switched
    to them on the confirm page holds only its hash). `projector` is None for an assembly made
    with a random key (before keys were derived): only the device that made it had it."""
    assembly_id = member.assembly_id
    links: dict[str, str | None] = {"minutes": ctx.urls.minutes(assembly_id)}
    if "facilitator" in member.roles:
        key = recover_projector_key(
            db=ctx.db, assembly_id=assembly_id, server_secret=ctx.settings.resolved_secret_key()
        )
        token = ctx.sessions.read(request).token(assembly_id)
        links["projector"] = ctx.urls.projector(assembly_id, key) if key else None
        links["console"] = (
            ctx.urls.absolute(ctx.urls.console(assembly_id, token)) if token else None
        )
        links["facilitator"] = "yes"
    return links


@router.get("/a/{assembly_id}/projector")
def projector(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    swapped = swap_key_for_cookie(request, ctx, assembly_id, opens=(PROJECTOR,))
    if swapped:
        return swapped
    key_hash = ctx.sessions.read(request).projector_key_hash(assembly_id)
    check_projector_key_hash(db=ctx.db, assembly_id=assembly_id, key_hash=key_hash)
    snap = ctx.renderer.snapshot(assembly_id, people_lists=False)
    join_url = ctx.urls.absolute(ctx.urls.join(snap.state.join_code))
    minutes_url = ctx.urls.absolute(ctx.urls.minutes(assembly_id))
    page = ctx.renderer.page(
        "projector.html",
        language=snap.state.language,  # the wall speaks the assembly's language
        **snap.context(),
        join_url=join_url,
        qr=ctx.renderer.qr_svg(join_url),
        minutes_url=minutes_url,
        minutes_qr=ctx.renderer.qr_svg(minutes_url),
    )
    return html(page)


def my_answer_of(ctx: AppContext, snap: Snapshot, member: Member) -> dict[str, Any] | None:
    """My answer in the round on screen: private, so only in my page and my replies."""
    if snap.round is None:
        return None
    return load_my_answer(db=ctx.db, round_id=snap.round.id, participant_id=member.participant_id)
