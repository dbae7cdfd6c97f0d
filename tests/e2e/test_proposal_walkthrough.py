"""A proposal's way through the assembly, in real browsers: the console, the projector, phones.

One story, driven only through the screens (no API calls): a facilitator puts a proposal
forward, two phones amend it, the room takes its temperature, a call for consensus is blocked,
the blocker is heard, a fallback vote with hands counted in the room passes it by
supermajority, and the room approves the minutes with thumbs. Same set-up as
test_stack_walkthrough.py (whose helpers this reuses): the real app on a real uvicorn server,
every screen its own browser context, as on separate devices.
Marked `e2e` by tests/e2e/conftest.py, like every test in this folder.

Layout checks (is it on the wall? does a label fit? does a closed round still say "you can
change it"?) are collected as the story goes and asserted at its end, so one misplaced
element does not hide whether the rest of the way works.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from harness import SCREENSHOT_DIR, screenshot
from playwright.sync_api import Locator, Page, ViewportSize, expect
from test_stack_walkthrough import call_next, live, phone_in, projector, queue, speaker
from test_walkthrough import WAIT_MS, Devices, Item, open_item, set_headcount, start_assembly

CONSOLE: ViewportSize = {"width": 1366, "height": 900}
HEADCOUNT = 30
PHONES = ("Ana", "Bianca", "Chen", "Dev")

TITLE = "Winter tents"
GROUP = "Comfort"
TEXT_V1 = (
    "The Comfort working group buys six insulated tents for the north lawn before the first "
    "frost. Anyone sleeping out may use them."
)
TEXT_V2 = TEXT_V1.replace("six", "eight")  # Bianca's amendment
TEXT_V3 = TEXT_V2.replace("before the first frost", "by 15 November")  # Chen's, on v2
BLOCK_REASON = "The tents would stand in the fire lane by the library steps."
BLOCK_AGAIN = "Still in the fire lane: the fire marshal will clear the whole camp."
ROOM_BLOCK = "Big Mike: the tents take the only dry ground the kitchen has"
BLOCK_WARNING = "A block is a serious moral, ethical or safety objection — not “I disagree”."
HIDDEN = "Results are hidden until the round closes."
SUPERMAJORITY = "27 agree, 2 block: 27/29 = 93% ≥ 90% → passed by supermajority"


@pytest.fixture(autouse=True)
def patience() -> Iterator[None]:
    """A whole room of browsers on two cores: give every expectation the walk-through's bound."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=None)  # back to Playwright's default for other modules


@dataclass
class Screens:
    console: Page
    wall: Page
    phones: dict[str, Page]
    # What the room cannot read, or reads wrong; asserted at the end, so the story runs through.
    problems: list[str] = field(default_factory=list)

    @property
    def all(self) -> tuple[Page, ...]:
        return (self.console, self.wall, *self.phones.values())

    def on_the_wall(self, moment: str, ratio: float = 1, **parts: str) -> None:
        """Each part (a selector) is on the 1920x1080 wall: a projector cannot scroll."""
        for what, selector in parts.items():
            shown = self.wall.locator(selector)
            expect(shown.first).to_be_attached()
            try:
                expect(shown.first).to_be_in_viewport(ratio=ratio, timeout=2_000)
            except AssertionError:
                box = shown.first.bounding_box()
                self.problems.append(f"{moment}: {what} ({selector}) is off the wall: {box}")

    def answer_is_final(self, moment: str, name: str) -> None:
        """Once the round closed, the phone no longer says the answer can still change."""
        change = mine(self.phones[name]).locator(".mine-change")
        if change.count() and change.is_visible():
            self.problems.append(
                f"{moment}: {name}'s phone still says {change.inner_text().strip()!r}"
            )

    def meter_labels_fit(self, moment: str) -> None:
        """Every meter label ("stand aside" too) fits its column on the wall, uncut."""
        labels = self.wall.locator("#mc-round .meter-label")
        expect(labels.first).to_be_visible()
        for i in range(labels.count()):
            label = labels.nth(i)
            if not label.evaluate("el => el.scrollWidth <= el.clientWidth"):
                self.problems.append(
                    f"{moment}: meter label {label.inner_text()!r} is cut off on the wall"
                )


