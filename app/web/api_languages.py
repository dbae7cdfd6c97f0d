"""JSON API: an assembly's languages and its own words for hand kinds and answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from app.assembly import languages
from app.web.context import Ctx, admitted_member
from app.web.fields import Body
from app.web.replies import reply

router = APIRouter(prefix="/api", tags=["assemblies"])


class LanguagesBody(Body):
    language: str = Field(max_length=16, description="the wall's and the minutes' language")
    second_language: str | None = Field(
        default=None, max_length=16, description="a second language for the wall's main lines"
    )


class WordBody(Body):
    language: str = Field(max_length=16)
    key: str = Field(max_length=40, description='"hand:<kind>" or "answer:<value>"')
    word: str | None = Field(default=None, max_length=200, description="blank: the usual word")


@router.put("/assemblies/{assembly_id}/languages")
def set_languages(
    assembly_id: str, body: LanguagesBody, request: Request, ctx: Ctx
) -> dict[str, Any]:
    """Set the assembly's language and an optional second one (facilitator only)."""
    actor = admitted_member(request, assembly_id)
    changed = languages.set_languages(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return reply(changed)


@router.put("/assemblies/{assembly_id}/words")
def rename_word(assembly_id: str, body: WordBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """The assembly's own word for a hand kind or an answer in one language (facilitator only)."""
    actor = admitted_member(request, assembly_id)
    changed = languages.rename_word(
        db=ctx.db, assembly_id=assembly_id, actor_id=actor.participant_id, **body.model_dump()
    )
    return reply(changed)
