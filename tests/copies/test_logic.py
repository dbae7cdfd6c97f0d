"""The mirror's pure rules: a link is checked before it is stored, lag, passes, addresses."""

from __future__ import annotations

from typing import Any

import pytest

from app.copies.logic import (
    broken_link,
    lag_of,
    mirror_address,
    mirror_pass,
    pass_holder,
    pass_matches,
    primary_of,
    would_lose,
)
from app.events.chain import GENESIS_HASH, event_hash


def chain(count: int, assembly_id: str = "ga1") -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        record = {
            "assembly_id": assembly_id,
            "seq": seq,
            "at": f"2026-12-03T18:00:{seq:02d}.000000Z",
            "actor_id": 1,
            "type": "hand_raised",
            "payload": {"n": seq},
            "prev_hash": prev,
        }
        record["hash"] = prev = event_hash(record)
        records.append(record)
    return records


def test_the_next_event_of_the_chain_links_to_the_head() -> None:
    first, second = chain(2)
    assert broken_link(first, assembly_id="ga1", head_seq=0, head_hash=GENESIS_HASH) is None
    assert broken_link(second, assembly_id="ga1", head_seq=1, head_hash=first["hash"]) is None


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"seq": 3}, "arrived where 2 was due"),
        ({"prev_hash": "f" * 64}, "does not point at the hash of event 1"),
        ({"payload": {"n": 99}}, "does not match its own hash"),
        ({"hash": "a" * 64}, "does not match its own hash"),
        ({"assembly_id": "other"}, "another assembly"),
    ],
)
def test_a_broken_link_is_refused_saying_why(change: dict[str, Any], says: str) -> None:
    first, second = chain(2)
    reason = broken_link(
        {**second, **change}, assembly_id="ga1", head_seq=1, head_hash=first["hash"]
    )
    assert reason is not None and says in reason


def test_an_event_already_held_is_refused_not_stored_twice() -> None:
    first, _second = chain(2)
    assert broken_link(first, assembly_id="ga1", head_seq=1, head_hash=first["hash"]) is not None


def test_lag_counts_events_behind_and_seconds_since_the_primary_spoke() -> None:
    lag = lag_of(held=209, primary_head=211, heard_at=100.0, now=102.5)
    assert (lag.events, lag.seconds) == (2, 2.5)
    assert lag_of(held=5, primary_head=3, heard_at=None, now=1.0).events == 0
    assert lag_of(held=5, primary_head=5, heard_at=None, now=1.0).seconds is None


@pytest.mark.parametrize(
    ("head", "stored", "lost"), [(211, 210, 1), (211, 211, 0), (211, None, None), (3, 5, 0)]
)
def test_a_take_over_would_lose_what_no_mirror_stored(
    head: int, stored: int | None, lost: int | None
) -> None:
    assert would_lose(head=head, stored=stored) == lost


def test_a_pass_names_its_person_and_only_matches_their_token_hash() -> None:
    given = mirror_pass(12, "ab" * 32)
    assert pass_holder(given) == 12
    assert pass_matches(given, 12, "ab" * 32)
    assert not pass_matches(given, 12, "cd" * 32)
    assert not pass_matches(given, 13, "ab" * 32)
    assert "ab" * 32 not in given


@pytest.mark.parametrize("given", ["", "12", "x.abc", "12." + "a" * 31, "١٢." + "a" * 32])
def test_a_pass_of_another_shape_names_nobody(given: str) -> None:
    assert pass_holder(given) is None


@pytest.mark.parametrize(
    ("address", "origin"),
    [
        ("http://192.168.1.11:8001", "http://192.168.1.11:8001"),
        ("http://192.168.1.11:8001/", "http://192.168.1.11:8001"),
        ("https://mirror.example", "https://mirror.example"),
        ("http://[fe80::1]:8001", "http://[fe80::1]:8001"),
        ("ftp://192.168.1.11", None),
        ("http://192.168.1.11:8001/a/x", None),
        ("http://user:pw@192.168.1.11", None),
        ("http://192.168.1.11:99999", None),
        ("javascript:alert(1)", None),
    ],
)
def test_a_mirror_address_is_a_plain_origin(address: str, origin: str | None) -> None:
    assert mirror_address(address) == origin


def test_the_primary_and_assembly_come_from_a_console_link() -> None:
    assert primary_of("http://192.168.1.10:8000/a/Ab12/console?key=secret") == (
        "http://192.168.1.10:8000",
        "Ab12",
    )
    with pytest.raises(ValueError, match="not an assembly's address"):
        primary_of("http://192.168.1.10:8000/j/ABCDEF")
