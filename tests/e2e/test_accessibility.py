"""axe-core on every screen: no serious or critical violation on any page, in any state.

Each case builds its assembly through the JSON API (faster than clicking; the archive's closed
meetings come from tests/archive/builders.py), opens one page at the size of the device that
shows it (phones 390x844, the console 1366x768, the projector 1920x1080), waits until it is
live, and runs the vendored axe-core on it (tests/e2e/axe.py). "label-content-name-mismatch"
is refused whatever impact axe gives it (a control's visible words must be part of the name
that screen readers and voice control know it by).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from axe import describe, refused, run_axe
from playwright.sync_api import Browser, Page, ViewportSize, expect

from app.db import Database
from app.events import GENESIS_HASH, event_hash
from tests.archive.builders import hold_meeting, make_group

PHONE: ViewportSize = {"width": 390, "height": 844}
CONSOLE: ViewportSize = {"width": 1366, "height": 768}
WALL: ViewportSize = {"width": 1920, "height": 1080}
ALSO_REFUSED = ("label-content-name-mismatch",)

TENTS = (
    "The Comfort working group buys six insulated tents for the north lawn before the first "
    "frost. Anyone sleeping out may use them."
)
BLOCK_REASON = "The tents would stand in the fire lane by the library steps."


# ---- an assembly built through the API -------------------------------------------------------


@dataclass
class Room:
    """One assembly on the live server, and what it takes to act in it and open its pages."""

    api: httpx.Client
    db: Database
    id: str = ""
    join_code: str = "ABCDEF"
    projector_key: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # name -> bearer token
    ids: dict[str, int] = field(default_factory=dict)  # name -> participant id
    proposal: int = 0
    round: int = 0
    decision: int = 0  # a decision's page in the archive

    def call(self, method: str, path: str, who: str = "Noor", **body: Any) -> Any:
        response = self.api.request(
            method,
            f"/api{path}",
            json=body or None,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def create(self, **body: Any) -> None:
        made = self.api.post(
            "/api/assemblies",
            json={
                "title": "Riverside Commons GA",
                "facilitator_name": "Noor",
                "location": "North lawn, by the library steps",
                **body,
            },
        )
        assert made.status_code == 201, made.text
        data = made.json()
        self.id, self.join_code = data["id"], data["join_code"]
        self.projector_key = data["projector_key"]
        self.tokens["Noor"], self.ids["Noor"] = data["facilitator_token"], data["participant_id"]

    def join(self, *names: str) -> None:
        for name in names:
            joined = self.api.post("/api/join", json={"join_code": self.join_code, "name": name})
            assert joined.status_code == 201, joined.text
            self.tokens[name] = joined.json()["token"]
            self.ids[name] = joined.json()["participant_id"]


def open_floor(room: Room) -> None:
    """People joined, every role handed out (two facilitators: five "remove" buttons), a
    headcount, the kitchen's report open, a note taken."""
    room.create()
    room.join("Tomás", "Keiko", "Ruth", "Dev", "Abebe", "Bianca", "Emeka")
    roles = {"Tomás": "facilitator", "Keiko": "stack_keeper", "Ruth": "minute_taker"}
    for name, role in {**roles, "Dev": "greeter"}.items():
        room.call("POST", f"/assemblies/{room.id}/roles", participant_id=room.ids[name], role=role)
    room.call("POST", f"/assemblies/{room.id}/headcount", count=30)
    agenda = f"/assemblies/{room.id}/agenda"
    room.call("POST", agenda, title="Welcome, process and hand signals", kind="announcement")
    kitchen = room.call(
        "POST", agenda, title="Kitchen report-back", kind="report", working_group="Kitchen"
    )
    room.call("POST", f"{agenda}/{kitchen['item_id']}/open")
    room.call(
        "POST", f"/assemblies/{room.id}/notes", who="Ruth", text="Kitchen needs pots.", label="R"
    )


def at_the_door(room: Room) -> None:
    """A greeter admits each phone: two are waiting."""
    room.create(admission="checked_in")
    room.join("Emeka", "Abebe")


def speaker_and_stack(room: Room) -> None:
    """Someone speaks; three hands wait, one added by name for someone without a phone."""
    open_floor(room)
    stack = f"/assemblies/{room.id}/stack"
    room.call("POST", stack, who="Abebe", kind="speak")
    room.call("POST", f"{stack}/next", who="Keiko")
    room.call("POST", stack, who="Bianca", kind="clarifying_question")
    room.call("POST", stack, who="Emeka", kind="speak")
    room.call("POST", stack, who="Keiko", kind="speak", name="Big Mike")


