"""/verify in a real browser: a closed public assembly's events export checks out with the
minutes' fingerprint; an edited export breaks at the edited seq; an export edited and re-hashed
throughout holds as a chain but fails against the head the minutes print. All of it without a
request leaving the page, with the browser's SHA-256 and with the page's own (no crypto.subtle,
as on a plain-http LAN address). Screenshots at a phone's and the wall's size."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import screenshot

from app.db import Database
from app.events import GENESIS_HASH, canonical, event_hash
from app.web.app import create_app
from tests.archive.builders import TENTS, Meeting, hold_meeting, make_group

SIZES = {"phone": (390, 844), "wall": (1920, 1080)}
NO_SUBTLE = "Object.defineProperty(Crypto.prototype, 'subtle', {get() { return undefined; }})"


@pytest.fixture
def closed(settings: Any, db: Database, live_server: Callable[..., str]) -> Iterator[Any]:
    """A closed public assembly on a real server, its events export and its minutes' head."""
    meeting = hold_meeting(db, make_group(db))
    base = live_server(create_app(settings, db))
    export = httpx.get(f"{base}/api/assemblies/{meeting.aid}/events").json()
    yield base, meeting, export


def edited(export: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The export with the tents' text changed in its `proposal_submitted`, and that seq."""
    forged = copy.deepcopy(export)
    for event in forged["events"]:
        if event["type"] == "proposal_submitted" and event["payload"]["text"] == TENTS:
            event["payload"]["text"] = TENTS.replace("six", "sixty")
            return forged, event["seq"]
    raise AssertionError("no proposal_submitted with the tents' text")


def rehashed(export: dict[str, Any]) -> dict[str, Any]:
    """The edited export with every hash recomputed: the chain holds, the head is another."""
    forged, _seq = edited(export)
    prev = GENESIS_HASH
    for event in forged["events"]:
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(event)
    forged["head"] = {"seq": forged["events"][-1]["seq"], "hash": prev}
    return forged


def open_verify(browser: Any, base: str, size: str = "phone", *, subtle: bool = True) -> Any:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    if not subtle:
        context.add_init_script(NO_SUBTLE)
    page = context.new_page()
    page.goto(f"{base}/verify", wait_until="networkidle")  # the favicon too: then nothing more
    return page


def check(page: Any, path: Path, head: str = "") -> dict[str, str | None]:
    """Pick the file, type the head, press Check; what the result says. Fails if any request
    leaves the page meanwhile."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_input_files("#verify-file", str(path))
    page.fill("#verify-head", head)
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#verify-result:not([data-state=checking]):not([hidden])")
    result = page.evaluate(
        """() => {
          const text = (id) => document.getElementById(id)?.textContent ?? null;
          const result = document.getElementById('verify-result');
          return {
            state: result.dataset.state,
            verdict: text('verify-verdict'),
            broken_seq: document.getElementById('verify-verdict').dataset.brokenSeq ?? null,
            why: document.getElementById('verify-why')?.dataset.why ?? null,
            fingerprint: text('verify-fingerprint'),
            seq: text('verify-seq'),
            match: document.getElementById('verify-head-result')?.dataset.match ?? null,
            head_result: text('verify-head-result'),
            engine: document.getElementById('verify-engine')?.dataset.engine ?? null,
          };
        }"""
    )
    assert requests == [], requests
    return result  # type: ignore[no-any-return]


def write(tmp_path: Path, name: str, export: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1))
    return path


def printed_head(browser: Any, base: str, meeting: Meeting) -> tuple[str, str]:
    """The head hash and fingerprint the minutes page prints."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/a/{meeting.aid}/minutes")
        digest = page.get_attribute("#head-hash", "data-hash") or ""
        return digest, page.inner_text("#head-fingerprint")
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_good_export_verifies_with_the_fingerprint_the_minutes_print(
    browser: Any, closed: Any, tmp_path: Path, size: str
) -> None:
    base, meeting, export = closed
    digest, fingerprint = printed_head(browser, base, meeting)
    page = open_verify(browser, base, size)
    try:
        seen = check(page, write(tmp_path, "events.json", export), head=digest)
        assert seen["state"] == "ok" and seen["match"] == "yes", seen
        assert seen["verdict"] == f"All {len(export['events'])} events verify."
        assert seen["fingerprint"] == fingerprint == f"{digest[:4]} {digest[4:8]}"
        assert seen["seq"] == str(export["head"]["seq"])
        assert seen["engine"] == "subtle"
        decided = page.locator("#verify-outcomes li").all_inner_texts()
        assert any("Winter tents" in d and "passed with stand-asides" in d for d in decided)
        assert any("Drumming hours" in d and "tabled to Comfort" in d for d in decided)
        screenshot(page, f"verify-good-{size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_edited_export_breaks_at_the_edited_seq(
    browser: Any, closed: Any, tmp_path: Path, size: str
) -> None:
    base, _meeting, export = closed
    forged, seq = edited(export)
    page = open_verify(browser, base, size)
    try:
        seen = check(page, write(tmp_path, "edited.json", forged))
        assert seen["state"] == "broken" and seen["broken_seq"] == str(seq), seen
        assert seen["verdict"] == f"The chain breaks at seq {seq}."
        assert seen["why"] == "hash"
        assert page.is_visible("#verify-outcomes .warning")  # what it says is not vouched for
        screenshot(page, f"verify-broken-{size}")
    finally:
        page.context.close()


