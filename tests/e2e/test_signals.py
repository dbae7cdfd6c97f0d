"""The room's hand signals in real browsers: a phone (390×844) signals while someone speaks (over
its live socket, no request), the wall (1920×1080) shows an anonymous meter that grows, then
fades on its own.

Same set-up as test_stack_walkthrough.py (whose helpers this reuses): the real app on a real
uvicorn server, every screen its own browser context.
"""

from __future__ import annotations

from harness import screenshot
from playwright.sync_api import Locator, Page, expect
from screen_checks import wall_problems
from test_stack_walkthrough import (
    add_named_hand,
    call_next,
    console_with_open_item,
    live,
    projector,
    speaker,
)
from test_walkthrough import Devices, join_by_code


def signal_button(phone: Page, word: str) -> Locator:
    return phone.locator("#mc-signals").get_by_role("button", name=word, exact=True)


def glow(wall: Page, kind: str) -> Locator:
    return wall.locator(f"#mc-signals .glow-{kind}")


def shown_level(wall: Page, kind: str) -> float:
    """The glow's size as static/signals.js sets it now (it fades between pushes)."""
    value = glow(wall, kind).evaluate("g => getComputedStyle(g).getPropertyValue('--level')")
    return float(value or 0)


def light_width(wall: Page, kind: str) -> float:
    """The width of the glow's lit disc, inside its ring."""
    light = glow(wall, kind).locator(".glow-light")
    width = light.evaluate("e => e.clientWidth - 2 * parseFloat(getComputedStyle(e).paddingLeft)")
    return float(width)


def test_a_phone_signals_agree_and_the_wall_glows_then_fades(room: Devices) -> None:
    ga = console_with_open_item(room)
    wall = projector(room, ga)
    phone = room.phone()
    join_by_code(phone, ga.join_code, "Bianca")
    live(phone)

    # Nobody speaks: no buttons, no meter.
    expect(phone.locator("#mc-signals button")).to_have_count(0)
    expect(wall.locator("#mc-signals")).to_be_hidden()

    add_named_hand(ga.console, "Big Mike", "speak")
    call_next(ga.console, "Big Mike")
    expect(speaker(wall)).to_have_text("Big Mike")
    for word in ("Agree", "Unsure", "Disagree"):
        expect(signal_button(phone, word)).to_be_visible()
    meter = wall.locator("#mc-signals .signal-meter")
    expect(meter).to_be_visible()
    expect(glow(wall, "agree")).to_have_attribute("data-level", "0.0")
    dark = light_width(wall, "agree")

    posted: list[str] = []  # the page's live socket carries the taps: no request is made
    phone.on("request", lambda r: posted.append(r.url) if "/signal" in r.url else None)
    signal_button(phone, "Agree").click()
    expect(phone.locator("#mc-signal-note")).to_have_text("Sent: you agree.")
    # The wall's meter grows: a push, rendered once for every wall.
    expect(glow(wall, "agree")).not_to_have_attribute("data-level", "0.0")
    wall.wait_for_function(
        "() => parseFloat(getComputedStyle(document.querySelector('#mc-signals .glow-agree'))"
        ".getPropertyValue('--level')) > 0"
    )
    wall.wait_for_timeout(300)  # the glow's transition
    grown = light_width(wall, "agree")
    assert grown > dark * 1.1, (dark, grown)
    assert shown_level(wall, "disagree") == 0.0
    # Anonymous and never a count: the meter names no one and shows no number.
    text = meter.inner_text()
    assert "Bianca" not in text and not any(ch.isdigit() for ch in text), text
    screenshot(wall, "signals-wall-agree")
    assert not wall_problems(wall, "a speaker and the room's signals")  # fits, read from 20 m

    # A second tap within 5 s is refused politely, under the buttons.
    signal_button(phone, "Disagree").click()
    expect(phone.locator("#mc-signal-note")).to_have_text(
        "Wait a moment: one signal every 5 seconds."
    )
    expect(phone.locator("#mc-error")).to_have_text("")
    screenshot(phone, "signals-phone-wait")
    assert shown_level(wall, "disagree") == 0.0

    # With no push at all, the glow fades on the wall's own clock.
    before = shown_level(wall, "agree")
    wall.wait_for_timeout(1_500)
    after = shown_level(wall, "agree")
    assert 0 < after < before, (before, after)

    assert posted == [], posted

    # The turn ends: the buttons and the meter go.
    ga.console.locator("#mc-speaker").get_by_role("button", name="End turn", exact=True).click()
    expect(phone.locator("#mc-signals button")).to_have_count(0)
    expect(wall.locator("#mc-signals")).to_be_hidden()
