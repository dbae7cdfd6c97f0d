"""A whole evening with every screen open at once, in real browsers (issue 10).

The console (1366x768), the projector (1920x1080), three phones (390x844; Chen's without
JavaScript, acting through plain form posts and reloads) and Big Mike, who has no phone: the
facilitator, keeping the stack, adds his hand by name and counts him by hand in rounds. One story:
the stack, a proposal put forward with Ana as its presenter, an amendment Ana accepts on her
phone, a temperature check, a call for consensus Chen blocks, the block heard, a fallback vote
with hands counted in the room, the outcome, the next item opened with the hands carried over,
the minutes approved, the assembly closed, its minutes and the archive.

At every step the layout checks of screen_checks.py run on the wall and on each phone, and every
screen is saved as artifacts/screenshots/evening-NN-<moment>-<screen>.png. What they find is
collected and asserted at the very end, so one layout that fails does not hide whether the rest
of the evening works. Same set-up as the other walk-throughs, whose helpers this reuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from harness import SCREENSHOT_DIR
from playwright.sync_api import Locator, Page, ViewportSize, expect
from screen_checks import phone_problems, wall_problems
from test_proposal_walkthrough import (
    amend,
    answer,
    banner,
    block,
    close_round,
    meter_n,
    mine,
    move_to,
    open_round,
    outcome,
)
from test_stack_walkthrough import (
    add_named_hand,
    call_next,
    entry,
    phone_in,
    projector,
    queue,
    raise_button,
    raise_hand,
    speaker,
    timer,
)
from test_walkthrough import (
    KITCHEN,
    LEGAL,
    PHONE,
    TITLE,
    WALL,
    Assembly,
    Devices,
    Item,
    add_item,
    agenda_entry,
    join_by_code,
    open_item,
    set_headcount,
    start_assembly,
)

from app.db import Database
from tests.copies.replays import replay_differences

CONSOLE: ViewportSize = {"width": 1366, "height": 768}
SMALL_WALL: ViewportSize = {"width": 1280, "height": 720}
PATIENCE_MS = 20_000  # six browsers on two shared cores: a screen may take a while to follow
HEADCOUNT = 26

PROPOSAL = "Winter tents"
GROUP = "Comfort"
TEXT_V1 = (
    "The Comfort working group buys six insulated tents for the north lawn before the first "
    "frost. Anyone sleeping out may use them."
)
TEXT_V2 = TEXT_V1.replace("six", "eight")  # Bianca's amendment
BLOCK_REASON = "The tents would stand in the fire lane by the library steps."
BLOCK_AGAIN = "Still in the fire lane: the fire marshal will clear the whole camp."
COUNTED_AGREE = 20  # hands counted in the room during the fallback vote


@pytest.fixture(autouse=True)
def patience() -> Iterator[None]:
    expect.set_options(timeout=PATIENCE_MS)
    yield
    expect.set_options(timeout=None)  # back to Playwright's default for other modules


@dataclass
class Evening:
    """Every screen in the room, the step counter and what the layout checks found."""

    ga: Assembly
    base_url: str
    console: Page
    wall: Page
    ana: Page  # the presenter
    bianca: Page
    chen: Page  # no JavaScript: plain form posts, and a reload to see what is new
    problems: list[str] = field(default_factory=list)
    steps: int = 0
    unanswered: dict[str, list[str]] = field(default_factory=dict)  # the buttons' first look
    answering: str = ""  # the round the phones answer now

    @property
    def phones(self) -> dict[str, Page]:
        return {"ana": self.ana, "bianca": self.bianca, "chen": self.chen}

    @property
    def live_screens(self) -> tuple[Page, ...]:
        """The screens that follow the evening on their own (over the websocket)."""
        return (self.console, self.wall, self.ana, self.bianca)

    def step(self, moment: str, *, answering: bool = False, small_wall: bool = False) -> None:
        """Check the wall and every phone at this moment, then photograph every screen."""
        self.steps += 1
        name = f"evening-{self.steps:02d}-{moment}"
        self.chen.reload()  # what a phone without JavaScript does to see what is new
        self.problems += wall_problems(self.wall, moment)
        for who, phone in self.phones.items():
            self.problems += phone_problems(phone, f"{moment} ({who})", answering=answering)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        self.wall.screenshot(path=str(SCREENSHOT_DIR / f"{name}-wall.png"))
        if small_wall:
            # The same wall on a 1280x720 projector.
            self.wall.set_viewport_size(SMALL_WALL)
            self.wall.wait_for_timeout(300)
            self.problems += wall_problems(self.wall, moment)
            self.wall.screenshot(path=str(SCREENSHOT_DIR / f"{name}-wall-1280.png"))
            self.wall.set_viewport_size(WALL)
            self.wall.wait_for_timeout(300)
        self.console.screenshot(path=str(SCREENSHOT_DIR / f"{name}-console.png"), full_page=True)
        for who, phone in self.phones.items():
            phone.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{who}.png"))
            phone.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{who}-full.png"), full_page=True)

    def scroll_phones(self) -> None:
        """People scroll their phones while the room talks, before the next round opens."""
        for phone in self.phones.values():
            phone.mouse.wheel(0, 600)
        for phone in self.phones.values():
            phone.wait_for_function("window.scrollY > 0")

    def round_opens(self, label: str, title: str) -> None:
        """The console opens a round; each phone shows its answer buttons, checked at once."""
        self.scroll_phones()
        open_round(self.console, label)
        state = self.console.locator("#mc-round")
        round_id, kind = state.get_attribute("data-round-id"), state.get_attribute("data-kind")
        self.chen.reload()
        for phone in self.phones.values():
            expect(phone.locator("#mc-round")).to_have_attribute("data-round-id", round_id or "")
            expect(phone.locator("#mc-round .round-title")).to_have_text(title)
            expect(phone.locator("body")).to_have_attribute("data-round-state", f"{kind}-open")
        expect(self.wall.locator("#mc-round .round-title")).to_have_text(title)
        self.step(re.sub(r"\W+", "-", title.lower()) + "-opens", answering=True)
        self.remember_the_buttons(title)

    def remember_the_buttons(self, title: str) -> None:
        self.answering = f"answering the {title.lower()}"
        for who, phone in self.phones.items():
            phone.evaluate("document.activeElement && document.activeElement.blur()")
            self.unanswered[who] = looks(phone)

    def chosen(self, who: str, value: str) -> None:
        """The answer a phone holds is shown as chosen: in its own line, and on the buttons."""
        phone = self.phones[who]
        expect(phone.locator("#mc-mine")).to_have_attribute("data-value", value)
        # Whatever marks the choice (a tick, a fill, an outline, aria-pressed), the buttons no
        # longer look as they did when the round opened.
        phone.evaluate("document.activeElement && document.activeElement.blur()")
        phone.mouse.move(1, 1)
        if looks(phone) == self.unanswered[who]:
            self.problems.append(
                f"{self.answering} ({who}): the {value!r} answer is not marked on its button "
                "(the buttons look as before it was chosen)"
            )


# Each shown answer button's look: what a mark of "chosen" could change.
LOOKS_JS = """() => [...document.querySelectorAll('#mc-answers .btn-answer')]
  .filter((b) => b.getClientRects().length)
  .map((b) => {
    const s = getComputedStyle(b), after = getComputedStyle(b, '::after');
    const before = getComputedStyle(b, '::before');
    return [b.className, b.getAttribute('aria-pressed'), b.getAttribute('aria-checked'),
      s.backgroundColor, s.borderColor, s.borderWidth, s.outlineStyle, s.boxShadow, s.color,
      s.fontWeight, s.opacity, s.transform, after.content, before.content].join('|');
  })"""


def looks(phone: Page) -> list[str]:
    found: list[str] = phone.evaluate(LOOKS_JS)
    return found


# ---- what people do on each screen ------------------------------------------------------------


def no_script_phone(room: Devices, ga: Assembly, name: str) -> Page:
    """A phone with JavaScript off: it joins through the plain form and follows by reloading."""
    context = room.context(PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    phone = context.new_page()
    join_by_code(phone, ga.join_code, name)
    expect(phone.locator(".you")).to_contain_text(f"You are {name}")
    return phone


def participant_id(phone: Page) -> str:
    found = phone.locator("body").get_attribute("data-participant-id")
    assert found
    return found


def put_a_proposal_forward(console: Page, presenter_name: str) -> None:
    """The console's "Put a proposal forward", the presenter picked among the people who joined
    (the box offers them; the page links the proposal to the phone of the person picked)."""
    console.get_by_text("Put a proposal forward", exact=True).click()
    box = console.locator("#pr-presenter")
    form = console.locator("form").filter(has=box)
    form.get_by_label("Title").fill(PROPOSAL)
    form.get_by_label("Text as presented").fill(TEXT_V1)
    offered = box.get_attribute("list")
    if offered:  # pick the option the box offers for this person ("Ana #12")
        picked = console.locator(f"datalist#{offered} option").evaluate_all(
            "(os, name) => os.map((o) => o.value).filter((v) => v.startsWith(name + ' #'))",
            presenter_name,
        )
        assert len(picked) == 1, picked
        box.fill(picked[0])
    else:
        box.fill(presenter_name)
    form.get_by_label("Working group (optional)").fill(GROUP)
    form.get_by_role("button", name="Add the proposal").click()
    expect(form.get_by_label("Title")).to_have_value("")
    expect(agenda_entry(console, PROPOSAL)).to_be_visible()


def accept_on_the_presenters_phone(phone: Page, by: str) -> None:
    """The presenter opens the amendments waiting for them and accepts one."""
    waiting = phone.locator("#mc-proposal .amendment").filter(has_text=by)
    expect(waiting).to_have_count(1)
    folded = phone.locator("#mc-proposal details.amendments:not([open]) > summary")
    if folded.count():
        folded.click()
    waiting.get_by_role("button", name="Accept", exact=True).click()
    expect(waiting).to_have_count(0)


def count_in_the_room(console: Page, counts: dict[str, int]) -> None:
    """The facilitator adds the hands counted in the room for people without phones."""
    analog = console.locator("#mc-analog")
    expect(analog).to_be_visible()
    for label, n in counts.items():
        analog.get_by_label(label).filter(visible=True).first.fill(str(n))
    analog.get_by_role("button", name="Add the counted hands").click()
    room = sum(counts.values())
    expect(console.locator("#mc-round .round-count")).to_contain_text(f"{room} counted in the room")


def tap_answer(phone: Page, label: str, word: str) -> None:
    """A phone without JavaScript: the button posts the form and the page comes back."""
    phone.locator("#mc-answers").get_by_role("button", name=label, exact=True).click()
    expect(mine(phone).locator("strong")).to_contain_text(word)


def carry_the_hands_over(console: Page, item: Item, hands: int) -> None:
    """Open the next item while hands are up, carrying them over to it."""
    agenda_entry(console, item.title).get_by_role(
        "button", name=f"Open — carry the {hands} hands over"
    ).click()
    expect(console.locator("#mc-agenda .open-title")).to_have_text(item.title)


def names(page: Page) -> Locator:
    return queue(page).locator(".name")


# ---- the evening ------------------------------------------------------------------------------


def the_room_gathers(room: Devices) -> Evening:
    ga = start_assembly(room.context(CONSOLE).new_page())
    console = ga.console
    add_item(console, KITCHEN)
    add_item(console, LEGAL)
    open_item(console, KITCHEN)
    set_headcount(console, HEADCOUNT)
    wall = projector(room, ga)
    ana = phone_in(room, ga, "Ana")
    bianca = phone_in(room, ga, "Bianca")
    chen = no_script_phone(room, ga, "Chen")
    ev = Evening(ga, room.base_url, console, wall, ana, bianca, chen)
    for page in ev.live_screens:
        expect(page.locator("#mc-people .joined")).to_have_text("4")
    expect(wall.locator("#mc-agenda .open-title")).to_have_text(KITCHEN.title)
    # Without JavaScript no socket ever opens: the phone should not promise one.
    pill = chen.locator("#mc-connection")
    if pill.count() and pill.is_visible() and "onnect" in pill.inner_text():
        ev.problems.append(
            f"the-room-gathers (chen): the phone without JavaScript says "
            f"{pill.inner_text().strip()!r}, and never will connect"
        )
    ev.step("the-room-gathers", small_wall=True)
    return ev


def the_stack(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    raise_hand(ev.bianca, "point_of_information")
    raise_hand(ev.ana, "speak")
    raise_button(ev.chen, "speak").click()  # a plain form post; the page comes back
    expect(entry(ev.chen, "Chen")).to_be_visible()
    add_named_hand(console, "Big Mike", "speak")
    order = ["Bianca", "Ana", "Chen", "Big Mike"]
    for page in (console, wall, ev.ana, ev.bianca):
        expect(names(page)).to_have_text(order)
    expect(entry(console, "Big Mike").locator(".no-phone")).to_be_visible()
    expect(ev.ana.locator("#mc-you-pos")).to_have_text("You are 2nd — first time speaking")
    ev.step("hands-up")

    call_next(console, "Bianca")
    timer(console, "Pause")
    for page in (console, wall):
        expect(page.locator("#mc-speaker")).to_have_class(re.compile(r"\bpaused\b"))
    timer(console, "Resume")
    expect(console.locator("#mc-speaker")).not_to_have_class(re.compile(r"\bpaused\b"))
    timer(console, "+30 s")
    for page in (wall, ev.ana, ev.bianca):
        expect(speaker(page)).to_have_text("Bianca")
        expect(page.locator("#mc-speaker .countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))
    ev.step("bianca-speaks", small_wall=True)

    call_next(console, "Ana")
    call_next(console, "Chen")
    ev.chen.reload()
    expect(speaker(ev.chen)).to_have_text("Chen")
    expect(speaker(wall)).to_have_text("Chen")
    call_next(console, "Big Mike")
    expect(speaker(wall)).to_have_text("Big Mike")
    ev.step("big-mike-speaks")
    timer(console, "End turn")
    for page in (console, wall):
        expect(speaker(page)).to_have_count(0)
        expect(queue(page)).to_have_count(0)
    expect(console.locator("#mc-stats tbody tr")).to_have_count(4)


def the_proposal(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    put_a_proposal_forward(console, "Ana")
    open_item(console, Item(PROPOSAL, "proposal", 15, GROUP))
    for page in ev.live_screens:
        expect(banner(page).locator(".stage-name")).to_have_text("presented")
        expect(page.locator("#mc-proposal .proposal-title")).to_have_text(PROPOSAL)
        expect(page.locator("#mc-proposal .proposal-meta")).to_have_text(
            f"presented by Ana · {GROUP} · version 1"
        )
    expect(wall.locator("#mc-proposal .proposal-text")).to_have_text(TEXT_V1)
    ana = participant_id(ev.ana)
    expect(console.locator("#mc-proposal")).to_have_attribute("data-presenter-id", ana)
    expect(ev.ana.locator("body")).to_have_class(re.compile(r"\bis-presenter\b"))
    expect(ev.bianca.locator("body")).not_to_have_class(re.compile(r"\bis-presenter\b"))
    ev.step("proposal-presented")

    move_to(console, "friendly amendments")
    amend(ev.bianca, TEXT_V1, TEXT_V2, "Six will not do: 31 people slept out last week.")
    for page in (console, ev.ana):
        expect(page.locator("#mc-proposal .amendment")).to_have_count(1)
        expect(page.locator("#mc-proposal .amendment .amend-first ins")).to_have_text("eight")
    # The wall names the amendment waiting and its changed words.
    expect(wall.locator("#mc-proposal")).to_contain_text("Bianca")
    expect(wall.locator("#mc-proposal ins")).to_have_text("eight")
    ev.step("amendment-waiting")

    accept_on_the_presenters_phone(ev.ana, "Bianca")
    for page in ev.live_screens:
        expect(page.locator("#mc-proposal .proposal-meta")).to_contain_text("version 2")
    expect(console.locator("#mc-proposal .proposal-text")).to_have_text(TEXT_V2)
    expect(wall.locator("#mc-proposal .proposal-text")).to_have_attribute("data-version", "2")
    expect(wall.locator("#mc-proposal .proposal-text")).to_contain_text("eight insulated tents")
    ev.chen.reload()
    expect(ev.chen.locator("#mc-proposal .proposal-text")).to_have_text(TEXT_V2)
    ev.step("amendment-accepted")


def the_temperature(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    move_to(console, "temperature check")
    ev.round_opens("Temperature check", "Temperature check")
    answer(ev.ana, "Up", "up")
    answer(ev.bianca, "Sideways", "sideways")
    tap_answer(ev.chen, "Down", "down")
    count_in_the_room(console, {"up": 1})  # Big Mike's thumb
    for value, n in (("up", "2"), ("sideways", "1"), ("down", "1")):
        expect(meter_n(wall, value)).to_have_text(n)
    for who, value in (("ana", "up"), ("bianca", "sideways"), ("chen", "down")):
        ev.chosen(who, value)
    ev.step("temperature-answered")
    close_round(console, "temperature check")
    for page in ev.live_screens:
        expect(outcome(page)).to_have_text("2 up, 1 sideways, 1 down")


def the_call_is_blocked(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    move_to(console, "call for consensus")
    ev.round_opens("Call for consensus", "Call for consensus")
    answer(ev.ana, "Agree", "agree")
    answer(ev.bianca, "Agree", "agree")
    block(ev.chen, BLOCK_REASON)
    for who, value in (("ana", "agree"), ("bianca", "agree")):
        ev.chosen(who, value)
    expect(ev.chen.locator("#mc-mine")).to_have_attribute("data-value", "block")
    expect(wall.locator("#mc-round .round-count")).to_contain_text("3 of 4 joined have answered")
    ev.step("call-answered")

    close_round(console, "call for consensus")
    for page in ev.live_screens:
        expect(outcome(page)).to_have_text("2 agree, 1 block: a block stands → blocked")
        expect(page.locator("#mc-round .block-list")).to_contain_text(f"Chen: “{BLOCK_REASON}”")
        expect(banner(page).locator(".stage-name")).to_have_text("block discussion")
        expect(queue(page).first.locator(".name")).to_have_text("Chen")
        expect(queue(page).first.locator(".why")).to_have_text("block")
    ev.step("blocked", small_wall=True)

    call_next(console, "Chen")
    expect(speaker(wall)).to_have_text("Chen")
    ev.chen.reload()
    expect(speaker(ev.chen)).to_have_text("Chen")
    ev.step("the-blocker-speaks")


def the_fallback_vote(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    move_to(console, "call for consensus")
    ev.round_opens("Fallback vote", "Fallback vote")
    answer(ev.ana, "Agree", "agree")
    answer(ev.bianca, "Agree", "agree")
    block(ev.chen, BLOCK_AGAIN)
    count_in_the_room(console, {"agree": COUNTED_AGREE})
    expect(wall.locator("#mc-round .hidden-note")).to_be_visible()
    ev.step("fallback-counted")

    close_round(console, "fallback vote")
    agree = 2 + COUNTED_AGREE
    for page in ev.live_screens:
        expect(page.locator("#mc-round")).to_have_attribute(
            "data-outcome", "passed_by_supermajority"
        )
        expect(outcome(page)).to_contain_text(f"{agree} agree, 1 block: {agree}/{agree + 1}")
        expect(outcome(page)).to_contain_text("→ passed by supermajority")
        expect(banner(page).locator(".proposal-outcome")).to_have_text("passed by supermajority")
    for value, n in (("agree", str(agree)), ("block", "1")):
        expect(meter_n(wall, value)).to_have_text(n)
    ev.step("the-outcome", small_wall=True)


def the_next_item_with_hands_carried_over(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    raise_hand(ev.ana, "speak")
    raise_hand(ev.bianca, "clarifying_question")
    raise_button(ev.chen, "speak").click()
    expect(entry(ev.chen, "Chen")).to_be_visible()
    add_named_hand(console, "Big Mike", "speak")
    expect(queue(console)).to_have_count(4)
    # Progressive order: Chen, who has spoken twice (once on his block), waits behind the rest.
    order = names(console).all_inner_texts()
    assert order[-1] == "Chen", order
    expect(names(wall)).to_have_text(order)
    ev.step("hands-up-at-the-end-of-the-item")

    carry_the_hands_over(console, LEGAL, len(order))
    for page in ev.live_screens:
        expect(page.locator("#mc-agenda .open-title")).to_have_text(LEGAL.title)
        expect(names(page)).to_have_text(order)
    expect(raise_button(ev.ana, "speak")).to_be_hidden()  # her hand is still up
    expect(ev.ana.locator("#mc-you-pos")).to_contain_text("You are ")
    ev.chen.reload()
    expect(entry(ev.chen, "Chen")).to_be_visible()
    ev.step("hands-carried-over")


def the_minutes_are_approved(ev: Evening) -> None:
    console, wall = ev.console, ev.wall
    ev.scroll_phones()
    console.once("dialog", lambda dialog: dialog.accept())  # "Ask the assembly … now?"
    console.locator("#mc-round").get_by_role(
        "button", name="Ask the assembly to approve the minutes"
    ).click()
    expect(console.locator("#mc-round .badge-open")).to_be_visible()
    # Opened by its own button, not a round control: the same checks as round_opens.
    ev.chen.reload()
    for phone in ev.phones.values():
        expect(phone.locator("#mc-round .round-title")).to_have_text("Approval of the minutes")
        expect(phone.locator("body")).to_have_attribute("data-round-state", "minutes-open")
    expect(wall.locator("#mc-round .round-title")).to_have_text("Approval of the minutes")
    ev.step("approval-of-the-minutes-opens", answering=True)
    ev.remember_the_buttons("Approval of the minutes")

    answer(ev.ana, "Up", "up")
    answer(ev.bianca, "Up", "up")
    tap_answer(ev.chen, "Sideways", "sideways")
    count_in_the_room(console, {"up": 1})
    for value, n in (("up", "3"), ("sideways", "1"), ("down", "0")):
        expect(meter_n(wall, value)).to_have_text(n)
    for who, value in (("ana", "up"), ("bianca", "up"), ("chen", "sideways")):
        ev.chosen(who, value)
    ev.step("minutes-answered", small_wall=True)
    close_round(console, "approval of the minutes")
    for page in ev.live_screens:
        expect(outcome(page)).to_have_text(
            "3 up, 1 sideways, 0 down: 3 up > 0 down → minutes approved"
        )
    ev.step("minutes-approved")


def the_assembly_closes(ev: Evening) -> None:
    console = ev.console
    console.once("dialog", lambda dialog: dialog.accept())  # "Close the assembly? …"
    console.get_by_role("button", name="Close the assembly").click()
    for page in ev.live_screens:
        expect(page.locator("#mc-header .badge-closed")).to_have_text("Closed")
    ev.chen.reload()
    expect(ev.chen.locator("#mc-header .badge-closed")).to_have_text("Closed")
    ev.step("closed", small_wall=True)


def the_minutes_and_the_archive(ev: Evening) -> None:
    for page in (ev.console, ev.ana, ev.chen):
        page.goto(f"/a/{ev.ga.id}/minutes")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Minutes: {TITLE}")
        proposal = page.locator("article.proposal").filter(has_text=PROPOSAL)
        expect(proposal).to_contain_text("passed by supermajority")
        expect(proposal.locator("blockquote.text.decided")).to_have_text(TEXT_V2)
        expect(page.locator("body")).to_contain_text("minutes approved")
    ev.step("the-minutes")

    for page in (ev.bianca, ev.chen):
        page.goto("/archive")
        page.locator("#f-q").fill("tents")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page).to_have_url(re.compile(r"[?&]q=tents"))
        expect(page.locator(".decision-title").filter(has_text=PROPOSAL)).to_have_count(1)
    ev.step("the-archive")


def test_an_evening_with_every_screen_open(room: Devices, db: Database, copy_db: Database) -> None:
    ev = the_room_gathers(room)
    the_stack(ev)
    the_proposal(ev)
    the_temperature(ev)
    the_call_is_blocked(ev)
    the_fallback_vote(ev)
    the_next_item_with_hands_carried_over(ev)
    the_minutes_are_approved(ev)
    the_assembly_closes(ev)
    the_minutes_and_the_archive(ev)
    # The log is the truth: the whole evening, clicked through, rebuilds from its events alone.
    assert replay_differences(db, copy_db) == []
    if ev.problems:
        pytest.fail(
            f"{len(ev.problems)} layout problems:\n" + "\n".join(ev.problems), pytrace=False
        )
