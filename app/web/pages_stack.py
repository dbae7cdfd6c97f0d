"""Forms of the speaking stack, posted from phones and the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.assembly.auth import Member
from app.stack import service
from app.stack.service import Changed
from app.stack.state import my_open_hands
from app.web.context import AppContext, Ctx
from app.web.fields import Id, Whole
from app.web.form_action import act

router = APIRouter(prefix="/a/{assembly_id}/stack", include_in_schema=False)


def my_hands(ctx: AppContext) -> Callable[[Changed, Member], str]:
    """What the reply to my own raise or lower carries: my hands up, as of the change."""

    def render(changed: Changed, member: Member) -> str:
        kinds = my_open_hands(
            db=ctx.db, assembly_id=member.assembly_id, participant_id=member.participant_id
        )
        return ctx.renderer.page("_my_hands.html", kinds=kinds, seq=changed.seq, oob=True)

    return render


@router.post("/raise")
def raise_form(
    assembly_id: str, request: Request, ctx: Ctx, kind: Annotated[str, Form()] = "speak"
) -> Response:
    return act(
        request,
        ctx,
        assembly_id,
        service.raise_hand,
        kind=kind,
        private=my_hands(ctx),
        limit="hand",
    )


@router.post("/lower")
def lower_mine_form(
    assembly_id: str, request: Request, ctx: Ctx, kind: Annotated[str, Form()] = "speak"
) -> Response:
    return act(
        request,
        ctx,
        assembly_id,
        service.lower_my_hand,
        kind=kind,
        private=my_hands(ctx),
        limit="hand",
    )


@router.post("/add")
def add_named_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "speak",
) -> Response:
    return act(
        request, ctx, assembly_id, service.add_named_hand, kind=kind, name=name, limit="hand"
    )


@router.post("/{entry_id}/lower")
def lower_form(assembly_id: str, entry_id: Id, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, service.lower_hand, entry_id=entry_id, limit="hand")


@router.post("/{entry_id}/move")
def move_form(
    assembly_id: str,
    entry_id: Id,
    request: Request,
    ctx: Ctx,
    position: Annotated[Whole, Form()],
) -> Response:
    return act(request, ctx, assembly_id, service.move_hand, entry_id=entry_id, position=position)


@router.post("/next")
def next_form(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, service.call_next_speaker)


@router.post("/timer")
def timer_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    action: Annotated[str, Form()],
    seconds: Annotated[Whole | None, Form()] = None,
) -> Response:
    return act(request, ctx, assembly_id, service.control_timer, action=action, seconds=seconds)


@router.post("/settings")
def settings_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    mode: Annotated[str, Form()] = "progressive",
    speaking_seconds: Annotated[Whole, Form()] = 60,
    direct_responses: Annotated[bool, Form()] = False,
    open: Annotated[bool, Form()] = False,
) -> Response:
    # Unchecked boxes are not sent: a missing box means "off".
    return act(
        request,
        ctx,
        assembly_id,
        service.update_settings,
        mode=mode,
        speaking_seconds=speaking_seconds,
        direct_responses=direct_responses,
        open=open,
    )
