"""Approving the minutes at the end of an assembly (pure rules).

docs/process.md: "a closing 'minutes approved' round if held". It is temperature-style — up,
sideways, down, no blocks — and says how the room feels about the minutes as they stand;
the minutes are approved when more people hold their thumbs up than down. Sideways is heard
("they'll do") and counted, but neither approves nor disapproves.
"""

from __future__ import annotations

from collections.abc import Mapping

KIND = "minutes"  # decision_round.kind of an approval round (it has no proposal)
VALUES = ("up", "sideways", "down")
OUTCOMES = {"approved": "minutes approved", "not_approved": "minutes not approved"}


def judge(counts: Mapping[str, int]) -> tuple[str, str]:
    """The outcome and its arithmetic: "31 up, 4 sideways, 2 down: 31 > 2 → minutes approved"."""
    up, down = counts.get("up", 0), counts.get("down", 0)
    described = ", ".join(f"{counts.get(v, 0)} {v}" for v in VALUES)
    if not sum(counts.get(v, 0) for v in VALUES):
        return "not_approved", f"{described}: nobody answered → {OUTCOMES['not_approved']}"
    outcome = "approved" if up > down else "not_approved"
    sign = ">" if up > down else "≤"
    return outcome, f"{described}: {up} up {sign} {down} down → {OUTCOMES[outcome]}"
