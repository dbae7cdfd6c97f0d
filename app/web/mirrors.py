"""What the mirror's routes share: the take-over (the follower stopped first, and started again
if the take-over is refused) and what the console's mirror panel shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import HTTPConnection, Request

from app.assembly.auth import Member, hash_secret
from app.copies import service as copies
from app.copies.logic import Lag, mirror_pass, would_lose
from app.errors import Forbidden
from app.events import Changed, head_of
from app.events.service import follows_of
from app.i18n import _
from app.web.context import AppContext, admitted_member, bearer_token


async def take_over_here(conn: HTTPConnection, ctx: AppContext, assembly_id: str) -> Changed:
    """The take-over for the signed-in facilitator: refused (403) before the follower stops."""
    member = await asyncio.to_thread(admitted_member, conn, assembly_id)
    if "facilitator" not in member.roles:
        raise Forbidden(_("Only a facilitator can take over."), code="role_required")
    follower = ctx.follower if ctx.follower and ctx.follower.assembly_id == assembly_id else None
    if follower is not None:
        await follower.stop()
    try:
        return await asyncio.to_thread(
            copies.take_over, db=ctx.db, assembly_id=assembly_id, actor_id=member.participant_id
        )
    except Exception:
        if follower is not None and follower.stopped is None:
            follower.start()  # refused: keep following
        raise


@dataclass(frozen=True)
class MirrorPanel:
    """The console's mirror panel: on a mirror, whom it follows and its lag; on a primary, its
    mirrors, what they stored and what a take-over now would lose."""

    follows: str | None  # the primary this copy follows (None: this server runs it)
    taken_over: bool  # this server was a mirror and took over
    mirrors: tuple[str, ...]  # the addresses announced to phones
    head: int
    lag: Lag | None = None  # a mirror's: behind its primary
    connected: bool = False  # a mirror's: its copy stream is open
    stopped: str | None = None  # a mirror's: why it stopped following
    mirrors_connected: int = 0  # a primary's: copy streams open on this process
    stored: int | None = None  # a primary's: the newest seq a mirror stored
    would_lose: int | None = None  # a primary's: events a take-over now would lose


def mirror_panel(ctx: AppContext, assembly_id: str) -> MirrorPanel:
    """The panel as of now (in a thread: it reads the database)."""
    with ctx.db.read() as session:
        follows = follows_of(session, assembly_id)
        head = head_of(session, assembly_id)
        mirrors = copies.mirrors_of(session, assembly_id)
        taken = follows is None and copies.was_taken_over(session, assembly_id)
    follower = ctx.follower
    if follows is not None and follower is not None and follower.assembly_id == assembly_id:
        return MirrorPanel(
            follows=follows,
            taken_over=False,
            mirrors=mirrors,
            head=head,
            lag=follower.lag(),
            connected=follower.connected,
            stopped=follower.stopped,
        )
    now = ctx.mirrors.now(assembly_id)
    return MirrorPanel(
        follows=follows,
        taken_over=taken,
        mirrors=mirrors,
        head=head,
        mirrors_connected=now.connected,
        stored=now.stored,
        would_lose=would_lose(head=head, stored=now.stored),
    )


def pass_of(request: Request, ctx: AppContext, member: Member) -> str | None:
    """The pass this phone shows a mirror when this server stops answering (None: no token
    hash to derive it from)."""
    token_hash = ctx.sessions.read(request).token_hash(member.assembly_id)
    if token_hash is None and (token := bearer_token(request)) is not None:
        token_hash = hash_secret(token)
    return mirror_pass(member.participant_id, token_hash) if token_hash else None
