"""Forms of proposals, amendments and rounds, posted from phones and the console."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.assembly.auth import Member
from app.assembly.state import match_participant
from app.blocks import closing, rounds, service
from app.blocks.state import read_amendment
from app.errors import Forbidden, Invalid
from app.i18n import _
from app.minutes import service as minutes_service
from app.minutes import settings
from app.web.context import Ctx, current_member
from app.web.fields import Id
from app.web.form_action import form_action, html
from app.web.forms import Text, optional_int, required_int

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


@router.post("/proposals")
def submit_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    title: Text = "",
    text: Text = "",
    presenter: Text = "",
    working_group: Text = "",
) -> Response:
    # A name that picks out one person who joined is their phone (they accept amendments on
    # it); any other name is someone without a phone; an empty box is the service's default.
    def presented_by() -> dict[str, Any]:
        if not presenter.strip():
            return {}
        pid = match_participant(db=ctx.db, assembly_id=assembly_id, ref=presenter)
        return {"presenter_id": pid} if pid is not None else {"presenter_name": presenter}

    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.submit_proposal(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            title=title,
            text=text,
            working_group=working_group or None,
            **presented_by(),
        ),
    )


@router.post("/proposals/{proposal_id}/stage")
def stage_form(
    assembly_id: str,
    proposal_id: Id,
    request: Request,
    ctx: Ctx,
    stage: Text = "",
    outcome: Text = "",
    tabled_to: Text = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.move_stage(
            db=ctx.db,
            proposal_id=proposal_id,
            actor_id=m.participant_id,
            stage=stage,
            outcome=outcome or None,
            tabled_to=tabled_to or None,
        ),
    )


@router.post("/proposals/{proposal_id}/withdraw")
def withdraw_form(assembly_id: str, proposal_id: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.withdraw(db=ctx.db, proposal_id=proposal_id, actor_id=m.participant_id),
    )


@router.post("/proposals/{proposal_id}/settings")
def settings_form(
    assembly_id: str,
    proposal_id: Id,
    request: Request,
    ctx: Ctx,
    amendments_open: Text = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.set_amendments_open(
            db=ctx.db,
            proposal_id=proposal_id,
            actor_id=m.participant_id,
            amendments_open=amendments_open == "yes",
        ),
    )


@router.post("/proposals/{proposal_id}/wall-page")
def wall_page_form(
    assembly_id: str, proposal_id: Id, request: Request, ctx: Ctx, page: Text = ""
) -> Response:
    """Turn the page of a long proposal text on the wall (the console's page buttons)."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.turn_wall_page(
            db=ctx.db,
            proposal_id=proposal_id,
            actor_id=m.participant_id,
            page=required_int(page, "page"),
        ),
    )


@router.post("/proposals/decide")
def decide_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    outcome: Text = "",
    tabled_to: Text = "",
) -> Response:
    """The console's decide form sits outside the pushed regions, so the id is a field."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.move_stage(
            db=ctx.db,
            proposal_id=required_int(proposal_id, "proposal_id"),
            actor_id=m.participant_id,
            stage="decided",
            outcome=outcome or None,
            tabled_to=tabled_to or None,
        ),
    )


@router.post("/proposals/cap")
def cap_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    max_amendment_rounds: Text = "",
) -> Response:
    """Cap the amendment rounds of the proposal on screen; an empty box lifts the cap."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.set_amendments_open(
            db=ctx.db,
            proposal_id=required_int(proposal_id, "proposal_id"),
            actor_id=m.participant_id,
            max_amendment_rounds=optional_int(max_amendment_rounds, "max_amendment_rounds"),
        ),
    )


@router.post("/proposals/amend")
def amend_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    proposal_id: Text = "",
    text: Text = "",
    rationale: Text = "",
) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.propose_amendment(
            db=ctx.db,
            proposal_id=required_int(proposal_id, "proposal_id"),
            actor_id=m.participant_id,
            text=text,
            rationale=rationale or None,
            max_pending=ctx.settings.pending_amendments_per_person,
        ),
        limit="amendment",
    )