def test_a_rehashed_export_holds_as_a_chain_but_fails_against_the_printed_head(
    browser: Any, closed: Any, tmp_path: Path
) -> None:
    base, meeting, export = closed
    digest, _fingerprint = printed_head(browser, base, meeting)
    path = write(tmp_path, "rehashed.json", rehashed(export))
    page = open_verify(browser, base)
    try:
        links_only = check(page, path)
        assert links_only["state"] == "ok" and links_only["match"] is None, links_only
        assert links_only["fingerprint"] != f"{digest[:4]} {digest[4:8]}"
        against = check(page, path, head=" ".join(digest[i : i + 8] for i in range(0, 64, 8)))
        assert against["state"] == "mismatch" and against["match"] == "no", against
        assert "does NOT end at the head you typed" in (against["head_result"] or "")
        warning = page.inner_text("#verify-outcomes .warning")
        assert warning.startswith("This file does not end at the head you typed")
        screenshot(page, "verify-rehashed-phone")
    finally:
        page.context.close()


def test_without_crypto_subtle_the_pages_own_sha256_gives_the_same_answers(
    browser: Any, closed: Any, tmp_path: Path
) -> None:
    base, meeting, export = closed
    digest, fingerprint = printed_head(browser, base, meeting)
    forged, seq = edited(export)
    page = open_verify(browser, base, subtle=False)
    try:
        assert page.evaluate("window.crypto.subtle") is None
        good = check(page, write(tmp_path, "events.json", export), head=digest)
        assert (good["state"], good["match"], good["engine"]) == ("ok", "yes", "plain"), good
        assert good["fingerprint"] == fingerprint
        bad = check(page, write(tmp_path, "edited.json", forged))
        assert (bad["state"], bad["broken_seq"]) == ("broken", str(seq))
        against = check(page, write(tmp_path, "rehashed.json", rehashed(export)), head=digest)
        assert (against["state"], against["match"]) == ("mismatch", "no")
    finally:
        page.context.close()


def test_a_typed_head_too_short_or_not_hex_is_refused_saying_why(
    browser: Any, closed: Any, tmp_path: Path
) -> None:
    base, _meeting, export = closed
    page = open_verify(browser, base)
    try:
        path = write(tmp_path, "events.json", export)
        short = check(page, path, head="4f2a 9c01")
        assert short["state"] == "error" and short["fingerprint"] is None
        assert short["verdict"] == (
            "“4f2a 9c01” has 8 hex characters: give the whole hash (64) or at least its first 12."
        )
        assert check(page, path, head="not a hash at all")["verdict"] == (
            "“not a hash at all” is not a hash: only hex characters 0-9 and a-f."
        )
    finally:
        page.context.close()