# ---- what people see and do ----------------------------------------------------------------


def wall_shot(wall: Page, name: str) -> None:
    """The projector cannot scroll: save what the wall shows, not the whole page."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"))


def banner(page: Page) -> Locator:
    return page.locator("#mc-proposal .stage-banner")


def stage_is(screens: Screens, words: str) -> None:
    for page in screens.all:
        expect(banner(page).locator(".stage-name")).to_have_text(words)


def move_to(console: Page, words: str) -> None:
    """A "Move to" button on the console (named by STAGE_WORDS, lower case)."""
    controls = console.locator("#mc-proposal .stage-controls")
    controls.get_by_role("button", name=words, exact=True).click()
    expect(banner(console).locator(".stage-name")).to_have_text(words)


def open_round(console: Page, label: str) -> None:
    controls = console.locator("#mc-round .round-controls")
    controls.get_by_role("button", name=label, exact=True).click()
    expect(console.locator("#mc-round .badge-open")).to_have_text("open")


def close_round(console: Page, title: str) -> None:
    console.locator("#mc-round").get_by_role("button", name=f"Close the {title}").click()
    expect(console.locator("#mc-round .badge-closed")).to_have_text("closed")


def mine(phone: Page) -> Locator:
    return phone.locator("#mc-mine .mine-line")


def answer(phone: Page, label: str, word: str) -> None:
    """Tap an answer button; the phone confirms the answer it holds for this round."""
    phone.locator("#mc-answers").get_by_role("button", name=label, exact=True).click()
    expect(mine(phone)).to_be_visible()
    expect(mine(phone).locator("strong")).to_contain_text(word)


def block(phone: Page, reason: str, *, shot: str | None = None) -> None:
    """Open "Block…", read the warning before anything is cast, give a reason, block."""
    box = phone.locator("#mc-reasons details.reason-box").filter(
        has=phone.locator("summary", has_text="Block…")
    )
    box.locator("summary").click()
    expect(box.locator(".block-warning")).to_be_visible()
    expect(box.locator(".block-warning strong")).to_have_text(BLOCK_WARNING)
    reason_box = box.get_by_label("Your reason (needed, up to 1000 characters)")
    reason_box.fill(reason)
    if shot:
        box.scroll_into_view_if_needed()
        screenshot(phone, shot)
    # "Block this proposal" in a call; "Block (a vote against it)" in a fallback vote.
    box.get_by_role("button", name=re.compile(r"^Block\b")).click()
    expect(mine(phone).locator("strong")).to_contain_text("block")
    expect(mine(phone)).to_contain_text(f"“{reason}”")
    expect(box).not_to_have_attribute("open", "")


def amend(phone: Page, current: str, new: str, why: str) -> None:
    """ "Propose a friendly amendment": the box starts from the current text; edit, explain."""
    form = phone.locator("#mc-amend")
    form.locator("summary").get_by_text("Propose a friendly amendment").click()
    text = form.get_by_label("The whole text as you would have it")
    expect(text).to_have_value(current)
    text.fill(new)
    form.get_by_label("Why (optional)").fill(why)
    form.get_by_role("button", name="Propose this amendment").click()
    # The form empties and folds itself once the server said yes.
    expect(form).not_to_have_attribute("open", "")
    expect(text).to_have_value("")


def accept(console: Page, by: str) -> None:
    """The facilitator accepts on the presenter's word (the presenter has no linked phone)."""
    waiting = console.locator("#mc-proposal .amendment").filter(has_text=by)
    expect(waiting).to_have_count(1)
    waiting.get_by_role("button", name="Accept (presenter’s word)").click()
    expect(waiting).to_have_count(0)


def version_is(screens: Screens, version: int, text: str) -> None:
    for page in screens.all:
        expect(page.locator("#mc-proposal .proposal-meta")).to_contain_text(f"version {version}")
    for page in (screens.console, *screens.phones.values()):
        expect(page.locator("#mc-proposal .proposal-text")).to_have_text(text)
    # The wall shows the one current text with the last changes marked in it.
    expect(screens.wall.locator("#mc-proposal .proposal-text")).to_have_attribute(
        "data-version", str(version)
    )


