"""JSON API: assemblies, people, roles, headcount and agenda (docs/api.md "Assemblies and
people")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.state import load_state
from app.errors import Forbidden
from app.events import export_events
from app.groups import service as groups_service
from app.i18n import N_, _
from app.web.context import AppContext, Ctx, admitted_member, client_address
from app.web.fields import Body, Id, Seq
from app.web.replies import created, reply

router = APIRouter(prefix="/api", tags=["assemblies"])


class CreateAssembly(Body):
    title: str
    facilitator_name: str | None = None
    starts_at: datetime | None = None
    location: str | None = None
    time_zone: str | None = None  # the group's, or UTC
    decision_rule: dict[str, Any] | None = None  # the group's, or the default
    admission: Literal["open", "checked_in"] = "open"
    visibility: Literal["public", "private"] = "public"
    language: str = "en"
    group: str | None = None  # a group's slug; needs the X-Group-Token header
    minutes_speaker_names: bool = True  # False: the minutes list turns without names


class JoinBody(Body):
    join_code: str
    name: str
    pronouns: str | None = None
    language: str | None = None


class RoleBody(Body):
    participant_id: Id
    role: Literal["facilitator", "stack_keeper", "minute_taker", "greeter"]


class HeadcountBody(Body):
    count: int = Field(ge=0, le=100_000)


class AgendaBody(Body):
    title: str
    kind: Literal["report", "proposal", "announcement", "discussion"]
    time_box_minutes: int = Field(15, ge=1, le=600)
    working_group: str | None = None


class OpenItemBody(Body):
    previous: Literal["done", "pending"] = "done"  # what the item open before becomes
    hands: Literal["carry", "clear"] | None = None  # required while hands are up


@router.post("/assemblies", status_code=201)
def create_assembly(
    body: CreateAssembly,
    request: Request,
    ctx: Ctx,
    x_group_token: str | None = Header(None, description="The group's admin token."),
) -> JSONResponse:
    """Start an assembly; the creator becomes its facilitator.

    With `group` and the group's admin token in `X-Group-Token`, it is numbered within the
    group and takes the group's time zone and decision rule unless they are given.
    """
    ctx.create_limit.hit(client_address(request), what=N_("new assemblies"))
    given = body.model_dump()
    made = service.create_assembly(
        db=ctx.db,
        joining=groups_service.joining(given.pop("group"), x_group_token),
        server_secret=ctx.settings.resolved_secret_key(),
        **given,
    )
    urls = ctx.urls
    return created(
        {
            "id": made.assembly_id,
            "group": made.group,
            "join_code": made.join_code,
            "facilitator_token": made.facilitator_token,
            "projector_key": made.projector_key,
            "participant_id": made.participant_id,
            "urls": {
                "console": urls.absolute(urls.console(made.assembly_id, made.facilitator_token)),
                "projector": urls.absolute(urls.projector(made.assembly_id, made.projector_key)),
                "join": urls.absolute(urls.join(made.join_code)),
                "phone": urls.absolute(urls.phone(made.assembly_id)),
                "minutes": urls.absolute(urls.minutes(made.assembly_id)),
            },
            "seq": made.seq,
        }
    )


@router.get("/assemblies/{assembly_id}")
def get_assembly(assembly_id: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """The assembly as it stands: status, headcount, agenda, roles, seq."""
    admitted_member(request, assembly_id)
    return load_state(db=ctx.db, assembly_id=assembly_id).as_json()


def _joined(joined: service.Joined) -> JSONResponse:
    return created(
        {
            "assembly_id": joined.assembly_id,
            "participant_id": joined.participant_id,
            "token": joined.token,
            "status": joined.status,
            "seq": joined.seq,
        }
    )


@router.post("/join", status_code=201)
def join(body: JoinBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Join by code; the token in the reply is this participant's bearer token."""
    address = client_address(request)
    with ctx.code_guard.lookup(address):
        ctx.join_limit.hit(address, what=N_("joins"))
        return _joined(service.join_assembly(db=ctx.db, **body.model_dump()))