def proposal(room: Room) -> None:
    """A proposal open with one amendment accepted and another waiting; a hand up."""
    open_floor(room)
    made = room.call(
        "POST",
        f"/assemblies/{room.id}/proposals",
        title="Winter tents",
        text=TENTS,
        presenter_id=room.ids["Abebe"],
        working_group="Comfort",
    )
    room.proposal = made["proposal_id"]
    room.call("POST", f"/assemblies/{room.id}/agenda/{made['agenda_item_id']}/open")
    room.call("POST", f"/assemblies/{room.id}/stack", who="Bianca", kind="speak")
    room.call("POST", f"/proposals/{room.proposal}/stage", stage="amendments")
    eight = TENTS.replace("six", "eight")
    first = room.call(
        "POST",
        f"/proposals/{room.proposal}/amendments",
        who="Bianca",
        text=eight,
        rationale="Six will not do: 31 people slept out last week.",
    )
    room.call("POST", f"/amendments/{first['amendment_id']}/accept", who="Abebe")
    room.call(
        "POST",
        f"/proposals/{room.proposal}/amendments",
        who="Emeka",
        text=eight.replace("before the first frost", "by 15 November"),
    )


def temperature_open(room: Room) -> None:
    """A temperature check open, results live, three phones answered."""
    proposal(room)
    room.call("POST", f"/proposals/{room.proposal}/stage", stage="temperature_check")
    opened = room.call("POST", f"/proposals/{room.proposal}/rounds", kind="temperature")
    room.round = opened["round_id"]
    for name, value in (("Abebe", "up"), ("Bianca", "sideways"), ("Emeka", "down")):
        room.call("PUT", f"/rounds/{room.round}/response", who=name, value=value)


def call_open(room: Room) -> None:
    """A call for consensus open, results hidden, two phones answered."""
    proposal(room)
    room.call("POST", f"/proposals/{room.proposal}/stage", stage="consensus_call")
    opened = room.call("POST", f"/proposals/{room.proposal}/rounds", kind="consensus")
    room.round = opened["round_id"]
    answer = f"/rounds/{room.round}/response"
    room.call("PUT", answer, who="Abebe", value="agree")
    room.call("PUT", answer, who="Bianca", value="stand_aside", reason="Away that week.")


def outcome(room: Room) -> None:
    """The call closed, blocked: the arithmetic, the block and its reason, the blocker's hand."""
    call_open(room)
    answer = f"/rounds/{room.round}/response"
    room.call("PUT", answer, who="Dev", value="block", reason=BLOCK_REASON)
    room.call("PUT", answer, who="Emeka", value="agree")
    room.call("POST", f"/rounds/{room.round}/close")


def closed(room: Room) -> None:
    """The assembly ended after the blocked call."""
    outcome(room)
    room.call("POST", f"/assemblies/{room.id}/close")


def archive(room: Room) -> None:
    """A group's closed meeting with its two decisions (built through the services)."""
    room.decision = hold_meeting(room.db, make_group(room.db)).tents


# ---- the pages -------------------------------------------------------------------------------


def small_export() -> str:
    """A three-event export with one decided proposal, hash-chained like a real one."""
    events: list[dict[str, Any]] = []
    payloads = [
        ("assembly_created", {"title": "Riverside Commons GA"}),
        ("proposal_submitted", {"proposal_id": 1, "title": "Winter tents", "text": "Buy tents."}),
        ("proposal_decided", {"proposal_id": 1, "outcome": "passed", "version": 1}),
    ]
    for seq, (kind, payload) in enumerate(payloads, start=1):
        event: dict[str, Any] = {
            "assembly_id": "a1", "seq": seq, "at": f"2026-12-03T19:0{seq}:00.000000Z",
            "actor_id": 1, "type": kind, "payload": payload,
            "prev_hash": events[-1]["hash"] if events else GENESIS_HASH,
        }  # fmt: skip
        event["hash"] = event_hash(event)
        events.append(event)
    head = {"seq": 3, "hash": events[-1]["hash"]}
    return json.dumps({"assembly_id": "a1", "events": events, "head": head})


def check_a_pasted_export(page: Page) -> None:
    """/verify with an export pasted and checked: the verdict and what was decided show."""
    page.fill("#verify-text", small_export())
    page.click("#verify-form button[type=submit]")
    expect(page.locator("#verify-result")).to_have_attribute("data-state", "ok")


