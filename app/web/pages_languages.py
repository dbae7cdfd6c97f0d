"""Console forms for the assembly's languages and its own words (facilitators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.assembly import languages
from app.web.context import Ctx
from app.web.form_action import act

router = APIRouter(include_in_schema=False)


@router.post("/a/{assembly_id}/languages")
def set_languages_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    language: Annotated[str, Form(max_length=16)],
    second_language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    return act(
        request,
        ctx,
        assembly_id,
        languages.set_languages,
        language=language,
        second_language=second_language or None,
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
    return act(
        request, ctx, assembly_id, languages.rename_word, language=language, key=key, word=word
    )
