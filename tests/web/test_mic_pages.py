"""The people's mic on the three screens: the console's forms (htmx and plain), the wall and the
phones showing the phrase and the next one, and the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.mic.logic import split_phrases
from tests.conftest import GA, error_of, join, ok

ORIGIN = "http://testserver"
TARPS = (
    "The kitchen working group proposes that we buy ten tarps, at $1,200 in all, from the "
    "army-surplus store on Fifth. We will put them up by Friday, before the rain comes."
)
PHRASES = split_phrases(TARPS)


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


class Screen:
    """One device with its own cookie: the console, a phone or the wall."""

    def __init__(self, client: TestClient, assembly: GA, link: str, url: str) -> None:
        self.http = TestClient(client.app, base_url=ORIGIN)
        self.assembly = assembly
        assert self.http.get(link).status_code == 200
        self.url = f"{ORIGIN}{url}"

    def page(self) -> BeautifulSoup:
        return soup(self.http.get(self.url))

    def mic(self) -> Any:
        return self.page().select_one("#mc-mic")

    def post(self, path: str, htmx: bool = True, **form: str) -> Any:
        headers = {"origin": ORIGIN, "hx-current-url": self.url, "referer": self.url}
        if htmx:
            headers["hx-request"] = "true"
        return self.http.post(
            f"/a/{self.assembly.id}/mic/{path}", data=form, headers=headers, follow_redirects=False
        )


@pytest.fixture
def room(client: TestClient, assembly: GA) -> dict[str, Any]:
    """The console, a phone and the wall; the proposal's item open."""
    fac = assembly.facilitator
    chen = join(client, assembly, "Chen")
    made = ok(
        client.post(
            f"/api/assemblies/{assembly.id}/proposals",
            json={"title": "Winter tarps", "text": TARPS},
            headers=fac.headers,
        ),
        201,
    )
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/agenda/{made['agenda_item_id']}/open",
            headers=fac.headers,
        )
    )
    aid = assembly.id
    return {
        "console": Screen(
            client, assembly, f"/a/{aid}/console?key={fac.token}", f"/a/{aid}/console"
        ),
        "phone": Screen(client, assembly, f"/a/{aid}?key={chen.token}", f"/a/{aid}"),
        "wall": Screen(
            client,
            assembly,
            f"/a/{aid}/projector?key={assembly.projector_key}",
            f"/a/{aid}/projector",
        ),
        "chen": chen,
        "pid": made["proposal_id"],
    }


def text(element: Any, selector: str) -> str | None:
    found = element.select_one(selector)
    return found.get_text(" ", strip=True) if found is not None else None


def test_with_the_mic_off_the_wall_and_phones_show_nothing_and_the_console_offers_it(
    room: dict[str, Any],
) -> None:
    for name in ("wall", "phone"):
        mic = room[name].mic()
        assert "off" in mic["class"] and mic.get_text(strip=True) == ""
    console = room["console"].page()
    assert "off" in console.select_one("#mc-mic")["class"]
    sources = [i["value"] for i in console.select(".mic-forms input[name=source]")]
    assert sources == ["proposal", "live", "prepared"]
    assert console.select_one(".mic-forms #mic-prepared").name == "textarea"


def test_the_console_starts_the_proposal_and_every_screen_shows_the_first_phrase(
    room: dict[str, Any],
) -> None:
    started = room["console"].post("start", source="proposal")
    assert started.status_code == 200
    assert soup(started).select_one("#mc-mic .mic-phrase").get_text() == PHRASES[0]
    for name in ("console", "wall", "phone"):
        mic = room[name].mic()
        assert "on" in mic["class"]
        assert text(mic, ".mic-phrase") == PHRASES[0]
        assert text(mic, ".mic-next") == f"Next: {PHRASES[1]}"
        assert text(mic, ".mic-place") == f"Phrase 1 of {len(PHRASES)}"
    assert room["wall"].page().select_one("#mc-mic form") is None
    assert room["phone"].mic().select_one(".mic-phrase")["aria-live"] == "polite"
    buttons = room["console"].mic().select("button[data-mic-move]")
    assert [(b["data-mic-move"], b.has_attr("disabled")) for b in buttons] == [
        ("back", True),
        ("next", False),
    ]