def meter_n(page: Page, value: str) -> Locator:
    return page.locator(f"#mc-round .meter-row.answer-{value} .meter-n")


def outcome(page: Page) -> Locator:
    return page.locator("#mc-round .outcome-line")


# ---- the story -------------------------------------------------------------------------------


def put_forward(room: Devices) -> Screens:
    """The facilitator starts, phones join, a headcount; the proposal is put forward and opened."""
    ga = start_assembly(room.context(CONSOLE).new_page())
    console = ga.console
    phones = {name: phone_in(room, ga, name) for name in PHONES}
    set_headcount(console, HEADCOUNT)
    wall = projector(room, ga)  # opened from the link the console shows

    console.get_by_text("Put a proposal forward", exact=True).click()
    form = console.locator("form").filter(
        has=console.get_by_role("button", name="Add the proposal")
    )
    form.get_by_label("Title").fill(TITLE)
    form.get_by_label("Text as presented").fill(TEXT_V1)
    # A typed name of someone without a phone: the facilitator accepts amendments on her word.
    form.get_by_label("Presented by").fill("Marisol")
    form.get_by_label("Working group (optional)").fill(GROUP)
    form.get_by_role("button", name="Add the proposal").click()
    # Added: the form empties and folds away, out of the facilitator's way.
    expect(console.locator("#pr-title")).to_have_value("")
    expect(
        console.locator("details").filter(has=console.locator("#pr-title"))
    ).not_to_have_attribute("open", "")
    item = Item(TITLE, "proposal", 15, GROUP)
    entry = console.locator("#mc-agenda .agenda-item").filter(has_text=TITLE)
    expect(entry).to_be_visible()
    open_item(console, item)

    screens = Screens(console, wall, phones)
    stage_is(screens, "presented")
    for page in screens.all:
        expect(page.locator("#mc-proposal .proposal-title")).to_have_text(TITLE)
        expect(page.locator("#mc-proposal .proposal-meta")).to_have_text(
            f"presented by Marisol · {GROUP} · version 1"
        )
    expect(wall.locator("#mc-proposal .proposal-text")).to_have_text(TEXT_V1)
    expect(wall.locator("#mc-header .mc-now")).to_have_text(f"Now: {TITLE}")
    screens.on_the_wall(
        "presented",
        banner="#mc-proposal .stage-banner",
        title="#mc-proposal .proposal-title",
        text="#mc-proposal .proposal-text",
    )
    # Nobody's phone is the presenter's: no Accept/Reject, no "Withdraw" on a phone.
    for phone in phones.values():
        expect(phone.locator("body")).not_to_have_class(re.compile(r"\bis-presenter\b"))
    return screens