# Values whose canonical JSON is easy to get wrong outside Python: floats as Python writes
# them, escapes, keys beyond the Basic Multilingual Plane, duplicate keys, big integers.
TRICKY = [
    '{"b": 1.0, "a": [100.0, 1e-05, 1e16, 1.5e+300, 0.1, -0.0, 12345678901234567890123456]}',
    '{"x": 1e2, "y": 1E-7, "z": 2.50, "w": -0, "v": 1e400}',
    '{"t": "tab\\t nl\\n cr\\r bs\\\\ q\\" bell\\u0007 del\\u007f é \\u2028 😀"}',
    '{"u": "\\ud83d\\ude00 /\\/ \\b\\f \\u001F"}',
    '{"\\uff01": 1, "\\ud83d\\ude00": 2, "a": 3, "A": 4, "": 5}',
    '{"k": 1, "k": 2}',
    '[true, false, null, {}, [], ""]',
]


def test_the_pages_canonical_json_and_sha256_are_pythons(browser: Any, closed: Any) -> None:
    base, _meeting, _export = closed
    page = open_verify(browser, base)
    try:
        for text in TRICKY:
            expected = canonical(json.loads(text))
            got = page.evaluate(
                "(t) => { const v = window.micCheckVerify; return v.canonical(v.parseJSON(t)); }",
                text,
            )
            assert got.encode() == expected, text
            digests = page.evaluate(
                """async (t) => {
                  const v = window.micCheckVerify;
                  const bytes = new TextEncoder().encode(v.canonical(v.parseJSON(t)));
                  return [await v.sha256(bytes), v.sha256Plain(bytes)];
                }""",
                text,
            )
            assert digests == [event_hash_of(expected)] * 2, text
        long = "x" * 1000  # several blocks of the page's own SHA-256
        assert page.evaluate(
            "(t) => window.micCheckVerify.sha256Plain(new TextEncoder().encode(t))", long
        ) == event_hash_of(long.encode())
    finally:
        page.context.close()


def event_hash_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_wall_and_a_phone_show_the_same_log_fingerprint_as_the_head_moves(
    browser: Any, base_url: str
) -> None:
    created = httpx.post(
        f"{base_url}/api/assemblies",
        json={"title": "Riverside Commons GA", "facilitator_name": "Noor"},
    ).json()
    aid, fac = created["id"], {"Authorization": f"Bearer {created['facilitator_token']}"}
    wall_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    phone_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        wall = wall_context.new_page()
        wall.goto(f"{base_url}/a/{aid}/projector?key={created['projector_key']}")
        phone = phone_context.new_page()
        phone.goto(f"{base_url}/j/{created['join_code']}")
        phone.fill("input[name=name]", "Chen")
        phone.click("form button[type=submit]")
        phone.wait_for_selector("#mc-log")
        for page in (wall, phone):
            page.wait_for_selector("#mc-connection[data-state=live]")
        for title in ("Kitchen report-back", "Winter tents"):
            changed = httpx.post(
                f"{base_url}/api/assemblies/{aid}/agenda",
                json={"title": title, "kind": "report"},
                headers=fac,
            ).json()
            head = httpx.get(f"{base_url}/api/assemblies/{aid}/events", headers=fac).json()["head"]
            assert head["seq"] == changed["seq"]
            shown = f"{head['hash'][:4]} {head['hash'][4:8]}"
            for page in (wall, phone):
                page.wait_for_selector(f"#mc-log[data-seq='{head['seq']}']")
                assert page.inner_text("#mc-log .fingerprint") == shown
                assert page.inner_text("#mc-log") == f"Log {shown} · seq {head['seq']}"
        box = wall.locator("#mc-log").bounding_box()
        assert box is not None and box["x"] < 200 and box["y"] > 1080 - 80  # bottom left, small
        screenshot(wall, "verify-wall-corner")
        screenshot(phone, "verify-phone-corner")
    finally:
        wall_context.close()
        phone_context.close()
