"""The assembly's own forms: start one, join one, the agenda, the headcount, roles,
admission at the door, and closing; each runs one service of app.assembly."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.agenda import service as agenda_service
from app.assembly import service
from app.errors import DomainError
from app.groups import service as groups_service
from app.i18n import N_, current, normal
from app.web.context import Ctx, client_address
from app.web.fields import Id, Whole
from app.web.form_action import act, html, refused, see_other
from app.web.language import remember_language

router = APIRouter(include_in_schema=False)


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
            joining=groups_service.joining(group.strip() or None, group_token.strip() or None),
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
    return act(
        request,
        ctx,
        assembly_id,
        agenda_service.add_agenda_item,
        title=title,
        kind=kind,
        time_box_minutes=time_box_minutes,
        working_group=working_group or None,
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
    return act(
        request,
        ctx,
        assembly_id,
        agenda_service.open_agenda_item,
        item_id=item_id,
        previous=previous or "done",
        hands=hands or None,
    )


@router.post("/a/{assembly_id}/agenda/{item_id}/close")
def close_item_form(assembly_id: str, item_id: Id, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, agenda_service.close_agenda_item, item_id=item_id)


@router.post("/a/{assembly_id}/headcount")
def headcount_form(
    assembly_id: str, request: Request, ctx: Ctx, count: Annotated[int, Form()]
) -> Response:
    return act(request, ctx, assembly_id, service.set_headcount, count=count)


@router.post("/a/{assembly_id}/roles")
def grant_role_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    participant: Annotated[str, Form()],
    role: Annotated[str, Form()],
) -> Response:
    return act(
        request, ctx, assembly_id, service.grant_role, participant_ref=participant, role=role
    )


@router.post("/a/{assembly_id}/roles/revoke")
def revoke_role_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    participant_id: Annotated[Id, Form()],
    role: Annotated[str, Form()],
) -> Response:
    return act(
        request, ctx, assembly_id, service.revoke_role, participant_id=participant_id, role=role
    )


@router.post("/a/{assembly_id}/participants/{pid}/admit")
def admit_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, service.decide_admission, participant_id=pid, admit=True)


@router.post("/a/{assembly_id}/participants/{pid}/reject")
def reject_form(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, service.decide_admission, participant_id=pid, admit=False)


@router.post("/a/{assembly_id}/close")
def close_form(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, agenda_service.close_assembly)
