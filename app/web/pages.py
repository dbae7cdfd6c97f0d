"""Pages (phone, console, projector, home, join) and the forms they post."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.auth import Member, check_projector_key_hash, recover_projector_key
from app.assembly.logic import normalise_join_code
from app.assembly.state import find_by_code, load_state
from app.blocks.round_state import load_my_answer
from app.errors import DomainError, Forbidden, TooMany, Unauthorized
from app.i18n import N_, _, current, normal
from app.web.context import AppContext, Ctx, client_address, current_member, throttle
from app.web.fields import Id, Whole
from app.web.key_links import PROJECTOR, swap_key_for_cookie
from app.web.language import remember_language
from app.web.render import VIEWS, Snapshot

router = APIRouter(include_in_schema=False)

# static/live.js sends LIVE_HEADER (its last seen seq) on an action while its socket is open:
# the reply then carries only the person's own bits, the public regions come by the push.
LIVE_HEADER = "mc-live"
SEQ_HEADER = "MC-Seq"  # the seq after the action, in every reply to a form posted by htmx


def html(content: str, status: int = 200, seq: int | None = None) -> HTMLResponse:
    headers = {"Cache-Control": "no-store"}
    if seq is not None:
        headers[SEQ_HEADER] = str(seq)
    return HTMLResponse(content, status_code=status, headers=headers)


def refused(response: HTMLResponse, exc: DomainError) -> HTMLResponse:
    """A page refusing with 429 says when to try again, as the API does."""
    if isinstance(exc, TooMany):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(ctx: Ctx) -> HTMLResponse:
    return html(ctx.renderer.page("home.html", form={}))


@router.post("/")
def create_from_form(
    request: Request,
    ctx: Ctx,
    title: Annotated[str, Form()] = "",
    facilitator_name: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form()] = "",
    admission: Annotated[str, Form()] = "open",
    visibility: Annotated[str, Form()] = "public",
    group: Annotated[str, Form()] = "",
    group_token: Annotated[str, Form()] = "",
    speaker_names: Annotated[str, Form()] = "yes",
    language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Start an assembly; with a group's slug and admin token (as the API takes them in
    X-Group-Token) it is numbered within the group and keeps the group's time zone, else it
    keeps the form's (the browser's, filled in by static/time_zone.js; UTC without it)."""
    form = {
        "title": title, "facilitator_name": facilitator_name, "location": location,
        "time_zone": time_zone, "admission": admission, "visibility": visibility,
        "group": group, "group_token": group_token, "speaker_names": speaker_names,
        "language": language,
    }  # fmt: skip
    zone = None if group.strip() else time_zone.strip() or None
    try:
        ctx.create_limit.hit(client_address(request), what=N_("new assemblies"))
        made = service.create_assembly(
            db=ctx.db,
            title=title,
            facilitator_name=facilitator_name or None,
            location=location or None,
            time_zone=zone,
            admission=admission,
            visibility=visibility,
            group=group.strip() or None,
            group_token=group_token.strip() or None,
            minutes_speaker_names=speaker_names != "no",
            language=normal(language) or current(),
            server_secret=ctx.settings.resolved_secret_key(),
        )
    except DomainError as exc:
        return html(ctx.renderer.page("home.html", form=form, error=exc.message), exc.status)
    response = see_other(ctx.urls.console(made.assembly_id))
    session = ctx.sessions.read(request)
    session.sign_in(made.assembly_id, made.facilitator_token)
    session.hold_projector_key(made.assembly_id, made.projector_key)
    ctx.sessions.write(response, session)
    return response


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


