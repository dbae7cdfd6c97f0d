"""Malformed client frames over real sockets (uvicorn): every bad frame gets an error frame,
the socket stays usable and the server stays up (docs/api.md "Websockets"); a bad `since` is
refused with 1008 and a reason of our own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection

from app.config import Settings
from app.db import Database
from app.live.frames import MAX_SEQ, parse_frame
from app.web.app import create_app
from app.web.sockets import BAD_SINCE, PAST_HEAD
from tests.e2e.harness import serve_in_thread
from tests.test_cli_serve import invoke, serve_env, uvicorn_calls  # noqa: F401  (fixtures)
from tests.web.live_client import WAIT, Live, bearer, closed_with, new_assembly

LIMIT = 4096  # MICCHECK_WS_MAX_FRAME_BYTES's default


@pytest.fixture
def quiet(settings: Settings, db: Database) -> Iterator[Live]:
    """A live server whose heartbeats never come during a test: every message is a reply."""
    settings = settings.model_copy(update={"heartbeat_seconds": 3600.0})
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http)


def page(live: Live, made: dict[str, Any], since: int | str = 0) -> ClientConnection:
    socket = live.ws(
        f"/ws/assemblies/{made['id']}?view=phone&since={since}", bearer(made["facilitator_token"])
    )
    return socket


def events(live: Live, made: dict[str, Any], since: int | str = 0) -> ClientConnection:
    return live.ws(
        f"/ws/assemblies/{made['id']}/events?since={since}", bearer(made["facilitator_token"])
    )


def page_until_seq(socket: ClientConnection) -> list[str]:
    """Messages up to and including the next one carrying `#mc-seq`."""
    seen: list[str] = []
    while not seen or 'id="mc-seq"' not in seen[-1]:
        message = socket.recv(timeout=WAIT)
        assert isinstance(message, str)
        seen.append(message)
    return seen


def events_until_pong(socket: ClientConnection) -> list[dict[str, Any]]:
    """Frames up to and including the next pong."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != "pong":
        message = socket.recv(timeout=WAIT)
        assert isinstance(message, str)
        seen.append(json.loads(message))
    return seen


def opened_page(live: Live, made: dict[str, Any]) -> ClientConnection:
    socket = page(live, made)
    page_until_seq(socket)  # the snapshot
    return socket


PING = json.dumps({"type": "ping"})


# ---- each kind of bad frame -----------------------------------------------------------------

BAD_FRAMES: list[str | bytes] = [
    "[" * 3000 + "]" * 3000,  # over the limit as well as nested
    "[" * 2000,  # nested past Python's recursion limit, under the frame limit
    '{"a":' * 1500 + "1" + "}" * 1500,
    b"\x00\x01binary",
    b'{"type": "ping"}',  # a ping, but binary
    json.dumps({"type": "ping", "pad": "x" * LIMIT}),  # a ping, but too long
    '{"type": "resync", "since": ' + "9" * 4000 + "}",  # a number Python refuses to read
    json.dumps({"type": "resync", "since": MAX_SEQ + 1}),
    json.dumps({"type": "resync", "since": -1}),
    json.dumps({"type": "resync", "since": True}),
    json.dumps({"type": "resync", "since": 1.5}),
    "[1, 2]",
    "12",
    "null",
    "",
    "not json",
]


@pytest.mark.parametrize("frame", BAD_FRAMES, ids=range(len(BAD_FRAMES)))
def test_parsing_a_bad_frame_never_raises_and_says_why(frame: str | bytes) -> None:
    assert isinstance(parse_frame(frame), str)