@router.get("/amendments/{amendment_id}")
def amendment_page(assembly_id: str, amendment_id: Id, request: Request, ctx: Ctx) -> HTMLResponse:
    """One friendly amendment in full, for anyone admitted: the amendment lists on phones and
    the console show its first changed line and link here."""
    member = current_member(request, assembly_id)
    if not member.admitted:
        raise Forbidden(_("You have not been admitted yet."), code="not_admitted")
    page = read_amendment(db=ctx.db, assembly_id=assembly_id, amendment_id=amendment_id)
    back = ctx.urls.console(assembly_id) if member.on_console else ctx.urls.phone(assembly_id)
    return html(ctx.renderer.page("amendment.html", page=page, back=back))


@router.post("/amendments/{amendment_id}/{decision}")
def decide_amendment_form(
    assembly_id: str, amendment_id: Id, decision: str, request: Request, ctx: Ctx
) -> Response:
    if decision not in ("accept", "reject"):
        raise Invalid(_("An amendment is accepted or rejected."), code="bad_decision")
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: service.decide_amendment(
            db=ctx.db,
            amendment_id=amendment_id,
            actor_id=m.participant_id,
            accept=decision == "accept",
        ),
    )


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
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: rounds.open_round(
            db=ctx.db,
            proposal_id=proposal_id,
            actor_id=m.participant_id,
            kind=kind,
            fallback=fallback == "yes",
            block_id=optional_int(block_id, "block_id"),
            anonymous=anonymous == "yes",
            results=results or None,
            closes_in_seconds=optional_int(closes_in_seconds, "closes_in_seconds"),
            recall=recall == "yes",
        ),
    )


@router.post("/minutes/approval")
def open_minutes_approval_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    anonymous: Text = "",
    results: Text = "",
    closes_in_seconds: Text = "",
) -> Response:
    """Ask the assembly to approve the minutes (the console's button at the end)."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: rounds.open_minutes_approval(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            anonymous=anonymous == "yes",
            results=results or None,
            closes_in_seconds=optional_int(closes_in_seconds, "closes_in_seconds"),
        ),
    )


@router.post("/minutes/settings")
def minutes_settings_form(
    assembly_id: str, request: Request, ctx: Ctx, speaker_names: Text = "", signals: Text = ""
) -> Response:
    """Name speakers in the minutes ("yes") or leave their names out ("no"); note how the room
    took each turn ("yes") or not ("no"). A field left empty stays as it is."""
    if speaker_names not in ("yes", "no", ""):
        raise Invalid(_("Say yes or no: name speakers in the minutes?"), code="bad_speaker_names")
    if signals not in ("yes", "no", ""):
        raise Invalid(
            _("Say yes or no: note in the minutes how the room took each turn?"),
            code="bad_signals",
        )
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: settings.change_settings(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            speaker_names=speaker_names == "yes" if speaker_names else None,
            signals=signals == "yes" if signals else None,
        ),
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

    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: rounds.respond(
            db=ctx.db,
            round_id=required_int(round_id, "round_id"),
            actor_id=m.participant_id,
            value=value,
            reason=reason or None,
        ),
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
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: rounds.record_analog(
            db=ctx.db,
            round_id=required_int(round_id, "round_id"),
            actor_id=m.participant_id,
            counts=counts,
            blocks=named,
        ),
    )


@router.post("/rounds/{round_id}/close")
def close_round_form(assembly_id: str, round_id: Id, request: Request, ctx: Ctx) -> Response:
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: closing.close_round(db=ctx.db, round_id=round_id, actor_id=m.participant_id),
    )


@router.post("/notes")
def note_form(
    assembly_id: str,
    request: Request,
    ctx: Ctx,
    text: Text = "",
    label: Text = "",
    corrects: Text = "",
    gap: Text = "",
) -> Response:
    """The minute taker's note box; "Mark a gap" writes the "…" the minutes show for it."""
    return form_action(
        request,
        ctx,
        assembly_id,
        lambda m: minutes_service.take_note(
            db=ctx.db,
            assembly_id=assembly_id,
            actor_id=m.participant_id,
            text="…" if gap == "yes" else text,
            label=label or None,
            corrects=optional_int(corrects, "corrects"),
        ),
        limit="note",
    )