@router.post("/join")
def join_from_form(
    request: Request,
    ctx: Ctx,
    join_code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    pronouns: Annotated[str, Form()] = "",
    language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Join by code, speaking the language chosen on the form (the page's without one)."""
    chosen = normal(language) or current()
    form = {"join_code": join_code, "name": name, "pronouns": pronouns, "language": chosen}
    address = client_address(request)
    try:
        with ctx.code_guard.lookup(address):
            ctx.join_limit.hit(address, what=N_("joins"))
            joined = service.join_assembly(
                db=ctx.db,
                join_code=join_code,
                name=name,
                pronouns=pronouns or None,
                language=chosen,
            )
    except DomainError as exc:
        page = ctx.renderer.page("join.html", code=None, form=form, error=exc.message)
        return refused(html(page, exc.status), exc)
    response = see_other(ctx.urls.phone(joined.assembly_id))
    session = ctx.sessions.read(request)
    session.sign_in(joined.assembly_id, joined.token)
    ctx.sessions.write(response, session)
    remember_language(response, chosen)
    return response


def _page_member(request: Request, ctx: AppContext, assembly_id: str) -> Member | Response:
    try:
        return current_member(request, assembly_id)
    except Unauthorized:
        state = load_state(db=ctx.db, assembly_id=assembly_id)
        return see_other(ctx.urls.join(state.join_code) if state.status == "open" else "/")


@router.get("/a/{assembly_id}")
def phone(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    swapped = swap_key_for_cookie(request, ctx, assembly_id)
    if swapped:
        return swapped
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
            "phone.html", **snap.context(), me=member, mine=my_answer_of(ctx, snap, member)
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
    swapped = swap_key_for_cookie(request, ctx, assembly_id)
    if swapped:
        return swapped
    member = _page_member(request, ctx, assembly_id)
    if isinstance(member, Response):
        return member
    if not member.admitted or not member.on_console:
        raise Forbidden(
            _("The console is for facilitators, stack keepers, minute takers and greeters.")
        )
    snap = ctx.renderer.snapshot(assembly_id)
    links = console_links(request, ctx, member)
    page = ctx.renderer.page("console.html", **snap.context(), me=member, links=links)
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


# ---- forms posted from the console and the phone ------------------------------------------


def _view_of(request: Request) -> str:
    """Which page posted: htmx says so in HX-Current-URL; plain forms in Referer."""
    source = request.headers.get("hx-current-url") or request.headers.get("referer") or ""
    last = urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1]
    return last if last in VIEWS else "phone"


def _acted(
    request: Request,
    ctx: AppContext,
    assembly_id: str,
    extra: str = "",
    seq: int | None = None,
    *,
    on_console: bool = False,
) -> Response:
    """After a form: a live page gets its own bits (`extra`) and the seq, the public regions
    reaching it by the coalesced push like everyone else's (DESIGN.md "Render once, send to
    many"); an htmx page without a socket gets every region at once; a plain form goes back to
    its page."""
    view = _view_of(request)
    if view == "console" and not on_console:
        view = "phone"  # the console's regions are for role holders, whatever a header says
    if not request.headers.get("hx-request"):
        target = ctx.urls.console(assembly_id) if view == "console" else ctx.urls.phone(assembly_id)
        return see_other(target)
    if LIVE_HEADER in request.headers:
        # Not #mc-seq: the page's seq says which pushes it has, and this reply brings none.
        return html(ctx.renderer.error_fragment("", "") + extra, seq=seq)
    snap = ctx.renderer.snapshot(assembly_id)
    parts = [ctx.renderer.error_fragment("", "")]
    parts += ctx.renderer.regions(snap, view, None).values()
    parts.append(ctx.renderer.seq_fragment(snap.seq))
    parts.append(extra)
    return html("".join(parts), seq=seq)


def form_action(
    request: Request,
    ctx: AppContext,
    assembly_id: str,
    change: Callable[[Member], Any],
    private: Callable[[Any, Member], str] | None = None,
    limit: str | None = None,
) -> Response:
    """Run one service as the signed-in member; `private(result, member)` renders what only
    they see; `limit` names the kind of action counted against the member (context.throttle)."""
    member = current_member(request, assembly_id)
    if not member.admitted:
        raise Forbidden(_("You have not been admitted yet."), code="not_admitted")
    if limit is not None:
        throttle(ctx, member, limit)
    result = change(member)
    seq = getattr(result, "seq", None)
    extra = private(result, member) if private else ""
    return _acted(request, ctx, assembly_id, extra, seq, on_console=member.on_console)


def my_answer_of(ctx: AppContext, snap: Snapshot, member: Member) -> dict[str, Any] | None:
    """My answer in the round on screen: private, so only in my page and my replies."""
    if snap.round is None:
        return None
    return load_my_answer(db=ctx.db, round_id=snap.round.id, participant_id=member.participant_id)


@router.post("/a/{assembly_id}/agenda")
def add_item_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    title: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "discussion",
    time_box_minutes: Annotated[Whole, Form()] = 15,
    working_group: Annotated[str, Form()] = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: agenda_service.add_agenda_item(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            title=title,
            kind=kind,
            time_box_minutes=time_box_minutes,
            working_group=working_group or None,
        ),
    )


@router.post("/a/{assembly_id}/agenda/{item_id}/open")
def open_item_form(
    assembly_id: str,
    item_id: Id,
    request: Request,
    ctx: Ctx,
    previous: Annotated[str, Form()] = "",
    hands: Annotated[str, Form()] = "",
) -> Response:
    # The "keep pending" box sends previous=pending; the button pressed sends hands=carry|clear.
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: agenda_service.open_agenda_item(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            item_id=item_id,
            previous=previous or "done",
            hands=hands or None,
        ),
    )


@router.post("/a/{assembly_id}/agenda/{item_id}/close")
def close_item_form(assembly_id: str, item_id: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: agenda_service.close_agenda_item(
            db=ctx.db, assembly_id=assembly_id, actor_id=m.participant_id, item_id=item_id
        ),
    )


@router.post("/a/{assembly_id}/headcount")
def headcount_form(
    assembly_id: str, request: Request, ctx: Ctx, count: Annotated[int, Form()]
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.set_headcount(
            db=ctx.db, assembly_id=assembly_id, actor_id=m.participant_id, count=count
        ),
    )


@router.post("/a/{assembly_id}/roles")
def grant_role_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    participant: Annotated[str, Form()],
    role: Annotated[str, Form()],
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.grant_role(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_ref=participant,
            role=role,
        ),
    )


@router.post("/a/{assembly_id}/roles/revoke")
def revoke_role_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    participant_id: Annotated[Id, Form()],
    role: Annotated[str, Form()],
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.revoke_role(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_id=participant_id,
            role=role,
        ),
    )


@router.post("/a/{assembly_id}/participants/{pid}/admit")
def admit_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.decide_admission(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_id=pid,
            admit=True,
        ),
    )


@router.post("/a/{assembly_id}/participants/{pid}/reject")
def reject_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.decide_admission(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            participant_id=pid,
            admit=False,
        ),
    )


@router.post("/a/{assembly_id}/close")
def close_form(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: agenda_service.close_assembly(
            db=ctx.db, assembly_id=assembly_id, actor_id=m.participant_id
        ),
    )
