"""Answering pages and forms: HTML replies, and running one service from a posted form.

A form works with or without htmx and with or without a live socket: `form_action` runs
one service as the signed-in member and answers each kind of page the way it can use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.assembly.auth import Member
from app.errors import DomainError, Forbidden, TooMany
from app.i18n import _
from app.web.context import AppContext, current_member, throttle
from app.web.render import VIEWS

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
    reaching it by the coalesced push like everyone else's (docs/architecture.md "The life of one
    answer"); an htmx page without a socket gets every region at once; a plain form goes back to
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


def act(
    request: Request,
    ctx: AppContext,
    assembly_id: str,
    service: Callable[..., Any],
    *,
    private: Callable[[Any, Member], str] | None = None,
    limit: str | None = None,
    **given: Any,
) -> Response:
    """`form_action` for the usual form: `service(db=…, assembly_id=…, actor_id=the member,
    **given)`, the form's own fields in `given`."""
    on_assembly = functools.partial(service, assembly_id=assembly_id)
    return act_within(request, ctx, assembly_id, on_assembly, private=private, limit=limit, **given)


def act_within(
    request: Request,
    ctx: AppContext,
    assembly_id: str,
    service: Callable[..., Any],
    *,
    private: Callable[[Any, Member], str] | None = None,
    limit: str | None = None,
    **given: Any,
) -> Response:
    """`form_action` for a form about something inside the assembly (a proposal, a round):
    `service(db=…, actor_id=the member, **given)`, which names it in `given`."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service(db=ctx.db, actor_id=m.participant_id, **given),
        private=private,
        limit=limit,
    )
