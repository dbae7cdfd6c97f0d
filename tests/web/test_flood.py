"""One phone must not flood the room (issue 12, point 2): what one person does is limited per
kind (429 too_fast with Retry-After, on the API and on page forms), what they type is capped,
their waiting amendments are bounded, and no push or page grows with what they typed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.blocks.service import TEXT_MAX
from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.conftest import GA, Person, create_assembly, error_of, join, ok
from tests.e2e.harness import serve_in_thread
from tests.web.live_client import WAIT, Live, Screen, bearer
from tests.web.screens import Screen as Device
from tests.web.screens import soup

BURST = 3  # the small limits these tests set: 3 at once, then 1 a minute
KB32 = 32 * 1024
LONG_PROPOSAL = 2000  # characters: a long proposal, some 330 words
KINDS = ("answer", "hand", "amendment", "note", "action")


@pytest.fixture
def tight(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with each person's burst at BURST and one more a minute."""
    small = settings.model_copy(update={"person_burst": BURST, "person_actions_per_minute": 1})
    with TestClient(create_app(small, db), base_url="http://testserver") as client:
        yield client


@dataclass
class Room:
    """An assembly with Chen and Gus (both minute takers) and a proposal on screen, in its
    amendments stage, or with a temperature check open when answers are what is sent."""

    client: TestClient
    ga: GA
    chen: Person
    gus: Person
    proposal_id: int
    round_id: int | None = None

    def json(self, who: Person, kind: str, n: int) -> httpx.Response:
        """`who`'s n-th action of `kind` through the JSON API."""
        base, http = f"/api/assemblies/{self.ga.id}", self.client
        if kind == "answer":
            body = {"value": ("up", "down")[n % 2]}
            return http.put(f"/api/rounds/{self.round_id}/response", json=body, headers=who.headers)
        if kind == "hand":
            if n % 2 == 0:
                return http.post(f"{base}/stack", json={"kind": "speak"}, headers=who.headers)
            mine = [e for e in self.stack() if e.get("participant_id") == who.participant_id]
            return http.delete(f"{base}/stack/{mine[0]['entry_id']}", headers=who.headers)
        if kind == "amendment":
            body = {"text": f"Buy {n + 11} tarps, said {who.name}.", "rationale": "Rain."}
            path = f"/api/proposals/{self.proposal_id}/amendments"
            return http.post(path, json=body, headers=who.headers)
        path = f"{base}/{kind}s"
        return http.post(path, json={"text": f"{who.name}'s {kind} {n}."}, headers=who.headers)

    def form(self, device: Device, kind: str, n: int, htmx: bool = True) -> Any:
        """The same action as a page form posts it."""
        if kind == "answer":
            value = ("up", "down")[n % 2]
            return device.post("rounds/respond", htmx, round_id=str(self.round_id), value=value)
        if kind == "hand":
            return device.post(("stack/raise", "stack/lower")[n % 2], htmx, kind="speak")
        if kind == "amendment":
            text = f"Buy {n + 11} tarps on the form."
            return device.post(
                "proposals/amend", htmx, proposal_id=str(self.proposal_id), text=text
            )
        return device.post(f"{kind}s", htmx, text=f"A {kind} from the form, {n}.")

    def stack(self) -> list[dict[str, Any]]:
        got = ok(self.client.get(f"/api/assemblies/{self.ga.id}/stack", headers=self.chen.headers))
        queue: list[dict[str, Any]] = got["queue"]
        return queue


def make_room(client: TestClient, kind: str = "amendment", text: str = "Buy ten tarps.") -> Room:
    ga = create_assembly(client)
    chen, gus = join(client, ga, "Chen"), join(client, ga, "Gus")
    fac, base = ga.facilitator.headers, f"/api/assemblies/{ga.id}"
    for person in (chen, gus):
        grant = {"participant_id": person.participant_id, "role": "minute_taker"}
        ok(client.post(f"{base}/roles", json=grant, headers=fac))
    made = ok(
        client.post(
            f"{base}/proposals",
            json={"title": "Winter tarps", "text": text, "presenter_name": "Kitchen WG"},
            headers=fac,
        ),
        201,
    )
    ok(client.post(f"{base}/agenda/{made['agenda_item_id']}/open", headers=fac))
    pid = made["proposal_id"]
    room = Room(client, ga, chen, gus, pid)
    if kind == "answer":
        ok(
            client.post(
                f"/api/proposals/{pid}/stage", json={"stage": "temperature_check"}, headers=fac
            )
        )
        opened = client.post(
            f"/api/proposals/{pid}/rounds", json={"kind": "temperature"}, headers=fac
        )
        room.round_id = ok(opened, 201)["round_id"]
    else:
        ok(client.post(f"/api/proposals/{pid}/stage", json={"stage": "amendments"}, headers=fac))
    return room


