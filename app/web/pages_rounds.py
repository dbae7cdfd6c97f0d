"""Forms of rounds on a proposal: open one, answer, count the room by hand, close."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.assembly.auth import Member
from app.blocks import closing, rounds
from app.errors import Invalid
from app.i18n import _
from app.web.context import Ctx
from app.web.fields import Id
from app.web.form_action import act_within
from app.web.forms import Text, optional_int, required_int

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


@router.post("/proposals/{proposal_id}/rounds")
def open_round_form(
    assembly_id: str,
    proposal_id: Id,
    request: Request,
    ctx: Ctx,
    kind: Text = "",
    fallback: Text = "",
    block_id: Text = "",
    anonymous: Text = "",
    results: Text = "",
    closes_in_seconds: Text = "",
    recall: Text = "",
) -> Response:
    return act_within(
        request,
        ctx,
        assembly_id,
        rounds.open_round,
        proposal_id=proposal_id,
        kind=kind,
        fallback=fallback == "yes",
        block_id=optional_int(block_id, "block_id"),
        anonymous=anonymous == "yes",
        results=results or None,
        closes_in_seconds=optional_int(closes_in_seconds, "closes_in_seconds"),
        recall=recall == "yes",
    )


@router.post("/rounds/respond")
def respond_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    round_id: Text = "",
    value: Text = "",
    reason: Text = "",
) -> Response:
    def mine(changed: Any, _member: Member) -> str:
        return ctx.renderer.page("_mine.html", mine=changed.data, oob=True)

    return act_within(
        request,
        ctx,
        assembly_id,
        rounds.respond,
        round_id=required_int(round_id, "round_id"),
        value=value,
        reason=reason or None,
        private=mine,
        limit="answer",
    )


def parse_analog_blocks(raw: str) -> list[dict[str, str]]:
    """One counted block per line: "Name: reason" (a dash works too)."""
    blocks = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        for mark in (":", " — ", " - "):
            if mark in line:
                name, reason = line.split(mark, 1)
                break
        else:
            raise Invalid(
                _('Write each counted block as "Name: reason", one per line.'),
                code="analog_block_unnamed",
            )
        blocks.append({"name": name.strip(), "reason": reason.strip()})
    return blocks


@router.post("/rounds/analog")
def analog_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    round_id: Text = "",
    up: Text = "",
    sideways: Text = "",
    down: Text = "",
    agree: Text = "",
    stand_aside: Text = "",
    yes: Text = "",
    no: Text = "",
    blocks: Text = "",
) -> Response:
    given = {
        "up": up,
        "sideways": sideways,
        "down": down,
        "agree": agree,
        "stand_aside": stand_aside,
        "yes": yes,
        "no": no,
    }
    counts = {k: n for k, v in given.items() if (n := optional_int(v, k)) is not None}
    named = parse_analog_blocks(blocks)
    return act_within(
        request,
        ctx,
        assembly_id,
        rounds.record_analog,
        round_id=required_int(round_id, "round_id"),
        counts=counts,
        blocks=named,
    )


@router.post("/rounds/{round_id}/close")
def close_round_form(assembly_id: str, round_id: Id, request: Request, ctx: Ctx) -> Response:
    return act_within(request, ctx, assembly_id, closing.close_round, round_id=round_id)
