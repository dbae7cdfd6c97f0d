"""Forms of the minutes: the minute taker's notes, what the minutes keep, and the round
that asks the assembly to approve them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.blocks import rounds
from app.errors import Invalid
from app.i18n import _
from app.minutes import service as minutes_service
from app.minutes import settings
from app.web.context import Ctx
from app.web.form_action import act
from app.web.forms import Text, optional_int

router = APIRouter(prefix="/a/{assembly_id}", include_in_schema=False)


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
    return act(
        request,
        ctx,
        assembly_id,
        minutes_service.take_note,
        text="…" if gap == "yes" else text,
        label=label or None,
        corrects=optional_int(corrects, "corrects"),
        limit="note",
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
    return act(
        request,
        ctx,
        assembly_id,
        rounds.open_minutes_approval,
        anonymous=anonymous == "yes",
        results=results or None,
        closes_in_seconds=optional_int(closes_in_seconds, "closes_in_seconds"),
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
    return act(
        request,
        ctx,
        assembly_id,
        settings.change_settings,
        speaker_names=speaker_names == "yes" if speaker_names else None,
        signals=signals == "yes" if signals else None,
    )
