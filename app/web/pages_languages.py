"""Console forms for the assembly's languages and its own words (facilitators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.assembly import languages
from app.web.context import Ctx
from app.web.form_action import form_action

router = APIRouter(include_in_schema=False)


@router.post("/a/{assembly_id}/languages")
def set_languages_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    language: Annotated[str, Form(max_length=16)],
    second_language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: languages.set_languages(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            language=language,
            second_language=second_language or None,
        ),
    )


@router.post("/a/{assembly_id}/words")
def rename_word_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    language: Annotated[str, Form(max_length=16)],
    key: Annotated[str, Form(max_length=40)],
    word: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: languages.rename_word(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            language=language,
            key=key,
            word=word,
        ),
    )
