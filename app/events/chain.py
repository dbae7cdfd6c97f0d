"""The hash chain over events (pure: no database, no clock)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("assembly_id", "seq", "at", "actor_id", "type", "payload", "prev_hash")


def canonical(value: Any) -> bytes:
    """The exact bytes that are hashed (API.md, "Event export and the hash chain")."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the event without its own "hash"."""
    body = {key: event.get(key) for key in HASHED_FIELDS}
    return hashlib.sha256(canonical(body)).hexdigest()


def verify_chain(
    events: Iterable[Mapping[str, Any]], head: Mapping[str, Any] | None = None
) -> int | None:
    """The first seq where the chain breaks, or None when every link holds.

    Checks, in order: seq runs 1, 2, 3… without gap, each prev_hash is the previous
    event's hash, each hash matches its content, and the last event is the head.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for event in events:
        seq = event.get("seq")
        if seq != expected_seq:
            return expected_seq
        if event.get("prev_hash") != expected_prev or event.get("hash") != event_hash(event):
            return expected_seq
        expected_prev = str(event["hash"])
        expected_seq += 1
    if head is not None:
        last_seq = expected_seq - 1
        head_seq = head.get("seq")
        if head_seq != last_seq or head.get("hash") != expected_prev:
            # Missing events at the end break at the first one missing; extra ones at the last.
            missing = isinstance(head_seq, int) and head_seq > last_seq
            return last_seq + 1 if missing else max(last_seq, 1)
    return None
