"""JSON API: the archive of decisions, searchable (docs/api.md "Minutes")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from app.archive.state import archive_page
from app.web.context import Ctx
from app.web.pages_archive import guard_code

router = APIRouter(prefix="/api", tags=["archive"])


@router.get("/archive")
def search_archive(
    request: Request,
    ctx: Ctx,
    q: str | None = None,
    group: str | None = None,
    working_group: str | None = None,
    outcome: str | None = None,
    date_from: str | None = Query(None, alias="from", description="YYYY-MM-DD, where it met"),
    date_to: str | None = Query(None, alias="to", description="YYYY-MM-DD, where it met"),
    code: str | None = Query(None, description="a join code: that private assembly too"),
    page: str | None = None,
) -> dict[str, Any]:
    """Decisions of closed public assemblies; `q` searches titles, every version's text,
    amendments and notes (every word must appear; words are stemmed)."""
    guard_code(request, ctx, code)
    found = archive_page(
        db=ctx.db, q=q, group=group, working_group=working_group, outcome=outcome,
        date_from=date_from, date_to=date_to, code=code, page=page,
    )  # fmt: skip
    data = found.as_json()
    urls = ctx.urls
    for listed, decision in zip(data["decisions"], found.decisions, strict=True):
        code_kept = found.query.code if decision.private else None
        listed["urls"] = {
            "decision": urls.absolute(urls.archive_decision(decision.proposal_id, code_kept)),
            "minutes": urls.absolute(urls.minutes(decision.assembly_id)),
        }
    return data
