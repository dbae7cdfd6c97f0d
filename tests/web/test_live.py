"""The live path over real sockets (uvicorn): every screen converges on the same state.

Zulip's verify_action idea (the house style): after each state-changing service function, a client
that followed the pushes and a client that connected fresh show the same regions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import InvalidStatus

from app.blocks import closing
from app.blocks import service as proposals
from app.config import Settings
from app.db import Database
from app.events import events_after
from app.web.app import create_app
from tests.copies.replays import replay_differences
from tests.e2e.harness import serve_in_thread
from tests.web.event_types import appended_event_types
from tests.web.live_client import (
    WAIT,
    Live,
    Screen,
    bearer,
    closed_with,
    consensus_call,
    join,
    new_assembly,
    open_screen,
)


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[Live]:
    settings = settings.model_copy(update={"heartbeat_seconds": 30.0})
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, db)


def test_two_phones_see_the_same_state_after_each_change(live: Live) -> None:
    made = new_assembly(live)
    chen, gus = join(live, made, "Chen"), join(live, made, "Gus")
    phones = [open_screen(live, made["id"], "phone", p["token"]) for p in (chen, gus)]
    fac = bearer(made["facilitator_token"])
    base = f"/api/assemblies/{made['id']}"
    changes: list[Callable[[], httpx.Response]] = [
        lambda: live.http.post(
            f"{base}/agenda", json={"title": "Winter tents", "kind": "proposal"}, headers=fac
        ),
        lambda: live.http.post(f"{base}/headcount", json={"count": 140}, headers=fac),
        lambda: live.http.post(
            f"{base}/join", json={"join_code": made["join_code"], "name": "Hannah"}
        ),
    ]
    for change in changes:
        response = change()
        assert response.status_code in (200, 201), response.text
        seq = response.json()["seq"]
        for phone in phones:
            phone.wait_for(seq)
        assert phones[0].regions == phones[1].regions
    assert "Winter tents" in phones[0].regions["mc-agenda"]
    assert '<strong class="joined">4</strong>' in phones[1].regions["mc-people"]
    for phone in phones:
        phone.socket.close()


def log_corner(region: str) -> tuple[str, str]:
    corner = BeautifulSoup(region, "html.parser").select_one("#mc-log")
    assert corner is not None
    return corner.select_one(".fingerprint").get_text(), str(corner["data-seq"])


def test_the_wall_and_a_phone_follow_the_log_heads_fingerprint_on_every_change(
    live: Live,
) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    phone = open_screen(live, made["id"], "phone", chen["token"])
    wall = Screen(
        live.ws(f"/ws/assemblies/{made['id']}?view=projector&key={made['projector_key']}")
    )
    wall.receive()
    fac, base = bearer(made["facilitator_token"]), f"/api/assemblies/{made['id']}"
    changes = [  # a note reaches no region of these two but the log corner
        lambda: live.http.post(f"{base}/stack", json={"kind": "speak"}, headers=fac),
        lambda: live.http.post(f"{base}/notes", json={"text": "Quorum reached."}, headers=fac),
    ]
    for change in changes:
        response = change()
        assert response.status_code in (200, 201), response.text
        seq = response.json()["seq"]
        head = live.http.get(f"{base}/events", headers=fac).json()["head"]
        for screen in (phone, wall):
            screen.wait_for(seq)
            while log_corner(screen.regions["mc-log"])[1] != str(seq):
                screen.receive()
            shown = (f"{head['hash'][:4]} {head['hash'][4:8]}", str(head["seq"]))
            assert log_corner(screen.regions["mc-log"]) == shown
    for screen in (phone, wall):
        screen.socket.close()


def test_a_phone_reconnecting_with_an_old_since_receives_the_current_state(live: Live) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    phone = open_screen(live, made["id"], "phone", chen["token"])
    last_seen = phone.seq
    phone.socket.close()
    fac = bearer(made["facilitator_token"])
    item = live.http.post(
        f"/api/assemblies/{made['id']}/agenda",
        json={"title": "Drumming hours", "kind": "proposal"},
        headers=fac,
    ).json()
    opened = live.http.post(
        f"/api/assemblies/{made['id']}/agenda/{item['item_id']}/open", headers=fac
    ).json()
    back = open_screen(live, made["id"], "phone", chen["token"], since=last_seen)
    assert back.seq == opened["seq"]
    assert "Drumming hours" in back.regions["mc-header"]
    fresh = open_screen(live, made["id"], "phone", chen["token"])
    assert back.regions == fresh.regions


def test_resync_frame_resends_the_whole_state_and_bad_frames_get_an_error(live: Live) -> None:
    made = new_assembly(live)
    console = open_screen(live, made["id"], "console", made["facilitator_token"])
    console.socket.send(json.dumps({"type": "resync", "since": 0}))
    resent = BeautifulSoup(console.receive(), "html.parser")
    assert (
        resent.select_one("#mc-agenda") is not None and resent.select_one("#mc-roles") is not None
    )
    console.socket.send("raise my hand please")
    console.receive()
    assert console.errors[-1] == "bad_frame"
    console.socket.send(json.dumps({"type": "ping"}))
    console.receive()  # still open, answers with the seq
    assert console.seq == made["seq"]


# ---- verify_action: followed pushes == fresh snapshot, for every state-changing service ----


@dataclass
class Scene:
    live: Live
    made: dict[str, Any]
    people: dict[str, dict[str, Any]]
    items: list[int]
    entries: dict[str, int]
    proposal: int = 0

    @property
    def fac(self) -> dict[str, str]:
        return bearer(self.made["facilitator_token"])

    def who(self, name: str) -> dict[str, str]:
        return bearer(self.people[name]["token"])

    def api(
        self, path: str, body: Any = None, method: str = "POST", who: dict[str, str] | None = None
    ) -> httpx.Response:
        """A call outside the assembly's own paths: /api/proposals/…, /api/rounds/…"""
        response = self.live.http.request(method, f"/api{path}", json=body, headers=who or self.fac)
        assert response.status_code in (200, 201), response.text
        return response

    def stage(self, stage: str) -> httpx.Response:
        return self.api(f"/proposals/{self.proposal}/stage", {"stage": stage})

    def open_round(self, stage: str, kind: str, **options: Any) -> int:
        self.stage(stage)
        opened = self.api(f"/proposals/{self.proposal}/rounds", {"kind": kind, **options})
        return int(opened.json()["round_id"])

    def amendment(self) -> int:
        self.stage("amendments")
        body = {"text": "Buy twelve tarps for the kitchen.", "rationale": "two spare"}
        made = self.api(f"/proposals/{self.proposal}/amendments", body, who=self.who("keiko"))
        return int(made.json()["amendment_id"])

    def blocked_call(self) -> int:
        """A call for consensus that Keiko blocks, closed: the proposal is in block discussion."""
        call = self.open_round("consensus_call", "consensus")
        block = {"value": "block", "reason": "The fund is for bail."}
        self.api(f"/rounds/{call}/response", block, "PUT", who=self.who("keiko"))
        self.api(f"/rounds/{call}/response", {"value": "agree"}, "PUT", who=self.who("ruth"))
        self.api(f"/rounds/{call}/close")
        return call

    def approval(self, answered: bool = False) -> int:
        """The assembly asked to approve its minutes (after a temperature check on the proposal,
        so the screens switch from the proposal's round to the approval)."""
        self.api(f"/rounds/{self.open_round('concerns', 'temperature')}/close")
        rid = int(self.post("/minutes/approval").json()["round_id"])
        if answered:
            self.api(f"/rounds/{rid}/response", {"value": "down"}, "PUT", who=self.who("ruth"))
        return rid

    def post(
        self, path: str, body: Any = None, method: str = "POST", who: dict[str, str] | None = None
    ) -> httpx.Response:
        url = f"/api/assemblies/{self.made['id']}{path}"
        response = self.live.http.request(method, url, json=body, headers=who or self.fac)
        assert response.status_code in (200, 201), response.text
        return response


