"""Forms of the people's mic, posted from the console (htmx gets a fragment, a plain form a
redirect back to the console)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.mic import service
from app.web.context import Ctx
from app.web.form_action import act

router = APIRouter(prefix="/a/{assembly_id}/mic", include_in_schema=False)


@router.post("/start")
def start_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    source: Annotated[str, Form()] = "prepared",
    text: Annotated[str, Form()] = "",
) -> Response:
    return act(request, ctx, assembly_id, service.start_mic, source=source, text=text)


@router.post("/move")
def move_form(
    assembly_id: str, request: Request, ctx: Ctx, to: Annotated[str, Form(max_length=8)] = "next"
) -> Response:
    return act(request, ctx, assembly_id, service.move_mic, to=to)


@router.post("/stop")
def stop_form(assembly_id: str, request: Request, ctx: Ctx) -> Response:
    return act(request, ctx, assembly_id, service.stop_mic)
