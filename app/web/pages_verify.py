"""/verify: a page that checks an events export in the browser itself (static/verify.js).

The server sends the page and its words, nothing else: the file never leaves the browser, so a
working group can check a decision without trusting the server that hosts it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.archive.logic import WORDS as OUTCOME_WORDS
from app.blocks.round_state import KIND_WORDS
from app.blocks.round_state import WORDS as ANSWER_WORDS
from app.i18n import translate
from app.web.context import Ctx
from app.web.form_action import html

router = APIRouter(include_in_schema=False)
HEAD_MAX = 200  # a typed hash with spaces is ~72 characters; longer is not one


def verify_words() -> dict[str, dict[str, str]]:
    """The process's words the page shows for what an export holds, in the current language."""
    return {
        "outcomes": {key: translate(word) for key, word in OUTCOME_WORDS.items()},
        "answers": {key: translate(word) for key, word in ANSWER_WORDS.items()},
        "kinds": {key: translate(word) for key, word in KIND_WORDS.items()},
    }


@router.get("/verify")
def verify_page(ctx: Ctx, head: str = "") -> HTMLResponse:
    """The page; `head` fills in the head hash to compare against (the minutes link with it)."""
    page = ctx.renderer.page("verify.html", head=head[:HEAD_MAX], words=verify_words())
    return html(page)
