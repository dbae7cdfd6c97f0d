"""JSON API: groups and their working groups (docs/api.md "Minutes")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from app.groups import service
from app.groups.service import GroupView
from app.i18n import N_
from app.web.context import AppContext, Ctx, bearer_token, client_address
from app.web.fields import Body

router = APIRouter(prefix="/api/groups", tags=["groups"])


class CreateGroup(Body):
    name: str
    slug: str = Field(description="lowercase letters, digits and hyphens: riverside-commons")
    time_zone: str = Field(description="an IANA name, like America/New_York")
    decision_rule: dict[str, Any] | None = None
    working_groups: list[str] = Field(default_factory=list)


class WorkingGroups(Body):
    names: list[str]


def _group_json(ctx: AppContext, group: GroupView) -> dict[str, Any]:
    urls = ctx.urls
    return {
        **group.as_json(),
        "urls": {
            "archive": urls.absolute(urls.archive_group(group.slug)),
            "feed": urls.absolute(urls.archive_feed(group.slug)),
        },
    }


@router.post("", status_code=201)
def create_group(body: CreateGroup, request: Request, ctx: Ctx) -> JSONResponse:
    """Create a group; `admin_token` (shown once) creates its assemblies and keeps its lists."""
    ctx.create_limit.hit(client_address(request), what=N_("new groups"))
    made = service.create_group(db=ctx.db, **body.model_dump())
    return JSONResponse(
        {**_group_json(ctx, made.group), "admin_token": made.admin_token}, status_code=201
    )


@router.get("/{slug}")
def get_group(slug: str, ctx: Ctx) -> dict[str, Any]:
    """A group: name, time zone, decision rule, working groups, assemblies numbered so far."""
    return _group_json(ctx, service.load_group(db=ctx.db, slug=slug))


@router.put("/{slug}/working_groups")
def set_working_groups(
    slug: str, body: WorkingGroups, request: Request, ctx: Ctx
) -> dict[str, Any]:
    """Replace the group's working groups (the admin token as Bearer)."""
    group = service.set_working_groups(
        db=ctx.db, slug=slug, token=bearer_token(request), names=body.names
    )
    return _group_json(ctx, group)
