"""The speaking stack in real browsers: a facilitator's console, phones and the projector.

Same set-up as test_walkthrough.py (whose helpers this reuses): the real app on a real uvicorn
server, every screen its own browser context, as on separate devices in the room.
"""

from __future__ import annotations

import re

import httpx
from harness import screenshot
from playwright.sync_api import Locator, Page, expect
from test_walkthrough import (
    FACILITATOR,
    TENTS,
    WAIT_MS,
    Assembly,
    Devices,
    add_item,
    join_by_code,
    open_item,
    start_assembly,
)

MIN_SECONDS = 10  # the shortest turn "Stack settings" accepts
# Waiting for a turn of MIN_SECONDS to run out, plus the usual bound for the screen to show it.
OVERRUN_WAIT_MS = MIN_SECONDS * 1000 + WAIT_MS
RED = "rgb(176, 0, 32)"  # --alert in static/app.css

# The phone's buttons for each kind of hand, and the words each kind goes by.
RAISE = {
    "speak": "Raise my hand",
    "clarifying_question": "Clarifying question",
    "point_of_information": "Point of information",
    "direct_response": "Direct response",
    "point_of_process": "Point of process",
}
LABEL = {
    "speak": "hand",
    "clarifying_question": "clarifying question",
    "point_of_information": "point of information",
    "direct_response": "direct response",
    "point_of_process": "point of process",
}


# ---- what people see and do ----------------------------------------------------------------


def live(page: Page) -> Page:
    expect(page.locator("#mc-connection")).to_have_text("Live")
    return page


def queue(page: Page) -> Locator:
    return page.locator("#mc-stack .queue .entry")


def entry(page: Page, name: str) -> Locator:
    return queue(page).filter(has=page.locator(".name").get_by_text(name, exact=True))


def speaker(page: Page) -> Locator:
    return page.locator("#mc-speaker .speaker-name")


def countdown(page: Page) -> Locator:
    return page.locator("#mc-speaker .countdown")


def you(phone: Page) -> Locator:
    return phone.locator("#mc-you-pos")


def raise_button(phone: Page, kind: str) -> Locator:
    return phone.get_by_role("button", name=RAISE[kind], exact=True)


def lower_button(phone: Page, kind: str) -> Locator:
    return phone.get_by_role("button", name=f"Lower my {LABEL[kind]}", exact=True)


def phone_in(room: Devices, ga: Assembly, name: str) -> Page:
    phone = room.phone()
    join_by_code(phone, ga.join_code, name)
    return live(phone)


def raise_hand(phone: Page, kind: str) -> None:
    """Tap a raise button; the phone swaps it for "Lower my …" once its hand is on the stack."""
    raise_button(phone, kind).click()
    expect(lower_button(phone, kind)).to_be_visible()
    expect(raise_button(phone, kind)).to_be_hidden()


def add_named_hand(console: Page, name: str, kind: str) -> None:
    """The console's "Hand for someone without a phone" form."""
    form = console.locator("form").filter(has=console.get_by_role("button", name="Add hand"))
    form.get_by_label("Hand for someone without a phone").fill(name)
    form.get_by_label("Kind of hand").select_option(kind)
    form.get_by_role("button", name="Add hand").click()
    expect(entry(console, name)).to_be_visible()
    # The form empties itself once the server said yes: wait, so the next fill is not wiped.
    expect(form.get_by_label("Hand for someone without a phone")).to_have_value("")


def set_turn_seconds(console: Page, seconds: int) -> None:
    console.get_by_text("Stack settings", exact=True).click()
    console.get_by_label("Seconds a turn").fill(str(seconds))
    console.get_by_role("button", name="Save settings").click()
    expect(console.locator("#mc-stack .stack-settings")).to_contain_text(f"{seconds} s a turn")


def call_next(console: Page, name: str) -> None:
    console.get_by_role("button", name=f"Call next: {name}", exact=True).click()
    expect(speaker(console)).to_have_text(name)


def timer(console: Page, label: str) -> None:
    console.locator("#mc-speaker").get_by_role("button", name=label, exact=True).click()


def projector(room: Devices, ga: Assembly) -> Page:
    wall = room.wall()
    wall.goto(ga.projector_link)
    return live(wall)


def console_with_open_item(room: Devices) -> Assembly:
    ga = start_assembly(room.laptop())
    add_item(ga.console, TENTS)
    open_item(ga.console, TENTS)
    return ga


# ---- the stack -------------------------------------------------------------------------------


