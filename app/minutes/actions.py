"""Action items in the minutes (pure): what one may be, and where the fold puts it.

An action item is its `action_item_recorded` event, like a note: its id is the event's seq.
It belongs to a proposal, else to an agenda item, else to the assembly as a whole. The one
action the minutes derive on their own (a proposal tabled to someone) is the same kind of
thing, with nobody who recorded it (`by` is None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import Invalid
from app.i18n import N_, _, translate
from app.minutes import record as r

TEXT_MAX = 500
WHO_MAX = 80
DUE_MAX = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newlines and tabs become spaces


@dataclass(frozen=True)
class ActionText:
    text: str
    who: str | None  # a person or a working group
    due: str | None  # free text: "Friday 20 March", "next GA"


def _line(value: str, field: str) -> str:
    """One line of text: control characters refused, runs of spaces and newlines made one."""
    if _CONTROL.search(value.replace("\r\n", "\n")):
        raise Invalid(
            _("The {field} contains characters that cannot be shown.").format(
                field=translate(field)
            ),
            code="bad_text",
        )
    return " ".join(value.split())


def _optional(value: str | None, field: str, longest: int, code: str) -> str | None:
    kept = _line(value or "", field)
    if len(kept) > longest:
        raise Invalid(
            _("The {field} can be at most {count} characters.").format(
                field=translate(field), count=longest
            ),
            code=code,
        )
    return kept or None


def clean_action(text: str, who: str | None = None, due: str | None = None) -> ActionText:
    """What to do (1–500 characters), who does it (≤80) and by when (≤60); 422 otherwise."""
    body = _line(text, N_("action item"))
    if not body:
        raise Invalid(_("An action item says what is to be done."), code="text_required")
    if len(body) > TEXT_MAX:
        raise Invalid(
            _("An action item can be at most {count} characters.").format(count=TEXT_MAX),
            code="text_too_long",
        )
    return ActionText(
        text=body,
        who=_optional(who, N_("“who”"), WHO_MAX, "who_too_long"),
        due=_optional(due, N_("“by when”"), DUE_MAX, "due_too_long"),
    )


class ActionFold:
    """The fold's handler of `action_item_recorded`; state shared with the whole fold."""

    at: r.Moment
    actor: int | None
    names: dict[int, str]
    items: dict[int, r.Item]
    proposals: dict[int, r.Proposal]
    actions: list[r.ActionItem]  # for the assembly as a whole

    def on_action_item_recorded(self, seq: int, p: Mapping[str, Any]) -> None:
        by = p.get("by") or self.names.get(self.actor or 0) or _("the minute taker")
        action = r.ActionItem(seq, self.at, str(p.get("text", "")), p.get("who"), p.get("due"), by)
        proposal = self.proposals.get(p.get("proposal_id") or 0)
        item = self.items.get(p.get("agenda_item_id") or 0)
        if proposal is not None:
            proposal.actions.append(action)
        elif item is not None:
            item.actions.append(action)
        else:
            self.actions.append(action)