def discuss_and_amend(screens: Screens) -> None:
    console, wall, phones = screens.console, screens.wall, screens.phones
    move_to(console, "clarifying questions")
    stage_is(screens, "clarifying questions")
    # No amendments while questions are asked.
    for phone in phones.values():
        expect(phone.locator("#mc-amend")).to_be_hidden()
    move_to(console, "concerns and support")
    stage_is(screens, "concerns and support")
    move_to(console, "friendly amendments")
    stage_is(screens, "friendly amendments")

    amend(phones["Bianca"], TEXT_V1, TEXT_V2, "Six will not do: 31 people slept out last week.")
    pending = console.locator("#mc-proposal .amendment")
    expect(pending).to_have_count(1)
    expect(pending.locator(".amend-by strong")).to_have_text("Bianca")
    expect(pending.locator(".amend-why")).to_have_text(
        "“Six will not do: 31 people slept out last week.”"
    )
    # Its first changed line; a tap opens the rest.
    expect(pending.locator(".amend-first del")).to_have_text("six")
    expect(pending.locator(".amend-first ins")).to_have_text("eight")
    pending.locator(".amend-first").click()
    expect(pending.locator(".amend-whole a")).to_be_visible()
    # The wall names a waiting amendment by its first changed line only, so it always fits.
    waiting_on_wall = wall.locator("#mc-proposal .amend-line")
    expect(waiting_on_wall).to_have_count(1)
    expect(waiting_on_wall.locator("strong")).to_have_text("Bianca:")
    expect(waiting_on_wall.locator("del")).to_have_text("six")
    expect(waiting_on_wall.locator("ins")).to_have_text("eight")
    screens.on_the_wall("amendment waiting", amendment="#mc-proposal .amend-line")
    screenshot(console, "proposal-amendment-waiting-console")
    wall_shot(wall, "proposal-amendment-waiting-projector")
    accept(console, "Bianca")
    version_is(screens, 2, TEXT_V2)

    # The second one is written against version 2, so it waits until the first is in.
    amend(phones["Chen"], TEXT_V2, TEXT_V3, "The first frost came on 2 November last year.")
    expect(console.locator("#mc-proposal .amendment .badge")).to_have_count(0)  # not stale
    accept(console, "Chen")
    version_is(screens, 3, TEXT_V3)

    for page in (console, *phones.values()):
        changed = page.locator("#mc-proposal .what-changed")
        expect(changed.locator("summary")).to_contain_text("What changed in version 3")
        expect(changed.locator("summary")).to_contain_text("3 words added, 4 removed")
    for phone in phones.values():  # open on phones, so nobody has to find it
        changed = phone.locator("#mc-proposal .what-changed")
        expect(changed).to_have_attribute("open", "")
        expect(changed.locator(".diff del")).to_have_text("before the first frost")
        expect(changed.locator(".diff ins")).to_have_text("by 15 November")
    text = wall.locator("#mc-proposal .proposal-text.diff")
    expect(text.locator("del")).to_have_text("before the first frost")
    expect(text.locator("ins")).to_have_text("by 15 November")
    expect(wall.locator("#mc-proposal .diff-note")).to_contain_text("Changes from version 2 marked")
    expect(wall.locator("#mc-proposal .amend-line")).to_have_count(0)
    screens.on_the_wall(
        "amended", text="#mc-proposal .proposal-text", note="#mc-proposal .diff-note"
    )
    screenshot(phones["Ana"], "proposal-amended-phone")
    screenshot(console, "proposal-amended-console")
    wall_shot(wall, "proposal-amended-projector")


def take_the_temperature(screens: Screens) -> None:
    console, wall, phones = screens.console, screens.wall, screens.phones
    move_to(console, "temperature check")
    stage_is(screens, "temperature check")
    open_round(console, "Temperature check")
    for page in screens.all:
        expect(page.locator("#mc-round .round-title")).to_have_text("Temperature check")
    # Temperature results are live: the wall counts each hand as it comes.
    for value in ("up", "sideways", "down"):
        expect(meter_n(wall, value)).to_have_text("0")
    answer(phones["Ana"], "Up", "up")
    expect(meter_n(wall, "up")).to_have_text("1")
    answer(phones["Bianca"], "Up", "up")
    answer(phones["Chen"], "Sideways", "sideways")
    answer(phones["Dev"], "Down", "down")
    for page in (wall, console):
        expect(meter_n(page, "up")).to_have_text("2")
        expect(meter_n(page, "sideways")).to_have_text("1")
        expect(meter_n(page, "down")).to_have_text("1")
    expect(console.locator("#mc-round .round-count")).to_contain_text(
        f"4 of 5 joined have answered · {HEADCOUNT} people in the room"
    )
    screens.on_the_wall(
        "temperature check open",
        up="#mc-round .answer-up .meter-n",
        down="#mc-round .answer-down .meter-n",
    )
    screens.meter_labels_fit("temperature check open")
    # No blocks in a temperature check.
    for phone in phones.values():
        expect(phone.locator("#mc-reasons")).to_be_hidden()
    wall_shot(wall, "proposal-temperature-projector")
    screenshot(phones["Chen"], "proposal-temperature-phone")

    close_round(console, "temperature check")
    for page in screens.all:
        expect(outcome(page)).to_have_text("2 up, 1 sideways, 1 down")
    stage_is(screens, "temperature check")  # non-binding: the proposal does not move
    screenshot(console, "proposal-temperature-closed-console")


