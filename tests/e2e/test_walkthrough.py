"""The README's walk-through in real browsers: the console, the projector and phones.

Each test runs the real app (`create_app`) on a real uvicorn server whose `public_url` is its
own address, so join links and the projector's QR code point where a phone would go. Every
screen is its own browser context (its own cookies), as on separate devices.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from harness import screenshot
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    WebSocketRoute,
    expect,
)

from app.assembly.logic import JOIN_ALPHABET
from app.web.render import Renderer

WAIT_MS = 10_000  # upper bound for anything a screen should do "soon"
POLL_WAIT_MS = 12_000  # a waiting phone asks every 5 s: two polls and a reload

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}

# From the shared demo assembly (demo-assembly.json), copied so CI needs only this repository.
TITLE = "Riverside Commons GA"
LOCATION = "North lawn, by the library steps"
FACILITATOR = "Noor"


@dataclass(frozen=True)
class Item:
    title: str
    kind: str
    minutes: int
    working_group: str = ""


WELCOME = Item("Welcome, process and hand signals", "announcement", 5)
KITCHEN = Item("Kitchen report-back", "report", 5, "Kitchen")
TENTS = Item("Winter tents", "proposal", 20, "Comfort")
LEGAL = Item("Legal report-back", "report", 5, "Legal")
ROLE_HOLDERS = {
    "Tomás": "facilitator",
    "Keiko": "stack_keeper",
    "Ruth": "minute_taker",
    "Dev": "greeter",
}
PHONES = ["Abebe", "Bianca", "Emeka", "Farah", "Gus", "Hannah", "Ilse", "Jamal", "Kofi", "Lena"]


# ---- servers and devices ------------------------------------------------------------------


class Devices:
    """Separate browser contexts, one per device in the room; all closed at the end."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []

    def context(self, viewport: ViewportSize, **options: Any) -> BrowserContext:
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url, **options)
        context.set_default_timeout(WAIT_MS)
        self.contexts.append(context)
        return context

    def laptop(self) -> Page:
        return self.context(LAPTOP).new_page()

    def wall(self) -> Page:
        return self.context(WALL).new_page()

    def phone(self) -> Page:
        return self.phone_context().new_page()

    def phone_context(self) -> BrowserContext:
        return self.context(PHONE, is_mobile=True, has_touch=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def devices(browser: Browser, base_url: str) -> Iterator[Devices]:
    made = Devices(browser, base_url)
    try:
        yield made
    finally:
        made.close()


# ---- what people do on each screen --------------------------------------------------------


@dataclass
class Assembly:
    """What the console shows its facilitator after starting an assembly."""

    console: Page
    id: str
    join_code: str
    projector_link: str
    console_link: str

    @property
    def facilitator_token(self) -> str:
        return parse_qs(urlsplit(self.console_link).query)["key"][0]


def start_assembly(page: Page, *, greeter_admits: bool = False) -> Assembly:
    """Fill "Start an assembly" on the home page; land on the live console."""
    page.goto("/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Start the assembly"))
    form.get_by_label("Title", exact=True).fill(TITLE)
    form.get_by_label("Your name (you will facilitate)").fill(FACILITATOR)
    form.get_by_label("Where").fill(LOCATION)
    if greeter_admits:
        form.get_by_label("A greeter admits each phone").check()
    form.get_by_role("button", name="Start the assembly").click()
    expect(page).to_have_url(re.compile(r"/a/[^/?]+/console$"))
    expect(page.locator("#mc-connection")).to_have_text("Live")
    assembly_id = urlsplit(page.url).path.split("/")[2]
    projector = page.get_by_role("link", name="open the projector screen").get_attribute("href")
    assert projector
    return Assembly(
        console=page,
        id=assembly_id,
        join_code=page.locator(".console-links .code").inner_text().strip(),
        projector_link=projector,
        console_link=page.get_by_label("Your secret console link").input_value(),
    )


def agenda_entry(page: Page, title: str) -> Locator:
    return page.locator("#mc-agenda .agenda-item").filter(has_text=title)


def add_item(console: Page, item: Item) -> None:
    # The console folds "Add an agenda item" away once the agenda has items: unfold it.
    adder = console.locator(".add-item details")
    if adder.get_attribute("open") is None:
        adder.locator("summary").click()
    form = console.locator("form").filter(has=console.get_by_role("button", name="Add item"))
    form.get_by_label("Title").fill(item.title)
    form.get_by_label("Kind").select_option(item.kind)
    form.get_by_label("Time box (minutes)").fill(str(item.minutes))
    form.get_by_label("Working group (optional)").fill(item.working_group)
    form.get_by_role("button", name="Add item").click()
    expect(agenda_entry(console, item.title)).to_be_visible()
    # The form empties itself once the server said yes: wait, so the next fill is not wiped.
    expect(form.get_by_label("Title")).to_have_value("")


