"""Archive pages and feeds: /archive, a decision's permanent page, a group's and a working
group's decisions, and their Atom feeds. Plain GET forms: they work without JavaScript."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.archive.decision import decision_page
from app.archive.logic import OUTCOME_FILTERS, outcome_word
from app.archive.state import archive_page, decision_feed
from app.assembly.logic import normalise_join_code
from app.assembly.state import find_by_code
from app.errors import DomainError, NotFound
from app.i18n import _, speaking
from app.web.context import AppContext, Ctx, client_address
from app.web.feeds import MEDIA_TYPE, atom_feed
from app.web.fields import MAX_ID

router = APIRouter(include_in_schema=False)
# An archive page changes only when an assembly closes: a short shared cache is fine.
CACHE = {"Cache-Control": "public, max-age=60"}
PRIVATE = {"Cache-Control": "no-store"}


QueryText = Annotated[str | None, Query()]


@dataclass(frozen=True)
class Filters:
    """The listing form's fields, read the same way by the three listing pages."""

    q: str | None
    group: str | None
    working_group: str | None
    outcome: str | None
    date_from: str | None
    date_to: str | None
    code: str | None
    page: str | None


def guard_code(request: Request, ctx: AppContext, code: str | None) -> None:
    """A join code in an archive address is a lookup by code: codes that match no assembly count
    against the address as a join's do (app.web.ratelimit.CodeGuard, 429 past the limit), and a
    wrong code still shows the public archive."""
    if not code or not code.strip():
        return
    try:
        clean = normalise_join_code(code)
    except DomainError:
        return  # not a code at all (a join does not count those either)
    with contextlib.suppress(NotFound), ctx.code_guard.lookup(client_address(request)):
        find_by_code(db=ctx.db, join_code=clean)


def listing_filters(
    request: Request,
    ctx: Ctx,
    q: QueryText = None,
    # Named apart from the paths' {group} and {working_group}, which FastAPI would match.
    group_field: Annotated[str | None, Query(alias="group")] = None,
    working_group_field: Annotated[str | None, Query(alias="working_group")] = None,
    outcome: QueryText = None,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    code: QueryText = None,
    page: QueryText = None,
) -> Filters:
    """The query string of a listing page (a page's address outranks its group fields)."""
    guard_code(request, ctx, code)
    return Filters(
        q=q, group=group_field, working_group=working_group_field, outcome=outcome,
        date_from=date_from, date_to=date_to, code=code, page=page,
    )  # fmt: skip


Filtered = Annotated[Filters, Depends(listing_filters)]


def _listing(
    ctx: AppContext,
    filters: Filters,
    *,
    path_group: str | None = None,
    path_working_group: str | None = None,
) -> HTMLResponse:
    """One listing page: /archive, a group's or a working group's (their address fixes the
    group or working group; the form's fields narrow further). A refused filter shows the
    form again with the reason."""
    params = asdict(filters)
    outcomes = [(value, outcome_word(value)) for value in OUTCOME_FILTERS]
    asked = {
        **params,
        "group": path_group or params.get("group"),
        "working_group": path_working_group or params.get("working_group"),
    }
    try:
        page = archive_page(db=ctx.db, known_working_group=path_working_group is not None, **asked)
    except NotFound:
        raise
    except DomainError as exc:
        form = {**asked, "from": params.get("date_from"), "to": params.get("date_to")}
        html = ctx.renderer.page(
            "archive/archive.html", page=None, f=form, here=None, group=None,
            fixed_working_group=None, outcomes=outcomes, error=exc.message, code=None,
        )  # fmt: skip
        return HTMLResponse(html, status_code=exc.status, headers=PRIVATE)
    scope = page.group if path_group else None
    fixed = page.query.working_group if scope and path_working_group else None
    here = ctx.urls.archive_group(scope.slug, fixed) if scope else ctx.urls.archive()
    html = ctx.renderer.page(
        "archive/archive.html", page=page, f=page.query.params(), here=here, group=scope,
        fixed_working_group=fixed, outcomes=outcomes, error=None, code=page.query.code,
    )  # fmt: skip
    return HTMLResponse(html, headers=PRIVATE if page.query.code else CACHE)


@router.get("/archive")
def archive(ctx: Ctx, filters: Filtered) -> HTMLResponse:
    return _listing(ctx, filters)


@router.get("/archive/decisions/{proposal_id}")
def decision(proposal_id: str, request: Request, ctx: Ctx, code: QueryText = None) -> HTMLResponse:
    """A decision's permanent page."""
    digits = proposal_id.isascii() and proposal_id.isdigit() and len(proposal_id) <= 12
    if not digits or int(proposal_id) > MAX_ID:  # past an INTEGER: no id (PostgreSQL's 500)
        raise NotFound(
            _("There is no archived decision at this address."), code="decision_not_found"
        )
    guard_code(request, ctx, code)
    view = decision_page(db=ctx.db, proposal_id=int(proposal_id), code=code)
    language = view.decision.language  # a decision's page speaks its assembly's language
    with speaking(language):
        html = ctx.renderer.page("archive/decision.html", language=language, view=view)
    return HTMLResponse(html, headers=PRIVATE if view.code else CACHE)


def _feed(ctx: AppContext, group: str, working_group: str | None) -> Response:
    feed = decision_feed(db=ctx.db, group=group, working_group=working_group)
    return Response(atom_feed(feed, ctx.urls), media_type=MEDIA_TYPE, headers=CACHE)


@router.get("/archive/{group}/feed.atom")
def group_feed(group: str, ctx: Ctx) -> Response:
    return _feed(ctx, group, None)


@router.get("/archive/{group}/{working_group}/feed.atom")
def working_group_feed(group: str, working_group: str, ctx: Ctx) -> Response:
    return _feed(ctx, group, working_group)


@router.get("/archive/{group}")
def group_archive(group: str, ctx: Ctx, filters: Filtered) -> HTMLResponse:
    return _listing(ctx, filters, path_group=group)


@router.get("/archive/{group}/{working_group}")
def working_group_archive(
    group: str, working_group: str, ctx: Ctx, filters: Filtered
) -> HTMLResponse:
    return _listing(ctx, filters, path_group=group, path_working_group=working_group)