def _block_review(s: Scene) -> httpx.Response:
    call = s.blocked_call()
    blocks = s.api(f"/rounds/{call}", method="GET").json()["blocks"]
    review = s.api(
        f"/proposals/{s.proposal}/rounds", {"kind": "block_review", "block_id": blocks[0]["id"]}
    ).json()["round_id"]
    s.api(f"/rounds/{review}/response", {"value": "no"}, "PUT", who=s.who("ruth"))
    return s.api(f"/rounds/{review}/close")  # not principled: the call passes after all


def _unmute(s: Scene) -> httpx.Response:
    """Ruth muted (her hand lowered), then let to speak again."""
    s.post(f"/participants/{s.people['ruth']['participant_id']}/mute")
    return s.post(f"/participants/{s.people['ruth']['participant_id']}/unmute")


MIC_TEXT = "Mic check! The kitchen closes at ten tonight, so bring your cups back to the tent."


def _mic_on(s: Scene) -> httpx.Response:
    return s.post("/mic", {"source": "prepared", "text": MIC_TEXT})


def _close_on_deadline(s: Scene) -> httpx.Response:
    """The server's clock closes a round whose time is up (its loop, run here ten minutes on)."""
    rid = s.open_round("temperature_check", "temperature", closes_in_seconds=600)
    assert s.live.db is not None
    later = datetime.now(UTC) + timedelta(seconds=601)
    assert rid in closing.close_due_rounds(db=s.live.db, at=later)
    return s.api(f"/rounds/{rid}", method="GET")


