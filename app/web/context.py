"""What every handler needs, built once per app: settings, database, renderer, hub, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.assembly.auth import Member, authenticate, authenticate_hash
from app.config import Settings
from app.copies.follow import Follower
from app.copies.watch import MirrorWatch
from app.db import Database
from app.errors import Forbidden
from app.i18n import N_, _
from app.live import Hub
from app.web.ratelimit import CodeGuard, RateLimiter, TokenBucket
from app.web.render import Renderer
from app.web.sessions import SessionStore, same_origin
from app.web.urls import Urls

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class AppContext:
    settings: Settings
    db: Database
    urls: Urls
    renderer: Renderer
    hub: Hub
    sessions: SessionStore
    create_limit: RateLimiter
    join_limit: TokenBucket
    code_guard: CodeGuard
    person_limit: TokenBucket  # what one person does, per kind (PERSON_ACTIONS)
    # The primary's mirrors of each assembly (this process's sockets), and, on a mirror
    # (`miccheck mirror`), the follower keeping its copy.
    mirrors: MirrorWatch = field(default_factory=MirrorWatch)
    follower: Follower | None = None


def ctx_of(conn: HTTPConnection) -> AppContext:
    ctx: AppContext = conn.app.state.ctx
    return ctx


def get_ctx(request: Request) -> AppContext:
    return ctx_of(request)


# The app context as a route parameter: `ctx: Ctx`.
Ctx = Annotated[AppContext, Depends(get_ctx)]


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_member(conn: HTTPConnection, assembly_id: str) -> Member:
    """The caller, by bearer token or session cookie (cookie writes must be same-origin)."""
    ctx = ctx_of(conn)
    token = bearer_token(conn)
    if token is not None:
        return authenticate(db=ctx.db, assembly_id=assembly_id, token=token)
    # The session holds the token's hash; the participant is looked up by it every time.
    token_hash = ctx.sessions.read(conn).token_hash(assembly_id)
    method = conn.scope.get("method", "GET")
    if token_hash is not None and method in UNSAFE_METHODS and not same_origin(conn):
        raise Forbidden(_("This request did not come from a Mic Check page."), code="bad_origin")
    return authenticate_hash(db=ctx.db, assembly_id=assembly_id, token_hash=token_hash)


def admitted_member(conn: HTTPConnection, assembly_id: str) -> Member:
    member = current_member(conn, assembly_id)
    if not member.admitted:
        raise Forbidden(
            _("You have not been admitted yet; a greeter will let you in."), code="not_admitted"
        )
    return member


# The kinds of action one person's phone could repeat to flood every screen with events and
# pushes; each kind has its own bucket per person: the words name it in the 429's sentence.
PERSON_ACTIONS = {
    "answer": N_("answers"),
    "hand": N_("hands raised or lowered"),
    "amendment": N_("amendments"),
    "note": N_("notes"),
    "action": N_("action items"),
}


def throttle(ctx: AppContext, member: Member, kind: str) -> None:
    """Count one action of `kind` by `member`, or refuse it: 429 `too_fast` with Retry-After
    once their burst is spent (MICCHECK_PERSON_BURST, MICCHECK_PERSON_ACTIONS_PER_MINUTE)."""
    ctx.person_limit.hit(
        (kind, member.assembly_id, member.participant_id),
        what=PERSON_ACTIONS[kind],
        by_person=True,
        code="too_fast",
    )


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"