def call_for_consensus_is_blocked(screens: Screens) -> None:
    console, wall, phones = screens.console, screens.wall, screens.phones
    move_to(console, "call for consensus")
    stage_is(screens, "call for consensus")
    open_round(console, "Call for consensus")
    for name in ("Ana", "Bianca", "Chen"):
        answer(phones[name], "Agree", "agree")
    dev = phones["Dev"]
    expect(dev.locator("#mc-reasons")).to_be_visible()
    block(dev, BLOCK_REASON, shot="proposal-block-warning-phone")
    expect(mine(dev)).to_contain_text("Your answer:")

    # A call's results are hidden while it is open: no counts anywhere, only how many answered.
    for page in screens.all:
        expect(page.locator("#mc-round .hidden-note")).to_have_text(HIDDEN)
        expect(page.locator("#mc-round .meter")).to_have_count(0)
    expect(wall.locator("#mc-round .round-count")).to_contain_text("4 of 5 joined have answered")
    screens.on_the_wall("call open", hidden="#mc-round .hidden-note")

    close_round(console, "call for consensus")
    for page in screens.all:
        expect(outcome(page)).to_have_text("3 agree, 1 block: a block stands → blocked")
        expect(page.locator("#mc-round .block-list")).to_contain_text(f"Dev: “{BLOCK_REASON}”")
    stage_is(screens, "block discussion")
    # The blocker's hand heads the stack, and everyone can see why.
    for page in (console, wall, *phones.values()):
        head = queue(page).first
        expect(head.locator(".name")).to_have_text("Dev")
        expect(head.locator(".why")).to_have_text("block")
    expect(console.locator("#mc-stack .call-next")).to_have_text("Call next: Dev")
    expect(dev.locator("#mc-stack .entry.mine .name")).to_have_text("Dev")
    screens.on_the_wall(
        "blocked",
        banner="#mc-proposal .stage-banner",
        outcome="#mc-round .outcome-line",
        blocks="#mc-round .block-list",
        head_of_the_stack="#mc-stack .queue .entry",
    )
    # In block discussion the wall keeps the outcome line (its numbers) and the blocks, not the
    # meter: the blocks are what the room hears now.
    screens.answer_is_final("blocked", "Dev")
    # A named blocker's hand is already up, so the phone does not ask them to raise one.
    for phone in phones.values():
        expect(phone.locator("#mc-block-invite")).to_be_hidden()
    screenshot(console, "proposal-blocked-console")
    wall_shot(wall, "proposal-blocked-projector")
    screenshot(dev, "proposal-blocked-phone")


