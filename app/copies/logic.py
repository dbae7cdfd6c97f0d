"""The mirror's rules, pure: whether an event links to the head a copy holds, how far the copy
lags behind its primary, and the pass a phone shows a mirror (no database, no clock)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.events.chain import event_hash
from app.i18n import _


def broken_link(
    record: Mapping[str, Any], *, assembly_id: str, head_seq: int, head_hash: str
) -> str | None:
    """Why `record` cannot follow the head a copy holds (its seq, its hash), or None when it
    links: the next seq, of this assembly, pointing at the head's hash, its hash its own."""
    if record.get("assembly_id") != assembly_id:
        return _("event {seq} is of another assembly ({other})").format(
            seq=record.get("seq"), other=record.get("assembly_id")
        )
    if record.get("seq") != head_seq + 1:
        return _("event {seq} arrived where {expected} was due").format(
            seq=record.get("seq"), expected=head_seq + 1
        )
    if record.get("prev_hash") != head_hash:
        return _("event {seq} does not point at the hash of event {head}").format(
            seq=record.get("seq"), head=head_seq
        )
    if record.get("hash") != event_hash(record):
        return _("event {seq} does not match its own hash").format(seq=record.get("seq"))
    return None


@dataclass(frozen=True)
class Lag:
    """How far a mirror's copy is behind its primary, as its console shows it."""

    events: int  # the primary's newest seq heard of, less the newest stored here
    seconds: float | None  # since the primary last said anything; None: never heard


def lag_of(*, held: int, primary_head: int, heard_at: float | None, now: float) -> Lag:
    """The lag of a copy holding `held`, whose primary last spoke at `heard_at` (a monotonic
    time, like `now`) and had then reached `primary_head`."""
    seconds = None if heard_at is None else max(0.0, now - heard_at)
    return Lag(events=max(0, primary_head - held), seconds=seconds)


def would_lose(*, head: int, stored: int | None) -> int | None:
    """How many events a take-over on the best mirror would lose now: the primary's head less
    the newest seq a mirror stored; None when no mirror has stored anything."""
    return None if stored is None else max(0, head - stored)


PASS_CONTEXT = b"mirror-pass"


def mirror_pass(participant_id: int, token_hash: str) -> str:
    """The pass a phone shows a mirror to be let in as its person: derived from the token's
    hash (which only mirrors hold), never the token, and never a login on the primary."""
    mac = hmac.new(token_hash.encode(), PASS_CONTEXT, hashlib.sha256).hexdigest()[:32]
    return f"{participant_id}.{mac}"


def pass_holder(given: str) -> int | None:
    """The participant id a pass names, or None when it is not shaped like one."""
    pid, dot, mac = given.partition(".")
    if not dot or not pid.isascii() or not pid.isdigit() or len(pid) > 18 or len(mac) != 32:
        return None
    return int(pid)


def pass_matches(given: str, participant_id: int, token_hash: str) -> bool:
    """Whether `given` is the pass of this participant and token hash (in constant time)."""
    return hmac.compare_digest(given.encode(), mirror_pass(participant_id, token_hash).encode())


def mirror_address(address: str) -> str | None:
    """An announced mirror address as an origin ("http://192.168.1.11:8001"), or None when it
    is not a plain http(s) address without path, query or credentials."""
    try:
        parts = urlsplit(address.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or len(address) > 200:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def primary_of(link: str) -> tuple[str, str]:
    """(the primary's origin, the assembly id) from a console link or address
    ("http://HOST:PORT/a/ID/console?key=…"); ValueError, saying why, otherwise."""
    parts = urlsplit(link.strip())
    origin = mirror_address(f"{parts.scheme}://{parts.netloc}") if parts.netloc else None
    segments = [s for s in parts.path.split("/") if s]
    if origin is None or len(segments) < 2 or segments[0] != "a":
        raise ValueError(
            _("{link} is not an assembly's address such as http://HOST:PORT/a/ID/console").format(
                link=link
            )
        )
    return origin, segments[1]