def open_item(console: Page, item: Item) -> None:
    agenda_entry(console, item.title).get_by_role("button", name="Open", exact=True).click()
    expect(console.locator("#mc-agenda .open-title")).to_have_text(item.title)


def headcount_box(console: Page) -> Locator:
    return console.locator("#headcount")


def headcount_button(console: Page) -> Locator:
    return console.locator("form").filter(has=headcount_box(console)).get_by_role("button")


def set_headcount(console: Page, count: int) -> None:
    headcount_box(console).fill(str(count))
    headcount_button(console).click()
    expect(console.locator("#mc-people .headcount")).to_have_text(str(count))


def join_by_code(phone: Page, code: str, name: str) -> None:
    phone.goto("/join")
    phone.get_by_label("Join code").fill(code)
    phone.get_by_label("Your name, as the room will see it").fill(name)
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(re.compile(r"/a/[^/?]+$"))


def joined(page: Page) -> Locator:
    return page.locator("#mc-people .joined")


def mark_page(page: Page) -> None:
    """Tag the loaded document; `assert_not_reloaded` fails if it was replaced since."""
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"


# ---- the walk-through ---------------------------------------------------------------------


def test_a_facilitator_creates_an_assembly_and_the_console_shows_the_join_code(
    devices: Devices, base_url: str
) -> None:
    ga = start_assembly(devices.laptop())
    console = ga.console

    assert re.fullmatch(r"[A-Z0-9]{6}", ga.join_code), ga.join_code
    expect(console.locator("#mc-header .mc-title")).to_have_text(TITLE)
    expect(console.locator("#mc-header .mc-location")).to_have_text(LOCATION)
    # The join link is the public address phones use, not wherever the console happens to be.
    expect(console.locator(".console-links")).to_contain_text(f"{base_url}/j/{ga.join_code}")
    expect(console.locator(".console-links")).to_contain_text(f"You are {FACILITATOR}")
    assert ga.console_link.startswith(f"{base_url}/a/{ga.id}/console?key=")
    expect(console.locator("#mc-connection")).to_have_text("Live")
    expect(joined(console)).to_have_text("1")


