"""What a member may see of the log: an answer to a round whose results are hidden carries no
value until the round closes."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.blocks.models import Round

# What a member may not see of an answer while its round is open with results hidden.
SECRET_WHILE_HIDDEN = {"response_cast": ("value", "reason"), "analog_counted": ("counts", "blocks")}


def redact_events(session: Session, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events as a member may see them now: answers to an open hidden round carry no value.

    Anonymous answers never carry a person in the first place (app.blocks.rounds).
    """
    ids = {e["payload"].get("round_id") for e in events if e["type"] in SECRET_WHILE_HIDDEN}
    if not ids:
        return events
    hidden = set(
        session.exec(
            select(Round.id).where(
                col(Round.id).in_(ids), Round.status == "open", Round.results == "hidden"
            )
        )
    )
    shown = []
    for event in events:
        secret = SECRET_WHILE_HIDDEN.get(event["type"], ())
        if secret and event["payload"].get("round_id") in hidden:
            payload = {k: v for k, v in event["payload"].items() if k not in secret}
            event = {**event, "payload": {**payload, "redacted": True}}
        shown.append(event)
    return shown