def test_next_back_and_stop_from_the_console(room: dict[str, Any]) -> None:
    console, phone = room["console"], room["phone"]
    console.post("start", source="proposal")
    assert console.post("move", to="next").status_code == 200
    assert text(phone.mic(), ".mic-phrase") == PHRASES[1]
    assert text(phone.mic(), ".mic-place") == f"Phrase 2 of {len(PHRASES)}"
    console.post("move", to="back")
    assert text(room["wall"].mic(), ".mic-phrase") == PHRASES[0]
    console.post("move", to=str(len(PHRASES)))
    last = room["wall"].mic()
    assert text(last, ".mic-phrase") == PHRASES[-1] and text(last, ".mic-end") == "Last phrase"
    at_end = console.post("move", to="next")
    assert at_end.status_code == 409
    assert soup(at_end).select_one("#mc-error").get_text(strip=True) == "That was the last phrase."
    assert console.post("stop").status_code == 200
    for name in ("wall", "phone"):
        assert "off" in room[name].mic()["class"]


def test_a_line_typed_live_and_a_prepared_text(room: dict[str, Any]) -> None:
    console = room["console"]
    line = "Mic check! The legal team is at the info tent."
    console.post("start", source="live", text=line)
    assert (
        text(room["phone"].mic(), ".mic-phrase")
        == split_phrases(line)[0]
        == "Mic check! The legal team"
    )
    prepared = "We meet at the fountain at noon. Bring water, a hat, and your friends."
    console.post("start", source="prepared", text=prepared)
    phrases = split_phrases(prepared)
    assert text(room["wall"].mic(), ".mic-phrase") == phrases[0]
    refused = console.post("start", source="prepared", text="   ")
    assert refused.status_code == 422


def test_forms_without_javascript_go_back_to_the_console(room: dict[str, Any]) -> None:
    console = room["console"]
    started = console.post("start", htmx=False, source="proposal")
    assert started.status_code == 303
    assert started.headers["location"].endswith("/console")
    assert console.post("move", htmx=False, to="next").status_code == 303
    assert text(console.mic(), ".mic-phrase") == PHRASES[1]


def test_a_phone_cannot_run_the_mic(room: dict[str, Any]) -> None:
    refused = room["phone"].post("start", source="live", text="Mic check!")
    assert refused.status_code == 403
    assert soup(refused).select_one("#mc-error").get_text(strip=True)
    assert "off" in room["wall"].mic()["class"]


def test_the_json_api_starts_moves_reads_and_stops(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    fac, base = assembly.facilitator.headers, f"/api/assemblies/{assembly.id}/mic"
    assert ok(client.get(base, headers=room["chen"].headers))["mic"] is None
    started = ok(client.post(base, json={"source": "proposal"}, headers=fac))
    assert started["position"] == 1 and started["phrase_count"] == len(PHRASES)
    moved = ok(client.post(f"{base}/move", json={"to": "next"}, headers=fac))
    assert moved["position"] == 2 and moved["seq"] == started["seq"] + 1
    read = ok(client.get(base, headers=room["chen"].headers))
    assert read["mic"]["phrase"] == PHRASES[1] and read["mic"]["phrases"] == PHRASES
    assert read["mic"]["proposal_id"] == room["pid"] and read["seq"] == moved["seq"]
    assert ok(client.post(f"{base}/move", json={"to": 1}, headers=fac))["position"] == 1
    ok(client.delete(base, headers=fac))
    assert ok(client.get(base, headers=fac))["mic"] is None


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "", {"source": "prepared", "text": ""}, 422, "text_required"),
        ("POST", "", {"source": "prepared", "text": "x " * 2600}, 422, "too_long"),
        ("POST", "", {"source": "whisper"}, 422, None),
        ("POST", "/move", {"to": "next"}, 409, "mic_off"),
        ("POST", "/move", {"to": "sideways"}, 422, None),
        ("POST", "/move", {"to": 0}, 422, None),
        ("DELETE", "", None, 409, "mic_off"),
    ],
)
def test_the_json_api_refuses_bad_input_and_wrong_state(
    client: TestClient,
    assembly: GA,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str | None,
) -> None:
    response = client.request(
        method,
        f"/api/assemblies/{assembly.id}/mic{path}",
        json=body,
        headers=assembly.facilitator.headers,
    )
    assert response.status_code == status, response.text
    error = error_of(response)
    if code:
        assert error["code"] == code


def test_the_proposal_source_without_an_open_proposal_is_a_conflict(
    client: TestClient, assembly: GA
) -> None:
    response = client.post(
        f"/api/assemblies/{assembly.id}/mic",
        json={"source": "proposal"},
        headers=assembly.facilitator.headers,
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "no_open_proposal"


def test_a_participant_is_refused_with_the_error_shape(client: TestClient, assembly: GA) -> None:
    chen = join(client, assembly, "Chen")
    response = client.post(
        f"/api/assemblies/{assembly.id}/mic",
        json={"source": "live", "text": "Mic check!"},
        headers=chen.headers,
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "role_required"