def _turn_wall_page(s: Scene) -> httpx.Response:
    """The console's page buttons are a form alone (no API): the service they call, as them."""
    assert s.live.db is not None
    proposals.turn_wall_page(
        db=s.live.db, proposal_id=s.proposal, actor_id=s.made["participant_id"], page=2
    )
    return s.api(f"/proposals/{s.proposal}", method="GET")  # carries the seq after it


def _propose_amendment(s: Scene) -> httpx.Response:
    s.amendment()
    return s.api(f"/proposals/{s.proposal}", method="GET")  # carries the seq after it


ACTIONS: dict[str, Callable[[Scene], httpx.Response]] = {
    "join_assembly": lambda s: s.live.http.post(
        "/api/join", json={"join_code": s.made["join_code"], "name": "Late Lena"}
    ),
    "admit": lambda s: s.post(f"/participants/{s.people['waiting']['participant_id']}/admit"),
    "reject": lambda s: s.post(f"/participants/{s.people['waiting']['participant_id']}/reject"),
    "grant_role": lambda s: s.post(
        "/roles", {"participant_id": s.people["keiko"]["participant_id"], "role": "stack_keeper"}
    ),
    "revoke_role": lambda s: s.post(
        "/roles",
        {"participant_id": s.people["ruth"]["participant_id"], "role": "minute_taker"},
        "DELETE",
    ),
    "reissue_link": lambda s: s.post(f"/participants/{s.people['ruth']['participant_id']}/reissue"),
    "mute_participant": lambda s: s.post(
        f"/participants/{s.people['ruth']['participant_id']}/mute"
    ),
    "unmute_participant": lambda s: _unmute(s),
    "remove_participant": lambda s: s.post(
        f"/participants/{s.people['ruth']['participant_id']}/remove"
    ),
    "set_headcount": lambda s: s.post("/headcount", {"count": 140}),
    "set_languages": lambda s: s.post(
        "/languages", {"language": "es", "second_language": "en"}, method="PUT"
    ),
    "rename_word": lambda s: s.post(
        "/words", {"language": "en", "key": "hand:speak", "word": "talk"}, method="PUT"
    ),
    "add_agenda_item": lambda s: s.post(
        "/agenda", {"title": "Legal report-back", "kind": "report", "working_group": "Legal"}
    ),
    "open_agenda_item_carrying_hands": lambda s: s.post(
        f"/agenda/{s.items[1]}/open", {"hands": "carry"}
    ),
    "open_agenda_item_clearing_hands_keeping_it_pending": lambda s: s.post(
        f"/agenda/{s.items[1]}/open", {"hands": "clear", "previous": "pending"}
    ),
    "close_agenda_item": lambda s: s.post(f"/agenda/{s.items[0]}/close"),
    "close_assembly": lambda s: s.post("/close"),
    "raise_hand": lambda s: s.post(
        "/stack", {"kind": "speak"}, who=bearer(s.people["keiko"]["token"])
    ),
    "add_named_hand": lambda s: s.post("/stack", {"kind": "speak", "name": "Mr. Alvarez"}),
    "lower_hand": lambda s: s.post(
        f"/stack/{s.entries['ruth']}", method="DELETE", who=bearer(s.people["ruth"]["token"])
    ),
    "move_hand": lambda s: s.post("/stack/move", {"entry_id": s.entries["mike"], "position": 1}),
    "call_next_speaker": lambda s: s.post("/stack/next"),
    "pause_turn": lambda s: s.post("/stack/timer", {"action": "pause"}),
    "resume_turn": lambda s: (
        s.post("/stack/timer", {"action": "pause"}),
        s.post("/stack/timer", {"action": "resume"}),
    )[1],
    "extend_turn": lambda s: s.post("/stack/timer", {"action": "add", "seconds": 45}),
    "end_turn": lambda s: s.post("/stack/timer", {"action": "end"}),
    "update_stack_settings": lambda s: s.post(
        "/stack/settings", {"mode": "fifo", "open": False}, "PUT"
    ),
    "submit_proposal": lambda s: s.post(
        "/proposals", {"title": "Library hours", "text": "Open at 9.", "presenter_name": "Ruth"}
    ),
    "move_stage": lambda s: s.stage("clarifying_questions"),
    "withdraw_proposal": lambda s: s.api(f"/proposals/{s.proposal}/withdraw"),
    "decide_proposal_tabled": lambda s: s.api(
        f"/proposals/{s.proposal}/stage",
        {"stage": "decided", "outcome": "tabled", "tabled_to": "Kitchen"},
    ),
    "turn_wall_page": _turn_wall_page,
    "stop_amendments": lambda s: s.api(
        f"/proposals/{s.proposal}/settings", {"amendments_open": False}, "PUT"
    ),
    "propose_amendment": lambda s: (
        s.api(f"/proposals/{s.proposal}", method="GET") if s.amendment() else s.fail()
    ),
    "accept_amendment": lambda s: s.api(f"/amendments/{s.amendment()}/accept"),
    "reject_amendment": lambda s: s.api(f"/amendments/{s.amendment()}/reject"),
    "open_round": lambda s: s.api(
        f"/rounds/{s.open_round('temperature_check', 'temperature', closes_in_seconds=600)}",
        method="GET",
    ),
    "answer_round": lambda s: s.api(
        f"/rounds/{s.open_round('concerns', 'temperature')}/response",
        {"value": "up"},
        "PUT",
        who=s.who("keiko"),
    ),
    "answer_hidden_call": lambda s: s.api(
        f"/rounds/{s.open_round('consensus_call', 'consensus')}/response",
        {"value": "stand_aside", "reason": "away that week"},
        "PUT",
        who=s.who("keiko"),
    ),
    "count_analog_hands": lambda s: s.api(
        f"/rounds/{s.open_round('consensus_call', 'consensus')}/analog",
        {"counts": {"agree": 30}, "blocks": [{"name": "Big Mike", "reason": "noise"}]},
    ),
    "close_round_on_its_deadline": _close_on_deadline,
    "close_temperature_check": lambda s: s.api(
        f"/rounds/{s.open_round('temperature_check', 'temperature', anonymous=True)}/close"
    ),
    "close_blocked_call": lambda s: s.api(f"/rounds/{s.blocked_call()}", method="GET"),
    "close_block_review": _block_review,
    "ask_to_approve_minutes": lambda s: s.post("/minutes/approval", {"closes_in_seconds": 600}),
    "answer_minutes_approval": lambda s: s.api(
        f"/rounds/{s.approval()}/response", {"value": "up"}, "PUT", who=s.who("keiko")
    ),
    "close_minutes_approval": lambda s: s.api(f"/rounds/{s.approval(answered=True)}/close"),
    "leave_speaker_names_out": lambda s: s.post(
        "/minutes/settings", {"speaker_names": False}, "PUT"
    ),
    "take_note": lambda s: s.post("/notes", {"text": "Keiko: the tarps leak.", "label": "Crn"}),
    "correct_note": lambda s: s.post(
        "/notes",
        {
            "text": "It was Ruth who said it.",
            "corrects": s.post("/notes", {"text": "Keiko: the tarps leak."}).json()["note_id"],
        },
    ),
    "record_action": lambda s: s.post(
        "/actions", {"text": "Buy the ten tarps", "who": "Comfort", "due": "Friday"}
    ),
    "start_mic": lambda s: s.post("/mic", {"source": "proposal"}),
    "move_mic": lambda s: (_mic_on(s), s.post("/mic/move", {"to": "next"}))[1],
    "stop_mic": lambda s: (_mic_on(s), s.post("/mic", method="DELETE"))[1],
    "close_assembly_with_the_mic_on": lambda s: (_mic_on(s), s.post("/close"))[1],
    "announce_mirror": lambda s: s.post("/mirrors", {"address": "http://192.168.1.11:8001"}),
}


