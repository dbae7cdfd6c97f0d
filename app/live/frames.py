"""What a client says over a live socket: its frames, parsed without ever raising."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from app.i18n import N_, _, translate

MAX_FRAME_BYTES = 4096
"""Default for the largest client frame the app parses (`MICCHECK_WS_MAX_FRAME_BYTES`)."""

MAX_SEQ = 2**63 - 1  # the largest `since` read; past the head it is refused before any query

NOT_JSON = N_('Frames must be JSON objects such as {"type": "ping"}.')


@dataclass(frozen=True)
class Action:
    """A client frame the web layer answers (`Hub.answer`): its type and its JSON object."""

    type: str
    data: Mapping[str, Any]


def parse_frame(
    frame: str | bytes, max_bytes: int = MAX_FRAME_BYTES, actions: Collection[str] = ()
) -> tuple[str, int] | Action | str:
    """A client frame as ("ping", 0), ("resync", since) or, for a type in `actions`, an
    `Action`; else why it is refused.

    Never raises, whatever the frame: binary, longer than `max_bytes`, nested past the
    recursion limit, not an object, numbers too long to read. The reason speaks the socket's
    language (parsed in the socket's own task).
    """
    if not isinstance(frame, str):
        return _("Binary frames are not accepted: send JSON text frames.")
    if len(frame) > max_bytes or len(frame.encode("utf-8", "surrogatepass")) > max_bytes:
        return _("Frames may be at most {max_bytes} bytes.").format(max_bytes=max_bytes)
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        return translate(NOT_JSON)
    if not isinstance(data, dict):
        return translate(NOT_JSON)
    kind = data.get("type")
    if kind is None and "HEADERS" in data:  # an htmx form sent over the socket
        return _("This socket only carries updates; send actions over HTTP.")
    if kind == "ping":
        return ("ping", 0)
    if isinstance(kind, str) and kind in actions:
        return Action(kind, data)
    if kind == "resync":
        since = data.get("since")
        if isinstance(since, int) and not isinstance(since, bool) and 0 <= since <= MAX_SEQ:
            return ("resync", since)
        return _('A resync frame needs "since": the last seq you saw, a whole number.')
    return _('Unknown frame: send {"type": "ping"} or {"type": "resync", "since": N}.')
