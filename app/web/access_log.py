"""Secrets out of the server's logs: uvicorn logs every request's path with its query string
(the access log) and every socket's (`"WebSocket /ws/…?key=…"`), and a `?key=` link or a
socket's `key=` carries a participant's token or a projector key. `miccheck serve` (so also
`make run`) hands uvicorn LOG_CONFIG, whose handlers pass every record through RedactSecrets."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

SECRET_NAMES = frozenset({"key", "token"})
REDACTED = "REDACTED"
# A query string in a logged line: from "?" to the next space or quote.
_QUERY = re.compile(r"\?[^\s\"']*")


def _redact_query(match: re.Match[str]) -> str:
    parts = re.split(r"([&;])", match.group(0)[1:])
    for i in range(0, len(parts), 2):
        name, eq, _ = parts[i].partition("=")
        if eq and unquote_plus(name).strip().lower() in SECRET_NAMES:
            parts[i] = f"{name}={REDACTED}"
    return "?" + "".join(parts)


def redact(text: str) -> str:
    """`text` with the value of every `key=` and `token=` in a query string replaced."""
    return _QUERY.sub(_redact_query, text) if "?" in text else text


class RedactSecrets(logging.Filter):
    """Replaces secret query values in a record's message and arguments, keeping the record
    (uvicorn's AccessFormatter reads the path from the arguments by position)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, each handler filtered by RedactSecrets."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": f"{__name__}.RedactSecrets"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact_secrets"]
    return config