def test_the_projector_shows_the_join_qr_and_updates_live(devices: Devices, base_url: str) -> None:
    ga = start_assembly(devices.laptop())
    wall = devices.wall()
    wall.goto(ga.projector_link)
    # The key is swapped for a cookie and dropped from the address bar.
    expect(wall).to_have_url(f"{base_url}/a/{ga.id}/projector")
    expect(wall.locator("#mc-connection")).to_have_text("Live")

    corner = wall.locator(".join-corner")
    join_url = f"{base_url}/j/{ga.join_code}"
    expect(corner.locator("svg")).to_be_visible()
    expect(corner.locator(".join-code")).to_have_text(ga.join_code)
    # The address without its scheme; it may break before the code, never inside it.
    expect(corner.locator(".join-url")).to_have_text(join_url.split("://")[1])
    # The QR code encodes the public join link: same modules as a QR code made for it here.
    expected_qr = re.search(r'class="qrline"[^>]* d="([^"]+)"', Renderer.qr_svg(join_url))
    assert expected_qr
    assert corner.locator("svg path.qrline").get_attribute("d") == expected_qr.group(1)
    expect(wall.locator("#mc-agenda")).to_contain_text("No agenda items yet.")

    mark_page(wall)
    add_item(ga.console, KITCHEN)
    expect(agenda_entry(wall, KITCHEN.title)).to_be_visible()
    open_item(ga.console, KITCHEN)
    expect(wall.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
    expect(wall.locator("#mc-agenda .open-item .kicker")).to_contain_text("Kitchen")
    expect(wall.locator("#mc-header .mc-now")).to_have_text(f"Now: {KITCHEN.title}")
    set_headcount(ga.console, 140)
    expect(wall.locator("#mc-people .headcount")).to_have_text("140")
    assert_not_reloaded(wall)


def test_a_phone_joins_by_typing_the_code_and_sees_the_open_item(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    add_item(ga.console, WELCOME)
    add_item(ga.console, KITCHEN)
    open_item(ga.console, KITCHEN)
    expect(joined(ga.console)).to_have_text("1")
    mark_page(ga.console)

    phone = devices.phone()
    # Typed the way a thumb types it: lower case. The code is not case-sensitive.
    join_by_code(phone, ga.join_code.lower(), "Abebe")

    expect(phone).to_have_url(re.compile(rf"/a/{re.escape(ga.id)}$"))
    expect(phone.locator(".you")).to_contain_text("You are Abebe")
    expect(phone.locator("#mc-header .mc-title")).to_have_text(TITLE)
    expect(phone.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
    expect(agenda_entry(phone, WELCOME.title)).to_be_visible()
    expect(phone.locator("#mc-connection")).to_have_text("Live")
    # The console counts the new phone without a reload.
    expect(joined(ga.console)).to_have_text("2")
    assert_not_reloaded(ga.console)


def test_a_phone_joins_through_the_qr_link(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    phone = devices.phone()
    phone.goto(f"/j/{ga.join_code}")

    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Join “{TITLE}”")
    expect(phone.locator(".code-shown")).to_contain_text(ga.join_code)
    expect(phone.get_by_label("Join code")).to_have_count(0)  # only a name is asked
    phone.get_by_label("Your name, as the room will see it").fill("Bianca")
    phone.get_by_role("button", name="Join").click()

    expect(phone).to_have_url(re.compile(rf"/a/{re.escape(ga.id)}$"))
    expect(phone.locator(".you")).to_contain_text("You are Bianca")
    expect(phone.locator("#mc-connection")).to_have_text("Live")
    expect(joined(ga.console)).to_have_text("2")


def wait_at_the_door(devices: Devices, ga: Assembly, name: str) -> Page:
    """A phone joins an assembly with checked-in admission and is told to wait."""
    phone = devices.phone()
    join_by_code(phone, ga.join_code, name)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Waiting at the door")
    expect(phone.locator("body")).to_contain_text(f"Hello {name}")
    expect(phone.locator("#mc-agenda")).to_have_count(0)
    return phone


def assert_let_in(phone: Page, console: Page, name: str) -> None:
    """The console empties the door; the waiting phone reloads itself into the assembly."""
    expect(console.locator("#mc-admissions")).to_contain_text("Nobody is waiting.")
    expect(joined(console)).to_have_text("2")
    # The waiting page asks /status every 5 s and reloads itself once a greeter decided.
    expect(phone.locator("#mc-agenda .open-title")).to_have_text(
        KITCHEN.title, timeout=POLL_WAIT_MS
    )
    expect(phone.locator(".you")).to_contain_text(f"You are {name}")
    expect(phone.locator("#mc-connection")).to_have_text("Live")


def greeter_assembly(devices: Devices) -> Assembly:
    ga = start_assembly(devices.laptop(), greeter_admits=True)
    add_item(ga.console, KITCHEN)
    open_item(ga.console, KITCHEN)
    expect(ga.console.locator("#mc-admissions")).to_contain_text("Nobody is waiting.")
    return ga


def test_checked_in_admission_lets_a_greeter_admit_a_waiting_phone(devices: Devices) -> None:
    ga = greeter_assembly(devices)
    console = ga.console
    phone = wait_at_the_door(devices, ga, "Chen")

    waiting = console.locator("#mc-admissions li").filter(has_text="Chen")
    expect(waiting).to_be_visible()
    expect(console.locator("#mc-admissions .badge-alert")).to_have_text("1")
    expect(joined(console)).to_have_text("1")  # a waiting phone is not in yet
    waiting.get_by_role("button", name="Admit").click()
    assert_let_in(phone, console, "Chen")


def test_a_waiting_phone_lets_itself_in_once_admitted(devices: Devices, base_url: str) -> None:
    """The door's other half, whatever admits the phone (here a greeter's API client)."""
    ga = greeter_assembly(devices)
    phone = wait_at_the_door(devices, ga, "Chen")
    waiting = ga.console.locator("#mc-admissions li").filter(has_text="Chen")
    expect(waiting).to_have_count(1)
    participant_id = waiting.get_attribute("data-participant-id")
    response = httpx.post(
        f"{base_url}/api/assemblies/{ga.id}/participants/{participant_id}/admit",
        headers={"Authorization": f"Bearer {ga.facilitator_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert_let_in(phone, ga.console, "Chen")


def test_console_refusal_shows_a_readable_error(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    console = ga.console
    set_headcount(console, 140)
    expect(console.locator("#mc-error")).to_be_empty()
    mark_page(console)

    # The input's min/max stop a person in the browser; a crafted value must be refused anyway.
    box = headcount_box(console)
    box.evaluate("el => { el.removeAttribute('min'); el.removeAttribute('max'); }")
    box.fill("200000")
    with console.expect_response(lambda r: r.url.endswith("/headcount")) as refused:
        headcount_button(console).click()
    assert refused.value.status == 422

    expect(console.locator("#mc-error")).to_have_text(
        "The headcount must be between 0 and 100,000."
    )
    expect(console.locator("#mc-error [data-code]")).to_have_attribute("data-code", "invalid")
    expect(console.locator("#mc-error")).to_be_visible()
    # Nothing else broke: the old count stands, the socket is live, the page did not reload.
    expect(console.locator("#mc-people .headcount")).to_have_text("140")
    expect(console.locator("#mc-connection")).to_have_text("Live")
    expect(console.locator("#mc-header .mc-title")).to_have_text(TITLE)
    assert_not_reloaded(console)

    # The next action that succeeds clears the error.
    set_headcount(console, 150)
    expect(console.locator("#mc-error")).to_be_empty()


# #mc-error is pinned above the connection pill, so a refusal shows wherever the form is.
def test_a_refusal_is_shown_where_the_facilitator_is_looking(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    console = devices.phone()
    console.goto(ga.console_link)
    expect(console.locator("#mc-connection")).to_have_text("Live")
    box = headcount_box(console)
    box.evaluate("el => el.removeAttribute('max')")
    box.fill("200000")
    headcount_button(console).click()
    error = console.locator("#mc-error")
    expect(error).to_have_text("The headcount must be between 0 and 100,000.")
    expect(error).to_be_in_viewport(timeout=2_000)


def test_a_mistyped_code_is_refused_and_the_form_is_kept(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    wrong = next(c for c in JOIN_ALPHABET if c != ga.join_code[0]) + ga.join_code[1:]
    phone = devices.phone()
    phone.goto("/join")
    phone.get_by_label("Join code").fill(wrong)
    phone.get_by_label("Your name, as the room will see it").fill("Emeka")
    phone.get_by_role("button", name="Join").click()

    expect(phone.get_by_role("alert")).to_have_text("No assembly has this join code.")
    expect(phone.get_by_label("Join code")).to_have_value(wrong)
    expect(phone.get_by_label("Your name, as the room will see it")).to_have_value("Emeka")
    expect(joined(ga.console)).to_have_text("1")


def test_a_live_update_does_not_wipe_what_the_facilitator_is_typing(
    devices: Devices, base_url: str
) -> None:
    """Pushes replace whole live regions: an input inside one would lose its value and focus."""
    ga = start_assembly(devices.laptop())
    console = ga.console
    box = headcount_box(console)
    box.click()
    console.keyboard.type("14")
    # Meanwhile a phone joins, so the console's people region is pushed.
    response = httpx.post(
        f"{base_url}/api/join", json={"join_code": ga.join_code, "name": "Abebe"}, timeout=10
    )
    assert response.status_code == 201, response.text
    expect(joined(console)).to_have_text("2")
    expect(box).to_be_focused()
    console.keyboard.type("0")
    expect(box).to_have_value("140")


@dataclass
class FlakyLink:
    """Stands between one device and the server's websockets, like a bad 3G link: it can
    lose the server's pushes, then drop the connection; the page must reconnect by itself."""

    losing: bool = False
    urls: list[str] = field(default_factory=list)
    lines: list[tuple[WebSocketRoute, WebSocketRoute]] = field(default_factory=list)

    def route(self, page_side: WebSocketRoute) -> None:
        self.urls.append(page_side.url)
        server_side = page_side.connect_to_server()
        server_side.on_message(lambda message: self._deliver(page_side, message))
        self.lines.append((page_side, server_side))

    def _deliver(self, page_side: WebSocketRoute, message: str | bytes) -> None:
        if not self.losing:
            page_side.send(message)

    def drop(self) -> None:
        """The connection dies under the page (as when a phone changes cell towers)."""
        page_side, server_side = self.lines[-1]
        self.losing = False
        page_side.close(code=1001, reason="network lost")
        server_side.close()


# Records every connection state live.js shows, so a short "reconnecting" is not missed.
STATUS_LOG_SCRIPT = """
window.statusLog = [];
document.addEventListener('DOMContentLoaded', function () {
  var pill = document.getElementById('mc-connection');
  if (!pill) { return; }
  new MutationObserver(function () { window.statusLog.push(pill.getAttribute('data-state')); })
    .observe(pill, {attributes: true, attributeFilter: ['data-state']});
});
"""


def test_a_phone_that_loses_its_socket_catches_up(devices: Devices) -> None:
    ga = start_assembly(devices.laptop())
    console = ga.console
    add_item(console, KITCHEN)
    open_item(console, KITCHEN)

    link = FlakyLink()
    context = devices.phone_context()
    context.route_web_socket(re.compile(r"/ws/assemblies/"), link.route)
    context.add_init_script(STATUS_LOG_SCRIPT)
    phone = context.new_page()
    join_by_code(phone, ga.join_code, "Dolores")
    expect(phone.locator("#mc-connection")).to_have_text("Live")
    expect(phone.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
    expect(joined(console)).to_have_text("2")
    seen = int(phone.locator("#mc-seq").get_attribute("data-seq") or "0")
    mark_page(phone)

    # The link goes bad: whatever the server pushes now never reaches the phone.
    link.losing = True
    add_item(console, LEGAL)
    open_item(console, LEGAL)
    set_headcount(console, 140)
    expect(phone.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
    expect(agenda_entry(phone, LEGAL.title)).to_have_count(0)

    # Then it drops; the phone reconnects, says what it saw last, and catches up.
    link.drop()
    expect(phone.locator("#mc-agenda .open-title")).to_have_text(LEGAL.title)
    expect(phone.locator("#mc-header .mc-now")).to_have_text(f"Now: {LEGAL.title}")
    expect(phone.locator("#mc-people .headcount")).to_have_text("140")
    expect(phone.locator("#mc-connection")).to_have_text("Live")
    assert_not_reloaded(phone)
    assert "reconnecting" in phone.evaluate("window.statusLog")
    assert len(link.urls) >= 2, link.urls
    assert parse_qs(urlsplit(link.urls[-1]).query)["since"] == [str(seen)], link.urls


# ---- screenshots ----------------------------------------------------------------------------


def seat_the_room(base_url: str, ga: Assembly) -> None:
    """People with phones join and the facilitator hands out roles (over the JSON API)."""
    facilitator = {"Authorization": f"Bearer {ga.facilitator_token}"}
    with httpx.Client(base_url=base_url, timeout=10) as api:
        for name in [*ROLE_HOLDERS, *PHONES]:
            response = api.post("/api/join", json={"join_code": ga.join_code, "name": name})
            assert response.status_code == 201, response.text
            role = ROLE_HOLDERS.get(name)
            if role:
                body = {"participant_id": response.json()["participant_id"], "role": role}
                response = api.post(
                    f"/api/assemblies/{ga.id}/roles", json=body, headers=facilitator
                )
                assert response.status_code == 200, response.text


def settle(page: Page, people: int) -> None:
    """Live, and every join and role so far is on the screen."""
    expect(page.locator("#mc-connection")).to_have_text("Live")
    expect(joined(page)).to_have_text(str(people))


def test_screenshot_tour_of_every_page(devices: Devices, base_url: str) -> None:
    ga = start_assembly(devices.laptop())
    for item in (WELCOME, KITCHEN, TENTS):
        add_item(ga.console, item)
    open_item(ga.console, KITCHEN)
    set_headcount(ga.console, 140)
    seat_the_room(base_url, ga)
    people = 1 + len(ROLE_HOLDERS) + len(PHONES)
    settle(ga.console, people)

    for size, open_device in (("phone", devices.phone), ("1920", devices.wall)):
        page = open_device()
        page.goto("/")
        expect(page.get_by_role("heading", name="Mic Check")).to_be_visible()
        screenshot(page, f"home-{size}")

        page.goto(f"/j/{ga.join_code}")
        name = "Chen" if size == "phone" else "Dolores"
        page.get_by_label("Your name, as the room will see it").fill(name)
        page.get_by_label("Pronouns (optional)").fill("she/her" if size == "phone" else "")
        screenshot(page, f"join-{size}")
        page.get_by_role("button", name="Join").click()
        people += 1
        settle(page, people)
        expect(page.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
        screenshot(page, f"phone-{size}")

        console = open_device()
        console.goto(ga.console_link)
        settle(console, people)
        expect(console.locator("#mc-roles")).to_contain_text("Keiko")
        screenshot(console, f"console-{size}")

        projector = open_device()
        projector.goto(ga.projector_link)
        settle(projector, people)
        expect(projector.locator(".join-corner svg")).to_be_visible()
        screenshot(projector, f"projector-{size}")
