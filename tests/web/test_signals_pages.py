"""The room's hand signals on the screens: the phone's three buttons while someone speaks (htmx
and plain forms), the wall's anonymous meter, the JSON API, and the live path (a signal pushes
the wall's meter alone and never the phones)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.conftest import GA, Person, error_of, join, ok
from tests.e2e.harness import serve_in_thread

ORIGIN = "http://testserver"


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


class Screen:
    """One device with its own cookie: a phone or the wall."""

    def __init__(self, client: TestClient, link: str, url: str) -> None:
        self.http = TestClient(client.app, base_url=ORIGIN)
        assert self.http.get(link).status_code == 200
        self.url = f"{ORIGIN}{url}"

    def signals(self) -> Any:
        return soup(self.http.get(self.url)).select_one("#mc-signals")

    def signal(self, assembly: GA, kind: str, htmx: bool = True, live: bool = True) -> Any:
        headers = {"origin": ORIGIN, "hx-current-url": self.url, "referer": self.url}
        if htmx:
            headers["hx-request"] = "true"
        if htmx and live:
            headers["mc-live"] = "1"
        return self.http.post(
            f"/a/{assembly.id}/signal",
            data={"kind": kind},
            headers=headers,
            follow_redirects=False,
        )


def call_speaker(client: TestClient, assembly: GA, person: Person) -> None:
    base = f"/api/assemblies/{assembly.id}/stack"
    ok(client.post(base, json={"kind": "speak"}, headers=person.headers), 201)
    ok(client.post(f"{base}/next", headers=assembly.facilitator.headers))


@pytest.fixture
def room(client: TestClient, assembly: GA) -> dict[str, Any]:
    chen = join(client, assembly, "Chen")
    aid = assembly.id
    return {
        "chen": chen,
        "abebe": join(client, assembly, "Abebe"),
        "phone": Screen(client, f"/a/{aid}?key={chen.token}", f"/a/{aid}"),
        "wall": Screen(
            client, f"/a/{aid}/projector?key={assembly.projector_key}", f"/a/{aid}/projector"
        ),
    }


def levels(region: Any) -> dict[str, float]:
    return {g["data-kind"]: float(g["data-level"]) for g in region.select(".signal-meter .glow")}


def test_nothing_to_signal_while_nobody_speaks(room: dict[str, Any]) -> None:
    for screen in (room["phone"], room["wall"]):
        region = screen.signals()
        assert "empty" in region["class"]
        assert not region.select("button, .glow")


def test_while_someone_speaks_the_phone_has_three_buttons_and_the_wall_a_dark_meter(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    call_speaker(client, assembly, room["abebe"])
    buttons = room["phone"].signals().select("form button[type=submit]")
    assert [b["data-kind"] for b in buttons] == ["agree", "unsure", "disagree"]
    for form in room["phone"].signals().select("form"):
        assert form["hx-post"] == form["action"] == f"/a/{assembly.id}/signal"
    wall = room["wall"].signals()
    assert levels(wall) == {"agree": 0.0, "unsure": 0.0, "disagree": 0.0}
    assert not wall.select("button")
    assert not any(ch.isdigit() for ch in wall.get_text())  # a meter, never a count


def wait_for_level(screen: Screen, kind: str) -> dict[str, float]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the bus hands the signal to the board on the loop
        shown = levels(screen.signals())
        if shown[kind] > 0:
            return shown
        time.sleep(0.02)
    raise AssertionError(f"the wall never showed {kind}")


def test_a_tap_says_sent_and_the_wall_glows_then_a_second_tap_waits(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    call_speaker(client, assembly, room["abebe"])
    sent = room["phone"].signal(assembly, "agree")
    assert sent.status_code == 200
    note = soup(sent).select_one("#mc-signal-note")
    assert note["hx-swap-oob"] == "true" and note.get_text(strip=True) == "Sent: you agree."
    seq = ok(client.get(f"/api/assemblies/{assembly.id}", headers=room["chen"].headers))["seq"]
    assert sent.headers["mc-seq"] == str(seq)  # the reply carries the seq, unchanged by it
    shown = wait_for_level(room["wall"], "agree")
    assert shown["unsure"] == shown["disagree"] == 0.0
    again = room["phone"].signal(assembly, "disagree")
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 5
    wait = soup(again).select_one("#mc-signal-note")
    assert wait.get_text(strip=True) == "Wait a moment: one signal every 5 seconds."
    assert soup(again).select_one("#mc-error").get_text(strip=True) == ""  # no alarm


def test_an_assembly_that_keeps_signal_lines_finds_how_the_room_took_the_turn_in_its_minutes(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    fac = assembly.facilitator.headers
    aid = assembly.id
    ok(client.put(f"/api/assemblies/{aid}/minutes/settings", json={"signals": True}, headers=fac))
    call_speaker(client, assembly, room["abebe"])
    others = [join(client, assembly, name) for name in ("Dee", "Femi", "Gus")]
    kinds = ["agree", "agree", "agree", "unsure"]  # 3 of 4: mostly agree
    for person, kind in zip([room["chen"], *others], kinds, strict=True):
        sent = client.post(
            f"/api/assemblies/{aid}/signals", json={"kind": kind}, headers=person.headers
        )
        assert sent.status_code == 202
    deadline = time.monotonic() + 5  # the bus hands each signal to the board on the loop
    while levels(room["wall"].signals())["unsure"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    ok(client.post(f"/api/assemblies/{aid}/stack/timer", json={"action": "end"}, headers=fac))
    minutes = client.get(f"/api/assemblies/{aid}/minutes.md", headers=fac).text
    [turn] = [line for line in minutes.splitlines() if "Abebe" in line and "speak" in line]
    assert turn.endswith("; signals: mostly agree"), turn
    assert "Chen" not in minutes  # never who signalled


def test_a_plain_form_goes_back_to_the_phone(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    call_speaker(client, assembly, room["abebe"])
    response = room["phone"].signal(assembly, "unsure", htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{assembly.id}"


def test_a_tap_when_nobody_speaks_is_refused_with_409(assembly: GA, room: dict[str, Any]) -> None:
    response = room["phone"].signal(assembly, "agree")
    assert response.status_code == 409
    assert soup(response).select_one("#mc-error p")["data-code"] == "no_speaker"


def test_an_unknown_kind_is_refused_with_422(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    call_speaker(client, assembly, room["abebe"])
    assert room["phone"].signal(assembly, "applause").status_code == 422


def test_the_api_signals_and_refuses_like_the_page(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    url = f"/api/assemblies/{assembly.id}/signals"
    chen = room["chen"]
    assert error_of(client.post(url, json={"kind": "agree"}, headers=chen.headers))["code"] == (
        "no_speaker"
    )
    call_speaker(client, assembly, room["abebe"])
    sent = ok(client.post(url, json={"kind": "agree"}, headers=chen.headers), 202)
    seq = ok(client.get(f"/api/assemblies/{assembly.id}", headers=chen.headers))["seq"]
    assert sent == {"kind": "agree", "seq": seq}  # a signal leaves the log as it was
    too_soon = client.post(url, json={"kind": "agree"}, headers=chen.headers)
    assert too_soon.status_code == 429 and "retry-after" in too_soon.headers
    assert error_of(too_soon)["code"] == "signal_too_soon"
    assert client.post(url, json={"kind": "cheer"}, headers=chen.headers).status_code == 422
    assert client.post(url, json={"kind": "agree"}).status_code == 401


# ---- the live path, over real sockets --------------------------------------------------------


def test_a_signal_pushes_the_walls_meter_and_nothing_to_phones(
    settings: Settings, db: Database
) -> None:
    import httpx
    from websockets.sync.client import connect

    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        made = http.post("/api/assemblies", json={"title": "GA", "facilitator_name": "Noor"}).json()
        fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        people = [
            http.post("/api/join", json={"join_code": made["join_code"], "name": n}).json()
            for n in ("Chen", "Abebe")
        ]
        chen, abebe = ({"Authorization": f"Bearer {p['token']}"} for p in people)
        aid = made["id"]
        http.post(f"/api/assemblies/{aid}/stack", json={"kind": "speak"}, headers=abebe)
        http.post(f"/api/assemblies/{aid}/stack/next", headers=fac)
        ws = base.replace("http://", "ws://")
        wall = connect(f"{ws}/ws/assemblies/{aid}?view=projector&key={made['projector_key']}")
        phone = connect(f"{ws}/ws/assemblies/{aid}?view=phone", additional_headers=chen)
        for socket in (wall, phone):
            socket.recv(timeout=10)  # the snapshot
        http.post(f"/api/assemblies/{aid}/signals", json={"kind": "disagree"}, headers=chen)
        # The snapshot and the push share a seq: the meter is news all the same.
        push = BeautifulSoup(str(wall.recv(timeout=10)), "html.parser")
        ids = {e["id"] for e in push.find_all(recursive=False) if e.get("id")}
        assert ids == {"mc-signals", "mc-seq"}
        assert levels(push)["disagree"] > 0
        with pytest.raises(TimeoutError):
            phone.recv(timeout=0.6)  # phones are not pushed for a signal
        wall.close()
        phone.close()


# ---- a signal as a frame on the phone's own socket (what a phone with JavaScript sends) --------


class LiveRoom:
    """A real server, an assembly with Chen and Abebe, and sockets opened as the pages open
    them; `speak()` gives Abebe the floor."""

    def __init__(self, http: Any, base: str) -> None:
        self.http, self.ws = http, base.replace("http://", "ws://")
        made = http.post("/api/assemblies", json={"title": "GA", "facilitator_name": "Noor"}).json()
        self.made, self.aid = made, made["id"]
        self.fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        people = [
            http.post("/api/join", json={"join_code": made["join_code"], "name": n}).json()
            for n in ("Chen", "Abebe")
        ]
        self.chen, self.abebe = ({"Authorization": f"Bearer {p['token']}"} for p in people)

    def speak(self) -> None:
        self.http.post(
            f"/api/assemblies/{self.aid}/stack", json={"kind": "speak"}, headers=self.abebe
        )
        self.http.post(f"/api/assemblies/{self.aid}/stack/next", headers=self.fac)

    def socket(self, view: str, headers: dict[str, str] | None = None) -> Any:
        from websockets.sync.client import connect

        key = f"&key={self.made['projector_key']}" if view == "projector" else ""
        socket = connect(
            f"{self.ws}/ws/assemblies/{self.aid}?view={view}{key}", additional_headers=headers
        )
        socket.recv(timeout=10)  # the snapshot
        return socket


@pytest.fixture
def live_room(settings: Settings, db: Database) -> Any:
    import httpx

    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield LiveRoom(http, base)


ANSWERS = "#mc-signal-note, #mc-error p"  # what answers a signal frame, whatever it says


def reply_to(socket: Any, frame: dict[str, Any], wanted: str = ANSWERS) -> BeautifulSoup:
    """Send a frame and read up to the message that answers it (pushes of earlier changes may
    come first, as they do to a phone)."""
    import json

    socket.send(json.dumps(frame))
    for _ in range(20):
        message = BeautifulSoup(str(socket.recv(timeout=10)), "html.parser")
        if message.select_one(wanted) is not None:
            return message
    raise AssertionError(f"no {wanted} came back")


def test_a_signal_frame_says_sent_to_that_phone_and_the_wall_glows(live_room: LiveRoom) -> None:
    live_room.speak()
    wall = live_room.socket("projector")
    phone = live_room.socket("phone", live_room.chen)
    reply = reply_to(phone, {"type": "signal", "kind": "agree"})
    note = reply.select_one("#mc-signal-note")
    assert note is not None and note.get_text(strip=True) == "Sent: you agree."
    assert reply.select_one("#mc-error") is not None and not reply.select("#mc-error p")
    pushed = BeautifulSoup(str(wall.recv(timeout=10)), "html.parser")
    assert levels(pushed)["agree"] > 0 and levels(pushed)["disagree"] == 0
    wall.close()
    phone.close()


def test_a_second_signal_frame_within_five_seconds_says_wait(live_room: LiveRoom) -> None:
    live_room.speak()
    phone = live_room.socket("phone", live_room.chen)
    reply_to(phone, {"type": "signal", "kind": "agree"})
    again = reply_to(phone, {"type": "signal", "kind": "disagree"})
    note = again.select_one("#mc-signal-note")
    assert note is not None and "wait" in note.get_text().lower()
    assert "signal-note-wait" in note["class"]
    phone.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "signal", "kind": "cheer"}, "bad_signal"),
        ({"type": "signal", "kind": 3}, "bad_signal"),
        ({"type": "signal"}, "bad_signal"),
    ],
)
def test_a_signal_frame_of_no_known_kind_is_refused_and_the_socket_stays_open(
    live_room: LiveRoom, frame: dict[str, Any], code: str
) -> None:
    live_room.speak()
    phone = live_room.socket("phone", live_room.chen)
    refused = reply_to(phone, frame)
    assert refused.select_one("#mc-error p")["data-code"] == code
    assert reply_to(phone, {"type": "ping"}, "#mc-seq") is not None  # the socket is still open
    phone.close()


def test_a_signal_frame_while_nobody_speaks_is_refused(live_room: LiveRoom) -> None:
    phone = live_room.socket("phone", live_room.chen)
    refused = reply_to(phone, {"type": "signal", "kind": "agree"})
    assert refused.select_one("#mc-error p")["data-code"] == "no_speaker"
    phone.close()


def test_the_floor_is_read_again_once_someone_takes_it(live_room: LiveRoom) -> None:
    """A refusal while nobody spoke is not remembered past the change giving someone the floor."""
    phone = live_room.socket("phone", live_room.chen)
    assert reply_to(phone, {"type": "signal", "kind": "agree"}).select_one("#mc-error p")
    live_room.speak()
    note = reply_to(phone, {"type": "signal", "kind": "agree"}).select_one("#mc-signal-note")
    assert note is not None and note.get_text(strip=True) == "Sent: you agree."
    phone.close()


def test_the_wall_may_not_signal(live_room: LiveRoom) -> None:
    live_room.speak()
    wall = live_room.socket("projector")
    refused = reply_to(wall, {"type": "signal", "kind": "agree"})
    assert refused.select_one("#mc-error p")["data-code"] == "phone_only"
    wall.close()