def test_a_frame_up_to_the_limit_is_read_and_one_byte_more_is_refused() -> None:
    head = '{"type": "ping", "pad": "'
    fits = head + "é" * ((LIMIT - len(head) - 2) // 2) + '"}'  # é: two bytes in UTF-8
    assert len(fits.encode()) <= LIMIT and parse_frame(fits) == ("ping", 0)
    over = fits[:-2] + "xx" + '"}'
    assert len(over.encode()) > LIMIT and "at most 4096 bytes" in str(parse_frame(over))
    assert parse_frame(json.dumps({"type": "ping", "pad": "x" * 300}), 256) != ("ping", 0)


def test_every_bad_frame_on_a_page_socket_gets_an_error_and_the_socket_stays_usable(
    quiet: Live,
) -> None:
    made = new_assembly(quiet)
    socket = opened_page(quiet, made)
    for frame in BAD_FRAMES:
        socket.send(frame)
        socket.send(PING)
        replies = page_until_seq(socket)
        assert any('id="mc-error"' in r for r in replies), frame[:40]
    socket.close()


def test_every_bad_frame_on_an_events_socket_gets_an_error_frame_and_a_pong_after(
    quiet: Live,
) -> None:
    made = new_assembly(quiet)
    socket = events(quiet, made)
    for frame in BAD_FRAMES:
        socket.send(frame)
        socket.send(PING)
        replies = events_until_pong(socket)
        errors = [r for r in replies if r["type"] == "error"]
        assert errors and errors[0]["code"] == "bad_frame" and errors[0]["message"], frame[:40]
        assert "Traceback" not in errors[0]["message"]
    socket.close()


def test_the_frame_limit_is_the_setting(settings: Settings, db: Database) -> None:
    settings = settings.model_copy(update={"ws_max_frame_bytes": 256, "heartbeat_seconds": 3600.0})
    with (
        serve_in_thread(create_app(settings, db)) as base,
        httpx.Client(base_url=base) as http,
    ):
        live = Live(base, http)
        made = new_assembly(live)
        socket = events(live, made)
        socket.send(json.dumps({"type": "ping", "pad": "x" * 300}))
        socket.send(PING)
        [*_, error, pong] = events_until_pong(socket)
        assert error["type"] == "error" and "at most 256 bytes" in error["message"]
        assert pong["type"] == "pong"
        socket.close()


def test_serve_hands_the_frame_limit_to_uvicorn(
    serve_env: pytest.MonkeyPatch,  # noqa: F811
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],  # noqa: F811
    tmp_path: Any,
) -> None:
    serve_env.setenv("MICCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    serve_env.setenv("MICCHECK_WS_MAX_FRAME_BYTES", "1024")
    assert invoke().exit_code == 0
    [(_, options)] = uvicorn_calls
    assert options["ws_max_size"] == 1024


# ---- since ------------------------------------------------------------------------------------


@pytest.mark.parametrize("since", ["abc", "-3", "1.5", "²", "٣", "0x10", " 1", "9" * 40])
@pytest.mark.parametrize("socket_of", [page, events])
def test_a_since_that_is_not_a_whole_number_closes_with_1008_and_our_own_reason(
    quiet: Live, since: str, socket_of: Any
) -> None:
    made = new_assembly(quiet)
    code, reason = closed_with(socket_of(quiet, made, quote(since)))
    assert code == 1008
    assert reason in (BAD_SINCE, PAST_HEAD) and "invalid literal" not in reason


@pytest.mark.parametrize("socket_of", [page, events])
def test_a_since_past_the_newest_event_closes_with_1008_not_1013(
    quiet: Live, socket_of: Any
) -> None:
    made = new_assembly(quiet)
    for since in (1000, MAX_SEQ, MAX_SEQ + 1):
        code, reason = closed_with(socket_of(quiet, made, since))
        assert (code, reason) == (1008, PAST_HEAD)


@pytest.mark.parametrize("socket_of", [page, events])
def test_a_since_at_the_newest_event_is_served(quiet: Live, socket_of: Any) -> None:
    made = new_assembly(quiet)
    socket = socket_of(quiet, made, made["seq"])
    socket.send(PING)
    message = socket.recv(timeout=WAIT)
    assert "mc-seq" in message or json.loads(message)["type"] in ("pong", "heartbeat")
    socket.close()


# ---- generated frames ---------------------------------------------------------------------


def nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
FRAMES = st.one_of(
    st.tuples(st.just("ok"), st.just(PING)),
    st.tuples(
        st.just("ok"),
        st.integers(0, MAX_SEQ).map(lambda n: json.dumps({"type": "resync", "since": n})),
    ),
    st.tuples(
        st.just("?"),  # almost always bad; a generated valid frame is still answered
        text | json_values.map(json.dumps),
    ),
    st.tuples(st.just("bad"), st.binary(max_size=64)),
    st.tuples(
        st.just("bad"),
        st.builds(nested, st.integers(1000, 6000), st.sampled_from(["list", "dict"])),
    ),
    st.tuples(
        st.just("bad"),
        st.integers(LIMIT, 20_000).map(lambda n: json.dumps({"type": "ping", "p": "x" * n})),
    ),
    st.tuples(
        st.just("bad"),
        st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEQ + 1)).map(
            lambda n: json.dumps({"type": "resync", "since": n})
        ),
    ),
)


def test_generated_frames_never_break_a_socket_or_the_server(quiet: Live) -> None:
    made = new_assembly(quiet)
    html = opened_page(quiet, made)
    feed = events(quiet, made)

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(FRAMES)
    def check(tagged: tuple[str, str | bytes]) -> None:
        kind, frame = tagged
        bad = kind == "bad" or (kind == "?" and isinstance(parse_frame(frame), str))
        html.send(frame)
        html.send(PING)
        replies = page_until_seq(html)
        if bad:
            assert any('id="mc-error"' in r for r in replies)
        else:
            page_until_seq(html)  # a ping's or resync's own reply came first: the ping's now
        parsed = parse_frame(frame)
        ahead = isinstance(parsed, tuple) and parsed[0] == "resync" and parsed[1] > made["seq"]
        feed.send(frame)
        feed.send(PING)
        frames = events_until_pong(feed)
        assert any(f["type"] == "error" for f in frames) == (bad or ahead), (frame[:80], frames)
        if bad or ahead:
            return
        if parse_frame(frame) == ("ping", 0):
            events_until_pong(feed)  # the frame's own pong came first: the ping's now
            return
        feed.send(json.dumps({"type": "resync", "since": 0}))  # back to the start
        feed.send(PING)
        events_until_pong(feed)

    check()
    fresh = events(quiet, made)  # the server still serves a new socket
    fresh.send(PING)
    assert json.loads(fresh.recv(timeout=WAIT))["type"] in ("pong", "assembly_created")
    for socket in (html, feed, fresh):
        socket.close()


def test_a_resync_past_the_newest_event_is_refused_and_no_later_event_is_skipped(
    quiet: Live,
) -> None:
    made = new_assembly(quiet)
    feed = events(quiet, made, since=made["seq"])
    feed.send(json.dumps({"type": "resync", "since": made["seq"] + 1_000}))
    feed.send(PING)
    frames = events_until_pong(feed)
    assert [f["code"] for f in frames if f["type"] == "error"] == ["since_ahead"]
    joined = quiet.http.post("/api/join", json={"join_code": made["join_code"], "name": "Chen"})
    assert joined.status_code == 201
    arrived = json.loads(feed.recv(timeout=WAIT))
    assert (arrived["type"], arrived["seq"]) == ("participant_joined", joined.json()["seq"])
    feed.close()