# Notes and action items are the console's alone: phones and the wall get no push for them,
# so nothing to follow.
CONSOLE_ONLY = {"take_note", "correct_note", "record_action", "leave_speaker_names_out"}


@pytest.mark.parametrize(
    ("action", "view"),
    [
        (action, view)
        for action in ACTIONS
        for view in ("console", "phone", "projector")
        if view == "console" or action not in CONSOLE_ONLY
    ],
)
def test_followed_pushes_and_a_fresh_connection_render_the_same_regions(
    live: Live, action: str, view: str
) -> None:
    scene = set_scene(live)
    made, people = scene.made, scene.people

    def watch() -> Screen:
        if view == "projector":
            socket = live.ws(
                f"/ws/assemblies/{made['id']}?view=projector&key={made['projector_key']}"
            )
            screen = Screen(socket)
            screen.receive()
            return screen
        token = made["facilitator_token"] if view == "console" else people["keiko"]["token"]
        return open_screen(live, made["id"], view, token)

    follower = watch()
    seq = ACTIONS[action](scene).json()["seq"]
    follower.wait_for(seq)
    fresh = watch()
    assert fresh.seq == seq
    follower.catch_up(fresh.regions)
    assert follower.regions == fresh.regions
    follower.socket.close()
    fresh.socket.close()


