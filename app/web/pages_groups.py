"""Pages for standing groups: the plain form that starts one (on the home page, and alone at
/groups/new) and the page that shows its admin token, once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from app.errors import DomainError
from app.groups import service
from app.i18n import N_
from app.web.context import Ctx, client_address
from app.web.form_action import html

router = APIRouter(include_in_schema=False)


def working_group_lines(text: str) -> list[str]:
    """The form's working groups: one a line, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get("/groups/new")
def new_group(ctx: Ctx) -> HTMLResponse:
    return html(ctx.renderer.page("groups/new.html", group_form={}))


@router.post("/groups")
def create_group_from_form(
    request: Request,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form()] = "UTC",
    working_groups: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Start a group; the reply page shows its admin token once, with a form for its first
    assembly. A refusal shows the form again with the reason and what was typed."""
    ctx.create_limit.hit(client_address(request), what=N_("new groups"))  # 429 page, Retry-After
    form = {"name": name, "slug": slug, "time_zone": time_zone, "working_groups": working_groups}
    try:
        made = service.create_group(
            db=ctx.db,
            name=name,
            slug=slug.strip(),
            time_zone=time_zone.strip() or "UTC",
            working_groups=working_group_lines(working_groups),
        )
    except DomainError as exc:
        page = ctx.renderer.page("groups/new.html", group_form=form, group_error=exc.message)
        return html(page, exc.status)
    urls = ctx.urls
    page = ctx.renderer.page(
        "groups/created.html",
        group=made.group,
        admin_token=made.admin_token,
        archive_url=urls.absolute(urls.archive_group(made.group.slug)),
        feed_url=urls.absolute(urls.archive_feed(made.group.slug)),
    )
    return html(page, 201)
