"""`?key=` links (console, projector, minutes): the key in a link is exchanged for the session
cookie, then dropped from the address bar, so it is not left in history or on a screen.

A link never silently takes the seat a browser already holds (issue 12, point 3): when the
browser is signed in to the assembly as someone else who is still valid, the link's token
waits (its hash, in the server-side session) and the page asks first; switching is a
same-origin POST, so a cross-site link or form cannot do it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.assembly.auth import (
    Member,
    authenticate,
    authenticate_hash,
    check_projector_key,
    hash_secret,
)
from app.assembly.state import load_state
from app.errors import Forbidden, Invalid, Unauthorized
from app.i18n import _
from app.web.context import AppContext, Ctx
from app.web.sessions import BrowserSession, same_origin

TOKEN, PROJECTOR = "token", "projector"  # the keys a `?key=` link may carry
KEEP, SWITCH = "keep", "switch"  # the confirm page's two buttons

router = APIRouter(include_in_schema=False)  # a page form, like the other pages


def swap_key_for_cookie(
    request: Request, ctx: AppContext, assembly_id: str, *, opens: tuple[str, ...] = (TOKEN,)
) -> Response | None:
    """A `?key=` link is exchanged for the cookie, then dropped from the address bar; without
    a key, a link waiting for the person's say shows the confirm page. None: show the page.

    `opens` names the keys the page takes: a participant's token (phone, console), the
    projector key (projector), or either (minutes: the console link's or the wall's)."""
    key = request.query_params.get("key")
    if key is None:
        if TOKEN not in opens:
            return None
        return _confirm_if_pending(request, ctx, assembly_id)
    kind = _kind_of_key(ctx, assembly_id, key, opens)
    path = request.url.path
    session = ctx.sessions.read(request)
    if kind == PROJECTOR:
        session.hold_projector_key(assembly_id, key)  # a key to a screen, not a person
    elif session.token_hash(assembly_id) == hash_secret(key):
        if not session.drop_pending(assembly_id):
            return _back_to(path)  # the seat it already holds: only the address bar changes
    elif _still_held(ctx, assembly_id, session) is not None:
        session.hold_pending(assembly_id, key, path)  # asks first (_confirm_if_pending)
    else:
        session.sign_in(assembly_id, key)
    response = _back_to(path)
    ctx.sessions.write(response, session)
    return response


def _back_to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _member(ctx: AppContext, assembly_id: str, token_hash: str | None) -> Member | None:
    """The participant behind a held hash, while it is valid (not reissued, not removed)."""
    try:
        return authenticate_hash(db=ctx.db, assembly_id=assembly_id, token_hash=token_hash)
    except (Unauthorized, Forbidden):
        return None


def _still_held(ctx: AppContext, assembly_id: str, session: BrowserSession) -> Member | None:
    return _member(ctx, assembly_id, session.token_hash(assembly_id))


def _confirm_if_pending(request: Request, ctx: AppContext, assembly_id: str) -> Response | None:
    """The confirm page while a link waits; once either identity stopped being valid there
    is nothing to ask: the one still valid is kept."""
    session = ctx.sessions.read(request)
    pending = session.pending(assembly_id)
    if pending is None:
        return None
    pending_hash, path = pending
    held = _still_held(ctx, assembly_id, session)
    other = _member(ctx, assembly_id, pending_hash)
    if held is None or other is None or held.participant_id == other.participant_id:
        return _settle(ctx, session, assembly_id, path, take=held is None and other is not None)
    state = load_state(db=ctx.db, assembly_id=assembly_id)
    page = ctx.renderer.page(
        "switch.html",
        assembly_title=state.title,
        me=held,
        other=other,
        action=switch_url(assembly_id),
        keep=KEEP,
        switch=SWITCH,
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def switch_url(assembly_id: str) -> str:
    return f"/a/{assembly_id}/session"


@router.post("/a/{assembly_id}/session")
def confirm_switch(
    assembly_id: str, request: Request, ctx: Ctx, choice: Annotated[str, Form()] = ""
) -> Response:
    """The confirm page's answer: switch to the waiting link's person, or keep the seat held.
    Only from our own pages (a cross-site form cannot switch anyone)."""
    if not same_origin(request):
        raise Forbidden(_("This request did not come from a Mic Check page."), code="bad_origin")
    if choice not in (KEEP, SWITCH):
        raise Invalid(_("Choose to continue as you are or to switch."), code="bad_choice")
    session = ctx.sessions.read(request)
    pending = session.pending(assembly_id)
    if pending is None:  # answered already (another tab), or nothing waited
        return _back_to(f"/a/{assembly_id}")
    pending_hash, path = pending
    switch = choice == SWITCH and _member(ctx, assembly_id, pending_hash) is not None
    return _settle(ctx, session, assembly_id, path, take=switch)


def _settle(
    ctx: AppContext, session: BrowserSession, assembly_id: str, path: str, *, take: bool
) -> Response:
    """The waiting link is taken (its person now holds this browser's seat) or dropped; back to
    the page it opened."""
    if take:
        session.take_pending(assembly_id)
    else:
        session.drop_pending(assembly_id)
    response = _back_to(path)
    ctx.sessions.write(response, session)
    return response


def _check_key(ctx: AppContext, assembly_id: str, key: str, kind: str) -> None:
    if kind == PROJECTOR:
        check_projector_key(db=ctx.db, assembly_id=assembly_id, key=key)
    else:
        authenticate(db=ctx.db, assembly_id=assembly_id, token=key)


def _kind_of_key(ctx: AppContext, assembly_id: str, key: str, opens: tuple[str, ...]) -> str:
    """Which of the page's keys `key` is. A page taking one kind refuses as that kind does (401
    for a token, 403 for a projector key); one taking several, with 403 when it is none."""
    if len(opens) == 1:
        _check_key(ctx, assembly_id, key, opens[0])
        return opens[0]
    for kind in opens:
        try:
            _check_key(ctx, assembly_id, key, kind)
        except (Unauthorized, Forbidden):
            continue
        return kind
    raise Forbidden(_("The key in this link is not valid for this assembly."), code="bad_key")