def set_scene(live: Live) -> Scene:
    """An assembly mid-evening: people admitted, a proposal's item open, hands up, a speaker."""
    made = new_assembly(
        live, admission="checked_in", decision_rule={"block_review_threshold": "3/4"}
    )
    people = {name: join(live, made, name) for name in ("keiko", "ruth", "waiting")}
    scene = Scene(live, made, people, [], {})
    for name in ("keiko", "ruth"):
        scene.post(f"/participants/{people[name]['participant_id']}/admit")
    scene.post(
        "/roles", {"participant_id": people["ruth"]["participant_id"], "role": "minute_taker"}
    )
    for title, kind in (("Winter tarps", "proposal"), ("Kitchen report-back", "report")):
        scene.items.append(scene.post("/agenda", {"title": title, "kind": kind}).json()["item_id"])
    tarps = {"title": "Winter tarps", "text": "Buy ten tarps.", "agenda_item_id": scene.items[0]}
    scene.proposal = scene.post("/proposals", {**tarps, "presenter_name": "Keiko"}).json()[
        "proposal_id"
    ]
    scene.post(f"/agenda/{scene.items[0]}/open")
    ruth = bearer(people["ruth"]["token"])
    scene.entries["ruth"] = scene.post("/stack", {"kind": "speak"}, who=ruth).json()["entry_id"]
    named = scene.post("/stack", {"kind": "speak", "name": "Big Mike"})
    scene.entries["mike"] = named.json()["entry_id"]
    scene.post("/stack", {"kind": "point_of_information"})
    scene.post("/stack/next")  # the facilitator's point of information has the floor
    return scene


# Event types that no action above appends, each with its reason.
NOT_REPLAYED = {
    "assembly_created": "the first event: no screen can follow an assembly before it exists",
    "taken_over": "appended on a mirror alone (tests/copies/test_take_over_route.py)",
}


def test_every_event_type_the_app_appends_comes_from_an_action_the_replay_test_runs(
    live: Live,
) -> None:
    assert live.db is not None
    produced: set[str] = set()
    for action in ACTIONS:
        scene = set_scene(live)
        with live.db.read() as session:
            before = events_after(session, scene.made["id"])[-1].seq
        ACTIONS[action](scene)
        with live.db.read() as session:
            produced |= {e.type for e in events_after(session, scene.made["id"], before)}
    appendable = appended_event_types()
    assert appendable - produced - NOT_REPLAYED.keys() == set()  # add an action to ACTIONS
    assert NOT_REPLAYED.keys() <= appendable - produced  # an exception no longer needed


def test_every_scene_of_every_action_rebuilds_from_its_log_to_the_same_rows(
    live: Live, copy_db: Database
) -> None:
    assert live.db is not None
    for action in ACTIONS:
        ACTIONS[action](set_scene(live))
    assert replay_differences(live.db, copy_db) == []