def open_block_form(phone: Page) -> None:
    """ "Block…" unfolds the warning and the reason box (phone.html's details.reason-box)."""
    box = phone.locator("#mc-reasons details.reason-box").filter(has_text="Block…")
    box.locator("summary").click()
    expect(box.get_by_label("Your reason (needed, up to 1000 characters)")).to_be_visible()


def search_the_archive(page: Page) -> None:
    page.fill("#f-q", "tarpaulins")
    page.click("button[type=submit]")
    expect(page.locator(".decision-title").first).to_be_visible()


@dataclass(frozen=True)
class Screen:
    scene: Callable[[Room], None] | None
    viewport: ViewportSize
    path: str  # formatted with the Room's fields, and `phone`/`console` (keys for Emeka, Noor)
    live: bool = False  # wait for the websocket before checking
    then: Callable[[Page], None] | None = None  # what the person does before it is checked


PHONE_OF = "/a/{id}?key={phone}"  # Emeka, who holds no role
CONSOLE_OF = "/a/{id}/console?key={console}"  # Noor, facilitator
WALL_OF = "/a/{id}/projector?key={projector_key}"

SCREENS: dict[str, Screen] = {
    "home": Screen(None, PHONE, "/"),
    "join": Screen(None, PHONE, "/join"),
    "join-by-link": Screen(open_floor, PHONE, "/j/{join_code}"),
    "join-unknown-code": Screen(None, PHONE, "/j/{join_code}"),
    "phone-waiting-at-the-door": Screen(at_the_door, PHONE, PHONE_OF),
    "phone-idle": Screen(speaker_and_stack, PHONE, PHONE_OF, live=True),
    "phone-round-open": Screen(call_open, PHONE, PHONE_OF, live=True),
    "phone-block-form": Screen(call_open, PHONE, PHONE_OF, live=True, then=open_block_form),
    "phone-outcome": Screen(outcome, PHONE, PHONE_OF, live=True),
    "console-at-the-door": Screen(at_the_door, CONSOLE, CONSOLE_OF, live=True),
    "console-open-floor": Screen(speaker_and_stack, CONSOLE, CONSOLE_OF, live=True),
    "console-proposal": Screen(proposal, CONSOLE, CONSOLE_OF, live=True),
    "console-round-open": Screen(temperature_open, CONSOLE, CONSOLE_OF, live=True),
    "console-outcome": Screen(outcome, CONSOLE, CONSOLE_OF, live=True),
    "projector-open-floor": Screen(open_floor, WALL, WALL_OF, live=True),
    "projector-speaker-and-stack": Screen(speaker_and_stack, WALL, WALL_OF, live=True),
    "projector-proposal": Screen(proposal, WALL, WALL_OF, live=True),
    "projector-round-open": Screen(temperature_open, WALL, WALL_OF, live=True),
    "projector-outcome": Screen(outcome, WALL, WALL_OF, live=True),
    "projector-closed": Screen(closed, WALL, WALL_OF),
    "minutes": Screen(closed, CONSOLE, "/a/{id}/minutes"),
    "minutes-on-a-phone": Screen(closed, PHONE, "/a/{id}/minutes"),
    "archive": Screen(archive, CONSOLE, "/archive"),
    "archive-search": Screen(archive, PHONE, "/archive", then=search_the_archive),
    "archive-decision": Screen(archive, PHONE, "/archive/decisions/{decision}"),
    "verify-checked": Screen(None, PHONE, "/verify", then=check_a_pasted_export),
}


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def open_screen(browser: Browser, base_url: str, screen: Screen, room: Room) -> Page:
    phone = screen.viewport == PHONE
    context = browser.new_context(
        viewport=screen.viewport, base_url=base_url, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    path = screen.path.format(
        **vars(room), phone=room.tokens.get("Emeka"), console=room.tokens.get("Noor")
    )
    page.goto(path)
    if screen.live:
        expect(page.locator("#mc-connection")).to_have_text("Live")
    if screen.then:
        screen.then(page)
    return page


@pytest.mark.parametrize("name", SCREENS)
def test_no_serious_accessibility_violations(
    name: str, browser: Browser, base_url: str, api: httpx.Client, db: Database
) -> None:
    screen = SCREENS[name]
    room = Room(api, db)
    if screen.scene:
        screen.scene(room)
    page = open_screen(browser, base_url, screen, room)
    url = page.url
    try:
        found = refused(run_axe(page), also=ALSO_REFUSED)
    finally:
        page.context.close()
    assert not found, f"axe-core on {name} ({url}):\n{describe(found)}"
