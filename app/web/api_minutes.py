"""Minutes: the minute taker's notes and action items, and the minutes as JSON, Markdown and
printable HTML (docs/api.md "Minutes"), plus the page /a/{id}/minutes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.assembly.auth import check_projector_key_hash
from app.errors import Forbidden
from app.i18n import speaking
from app.minutes import service, settings
from app.minutes.markdown import render_markdown
from app.minutes.state import MinutesRead, load_minutes, open_to_all
from app.web.context import AppContext, Ctx, admitted_member, throttle
from app.web.fields import Body, Id
from app.web.key_links import PROJECTOR, TOKEN, swap_key_for_cookie
from app.web.minutes_html import render_minutes_html

router = APIRouter(tags=["minutes"])


class NoteBody(Body):
    text: str
    label: str | None = None
    agenda_item_id: Id | None = None
    corrects: Id | None = None


@router.post("/api/assemblies/{assembly_id}/notes", status_code=201)
def take_note(assembly_id: str, body: NoteBody, request: Request, ctx: Ctx) -> JSONResponse:
    """A note in the minutes (minute taker, facilitator); `corrects` names the note a correction
    corrects. The note id is the seq of its event."""
    actor = admitted_member(request, assembly_id)
    throttle(ctx, actor, "note")
    noted = service.take_note(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return JSONResponse({"note_id": noted.note_id, "seq": noted.seq}, status_code=201)


class ActionBody(Body):
    text: str
    who: str | None = None
    due: str | None = None
    proposal_id: Id | None = None
    agenda_item_id: Id | None = None


@router.post("/api/assemblies/{assembly_id}/actions", status_code=201)
def record_action(assembly_id: str, body: ActionBody, request: Request, ctx: Ctx) -> JSONResponse:
    """An action item in the minutes (minute taker, facilitator): what, who, by when. It goes
    with the proposal or item named, else the open item's proposal, else the open item, else
    the assembly as a whole. The action id is the seq of its event."""
    actor = admitted_member(request, assembly_id)
    throttle(ctx, actor, "action")
    recorded = service.record_action(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return JSONResponse({"action_id": recorded.action_id, "seq": recorded.seq}, status_code=201)


class MinutesSettingsBody(Body):
    speaker_names: bool | None = None  # False: the minutes list turns without names
    signals: bool | None = None  # True: each turn's line on how the room took it


@router.put("/api/assemblies/{assembly_id}/minutes/settings")
def minutes_settings(
    assembly_id: str,
    body: MinutesSettingsBody,
    request: Request,
    ctx: Ctx,
) -> JSONResponse:
    """Name speakers in the minutes or leave their names out (turns and times stay either
    way); note how the room took each turn from its hand signals ("signals: mostly agree"),
    or not (minute taker, facilitator). A field left out stays as it is; 422 `no_setting`
    when both are. The last word counts for the whole minutes."""
    actor = admitted_member(request, assembly_id)
    changed = settings.change_settings(
        db=ctx.db,
        assembly_id=assembly_id,
        actor_id=actor.participant_id,
        speaker_names=body.speaker_names,
        signals=body.signals,
    )
    return JSONResponse(
        {"speaker_names": changed.speaker_names, "signals": changed.signals, "seq": changed.seq}
    )


def _read(request: Request, ctx: AppContext, assembly_id: str) -> tuple[MinutesRead, bool]:
    """Members read the minutes; anyone once the assembly is closed and public; and a browser
    holding the projector key in its cookie (the wall, or a `?key=` link to the page), in every
    format: the page links the others without a key, as it may be projected."""
    public = open_to_all(db=ctx.db, assembly_id=assembly_id)
    if not public and not _holds_projector_key(request, ctx, assembly_id):
        admitted_member(request, assembly_id)
    return load_minutes(db=ctx.db, assembly_id=assembly_id), public


def _holds_projector_key(request: Request, ctx: AppContext, assembly_id: str) -> bool:
    key_hash = ctx.sessions.read(request).projector_key_hash(assembly_id)
    if key_hash is None:
        return False
    try:
        check_projector_key_hash(db=ctx.db, assembly_id=assembly_id, key_hash=key_hash)
    except Forbidden:
        return False
    return True


def _headers(public: bool) -> dict[str, str]:
    # Final public minutes may be cached a little; a member's view changes with every note.
    return {"Cache-Control": "public, max-age=60" if public else "no-store"}


@router.get("/api/assemblies/{assembly_id}/minutes")
def minutes_json(assembly_id: str, request: Request, ctx: Ctx) -> JSONResponse:
    """The minutes as data: header, numbered items, proposals, rounds, notes, the chain head;
    their words in the assembly's language."""
    read, public = _read(request, ctx, assembly_id)
    body: dict[str, Any] = {**asdict(read.minutes), "seq": read.seq}
    return JSONResponse(body, headers=_headers(public))


@router.get("/api/assemblies/{assembly_id}/minutes.md")
def minutes_markdown(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    """The minutes as Markdown."""
    read, public = _read(request, ctx, assembly_id)
    with speaking(read.language):
        text = render_markdown(read.minutes)
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers=_headers(public),
    )


@router.get("/api/assemblies/{assembly_id}/minutes.html")
def minutes_html(assembly_id: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The minutes as one printable page, with a chart of every round."""
    return _printable(ctx, *_read(request, ctx, assembly_id))


def _printable(
    ctx: AppContext,
    read: MinutesRead,
    public: bool,
    formats: dict[str, str] | None = None,
    verify_url: str | None = None,
) -> HTMLResponse:
    env = ctx.renderer.env_for(read.language)  # the assembly's language, not the reader's
    page = render_minutes_html(
        env,
        read.minutes,
        seq=read.seq,
        language=read.language,
        formats=formats,
        verify_url=verify_url,
    )
    return HTMLResponse(page, headers=_headers(public))


@router.get("/a/{assembly_id}/minutes", include_in_schema=False)
def minutes_page(assembly_id: str, request: Request, ctx: Ctx) -> Any:
    """The page of the minutes: the printable HTML with links to the other formats, read with
    the session cookie, which a `?key=` link sets (a member's, as in the console link, or the
    projector's)."""
    swapped = swap_key_for_cookie(request, ctx, assembly_id, opens=(TOKEN, PROJECTOR))
    if swapped:
        return swapped
    read, public = _read(request, ctx, assembly_id)
    verify_url = ctx.urls.verify(read.minutes.head.hash)
    return _printable(ctx, read, public, ctx.urls.minutes_formats(assembly_id), verify_url)