@pytest.mark.parametrize("results", ["live", "hidden"])
def test_an_answer_while_a_round_is_open_pushes_only_the_rounds_tally(
    live: Live, results: str
) -> None:
    made = new_assembly(live)
    keiko = join(live, made, "Keiko")
    fac = bearer(made["facilitator_token"])
    round_id = consensus_call(live, made, results=results)
    screens = [
        open_screen(live, made["id"], "phone", keiko["token"]),
        open_screen(live, made["id"], "console", made["facilitator_token"]),
    ]
    wall = Screen(
        live.ws(f"/ws/assemblies/{made['id']}?view=projector&key={made['projector_key']}")
    )
    wall.receive()
    screens.append(wall)
    answered = live.http.put(
        f"/api/rounds/{round_id}/response", json={"value": "agree"}, headers=fac
    )
    seq = answered.json()["seq"]
    for screen in screens:
        while screen.seq < seq:
            doc = BeautifulSoup(screen.receive(), "html.parser")
            ids = {e["id"] for e in doc.find_all(recursive=False) if e.get("id")}
            # The log corner too, on the wall and phones: an answer is an event, the head moves.
            assert ids <= {"mc-tally", "mc-seq", "mc-log"}, ids
        tally = BeautifulSoup(screen.regions["mc-round"], "html.parser")
        assert tally.select_one(".round-count strong").get_text() == "1"
        meter = tally.select_one(".meter .answer-agree .meter-n")
        if results == "live":
            assert meter is not None and meter.get_text() == "1"
        else:  # a hidden round: the "N answered" line alone, and no value anywhere
            assert meter is None and tally.select_one(".hidden-note") is not None
        screen.socket.close()


def test_a_page_just_loaded_is_not_sent_its_regions_again(live: Live) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    seq = live.http.get(f"/api/assemblies/{made['id']}", headers=bearer(chen["token"])).json()[
        "seq"
    ]
    path = f"/ws/assemblies/{made['id']}?view=phone&since={seq}"
    loaded = live.ws(path + "&whole=1", bearer(chen["token"]))
    first = loaded.recv(timeout=WAIT)
    assert isinstance(first, str)
    assert [e["id"] for e in BeautifulSoup(first, "html.parser").find_all(recursive=False)] == [
        "mc-seq"
    ]
    # A reconnect (its seq came from pushes) gets the whole state again.
    again = open_screen(live, made["id"], "phone", chen["token"], since=seq)
    assert again.seq == seq and "mc-stack" in again.regions
    # And the page that was spared the snapshot still gets the next change.
    live.http.post(
        f"/api/assemblies/{made['id']}/headcount",
        json={"count": 90},
        headers=bearer(made["facilitator_token"]),
    )
    screen = Screen(loaded)
    screen.wait_for(seq + 1)
    assert "90" in screen.regions["mc-people"]
    loaded.close()
    again.socket.close()


# ---- who may watch -----------------------------------------------------------------------


def test_a_participant_without_a_role_cannot_watch_the_console(live: Live) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    socket = live.ws(f"/ws/assemblies/{made['id']}?view=console", bearer(chen["token"]))
    code, reason = closed_with(socket)
    assert code == 1008 and "role" in reason


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("view=wall", "view must be"),
        ("view=phone&since=-3", "since"),
        ("view=projector&key=guess", "key"),
    ],
)
def test_bad_socket_requests_are_closed_with_1008_and_a_reason(
    live: Live, query: str, reason: str
) -> None:
    made = new_assembly(live)
    socket = live.ws(f"/ws/assemblies/{made['id']}?{query}", bearer(made["facilitator_token"]))
    code, text = closed_with(socket)
    assert code == 1008 and reason in text


@pytest.mark.parametrize("path", ["/ws/assemblies/x/other", "/ws/elsewhere", "/ws/assemblies/"])
def test_a_socket_to_no_known_path_is_refused_without_an_error(live: Live, path: str) -> None:
    # The live sockets are served ahead of FastAPI's routing (MicCheck.__call__); anything else
    # still reaches the router, which refuses the handshake.
    with pytest.raises(InvalidStatus) as refused:
        live.ws(path)
    assert refused.value.response.status_code == 403


def test_a_socket_without_a_session_is_refused(live: Live) -> None:
    made = new_assembly(live)
    code, _ = closed_with(live.ws(f"/ws/assemblies/{made['id']}?view=phone"))
    assert code == 1008


# ---- the JSON events socket ---------------------------------------------------------------