def fallback_vote_passes(screens: Screens) -> None:
    console, wall, phones = screens.console, screens.wall, screens.phones
    call_next(console, "Dev")
    for page in (wall, phones["Dev"]):
        expect(speaker(page)).to_have_text("Dev")
    screens.on_the_wall("the blocker speaks", speaker="#mc-speaker .speaker-name")
    wall_shot(wall, "proposal-blocker-speaks-projector")

    move_to(console, "call for consensus")
    open_round(console, "Fallback vote")
    for page in screens.all:
        expect(page.locator("#mc-round .round-title")).to_have_text("Fallback vote")
    for name in ("Ana", "Bianca", "Chen"):
        answer(phones[name], "Agree", "agree")
    block(phones["Dev"], BLOCK_AGAIN)

    # 24 more agree and Big Mike blocks, by hands counted in the room.
    analog = console.locator("#mc-analog")
    expect(analog).to_be_visible()
    expect(analog.locator(".analog-temperature")).to_be_hidden()
    analog.get_by_label("agree").fill("24")
    analog.get_by_label("Blocks counted in the room").fill(ROOM_BLOCK)
    analog.get_by_role("button", name="Add the counted hands").click()
    expect(console.locator("#mc-round .round-count")).to_contain_text(
        "4 of 5 joined have answered · 25 counted in the room"
    )
    expect(analog.get_by_label("Blocks counted in the room")).to_have_value("")
    expect(wall.locator("#mc-round .hidden-note")).to_have_text(HIDDEN)

    close_round(console, "fallback vote")
    for page in screens.all:
        expect(outcome(page)).to_have_text(SUPERMAJORITY)
        expect(outcome(page)).to_have_class(re.compile(r"\boutcome-passed_by_supermajority\b"))
        expect(banner(page)).to_have_text("Proposal · decided — passed by supermajority")
        expect(banner(page).locator(".proposal-outcome")).to_have_text("passed by supermajority")
        blocks = page.locator("#mc-round .block-list li")
        expect(blocks).to_have_count(2)
        expect(blocks.filter(has_text="Big Mike")).to_contain_text("(counted in the room)")
    for value, n in (("agree", "27"), ("stand_aside", "0"), ("block", "2")):
        expect(meter_n(wall, value)).to_have_text(n)
    # The wall's outcome moment: the arithmetic, large, over the text as decided (the meter
    # and the blocks stay on the phones and the console).
    screens.on_the_wall(
        "passed by supermajority",
        banner="#mc-proposal .stage-banner",
        outcome="#mc-round .outcome-line",
    )
    screens.answer_is_final("passed by supermajority", "Dev")
    # Decided: no more stage moves, rounds or amendments; the minutes can be approved once the
    # item is done.
    expect(console.locator("#mc-proposal .stage-controls button")).to_have_count(0)
    expect(console.locator("#mc-round .round-controls button")).to_have_count(0)
    for phone in phones.values():
        expect(phone.locator("#mc-amend")).to_be_hidden()
        expect(phone.locator("#mc-reasons")).to_be_hidden()
    screenshot(console, "proposal-supermajority-console")
    wall_shot(wall, "proposal-supermajority-projector")
    screenshot(phones["Dev"], "proposal-supermajority-phone")


def the_minutes_are_approved(screens: Screens) -> None:
    """Before closing, the facilitator asks the room to approve the minutes; thumbs answer."""
    console, wall, phones = screens.console, screens.wall, screens.phones
    console.locator("#mc-agenda").get_by_role("button", name="Close this item").click()
    expect(console.locator("#mc-round .round-controls button")).to_have_text(
        ["Ask the assembly to approve the minutes"]
    )
    console.once("dialog", lambda dialog: dialog.accept())  # "Ask the assembly … now?"
    console.locator("#mc-round").get_by_role(
        "button", name="Ask the assembly to approve the minutes"
    ).click()
    for page in screens.all:
        expect(page.locator("#mc-round .round-title")).to_have_text("Approval of the minutes")
        expect(page.locator("#mc-round .badge-open")).to_have_text("open")
    expect(wall.locator("#mc-round .round-about")).to_contain_text("Read them on your phone")
    for name in ("Ana", "Bianca", "Chen"):
        answer(phones[name], "Up", "up")
    answer(phones["Dev"], "Down", "down")
    for value, n in (("up", "3"), ("sideways", "0"), ("down", "1")):
        expect(meter_n(wall, value)).to_have_text(n)  # thumbs are live on the wall
    screens.on_the_wall("approving the minutes", round="#mc-round .meter")
    wall_shot(wall, "minutes-approval-projector")
    screenshot(phones["Ana"], "minutes-approval-phone")
    close_round(console, "approval of the minutes")
    for page in screens.all:
        expect(outcome(page)).to_have_text(
            "3 up, 0 sideways, 1 down: 3 up > 1 down → minutes approved"
        )
    screens.on_the_wall("minutes approved", outcome="#mc-round .outcome-line")
    for phone in phones.values():
        expect(phone.locator("#mc-answers")).to_be_hidden()


def test_a_proposal_is_amended_blocked_and_passed_by_supermajority(room: Devices) -> None:
    screens = put_forward(room)
    wall_shot(screens.wall, "proposal-presented-projector")
    discuss_and_amend(screens)
    take_the_temperature(screens)
    call_for_consensus_is_blocked(screens)
    fallback_vote_passes(screens)
    the_minutes_are_approved(screens)
    for page in screens.all:
        live(page)  # every screen followed the whole story on its socket
    assert not screens.problems, "\n".join(screens.problems)
