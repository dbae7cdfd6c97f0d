"""The hash chain: any edit, deletion, reordering or insertion breaks it at a named seq."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.events import GENESIS_HASH, canonical, event_hash, verify_chain
from app.events.chain import fingerprint


def build_chain(n: int, assembly_id: str = "asm1") -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        event = {
            "assembly_id": assembly_id,
            "seq": seq,
            "at": f"2026-11-28T19:{seq % 60:02d}:00.000000Z",
            "actor_id": seq % 3 or None,
            "type": "hand_raised",
            "payload": {"n": seq, "name": "Tomás"},
            "prev_hash": prev,
        }
        event["hash"] = event_hash(event)
        prev = event["hash"]
        events.append(event)
    return events


def head(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}


def test_canonical_json_is_sorted_compact_and_keeps_unicode() -> None:
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_hash_covers_canonical_json_including_prev_hash() -> None:
    event = build_chain(1)[0]
    body = {k: v for k, v in event.items() if k != "hash"}
    import hashlib

    assert event["hash"] == hashlib.sha256(canonical(body)).hexdigest()
    assert event["prev_hash"] == "0" * 64


def test_intact_chain_verifies() -> None:
    events = build_chain(10)
    assert verify_chain(events, head(events)) is None


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        ("edit_payload", 4),
        ("edit_actor", 4),
        ("delete_middle", 4),
        ("swap_4_and_5", 4),
        ("insert_after_3", 4),
        ("delete_last", 10),
        ("append_unheaded", 11),
        ("rehash_edited_event", 5),
    ],
)
def test_tampering_breaks_the_chain_at_a_named_seq(tamper: str, broken_at: int) -> None:
    events = build_chain(10)
    original_head = head(events)
    tampered = copy.deepcopy(events)
    if tamper == "edit_payload":
        tampered[3]["payload"]["n"] = 999
    elif tamper == "edit_actor":
        tampered[3]["actor_id"] = 42
    elif tamper == "delete_middle":
        del tampered[3]
    elif tamper == "swap_4_and_5":
        tampered[3], tampered[4] = tampered[4], tampered[3]
    elif tamper == "insert_after_3":
        fake = copy.deepcopy(tampered[2])
        fake["payload"] = {"forged": True}
        tampered.insert(3, fake)
    elif tamper == "delete_last":
        tampered.pop()
    elif tamper == "append_unheaded":
        extra = build_chain(11)[10]
        extra["prev_hash"] = tampered[-1]["hash"]
        extra["hash"] = event_hash(extra)
        tampered.append(extra)
    elif tamper == "rehash_edited_event":
        # A forger who recomputes the edited event's own hash still breaks the next link.
        tampered[3]["payload"]["n"] = 999
        tampered[3]["hash"] = event_hash(tampered[3])
    assert verify_chain(tampered, original_head) == broken_at


@given(st.integers(min_value=1, max_value=30), st.data())
def test_any_single_edit_is_detected(n: int, data: st.DataObject) -> None:
    events = build_chain(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    events[index]["type"] = events[index]["type"] + "_x"
    assert verify_chain(events, None) == index + 1


def test_export_roundtrip_through_json_still_verifies() -> None:
    events = build_chain(5)
    reloaded = json.loads(json.dumps({"events": events}, ensure_ascii=False))["events"]
    assert verify_chain(reloaded, head(events)) is None


def test_a_fingerprint_is_the_first_eight_hex_characters_in_two_groups_of_four() -> None:
    digest = "4f2a9c01" + "e" * 56
    assert fingerprint(digest) == "4f2a 9c01"
    assert fingerprint(GENESIS_HASH) == "0000 0000"


@given(st.binary(min_size=1, max_size=64))
def test_a_fingerprint_is_a_prefix_of_the_hash_it_names(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    assert digest.startswith(fingerprint(digest).replace(" ", ""))
