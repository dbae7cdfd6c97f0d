"""Websocket endpoints: HTML pushes for pages, JSON events for API clients (docs/api.md)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Scope
from starlette.websockets import WebSocket

from app.assembly.auth import Member, check_projector_key, check_projector_key_hash
from app.blocks.owners import answer_owners
from app.blocks.redaction import redact_events
from app.copies.service import secrets_of
from app.copies.watch import stored_marker
from app.errors import DomainError
from app.events import events_after, head_of
from app.events.service import event_record
from app.i18n import N_, _, current, translate
from app.live.frames import MAX_SEQ, Action
from app.web.context import bearer_token, ctx_of, current_member
from app.web.render import VIEWS, view_key
from app.web.sessions import same_origin

NOT_ALLOWED = 1008
MAX_REASON_BYTES = 123  # a close frame's reason (RFC 6455: 125 bytes less the 2 of its code)


def close_reason(reason: str) -> str:
    """`reason` cut to fit a close frame, at a character's boundary (a translation runs longer,
    and an accented letter takes two bytes)."""
    return reason.encode("utf-8")[:MAX_REASON_BYTES].decode("utf-8", "ignore")


async def _refuse(websocket: WebSocket, reason: str) -> None:
    """Accept, then close with 1008 and a reason the page can show (no reconnect)."""
    await websocket.accept()
    await websocket.close(code=NOT_ALLOWED, reason=close_reason(reason))


COPY_FOR_FACILITATORS = N_("Only a facilitator's key may follow an assembly as its mirror.")
BAD_SINCE = N_("since must be a whole number of 0 or more.")
PAST_HEAD = N_("since is past this assembly's newest event.")


def _since(websocket: WebSocket) -> int | None:
    """The `since` query parameter; DomainError with our own reason when it is not a seq."""
    raw = websocket.query_params.get("since")
    if raw is None or raw == "":
        return None
    # isdigit() takes other scripts' digits ("²", "٣") that int() refuses or reads oddly
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_SEQ)):
        raise DomainError(translate(BAD_SINCE))
    since = int(raw)
    if since > MAX_SEQ:
        raise DomainError(translate(PAST_HEAD))
    return since


def _check_since(websocket: WebSocket, assembly_id: str, since: int | None) -> None:
    """Refuse a `since` past the assembly's newest event: the client holds a seq this
    assembly never reached (another assembly's, or a log restored from an older backup)."""
    if not since:
        return
    with ctx_of(websocket).db.read() as session:
        if since > head_of(session, assembly_id):
            raise DomainError(translate(PAST_HEAD))


def _admit(websocket: WebSocket, assembly_id: str, view: str, since: int | None) -> Member | None:
    """Who may watch, then whether `since` is one this assembly reached (in a thread)."""
    member = _authorise(websocket, assembly_id, view)
    _check_since(websocket, assembly_id, since)
    return member


def _authorise(websocket: WebSocket, assembly_id: str, view: str) -> Member | None:
    """Who may watch which view; raises DomainError with the reason otherwise."""
    ctx = ctx_of(websocket)
    if bearer_token(websocket) is None and not same_origin(websocket):
        raise DomainError(_("This socket was not opened from a Mic Check page."))
    if view == "projector":
        key = websocket.query_params.get("key")
        if key:
            check_projector_key(db=ctx.db, assembly_id=assembly_id, key=key)
            return None
        key_hash = ctx.sessions.read(websocket).projector_key_hash(assembly_id)
        check_projector_key_hash(db=ctx.db, assembly_id=assembly_id, key_hash=key_hash)
        return None
    member = current_member(websocket, assembly_id)
    if not member.admitted:
        raise DomainError(_("You have not been admitted yet."))
    if view == "console" and not member.on_console:
        raise DomainError(_("The console is for people holding a role."))
    return member


async def _let_in(
    websocket: WebSocket, assembly_id: str, view: str, *, role: str | None = None
) -> tuple[int | None, Member | None] | None:
    """Check the request and the person (holding `role`, when one is named), then accept:
    (since, member); None once refused."""
    try:
        since = _since(websocket)
        member = await asyncio.to_thread(_admit, websocket, assembly_id, view, since)
        if role is not None and (member is None or role not in member.roles):
            raise DomainError(translate(COPY_FOR_FACILITATORS))
    except DomainError as exc:
        await _refuse(websocket, exc.message)
        return None
    except ValueError:  # never Python's own words in a close reason
        await _refuse(websocket, _("This socket request is not valid."))
        return None
    await websocket.accept()
    return since, member


async def page_socket(websocket: WebSocket, assembly_id: str) -> None:
    """Live regions of one page view, as htmx out-of-band fragments."""
    view = websocket.query_params.get("view", "phone")
    if view not in VIEWS:
        await _refuse(websocket, _("view must be phone, projector or console"))
        return
    let_in = await _let_in(websocket, assembly_id, view)
    if let_in is None:
        return
    since, member = let_in
    # whole=1: the page holds every region as of `since` (it was just rendered; live.js says
    # so until its first push), so when nothing has changed since, no snapshot is due.
    whole = websocket.query_params.get("whole") == "1"
    # Phones and consoles speak their person's language; the projector the assembly's.
    key = view if view == "projector" else view_key(view, current())
    await ctx_of(websocket).hub.serve_page(
        websocket, assembly_id=assembly_id, view=key, since=since, whole=whole, who=_who(member)
    )


async def events_socket(websocket: WebSocket, assembly_id: str) -> None:
    """Every event after `since`, then live ones, in order, without gaps or duplicates."""
    if websocket.query_params.get("copy") == "1":
        await copy_socket(websocket, assembly_id)
        return
    ctx = ctx_of(websocket)
    let_in = await _let_in(websocket, assembly_id, "phone")
    if let_in is None:
        return
    since, member = let_in[0] or 0, let_in[1]
    whole = member is not None and "facilitator" in member.roles

    def load_sync(after: int, up_to: int | None) -> list[dict[str, Any]]:
        with ctx.db.read() as session:
            events = [
                {"seq": e.seq, "type": e.type, "at": e.at, "payload": json.loads(e.payload_json)}
                for e in events_after(session, assembly_id, after, up_to)
            ]
            # Facilitators see the log whole; members see what they may see now (docs/api.md).
            return events if whole else redact_events(session, events)

    async def load(_assembly_id: str, after: int, up_to: int | None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(load_sync, after, up_to)

    await ctx.hub.serve_events(
        websocket, assembly_id=assembly_id, since=since, load=load, who=_who(member)
    )


async def copy_socket(websocket: WebSocket, assembly_id: str) -> None:
    """A mirror's copy stream (`?copy=1`, a facilitator's key): every event whole, as exported,
    then the secrets that let people in whenever they change; the mirror says what it stored."""
    ctx = ctx_of(websocket)
    let_in = await _let_in(websocket, assembly_id, "phone", role="facilitator")
    if let_in is None:
        return
    since, member = let_in[0] or 0, let_in[1]
    sent: list[dict[str, Any] | None] = [None]  # the secrets last sent on this socket

    def load_sync(after: int, up_to: int | None) -> list[dict[str, Any]]:
        with ctx.db.read() as session:
            frames: list[dict[str, Any]] = [
                {"type": "event", "seq": e.seq, "event": event_record(e)}
                for e in events_after(session, assembly_id, after, up_to)
            ]
            # Who gave the open anonymous answers among them: beside the event, for the mirror
            # alone (app/blocks/owners.py), so a take-over keeps one answer each.
            owners = answer_owners(session, assembly_id, after, up_to)
            for frame in frames:
                if frame["seq"] in owners:
                    frame["owner"] = owners[frame["seq"]]
            secrets = secrets_of(session, assembly_id).frame()
        if secrets != sent[0]:
            frames.append(secrets)  # no "seq": sent in its place, after the events
            sent[0] = secrets
        return frames

    async def load(_assembly_id: str, after: int, up_to: int | None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(load_sync, after, up_to)

    def heard(action: Action) -> None:
        seq = action.data.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq <= MAX_SEQ:
            ctx.mirrors.stored(assembly_id, seq)  # this worker at once; the others by the bus
            # (a publish is a short round trip to Redis: off the event loop)
            asyncio.get_running_loop().run_in_executor(
                None, ctx.hub.notify, assembly_id, seq, (stored_marker(seq),)
            )

    ctx.mirrors.joined(assembly_id)
    try:
        await ctx.hub.serve_events(
            websocket,
            assembly_id=assembly_id,
            since=since,
            load=load,
            who=_who(member),
            on_action=heard,
            actions=("stored",),
            with_head=True,
        )
    finally:
        ctx.mirrors.left(assembly_id)


def _who(member: Member | None) -> int | None:
    """Whose socket this is: when their seat changes, the hub closes it and they reconnect."""
    return member.participant_id if member is not None else None


Endpoint = Callable[[WebSocket, str], Awaitable[None]]
SOCKETS: tuple[tuple[re.Pattern[str], Endpoint], ...] = (
    (re.compile(r"/ws/assemblies/([^/]+)"), page_socket),
    (re.compile(r"/ws/assemblies/([^/]+)/events"), events_socket),
)


def socket_endpoint(scope: Scope) -> tuple[Endpoint, str] | None:
    """The live socket endpoint a websocket scope asks for, with the assembly id in its path;
    None for any other path.

    The app serves these before FastAPI's middleware and routing (`app.web.app.MicCheck`): a
    socket stays open for hours, and every layer it passes keeps frames, exit stacks and send
    wrappers for each one (≈ 11 KiB of a phone's 40.8 measured with tracemalloc).
    """
    if scope["type"] != "websocket":
        return None
    for pattern, endpoint in SOCKETS:
        if match := pattern.fullmatch(scope["path"]):
            return endpoint, match[1]
    return None