def assert_too_fast(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = error_of(response)
    assert error["code"] == "too_fast" and "try again in" in error["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_past_the_burst_the_api_answers_429_too_fast_with_retry_after(
    tight: TestClient, kind: str
) -> None:
    room = make_room(tight, kind)
    for n in range(BURST):
        assert room.json(room.chen, kind, n).status_code in (200, 201)
    assert_too_fast(room.json(room.chen, kind, BURST))


@pytest.mark.parametrize("kind", KINDS)
def test_one_person_past_the_burst_does_not_slow_anyone_else(tight: TestClient, kind: str) -> None:
    room = make_room(tight, kind)
    for n in range(BURST):
        room.json(room.chen, kind, n)
    assert_too_fast(room.json(room.chen, kind, BURST))
    for n in range(BURST):
        done = room.json(room.gus, kind, n)
        assert done.status_code in (200, 201), done.text


@pytest.mark.parametrize("kind", KINDS)
def test_past_the_burst_a_page_form_shows_the_refusal_where_its_errors_go(
    tight: TestClient, kind: str
) -> None:
    room = make_room(tight, kind)
    phone = Device(tight, room.ga, room.chen.token, "phone")
    for n in range(BURST):
        assert room.form(phone, kind, n).status_code == 200
    refused = room.form(phone, kind, BURST)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = soup(refused).select_one("#mc-error p")
    assert error["data-code"] == "too_fast"
    assert "Too many" in error.get_text() and "try again in" in error.get_text()
    # Without JavaScript the same sentence comes as a page of its own, with Retry-After.
    plain = room.form(phone, kind, BURST + 1, htmx=False)
    assert plain.status_code == 429 and int(plain.headers["retry-after"]) >= 1
    assert "try again in" in soup(plain).select_one("main").get_text()


def test_the_api_and_the_page_forms_share_one_bucket_per_person_and_kind(
    tight: TestClient,
) -> None:
    room = make_room(tight, "hand")
    phone = Device(tight, room.ga, room.chen.token, "phone")
    assert room.form(phone, "hand", 0).status_code == 200  # raised on the phone
    assert room.json(room.chen, "hand", 1).status_code == 200  # lowered through the API
    assert room.form(phone, "hand", 2).status_code == 200
    assert_too_fast(room.json(room.chen, "hand", 3))
    # Another kind has a bucket of its own.
    assert room.json(room.chen, "note", 0).status_code == 201


def test_a_stack_keepers_named_hands_count_as_their_hands(tight: TestClient) -> None:
    room = make_room(tight, "hand")
    keeper = Device(tight, room.ga, room.ga.facilitator.token, "console")
    for name in ("Ruth", "Kofi", "Ines"):
        assert keeper.post("stack/add", name=name, kind="speak").status_code == 200
    refused = keeper.post("stack/add", name="Tomas", kind="speak")
    assert refused.status_code == 429
    assert soup(refused).select_one("#mc-error p")["data-code"] == "too_fast"


def test_a_busy_minute_taker_and_stack_keeper_stay_within_the_default_limits(
    client: TestClient,
) -> None:
    """At the defaults, 30 notes and 30 hands in a row (quicker than anyone types or clicks)
    all go through."""
    room = make_room(client, "hand")
    for n in range(30):
        assert room.json(room.chen, "note", n).status_code == 201
        assert room.json(room.chen, "hand", n).status_code in (200, 201)


# ---- what one person types is capped ----


def test_an_amendment_is_at_most_as_long_as_a_proposal_text(client: TestClient) -> None:
    room = make_room(client)
    path = f"/api/proposals/{room.proposal_id}/amendments"
    longest = {"text": "x" * TEXT_MAX}
    assert client.post(path, json=longest, headers=room.chen.headers).status_code == 201
    too_long = client.post(path, json={"text": "y" * (TEXT_MAX + 1)}, headers=room.gus.headers)
    assert too_long.status_code == 422
    assert error_of(too_long)["message"] == f"The text can be at most {TEXT_MAX:,} characters."


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("proposals", {"title": "Long", "text": "x" * (TEXT_MAX + 1)}),
        ("amendments", {"text": "New text.", "rationale": "r" * 1001}),
        ("notes", {"text": "n" * 2001}),
        ("actions", {"text": "a" * 501}),
    ],
)
def test_every_text_one_person_sends_is_capped(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    room = make_room(client)
    url = (
        f"/api/proposals/{room.proposal_id}/amendments"
        if path == "amendments"
        else f"/api/assemblies/{room.ga.id}/{path}"
    )
    refused = client.post(url, json=body, headers=room.ga.facilitator.headers)
    assert refused.status_code == 422
    assert error_of(refused)["message"]


def test_a_person_has_at_most_three_amendments_waiting_on_a_proposal(
    settings: Settings, any_db: Database
) -> None:
    with TestClient(create_app(settings, any_db), base_url="http://testserver") as client:
        _three_waiting_then_409(client)


def _three_waiting_then_409(client: TestClient) -> None:
    room = make_room(client)
    made = [ok(room.json(room.chen, "amendment", n), 201)["amendment_id"] for n in range(3)]
    fourth = room.json(room.chen, "amendment", 3)
    assert fourth.status_code == 409
    assert error_of(fourth) == {
        "code": "amendments_waiting",
        "message": "You have 3 amendments waiting; wait for the presenter to take them up.",
    }
    assert room.json(room.gus, "amendment", 0).status_code == 201  # Gus has none waiting
    # Once the presenter takes one up (rejects it here), Chen may propose another.
    ok(client.post(f"/api/amendments/{made[0]}/reject", headers=room.ga.facilitator.headers))
    assert room.json(room.chen, "amendment", 4).status_code == 201
    phone = Device(client, room.ga, room.chen.token, "phone")
    refused = room.form(phone, "amendment", 5)
    assert refused.status_code == 409
    assert "wait for the presenter" in soup(refused).select_one("#mc-error").get_text()


def test_the_bound_on_waiting_amendments_is_the_setting(settings: Settings, db: Database) -> None:
    one = settings.model_copy(update={"pending_amendments_per_person": 1})
    with TestClient(create_app(one, db), base_url="http://testserver") as client:
        room = make_room(client)
        assert room.json(room.chen, "amendment", 0).status_code == 201
        again = room.json(room.chen, "amendment", 1)
        assert again.status_code == 409
        assert error_of(again)["message"].startswith("You have 1 amendment waiting;")


# ---- the amendment list: a first line each, the rest on request ----

PROPOSAL = (
    "The kitchen working group asks the assembly to buy ten tarps for the winter kitchen.\n\n"
    "They go up on the north side of the camp, near the water tap, before the first frost."
)


def amendments_of(page: BeautifulSoup) -> list[BeautifulSoup]:
    return page.select("#mc-proposal .amendment")


def test_each_waiting_amendment_shows_its_first_changed_line_and_opens_the_rest(
    client: TestClient,
) -> None:
    room = make_room(client, text=PROPOSAL)
    long_text = PROPOSAL.replace("ten tarps", "twelve tarps") + " " + "More words here. " * 200
    body = {"text": long_text[:TEXT_MAX], "rationale": "Two spare for the wind."}
    amendment_id = ok(
        client.post(
            f"/api/proposals/{room.proposal_id}/amendments", json=body, headers=room.gus.headers
        ),
        201,
    )["amendment_id"]
    for view, token in (("phone", room.chen.token), ("console", room.ga.facilitator.token)):
        [item] = amendments_of(Device(client, room.ga, token, view).page())
        more = item.select_one("details.amend-more")
        first = more.select_one("summary")
        line = first.get_text()
        assert "\n" not in line and len(line) <= 125
        assert first.select_one("del").get_text() == "ten" and first.select_one("ins").get_text()
        # Behind the tap: the reason, the changes with some context, bounded; and a link to all.
        assert "Two spare for the wind." in more.select_one(".amend-why").get_text()
        assert len(more.select_one(".diff").get_text()) <= 1300
        link = more.select_one(".amend-whole a")
        assert link["href"] == f"/a/{room.ga.id}/amendments/{amendment_id}"
        assert "read the whole amendment" in link.get_text().lower()
    whole = Device(client, room.ga, room.chen.token, "phone").http.get(
        f"/a/{room.ga.id}/amendments/{amendment_id}"
    )
    assert whole.status_code == 200
    page = soup(whole)
    assert page.select_one(".proposal-text").get_text() == long_text[:TEXT_MAX].strip()
    assert "Two spare for the wind." in page.select_one(".amend-why").get_text()


def test_the_whole_amendment_page_is_for_this_assemblys_members_only(client: TestClient) -> None:
    room = make_room(client)
    made = ok(room.json(room.gus, "amendment", 0), 201)
    other = create_assembly(client, title="Elsewhere")
    stranger = Device(client, other, other.facilitator.token, "console")
    path = f"/a/{room.ga.id}/amendments/{made['amendment_id']}"
    assert stranger.http.get(path).status_code in (401, 403)
    wrong = Device(client, other, other.facilitator.token, "console").http.get(
        f"/a/{other.id}/amendments/{made['amendment_id']}"
    )
    assert wrong.status_code == 404


def test_the_phone_page_does_not_grow_with_the_length_of_waiting_amendments(
    client: TestClient,
) -> None:
    """Past what the list shows of each (a line, a look at its changes, a reason cut short),
    an amendment's length makes no difference to anyone's page."""
    sizes = []
    for length in (1000, TEXT_MAX):
        room = make_room(client, text=random_text(0, LONG_PROPOSAL))
        for n in range(3):
            body = {"text": random_text(n + 1, length), "rationale": "r" * (length // 5)}
            path = f"/api/proposals/{room.proposal_id}/amendments"
            ok(client.post(path, json=body, headers=room.chen.headers), 201)
        page = Device(client, room.ga, room.gus.token, "phone").http.get(f"/a/{room.ga.id}")
        assert len(amendments_of(soup(page))) == 3
        sizes.append(len(page.content))
    assert abs(sizes[1] - sizes[0]) < 300, sizes  # ids and word counts differ, nothing else


def test_the_wall_names_each_waiting_amendment_by_one_line(client: TestClient) -> None:
    room = make_room(client, text=PROPOSAL)
    wild = " ".join(random.Random(7).choice(["mud", "rain", "tent", "fire"]) for _ in range(1200))
    ok(room.json(room.gus, "amendment", 0), 201)
    body = {"text": wild[:TEXT_MAX]}
    ok(
        client.post(
            f"/api/proposals/{room.proposal_id}/amendments", json=body, headers=room.chen.headers
        ),
        201,
    )
    wall = soup(client.get(f"/a/{room.ga.id}/projector?key={room.ga.projector_key}"))
    lines = wall.select("#mc-proposal .wall-amendments .amend-line")
    assert len(lines) == 2
    for line in lines:
        assert len(line.get_text()) <= 140  # "Name: " and one line of changes
    assert wall.select("#mc-proposal .amend-more") == []  # nobody taps a wall


# ---- THE flood: one phone tries everything at once; the others' screens stay small ----


def random_text(seed: int, length: int) -> str:
    """Words nobody would type twice: each amendment differs all through from the proposal."""
    rng = random.Random(seed)
    words = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        )
    return " ".join(words)[:length]


def drain(screen: Screen, seq: int) -> list[str]:
    """Every message the screen gets until it has seen `seq` and then nothing for a second."""
    got: list[str] = []
    while screen.seq < seq:
        got.append(screen.receive())
    while True:
        try:
            message = screen.socket.recv(timeout=1.0)
        except TimeoutError:
            return got
        assert isinstance(message, str)
        screen.apply(message)
        got.append(message)


def test_a_flood_from_one_phone_is_cut_and_every_push_and_page_stays_under_32_kb(
    settings: Settings, db: Database
) -> None:
    # The default burst; one more a minute rather than a second, so what is cut does not
    # depend on how fast this machine sends.
    quiet = settings.model_copy(
        update={"heartbeat_seconds": 3600.0, "person_actions_per_minute": 1}
    )
    with (
        serve_in_thread(create_app(quiet, db)) as base,
        httpx.Client(base_url=base, timeout=WAIT) as http,
    ):
        live = Live(base, http)
        made = ok(
            http.post("/api/assemblies", json={"title": "GA", "facilitator_name": "Noor"}), 201
        )
        aid, fac = made["id"], bearer(made["facilitator_token"])
        people = [
            ok(http.post("/api/join", json={"join_code": made["join_code"], "name": name}), 201)
            for name in ("Chen", "Gus")
        ]
        chen, gus = bearer(people[0]["token"]), people[1]
        proposal = ok(
            http.post(
                f"/api/assemblies/{aid}/proposals",
                json={
                    "title": "Winter tarps",
                    "text": random_text(0, LONG_PROPOSAL),
                    "presenter_name": "WG",
                },
                headers=fac,
            ),
            201,
        )
        pid = proposal["proposal_id"]
        ok(
            http.post(
                f"/api/assemblies/{aid}/agenda/{proposal['agenda_item_id']}/open", headers=fac
            )
        )
        ok(http.post(f"/api/proposals/{pid}/stage", json={"stage": "amendments"}, headers=fac))
        screens = [
            open_screen(live, f"/ws/assemblies/{aid}?view=phone", bearer(gus["token"])),
            open_screen(live, f"/ws/assemblies/{aid}?view=console", fac),
            open_screen(
                live, f"/ws/assemblies/{aid}?view=projector&key={made['projector_key']}", {}
            ),
        ]
        statuses: dict[str, list[int]] = {"amendment": [], "hand": [], "answer": []}
        last = 0

        def sent(kind: str, response: httpx.Response) -> None:
            nonlocal last
            statuses[kind].append(response.status_code)
            if response.status_code in (200, 201):
                last = max(last, int(response.json()["seq"]))

        # 60 amendments of the longest text, each different all through.
        for n in range(60):
            body = {"text": random_text(n + 1, TEXT_MAX), "rationale": "r" * 1000}
            sent(
                "amendment", http.post(f"/api/proposals/{pid}/amendments", json=body, headers=chen)
            )
        # 150 raise and lower cycles.
        for _ in range(150):
            raised = http.post(f"/api/assemblies/{aid}/stack", json={"kind": "speak"}, headers=chen)
            sent("hand", raised)
            entry = raised.json().get("entry_id", 0) if raised.status_code == 201 else 0
            sent("hand", http.delete(f"/api/assemblies/{aid}/stack/{entry or 1}", headers=chen))
        # 300 answer changes in a temperature check (the amendments still listed on phones).
        ok(
            http.post(
                f"/api/proposals/{pid}/stage", json={"stage": "temperature_check"}, headers=fac
            )
        )
        opened = ok(
            http.post(f"/api/proposals/{pid}/rounds", json={"kind": "temperature"}, headers=fac),
            201,
        )
        last = max(last, int(opened["seq"]))
        for n in range(300):
            body = {"value": ("up", "down", "sideways")[n % 3], "reason": "x" * 1000}
            sent(
                "answer",
                http.put(f"/api/rounds/{opened['round_id']}/response", json=body, headers=chen),
            )

        # Cut: 3 amendments wait (then 409 until the bucket is spent, then 429); 30 of each
        # other kind at once (the default burst), then 429.
        assert statuses["amendment"][:3] == [201] * 3
        assert set(statuses["amendment"][3:]) <= {409, 429} and statuses["amendment"][-1] == 429
        for kind in ("hand", "answer"):
            assert statuses[kind][: settings.person_burst].count(429) == 0, kind
            assert statuses[kind].count(429) >= len(statuses[kind]) - settings.person_burst - 2
        frames = [message for screen in screens for message in drain(screen, last)]
        biggest = max(len(message.encode()) for message in frames)
        assert biggest < KB32, f"a push of {biggest} bytes"
        phone = httpx.Client(base_url=base, follow_redirects=True, timeout=WAIT)
        page = phone.get(f"/a/{aid}?key={gus['token']}", headers={"accept-encoding": "identity"})
        assert page.status_code == 200
        assert len(page.content) < KB32, f"the phone page is {len(page.content)} bytes"
        assert len(BeautifulSoup(page.text, "html.parser").select("#mc-proposal .amendment")) == 3
        phone.close()
        for screen in screens:
            screen.socket.close()


def open_screen(live: Live, path: str, headers: dict[str, str]) -> Screen:
    screen = Screen(live.ws(path, headers))
    screen.receive()  # the snapshot
    return screen
