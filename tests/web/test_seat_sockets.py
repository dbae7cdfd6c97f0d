"""When a person's rights change — removed, given a new link, a role taken back — the sockets
they already hold close (1013) and, reconnecting, are let in only as what they are now: a
removed person or an old link is refused (1008), a console without a role too; everyone
else's sockets carry on (app/live/hub.py `seat`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from app.config import Settings
from app.db import Database
from app.live.hub import SEAT_CHANGED
from app.web.app import create_app
from tests.e2e.harness import serve_in_thread
from tests.web.live_client import WAIT, Live, bearer, closed_with, join, new_assembly


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[Live]:
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http)


def phone(live: Live, made: dict[str, Any], token: str, view: str = "phone") -> ClientConnection:
    socket = live.ws(f"/ws/assemblies/{made['id']}?view={view}&since=0", bearer(token))
    socket.recv(timeout=WAIT)  # the snapshot
    return socket


def act(live: Live, made: dict[str, Any], path: str, body: Any = None) -> Any:
    response = live.http.post(
        f"/api/assemblies/{made['id']}/{path}", json=body, headers=bearer(made["facilitator_token"])
    )
    assert response.status_code < 300, response.text
    return response.json()


def still_open(socket: ClientConnection) -> bool:
    socket.send(json.dumps({"type": "ping"}))
    socket.recv(timeout=WAIT)
    return True


def test_a_removed_persons_open_sockets_close_and_cannot_come_back(live: Live) -> None:
    made = new_assembly(live)
    chen, ana = join(live, made, "Chen"), join(live, made, "Ana")
    chens = phone(live, made, chen["token"])
    feed = live.ws(f"/ws/assemblies/{made['id']}/events?since=0", bearer(chen["token"]))
    anas = phone(live, made, ana["token"])
    act(live, made, f"participants/{chen['participant_id']}/remove")
    assert closed_with(chens) == (1013, SEAT_CHANGED)
    assert closed_with(feed) == (1013, SEAT_CHANGED)
    code, reason = closed_with(
        live.ws(f"/ws/assemblies/{made['id']}?view=phone&since=0", bearer(chen["token"]))
    )
    assert code == 1008 and "removed" in reason
    assert still_open(anas)  # nobody else was touched


def test_a_reissued_link_closes_the_old_phones_socket_for_good(live: Live) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    old = phone(live, made, chen["token"])
    new = act(live, made, f"participants/{chen['participant_id']}/reissue")
    assert closed_with(old) == (1013, SEAT_CHANGED)
    code, _ = closed_with(
        live.ws(f"/ws/assemblies/{made['id']}?view=phone&since=0", bearer(chen["token"]))
    )
    assert code == 1008
    assert still_open(phone(live, made, new["token"]))


def test_a_role_taken_back_ends_the_console_and_the_whole_log_but_not_the_seat(
    live: Live,
) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    act(live, made, "roles", {"participant_id": chen["participant_id"], "role": "facilitator"})
    console = phone(live, made, chen["token"], view="console")
    response = live.http.request(
        "DELETE",
        f"/api/assemblies/{made['id']}/roles",
        json={"participant_id": chen["participant_id"], "role": "facilitator"},
        headers=bearer(made["facilitator_token"]),
    )
    assert response.status_code == 200, response.text
    assert closed_with(console) == (1013, SEAT_CHANGED)
    code, reason = closed_with(
        live.ws(f"/ws/assemblies/{made['id']}?view=console&since=0", bearer(chen["token"]))
    )
    assert code == 1008 and "role" in reason
    assert still_open(phone(live, made, chen["token"]))  # still a participant


def test_muting_leaves_the_persons_sockets_open(live: Live) -> None:
    made = new_assembly(live)
    chen = join(live, made, "Chen")
    chens = phone(live, made, chen["token"])
    act(live, made, f"participants/{chen['participant_id']}/mute")
    assert still_open(chens)
