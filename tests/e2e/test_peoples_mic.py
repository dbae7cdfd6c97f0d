"""The people's mic in real browsers: the facilitator's console moves through the demo
proposal's phrases with the arrow keys; the wall (1920×1080) and a phone (390×844) follow.

Same set-up as test_walkthrough.py: the real app on a real uvicorn server, every screen its
own browser context, as on separate devices in the room.
"""

from __future__ import annotations

from typing import Any

import httpx
from harness import screenshot
from playwright.sync_api import Page, expect
from test_walkthrough import WAIT_MS, Devices

from app.demo import load_demo
from app.mic.logic import split_phrases


def winter_tents() -> dict[str, Any]:
    """The demo assembly's first proposal, as its agenda tells it."""
    [item] = [i for i in load_demo()["agenda"] if i["title"] == "Winter tents"]
    return item


def live(page: Page) -> Page:
    expect(page.locator("#mc-connection")).to_have_text("Live")
    return page


def phrase(page: Page) -> Any:
    return page.locator("#mc-mic .mic-phrase")


def place(page: Page) -> Any:
    return page.locator("#mc-mic .mic-place")


def measure(page: Page) -> dict[str, float]:
    """The phrase's size and box, and whether anything in the region is cut off."""
    result: dict[str, float] = page.evaluate(
        """() => {
          const region = document.getElementById("mc-mic");
          const phrase = region.querySelector(".mic-phrase");
          const next = region.querySelector(".mic-next");
          const box = phrase.getBoundingClientRect();
          const nextBox = next.getBoundingClientRect();
          return {
            fontSize: parseFloat(getComputedStyle(phrase).fontSize),
            top: box.top, bottom: box.bottom, left: box.left, right: box.right,
            nextBottom: nextBox.bottom, nextRight: nextBox.right,
            clipped: (region.scrollHeight > region.clientHeight + 1 ||
                      phrase.scrollWidth > phrase.clientWidth + 1) ? 1 : 0,
            width: window.innerWidth, height: window.innerHeight,
          };
        }"""
    )
    return result


def test_the_facilitator_walks_the_room_through_the_proposal_phrase_by_phrase(
    room: Devices, base_url: str
) -> None:
    tents = winter_tents()
    phrases = split_phrases(tents["proposal"]["text"])
    assert len(phrases) >= 4
    with httpx.Client(base_url=base_url) as http:
        made = http.post(
            "/api/assemblies", json={"title": "Riverside Commons GA", "facilitator_name": "Noor"}
        ).json()
        fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        base = f"/api/assemblies/{made['id']}"
        proposal = http.post(
            f"{base}/proposals",
            json={
                "title": tents["title"],
                "text": tents["proposal"]["text"],
                "working_group": tents["working_group"],
            },
            headers=fac,
        ).json()
        opened = http.post(f"{base}/agenda/{proposal['agenda_item_id']}/open", headers=fac)
        assert opened.status_code == 200, opened.text
        chen = http.post("/api/join", json={"join_code": made["join_code"], "name": "Chen"}).json()

    console = room.laptop()
    console.goto(f"/a/{made['id']}/console?key={made['facilitator_token']}")
    wall = room.wall()
    wall.goto(f"/a/{made['id']}/projector?key={made['projector_key']}")
    phone = room.phone()
    phone.goto(f"/a/{made['id']}?key={chen['token']}")
    for page in (console, wall, phone):
        live(page)
        expect(page.locator("#mc-mic")).to_have_class("mc-mic off")

    console.get_by_role("button", name="People's mic: the proposal's text").click()
    for page in (wall, phone, console):
        expect(phrase(page)).to_have_text(phrases[0], timeout=WAIT_MS)
        expect(place(page)).to_have_text(f"Phrase 1 of {len(phrases)}")

    console.evaluate("document.activeElement && document.activeElement.blur()")
    console.keyboard.press("ArrowRight")
    for page in (wall, phone):
        expect(phrase(page)).to_have_text(phrases[1], timeout=WAIT_MS)
        expect(place(page)).to_have_text(f"Phrase 2 of {len(phrases)}")
        expect(page.locator("#mc-mic .mic-next")).to_contain_text(phrases[2])

    # The wall gives the phrase the screen: large, whole, the next one below it.
    expect(wall.locator("#mc-proposal")).to_be_hidden()
    on_wall = measure(wall)
    assert on_wall["fontSize"] >= 90, on_wall
    assert on_wall["clipped"] == 0, on_wall
    assert on_wall["top"] >= 0 and on_wall["bottom"] <= on_wall["nextBottom"], on_wall
    assert on_wall["nextBottom"] <= on_wall["height"] and on_wall["right"] <= on_wall["width"]
    on_phone = measure(phone)
    assert on_phone["fontSize"] >= 22 and on_phone["clipped"] == 0, on_phone
    assert on_phone["top"] >= 0 and on_phone["nextBottom"] <= on_phone["height"], on_phone
    screenshot(wall, "peoples_mic_wall")
    screenshot(phone, "peoples_mic_phone")
    screenshot(console, "peoples_mic_console")

    # Keys typed into a text field stay there: the live line's arrow keys move its cursor.
    box = console.locator("#mic-live")
    box.fill("Mic check")
    box.press("ArrowLeft")
    box.press("ArrowRight")
    expect(place(console)).to_have_text(f"Phrase 2 of {len(phrases)}")
    box.fill("")
    console.evaluate("document.activeElement && document.activeElement.blur()")

    console.keyboard.press("ArrowLeft")
    for page in (wall, phone):
        expect(phrase(page)).to_have_text(phrases[0], timeout=WAIT_MS)
    console.get_by_role("button", name="Next phrase").click()
    expect(phrase(wall)).to_have_text(phrases[1], timeout=WAIT_MS)

    console.get_by_role("button", name="Stop the people's mic").click()
    for page in (wall, phone):
        expect(page.locator("#mc-mic")).to_have_class("mc-mic off", timeout=WAIT_MS)
    expect(wall.locator("#mc-proposal .proposal-title")).to_have_text(tents["title"])
