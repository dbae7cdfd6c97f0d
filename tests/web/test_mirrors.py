"""A mirror's side of the web: the copy stream (facilitators only, every event whole, the
secrets on it and nowhere else, "stored" heard), the announce and take-over routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import update
from websockets.sync.client import ClientConnection

from app.config import Settings
from app.db import Database
from app.events import verify_chain
from app.events.service import HEAD
from app.web.app import create_app
from app.web.sockets import COPY_FOR_FACILITATORS
from tests.conftest import GA, error_of, ok
from tests.e2e.harness import serve_in_thread
from tests.web.live_client import (
    WAIT,
    Live,
    bearer,
    closed_with,
    join,
    new_assembly,
    open_screen,
)

PRIMARY = "http://192.168.1.10:8000"


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[Live]:
    settings = settings.model_copy(update={"heartbeat_seconds": 3600.0})
    app = create_app(settings, db)
    with serve_in_thread(app) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, db)


def copy_stream(live: Live, made: dict[str, Any], token: str, since: int = 0) -> ClientConnection:
    return live.ws(f"/ws/assemblies/{made['id']}/events?since={since}&copy=1", bearer(token))


def frames_until_secrets(socket: ClientConnection) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != "secrets":
        seen.append(json.loads(socket.recv(timeout=WAIT)))
    return seen


def test_the_copy_stream_refuses_anyone_but_a_facilitator_with_1008(live: Live) -> None:
    made = new_assembly(live)
    keiko = join(live, made, "Keiko")
    code, reason = closed_with(copy_stream(live, made, keiko["token"]))
    assert (code, reason) == (1008, COPY_FOR_FACILITATORS)


def test_the_copy_stream_sends_every_event_whole_then_the_secrets(live: Live) -> None:
    made = new_assembly(live)
    keiko = join(live, made, "Keiko")
    with copy_stream(live, made, made["facilitator_token"]) as socket:
        frames = frames_until_secrets(socket)
    events = [f["event"] for f in frames if f["type"] == "event"]
    assert [e["seq"] for e in events] == [1, 2]
    assert verify_chain(events) is None  # whole: actor_id, prev_hash and hash as exported
    secrets = frames[-1]
    assert set(secrets["participants"]) == {
        str(made["participant_id"]),
        str(keiko["participant_id"]),
    }
    assert secrets["join_code"] == made["join_code"]
    assert len(secrets["projector_key_hash"]) == 64


def test_a_new_link_sends_the_secrets_again_after_its_event(live: Live) -> None:
    made = new_assembly(live)
    keiko = join(live, made, "Keiko")
    pid = keiko["participant_id"]
    with copy_stream(live, made, made["facilitator_token"]) as socket:
        before = frames_until_secrets(socket)[-1]["participants"][str(pid)]
        reissued = live.http.post(
            f"/api/assemblies/{made['id']}/participants/{pid}/reissue",
            headers=bearer(made["facilitator_token"]),
        )
        assert reissued.status_code == 200, reissued.text
        frames = frames_until_secrets(socket)
    assert [f["event"]["type"] for f in frames if f["type"] == "event"] == [
        "participant_link_reissued"
    ]
    assert frames[-1]["participants"][str(pid)] not in (before, None)


def test_token_hashes_never_appear_in_the_event_export(live: Live) -> None:
    made = new_assembly(live)
    join(live, made, "Keiko")
    with copy_stream(live, made, made["facilitator_token"]) as socket:
        hashes = frames_until_secrets(socket)[-1]["participants"].values()
    export = live.http.get(
        f"/api/assemblies/{made['id']}/events", headers=bearer(made["facilitator_token"])
    ).text
    assert hashes and not any(digest in export for digest in hashes)


def test_a_stored_frame_tells_the_primary_what_a_take_over_would_lose(live: Live) -> None:
    made = new_assembly(live)
    fac = bearer(made["facilitator_token"])
    with copy_stream(live, made, made["facilitator_token"]) as socket:
        frames_until_secrets(socket)
        socket.send(json.dumps({"type": "stored", "seq": 1}))
        join(live, made, "Keiko")  # seq 2, not stored by the mirror
        socket.send(json.dumps({"type": "ping"}))
        while (frame := json.loads(socket.recv(timeout=WAIT)))["type"] != "pong":
            pass
        assert frame["head"] == 2
        panel = live.http.get(f"/a/{made['id']}/console/mirrors", headers=fac).text
    assert 'data-would-lose="1"' in panel


# ---- routes -----------------------------------------------------------------------------------


def test_announcing_a_mirror_appends_one_event_and_phones_carry_its_address(
    client: TestClient, assembly: GA, participants: Any
) -> None:
    (keiko,) = participants(1)
    fac = assembly.facilitator.headers
    before = client.get(f"/a/{assembly.id}?key={keiko.token}").text
    assert "data-mirror-pass" not in before and "mirror.js" not in before  # no bytes for none
    url = f"/api/assemblies/{assembly.id}/mirrors"
    first = ok(client.post(url, json={"address": "http://192.168.1.11:8001/"}, headers=fac))
    again = ok(client.post(url, json={"address": "http://192.168.1.11:8001"}, headers=fac))
    assert first["address"] == "http://192.168.1.11:8001" and again["seq"] == first["seq"]
    phone = client.get(f"/a/{assembly.id}?key={keiko.token}").text
    assert 'data-mirrors="http://192.168.1.11:8001"' in phone
    assert f'data-mirror-pass="{keiko.participant_id}.' in phone and "/static/mirror." in phone


def test_a_phone_opened_before_a_mirror_was_announced_gets_the_script_and_asks_for_its_pass(
    live: Live,
) -> None:
    made = new_assembly(live)
    keiko = join(live, made, "Keiko")
    phone = open_screen(live, made["id"], "phone", keiko["token"])
    assert "mirror.js" not in phone.regions["mc-header"]  # the first render: no mirror, no bytes
    announced = live.http.post(
        f"/api/assemblies/{made['id']}/mirrors",
        json={"address": "http://192.168.1.11:8001"},
        headers=bearer(made["facilitator_token"]),
    )
    assert announced.status_code == 200, announced.text
    phone.wait_for(announced.json()["seq"])
    script = BeautifulSoup(phone.regions["mc-header"], "html.parser").select_one("script")
    assert script is not None and "/static/mirror." in str(script["src"])
    asked = live.http.get(str(script["data-pass-url"]), headers=bearer(keiko["token"]))
    assert script["data-phones"] == "2"  # Noor and Keiko: their asks spread 10 ms a phone
    assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store"
    page = live.http.get(f"/a/{made['id']}", headers=bearer(keiko["token"])).text
    carried = page.split('data-mirror-pass="', 1)[1].split('"', 1)[0]
    assert asked.json() == {"pass": carried}
    phone.socket.close()


@pytest.mark.parametrize("address", ["ftp://x", "http://192.168.1.11:8001/a/b", "not an address"])
def test_a_mirror_address_that_is_not_an_origin_is_refused_with_422(
    client: TestClient, assembly: GA, address: str
) -> None:
    response = client.post(
        f"/api/assemblies/{assembly.id}/mirrors",
        json={"address": address},
        headers=assembly.facilitator.headers,
    )
    assert response.status_code == 422 and error_of(response)["code"] == "bad_address"


def test_taking_over_a_server_that_runs_the_assembly_is_refused_with_409(
    client: TestClient, assembly: GA
) -> None:
    response = client.post(
        f"/api/assemblies/{assembly.id}/take-over", headers=assembly.facilitator.headers
    )
    assert response.status_code == 409 and error_of(response)["code"] == "not_a_mirror"


def follow(db: Database, assembly_id: str) -> None:
    """Make this server's copy of the assembly a mirror's: it follows PRIMARY."""
    with db.write() as session:
        session.connection().execute(
            update(HEAD).where(HEAD.c.assembly_id == assembly_id).values(follows=PRIMARY)
        )


def test_a_mirror_refuses_every_change_until_taken_over(
    client: TestClient, db: Database, assembly: GA, participants: Any
) -> None:
    (keiko,) = participants(1)
    follow(db, assembly.id)
    raised = client.post(
        f"/api/assemblies/{assembly.id}/stack", json={"kind": "speak"}, headers=keiko.headers
    )
    assert raised.status_code == 409 and error_of(raised)["code"] == "read_only_copy"


def test_only_a_facilitator_takes_over_a_mirror(
    client: TestClient, db: Database, assembly: GA, participants: Any
) -> None:
    (keiko,) = participants(1)
    follow(db, assembly.id)
    response = client.post(f"/api/assemblies/{assembly.id}/take-over", headers=keiko.headers)
    assert response.status_code == 403 and error_of(response)["code"] == "role_required"


def test_a_take_over_continues_the_chain_and_the_mirror_acts_as_the_primary(
    client: TestClient, db: Database, assembly: GA, participants: Any
) -> None:
    (keiko,) = participants(1)
    fac = assembly.facilitator.headers
    head = ok(client.get(f"/api/assemblies/{assembly.id}", headers=fac))["seq"]
    follow(db, assembly.id)
    taken = ok(client.post(f"/api/assemblies/{assembly.id}/take-over", headers=fac))
    assert taken == {"from": PRIMARY, "at_seq": head, "seq": head + 1}
    raised = client.post(
        f"/api/assemblies/{assembly.id}/stack", json={"kind": "speak"}, headers=keiko.headers
    )
    assert raised.status_code in (200, 201), raised.text
    export = ok(client.get(f"/api/assemblies/{assembly.id}/events", headers=fac))
    assert verify_chain(export["events"], export["head"]) is None
    assert export["events"][head]["type"] == "taken_over"
    minutes = client.get(f"/api/assemblies/{assembly.id}/minutes.md", headers=fac).text
    assert f"took over on a mirror of {PRIMARY}: the record goes on there from event {head}" in (
        minutes
    )


def test_the_take_over_form_goes_back_to_the_console(
    client: TestClient, db: Database, assembly: GA
) -> None:
    client.get(f"/a/{assembly.id}/console?key={assembly.facilitator.token}")
    follow(db, assembly.id)
    console = client.get(f"/a/{assembly.id}/console").text
    assert "Take over from" in console
    response = client.post(
        f"/a/{assembly.id}/take-over",
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "took over" in client.get(f"/a/{assembly.id}/console").text


def test_a_pass_lets_a_phone_into_a_mirror_and_nowhere_else(
    client: TestClient, db: Database, assembly: GA, participants: Any
) -> None:
    (keiko,) = participants(1)
    mirror = {"address": "http://192.168.1.11:8001"}
    client.post(
        f"/api/assemblies/{assembly.id}/mirrors", json=mirror, headers=assembly.facilitator.headers
    )
    phone = client.get(f"/a/{assembly.id}?key={keiko.token}").text
    given = phone.split('data-mirror-pass="', 1)[1].split('"', 1)[0]
    client.cookies.clear()
    refused = client.get(f"/a/{assembly.id}/pass", params={"p": given}, follow_redirects=False)
    assert refused.status_code == 401  # the primary never takes a pass as a login
    follow(db, assembly.id)
    let_in = client.get(f"/a/{assembly.id}/pass", params={"p": given}, follow_redirects=False)
    assert let_in.status_code == 303 and let_in.headers["location"] == f"/a/{assembly.id}"
    assert keiko.name in client.get(f"/a/{assembly.id}").text
    client.cookies.clear()
    forged = given[:-1] + ("0" if given[-1] != "0" else "1")
    wrong = client.get(f"/a/{assembly.id}/pass", params={"p": forged}, follow_redirects=False)
    assert wrong.status_code == 401


# ---- MICCHECK_ACK_AFTER_MIRROR ----------------------------------------------------------------


@pytest.fixture
def acked(settings: Settings, db: Database) -> Iterator[Live]:
    settings = settings.model_copy(update={"heartbeat_seconds": 3600.0, "ack_after_mirror": True})
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, db)


def test_with_ack_after_mirror_a_change_no_mirror_stored_is_503_and_kept(acked: Live) -> None:
    made = new_assembly(acked)  # no mirror announced yet: nothing to wait for
    fac = bearer(made["facilitator_token"])
    base = f"/api/assemblies/{made['id']}"
    announced = acked.http.post(
        f"{base}/mirrors", json={"address": "http://127.0.0.1:9"}, headers=fac
    )
    assert announced.status_code == 503 and error_of(announced)["code"] == "not_mirrored"
    count = acked.http.post(f"{base}/headcount", json={"count": 40}, headers=fac)
    assert count.status_code == 503
    assert acked.http.get(base, headers=fac).json()["headcount"] == 40  # committed all the same


def test_with_ack_after_mirror_a_console_form_no_mirror_stored_says_why_on_the_page(
    acked: Live,
) -> None:
    made = new_assembly(acked)
    fac = bearer(made["facilitator_token"])
    acked.http.post(
        f"/api/assemblies/{made['id']}/mirrors", json={"address": "http://127.0.0.1:9"}, headers=fac
    )
    console = f"{acked.base}/a/{made['id']}/console"
    with httpx.Client(base_url=acked.base) as browser:
        opened = browser.get(f"{console}?key={made['facilitator_token']}", follow_redirects=True)
        assert opened.status_code == 200
        form = {"origin": acked.base, "hx-current-url": console, "referer": console}
        htmx = browser.post(
            f"/a/{made['id']}/headcount", data={"count": "41"}, headers={**form, "hx-request": "1"}
        )
        plain = browser.post(f"/a/{made['id']}/headcount", data={"count": "42"}, headers=form)
    error = BeautifulSoup(htmx.text, "html.parser").select_one("#mc-error")
    assert htmx.status_code == 503 and error is not None
    assert "no mirror has stored it yet" in error.get_text()
    assert (
        plain.status_code == 503
        and "<html" in plain.text
        and "Sending it again is safe" in (plain.text)
    )


def test_with_ack_after_mirror_a_change_a_mirror_stored_is_acknowledged(acked: Live) -> None:
    made = new_assembly(acked)
    fac = bearer(made["facilitator_token"])
    base = f"/api/assemblies/{made['id']}"
    acked.http.post(f"{base}/mirrors", json={"address": "http://127.0.0.1:9"}, headers=fac)
    with copy_stream(acked, made, made["facilitator_token"]) as socket:
        frames_until_secrets(socket)
        socket.send(json.dumps({"type": "stored", "seq": 3}))  # what the headcount will be
        count = acked.http.post(f"{base}/headcount", json={"count": 40}, headers=fac)
    assert count.status_code == 200 and count.json()["seq"] == 3


@pytest.mark.redis
def test_with_ack_after_mirror_a_change_on_another_worker_waits_for_what_the_mirror_stored(
    settings: Settings, db: Database, redis_url: str
) -> None:
    """The mirror's socket lands on one worker; its "stored" reaches the others by the bus
    (each holds phones' sockets of the assembly in a room, so each hears its channel)."""
    settings = settings.model_copy(
        update={"heartbeat_seconds": 3600.0, "ack_after_mirror": True, "broadcast_url": redis_url}
    )
    with (
        serve_in_thread(create_app(settings, db)) as one,
        serve_in_thread(create_app(settings, db)) as two,
        httpx.Client(base_url=one) as http_one,
        httpx.Client(base_url=two) as http_two,
    ):
        first, second = Live(one, http_one, db), Live(two, http_two, db)
        made = new_assembly(first)
        keiko = join(first, made, "Keiko")
        fac = bearer(made["facilitator_token"])
        base = f"/api/assemblies/{made['id']}"
        first.http.post(f"{base}/mirrors", json={"address": "http://127.0.0.1:9"}, headers=fac)
        phone = open_screen(second, made["id"], "phone", keiko["token"])  # a phone on worker two
        with copy_stream(first, made, made["facilitator_token"]) as socket:
            head = frames_until_secrets(socket)[-2]["seq"]
            socket.send(json.dumps({"type": "stored", "seq": head + 1}))  # the headcount's
            count = second.http.post(f"{base}/headcount", json={"count": 40}, headers=fac)
        phone.socket.close()
    assert count.status_code == 200, count.text
    assert count.json()["seq"] == head + 1