@router.post("/assemblies/{assembly_id}/join", status_code=201)
def join_known(assembly_id: str, body: JoinBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Join an assembly whose id is known; the code must still match."""
    address = client_address(request)
    with ctx.code_guard.lookup(address):
        ctx.join_limit.hit(address, what=N_("joins"))
        joined = service.join_assembly(db=ctx.db, assembly_id=assembly_id, **body.model_dump())
    return _joined(joined)


def _admission(assembly_id: str, pid: Id, request: Request, ctx: AppContext, admit: bool) -> Any:
    actor = admitted_member(request, assembly_id)
    changed = service.decide_admission(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        participant_id=pid,
        admit=admit,
    )
    return reply(changed)


@router.post("/assemblies/{assembly_id}/participants/{pid}/admit")
def admit(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A greeter or facilitator lets a pending participant in."""
    return _admission(assembly_id, pid, request, ctx, True)


@router.post("/assemblies/{assembly_id}/participants/{pid}/reject")
def reject(assembly_id: str, pid: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A greeter or facilitator turns a pending participant away."""
    return _admission(assembly_id, pid, request, ctx, False)


@router.post("/assemblies/{assembly_id}/roles")
def grant_role(assembly_id: str, body: RoleBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Grant a role (facilitator only)."""
    actor = admitted_member(request, assembly_id)
    changed = service.grant_role(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return reply(changed)


@router.delete("/assemblies/{assembly_id}/roles")
def revoke_role(assembly_id: str, body: RoleBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Revoke a role (facilitator only); the last facilitator stays."""
    actor = admitted_member(request, assembly_id)
    changed = service.revoke_role(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return reply(changed)


@router.post("/assemblies/{assembly_id}/headcount")
def set_headcount(
    assembly_id: str, body: HeadcountBody, request: Request, ctx: Ctx
) -> dict[str, Any]:
    """People in the room, phones or not (facilitator)."""
    actor = admitted_member(request, assembly_id)
    changed = service.set_headcount(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, count=body.count
    )
    return reply(changed)


@router.post("/assemblies/{assembly_id}/agenda", status_code=201)
def add_agenda_item(assembly_id: str, body: AgendaBody, request: Request, ctx: Ctx) -> JSONResponse:
    """Add an agenda item, pending (facilitator)."""
    actor = admitted_member(request, assembly_id)
    changed = agenda_service.add_agenda_item(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return created(reply(changed))


@router.post("/assemblies/{assembly_id}/agenda/{item_id}/open")
def open_agenda_item(
    assembly_id: str,
    item_id: Id,
    request: Request,
    ctx: Ctx,
    body: OpenItemBody | None = None,
) -> dict[str, Any]:
    """Open an item; the one open before is done, or pending when asked (facilitator). While
    hands are up, say whether they are carried over or cleared (409 `hands_waiting` if not)."""
    actor = admitted_member(request, assembly_id)
    how = body or OpenItemBody()
    changed = agenda_service.open_agenda_item(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        item_id=item_id,
        previous=how.previous,
        hands=how.hands,
    )
    return reply(changed)


@router.post("/assemblies/{assembly_id}/agenda/{item_id}/close")
def close_agenda_item(assembly_id: str, item_id: Id, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Close the open item: it is done (facilitator)."""
    actor = admitted_member(request, assembly_id)
    changed = agenda_service.close_agenda_item(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, item_id=item_id
    )
    return reply(changed)


@router.post("/assemblies/{assembly_id}/close")
def close_assembly(assembly_id: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """End the assembly; its minutes become final (facilitator)."""
    actor = admitted_member(request, assembly_id)
    changed = agenda_service.close_assembly(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id
    )
    return reply(changed)


@router.get("/assemblies/{assembly_id}/events")
def export(assembly_id: str, request: Request, ctx: Ctx, since: Seq = 0) -> dict[str, Any]:
    """The hash-chained event export: facilitators, or anyone once closed and public."""
    state = load_state(db=ctx.db, assembly_id=assembly_id)
    if not (state.status == "closed" and state.visibility == "public"):
        member = admitted_member(request, assembly_id)
        if "facilitator" not in member.roles:
            raise Forbidden(_("Only a facilitator can export the events of an open assembly."))
    with ctx.db.read() as session:
        data = export_events(session, assembly_id, after=max(0, since))
    return {**data, "seq": data["head"]["seq"]}
