"""The hash chain over events (pure: no database, no clock)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from app.i18n import _

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("assembly_id", "seq", "at", "actor_id", "type", "payload", "prev_hash")


def canonical(value: Any) -> bytes:
    """The exact bytes that are hashed (docs/api.md, "Event export and the hash chain")."""
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


def fingerprint(digest: str) -> str:
    """A hash's first 8 hex characters as two groups of four ("4f2a 9c01"): short enough to
    compare by eye between a phone, the wall, the minutes and the /verify page."""
    return f"{digest[:4]} {digest[4:8]}"


HEAD_PREFIX_MIN = 12  # hex characters: shorter prefixes are refused, longer ones compared


def parse_head_hash(text: str) -> str:
    """A head hash as typed: 12 to 64 hex characters, any case, spaces allowed (the minutes
    can print it in blocks of eight). ValueError, saying why, otherwise."""
    digest = "".join(text.split()).lower()
    if not digest or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(
            _("{text!r} is not a hash: only hex characters 0-9 and a-f").format(text=text)
        )
    if not HEAD_PREFIX_MIN <= len(digest) <= 64:
        raise ValueError(
            _(
                "{text!r} has {count} hex characters: give the whole hash (64) "
                "or at least its first {least}"
            ).format(text=text, count=len(digest), least=HEAD_PREFIX_MIN)
        )
    return digest


def seqs_with_hash(events: Iterable[Mapping[str, Any]], digest: str) -> list[int]:
    """The seqs whose hash is `digest` or starts with it (a prefix from parse_head_hash)."""
    return [int(event["seq"]) for event in events if str(event.get("hash", "")).startswith(digest)]


EXPORT_FILE = "events.json"  # the file name the commands printed with a head hash use


def verify_command(file: str, head_hash: str) -> str:
    """The command that checks an export against a printed head hash."""
    return f"miccheck verify {file} --head {head_hash}"


def check_commands(assembly_id: str, head_hash: str) -> tuple[str, str]:
    """What the minutes and a decision's page print under the head hash: the command that
    exports the events, and the one that checks that file against this head."""
    return (
        f"miccheck export {assembly_id} --format events -o {EXPORT_FILE}",
        verify_command(EXPORT_FILE, head_hash),
    )