def test_a_facilitator_runs_a_stack_of_six_mixed_hands_two_added_by_name(room: Devices) -> None:
    ga = console_with_open_item(room)
    console = ga.console
    wall = projector(room, ga)
    hands = {
        "Abebe": "speak",
        "Bianca": "clarifying_question",
        "Emeka": "point_of_information",
        "Farah": "direct_response",
    }
    phones: dict[str, Page] = {}
    for name, kind in hands.items():
        phones[name] = phone_in(room, ga, name)
        raise_hand(phones[name], kind)
        expect(entry(console, name)).to_be_visible()
    add_named_hand(console, "Big Mike", "speak")
    add_named_hand(console, "Mr. Alvarez", "point_of_process")

    # Kinds first (a point of process always heads), then by time raised: nobody spoke yet.
    # Outside a proposal's question stage a clarifying question waits with ordinary hands.
    order = ["Mr. Alvarez", "Farah", "Emeka", "Abebe", "Bianca", "Big Mike"]
    reasons = [
        "point of process",
        "direct response",
        "point of information",
        "first time speaking",
        "clarifying question · first time speaking",
        "first time speaking",
    ]
    expect(queue(console)).to_have_count(6)
    expect(queue(console).locator(".name")).to_have_text(order)
    expect(queue(console).locator(".why")).to_have_text(reasons)
    expect(console.locator("#mc-stack .count")).to_have_text("(6)")
    head = queue(console).first
    expect(head.locator(".pos")).to_have_text("1")
    expect(head).to_have_attribute("data-kind", "point_of_process")
    expect(head.locator(".why")).to_have_text("point of process")
    for no_phone in ("Big Mike", "Mr. Alvarez"):
        expect(entry(console, no_phone).locator(".no-phone")).to_have_text("(no phone)")
    expect(console.locator("#mc-stack .pop-alert")).to_have_text("▲ Point of process raised")

    # The projector shows the next five and flags the point of process.
    expect(queue(wall).locator(".name")).to_have_text(order[:5])
    expect(wall.locator("#mc-stack .more")).to_have_text("and 1 more")
    expect(wall.locator("#mc-stack .pop-alert")).to_be_visible()

    # Each phone reads its own place and why, and sees its own entry highlighted.
    abebe = phones["Abebe"]
    expect(you(abebe)).to_have_text("You are 4th — first time speaking")
    expect(abebe.locator("#mc-stack .entry.mine")).to_have_count(1)
    expect(abebe.locator("#mc-stack .entry.mine .name")).to_have_text("Abebe")
    expect(entry(abebe, "Abebe")).to_have_class(re.compile(r"\bmine\b"))
    expect(entry(abebe, "Bianca")).not_to_have_class(re.compile(r"\bmine\b"))
    expect(lower_button(abebe, "speak")).to_be_visible()
    expect(raise_button(abebe, "speak")).to_be_hidden()
    expect(raise_button(abebe, "point_of_information")).to_be_visible()  # other kinds stay
    expect(you(phones["Farah"])).to_have_text("You are 2nd — direct response")
    expect(you(phones["Emeka"])).to_have_text("You are 3rd — point of information")
    expect(you(phones["Bianca"])).to_have_text("You are 5th — first time speaking")

    # One click gives the floor to the head of the stack, on every screen.
    call_next(console, "Mr. Alvarez")
    for page in (console, wall, *phones.values()):
        expect(speaker(page)).to_have_text("Mr. Alvarez")
        expect(page.locator("#mc-speaker .speaker-kind")).to_have_text("point of process")
    expect(queue(console)).to_have_count(5)
    expect(queue(console).locator(".name")).to_have_text(order[1:])
    expect(queue(wall).locator(".name")).to_have_text(order[1:])
    expect(wall.locator("#mc-stack .pop-alert")).to_have_count(0)
    expect(you(abebe)).to_have_text("You are 3rd — first time speaking")

    # The next one called holds a phone: it says "you", and its hand can go up again.
    call_next(console, "Farah")
    farah = phones["Farah"]
    expect(speaker(farah)).to_have_text("Farah")
    expect(speaker(farah)).to_have_class(re.compile(r"\bmine\b"))
    expect(speaker(abebe)).not_to_have_class(re.compile(r"\bmine\b"))
    expect(you(farah)).to_be_hidden()
    expect(raise_button(farah, "direct_response")).to_be_visible()
    expect(speaker(wall)).to_have_text("Farah")
    expect(queue(console)).to_have_count(4)
    expect(you(abebe)).to_have_text("You are 2nd — first time speaking")


