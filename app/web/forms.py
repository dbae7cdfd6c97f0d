"""Fields of the HTML forms posted from phones and the console (with or without htmx)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from app.errors import Invalid
from app.i18n import _
from app.web.fields import MAX_ID

Text = Annotated[str, Form()]  # a form field; an empty box arrives as ""


def optional_int(raw: str, field: str) -> int | None:
    """A whole number typed or carried in a form; an empty box is None (422 otherwise)."""
    raw = raw.strip()
    if not raw:
        return None
    # ASCII digits only ("²" and "٣" are digits to str.isdigit); at most a BIGINT's worth.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise Invalid(
            _("{field} is a whole number up to {max_id}.").format(field=field, max_id=MAX_ID),
            code="bad_number",
        )
    return int(raw)


def required_int(raw: str, field: str) -> int:
    """An id the page carries in a hidden field; missing means the page is stale."""
    number = optional_int(raw, field)
    if number is None:
        raise Invalid(
            _("{field} is missing; reload the page.").format(field=field), code="bad_number"
        )
    return number