def test_events_socket_sends_missed_then_live_events_in_order_without_gaps(live: Live) -> None:
    made = new_assembly(live)
    for name in ("Abebe", "Bianca", "Chen"):
        join(live, made, name)
    socket = live.ws(
        f"/ws/assemblies/{made['id']}/events?since=1", bearer(made["facilitator_token"])
    )
    fac = bearer(made["facilitator_token"])
    for count in (10, 20, 30):
        live.http.post(
            f"/api/assemblies/{made['id']}/headcount", json={"count": count}, headers=fac
        )
    seen: list[dict[str, Any]] = []
    while len(seen) < 6:
        frame = json.loads(socket.recv(timeout=WAIT))
        if frame.get("type") == "heartbeat":
            continue
        seen.append(frame)
    assert [f["seq"] for f in seen] == [2, 3, 4, 5, 6, 7]
    assert [f["type"] for f in seen[:3]] == ["participant_joined"] * 3
    assert [f["payload"]["count"] for f in seen[3:]] == [10, 20, 30]
    socket.send("nonsense")
    error = json.loads(socket.recv(timeout=WAIT))
    assert error["type"] == "error" and error["code"] == "bad_frame"
    socket.close()


def test_cookie_sockets_from_another_origin_are_refused(live: Live, tmp_path: Path) -> None:
    made = new_assembly(live)
    socket = live.ws(f"/ws/assemblies/{made['id']}?view=phone", {"Origin": "http://evil.example"})
    code, _ = closed_with(socket)
    assert code == 1008


def _events(live: Live, made: dict[str, Any], token: str, count: int) -> list[dict[str, Any]]:
    socket = live.ws(f"/ws/assemblies/{made['id']}/events?since=0", bearer(token))
    seen: list[dict[str, Any]] = []
    while len(seen) < count:
        frame = json.loads(socket.recv(timeout=WAIT))
        if frame.get("type") != "heartbeat":
            seen.append(frame)
    socket.close()
    return seen


def test_members_see_no_values_of_a_hidden_round_until_it_closes_and_never_anonymous_people(
    live: Live,
) -> None:
    made = new_assembly(live)
    fac = bearer(made["facilitator_token"])
    ana, ben = join(live, made, "Ana"), join(live, made, "Ben")

    def call(path: str, body: Any = None, who: dict[str, str] = fac, method: str = "POST") -> Any:
        response = live.http.request(method, f"/api{path}", json=body, headers=who)
        assert response.status_code in (200, 201), response.text
        return response.json()

    proposal = call(
        f"/assemblies/{made['id']}/proposals",
        {"title": "Tarps", "text": "Buy tarps.", "presenter_name": "Ana"},
    )["proposal_id"]
    call(f"/proposals/{proposal}/stage", {"stage": "temperature_check"})
    opened = call(f"/proposals/{proposal}/rounds", {"kind": "temperature", "results": "hidden"})
    hidden = opened["round_id"]
    answer = {"value": "down"}
    last = call(f"/rounds/{hidden}/response", answer, bearer(ana["token"]), "PUT")["seq"]

    def cast(token: str) -> dict[str, Any]:
        events = _events(live, made, token, last)
        return next(e for e in events if e["type"] == "response_cast")["payload"]

    shown_to_ben = cast(ben["token"])
    assert shown_to_ben["redacted"] is True
    assert "value" not in shown_to_ben and "reason" not in shown_to_ben
    assert cast(made["facilitator_token"])["value"] == "down"

    last = call(f"/rounds/{hidden}/close")["seq"]
    assert cast(ben["token"])["value"] == "down"  # closed: the tally is public now

    call(f"/proposals/{proposal}/stage", {"stage": "consensus_call"})
    secret = call(f"/proposals/{proposal}/rounds", {"kind": "consensus", "anonymous": True})
    call(f"/rounds/{secret['round_id']}/response", {"value": "agree"}, bearer(ben["token"]), "PUT")
    last = call(f"/rounds/{secret['round_id']}/close")["seq"]
    for token in (ben["token"], made["facilitator_token"]):
        anonymous = [
            e
            for e in _events(live, made, token, last)
            if e["type"] == "response_cast" and e["payload"]["round_id"] == secret["round_id"]
        ]
        assert len(anonymous) == 1
        assert not {"participant_id", "name"} & set(anonymous[0]["payload"])