def test_the_timer_goes_red_and_negative_on_overrun(room: Devices) -> None:
    ga = console_with_open_item(room)
    console = ga.console
    wall = projector(room, ga)
    set_turn_seconds(console, MIN_SECONDS)
    add_named_hand(console, "Big Mike", "speak")
    call_next(console, "Big Mike")
    expect(speaker(wall)).to_have_text("Big Mike")
    for page in (console, wall):
        expect(countdown(page)).to_have_text(re.compile(r"^0:\d\d$"))

    # Nobody is cut off: past the deadline the countdown goes on, negative and red.
    for page in (console, wall):
        expect(countdown(page)).to_have_text(re.compile(r"^-0:\d\d$"), timeout=OVERRUN_WAIT_MS)
        expect(countdown(page)).to_have_class(re.compile(r"\bover\b"))
        expect(countdown(page)).to_have_css("color", RED)

    # An interposed question: the clock stands still.
    timer(console, "Pause")
    expect(console.locator("#mc-speaker")).to_have_class(re.compile(r"\bpaused\b"))
    expect(wall.locator("#mc-speaker")).to_have_class(re.compile(r"\bpaused\b"))
    expect(console.locator("#mc-speaker .speaker-kind")).to_have_text("speak · paused")
    held = {id(page): countdown(page).inner_text() for page in (console, wall)}
    for page in (console, wall):
        assert held[id(page)].startswith("-"), held
    console.wait_for_timeout(2_000)
    for page in (console, wall):
        assert countdown(page).inner_text() == held[id(page)]
        expect(countdown(page)).to_have_class(re.compile(r"\bover\b"))

    timer(console, "Resume")
    expect(console.locator("#mc-speaker")).not_to_have_class(re.compile(r"\bpaused\b"))
    expect(countdown(console)).to_have_text(re.compile(r"^-0:\d\d$"))
    timer(console, "+30 s")
    for page in (console, wall):
        expect(countdown(page)).to_have_text(re.compile(r"^0:[0-5]\d$"))
        expect(countdown(page)).not_to_have_class(re.compile(r"\bover\b"))

    timer(console, "End turn")
    for page in (console, wall):
        expect(page.locator("#mc-speaker .speaker-none")).to_have_text("Nobody has the floor.")
        expect(speaker(page)).to_have_count(0)
    rows = console.locator("#mc-stats tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(["Big Mike", "1", re.compile(r"^0:\d\d$")])
    # The turn ran past its 10 s: at least that much is counted (pauses are not).
    spoken = int(rows.first.locator("td").nth(2).get_attribute("data-value") or "0")
    assert spoken >= MIN_SECONDS, spoken


def test_moving_a_hand_up_says_who_moved_it(room: Devices) -> None:
    ga = console_with_open_item(room)
    console = ga.console
    abebe = phone_in(room, ga, "Abebe")
    bianca = phone_in(room, ga, "Bianca")
    raise_hand(abebe, "speak")
    raise_hand(bianca, "speak")
    expect(queue(console).locator(".name")).to_have_text(["Abebe", "Bianca"])
    expect(you(bianca)).to_have_text("You are 2nd — first time speaking")

    console.get_by_role("button", name="Move Bianca up").click()

    moved = f"moved up by {FACILITATOR}"
    expect(queue(console).locator(".name")).to_have_text(["Bianca", "Abebe"])
    expect(entry(console, "Bianca").locator(".why")).to_have_text(moved)
    expect(entry(console, "Abebe").locator(".why")).to_have_text("first time speaking")
    expect(you(bianca)).to_have_text(f"You are 1st — {moved}")
    expect(entry(bianca, "Bianca")).to_have_class(re.compile(r"\bmine\b"))
    # Everyone sees why the order changed, not only the person moved.
    expect(entry(abebe, "Bianca").locator(".why")).to_have_text(moved)
    expect(you(abebe)).to_have_text("You are 2nd — first time speaking")


def test_a_phone_lowers_its_own_hand(room: Devices) -> None:
    ga = console_with_open_item(room)
    console = ga.console
    phone = phone_in(room, ga, "Abebe")
    raise_hand(phone, "speak")
    raise_hand(phone, "point_of_information")
    expect(queue(console)).to_have_count(2)
    expect(you(phone)).to_have_text(
        "You are 1st — point of information · You are 2nd — first time speaking"
    )

    lower_button(phone, "speak").click()
    expect(raise_button(phone, "speak")).to_be_visible()
    expect(lower_button(phone, "speak")).to_be_hidden()
    expect(queue(console)).to_have_count(1)
    expect(entry(console, "Abebe")).to_have_attribute("data-kind", "point_of_information")
    expect(you(phone)).to_have_text("You are 1st — point of information")

    lower_button(phone, "point_of_information").click()
    expect(raise_button(phone, "point_of_information")).to_be_visible()
    expect(console.locator("#mc-stack")).to_contain_text("No hands up.")
    expect(queue(phone)).to_have_count(0)
    expect(you(phone)).to_be_hidden()
    expect(you(phone)).to_have_text("")


def stack_api(
    room: Devices,
    ga: Assembly,
    path: str,
    body: dict[str, object],
    *,
    method: str = "POST",
    token: str | None = None,
) -> None:
    """Someone (the facilitator unless told) acts on the stack over the JSON API."""
    response = httpx.request(
        method,
        f"{room.base_url}/api/assemblies/{ga.id}/stack{path}",
        json=body,
        headers={"Authorization": f"Bearer {token or ga.facilitator_token}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text


def busy_projector(room: Devices, *, seconds: int | None = None) -> Page:
    """The projector at 1920x1080 while Emeka speaks, six wait and a point of process is up."""
    ga = console_with_open_item(room)
    if seconds is not None:
        stack_api(room, ga, "/settings", {"speaking_seconds": seconds}, method="PUT")
    wall = projector(room, ga)
    stack_api(room, ga, "", {"kind": "point_of_information", "name": "Emeka"})
    stack_api(room, ga, "/next", {})
    for name, kind in (
        ("Chen", "direct_response"),
        ("Abebe", "speak"),
        ("Bianca", "clarifying_question"),
        ("Big Mike", "speak"),
        ("Dolores", "speak"),
        ("Mr. Alvarez", "point_of_process"),
    ):
        stack_api(room, ga, "", {"kind": kind, "name": name})
    expect(speaker(wall)).to_have_text("Emeka")
    expect(wall.locator("#mc-stack .pop-alert")).to_be_visible()
    expect(queue(wall)).to_have_count(5)
    expect(wall.locator("#mc-stack .more")).to_have_text("and 1 more")
    return wall


def test_the_projector_shows_the_next_five_and_how_many_more_at_1920(room: Devices) -> None:
    wall = busy_projector(room)
    for shown in range(5):
        expect(queue(wall).nth(shown)).to_be_in_viewport(ratio=1, timeout=2_000)
    expect(wall.locator("#mc-stack .more")).to_be_in_viewport(ratio=1, timeout=2_000)


# Height of the countdown in lines of its own text (line-height is 1 on the projector).
COUNTDOWN_LINES = """el => el.getBoundingClientRect().height
    / parseFloat(getComputedStyle(el).fontSize || '1')"""


def test_the_projector_countdown_stays_on_one_line_when_it_goes_red(room: Devices) -> None:
    wall = busy_projector(room, seconds=MIN_SECONDS)
    expect(countdown(wall)).to_have_text(re.compile(r"^0:\d\d$"))
    assert countdown(wall).evaluate(COUNTDOWN_LINES) < 1.5
    expect(countdown(wall)).to_have_class(re.compile(r"\bover\b"), timeout=OVERRUN_WAIT_MS)
    expect(countdown(wall)).to_have_css("color", RED)
    assert countdown(wall).evaluate(COUNTDOWN_LINES) < 1.5


# ---- screenshots -----------------------------------------------------------------------------


def test_screenshot_tour_of_the_stack(room: Devices) -> None:
    ga = console_with_open_item(room)
    console = ga.console
    set_turn_seconds(console, MIN_SECONDS)
    # Others raise their hands from phones the tour does not look at.
    for name, kind in (
        ("Abebe", "speak"),
        ("Bianca", "clarifying_question"),
        ("Emeka", "point_of_information"),
    ):
        joined = httpx.post(
            f"{room.base_url}/api/join", json={"join_code": ga.join_code, "name": name}, timeout=10
        )
        assert joined.status_code == 201, joined.text
        stack_api(room, ga, "", {"kind": kind}, token=joined.json()["token"])
    add_named_hand(console, "Big Mike", "speak")
    call_next(console, "Emeka")

    phones = {"phone": phone_in(room, ga, "Chen")}
    raise_hand(phones["phone"], "direct_response")
    wide = room.wall()
    join_by_code(wide, ga.join_code, "Dolores")
    phones["1920"] = live(wide)
    raise_hand(phones["1920"], "speak")
    add_named_hand(console, "Mr. Alvarez", "point_of_process")
    expect(queue(console)).to_have_count(6)

    walls = {"1920": projector(room, ga)}
    small = room.phone()
    small.goto(ga.projector_link)
    walls["phone"] = live(small)
    consoles = {"phone": room.phone(), "1920": room.wall()}
    for page in consoles.values():
        page.goto(ga.console_link)
        live(page)

    # The speaker runs over: red and negative everywhere.
    for page in (*walls.values(), *consoles.values(), *phones.values()):
        expect(countdown(page)).to_have_text(re.compile(r"^-0:\d\d$"), timeout=OVERRUN_WAIT_MS)
        expect(countdown(page)).to_have_class(re.compile(r"\bover\b"))
    for page in walls.values():
        expect(page.locator("#mc-stack .pop-alert")).to_be_visible()
    for page in phones.values():
        expect(page.locator("#mc-stack .entry.mine")).to_have_count(1)
        expect(you(page)).to_contain_text("You are ")

    for size in ("phone", "1920"):
        screenshot(consoles[size], f"stack-console-{size}")
        screenshot(phones[size], f"stack-phone-{size}")
        screenshot(walls[size], f"stack-projector-{size}")
