"""`?key=` links (console, projector, minutes): the key in a link is exchanged for the session
cookie, then dropped from the address bar, so it is not left in history or on a screen."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.assembly.auth import authenticate, check_projector_key
from app.errors import Forbidden, Unauthorized
from app.web.context import AppContext

TOKEN, PROJECTOR = "token", "projector"  # the keys a `?key=` link may carry


def swap_key_for_cookie(
    request: Request, ctx: AppContext, assembly_id: str, *, opens: tuple[str, ...] = (TOKEN,)
) -> Response | None:
    """A `?key=` link is exchanged for the cookie, then dropped from the address bar.

    `opens` names the keys the page takes: a participant's token (phone, console), the
    projector key (projector), or either (minutes: the console link's or the wall's)."""
    key = request.query_params.get("key")
    if key is None:
        return None
    session = ctx.sessions.read(request)
    if _kind_of_key(ctx, assembly_id, key, opens) == PROJECTOR:
        session.projector_keys[assembly_id] = key
    else:
        session.tokens[assembly_id] = key
    response = RedirectResponse(request.url.path, status_code=303)
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
    raise Forbidden("The key in this link is not valid for this assembly.", code="bad_key")
