"""Browser sessions (app/web/sessions.py, app/sessions): the cookie holds only a signed random
id; the server keeps the hashes of what the browser opened and when the session ends; the
participant is found by that hash on every request."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import event
from sqlmodel import select
from starlette.websockets import WebSocketDisconnect

from app.assembly.auth import hash_secret
from app.assembly.models import Participant
from app.config import Settings
from app.db import Database
from app.sessions.logic import unseal
from app.sessions.models import BrowserSessionRecord
from app.web.app import create_app
from app.web.context import AppContext
from app.web.sessions import COOKIE, SALT, record_id
from tests.conftest import GA, create_assembly

START = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


class Clock:
    """The time the session store reads; tests move it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def ctx(client: TestClient) -> AppContext:
    context: AppContext = client.app.state.ctx  # type: ignore[attr-defined]
    return context


@pytest.fixture
def clock(ctx: AppContext) -> Clock:
    ticking = Clock()
    ctx.sessions.clock = ticking
    return ticking


def browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="http://testserver")


def join_by_form(page: TestClient, assembly: GA, name: str) -> None:
    joined = page.post("/join", data={"join_code": assembly.join_code, "name": name})
    assert joined.status_code == 200 and joined.url.path == f"/a/{assembly.id}", joined.text


def name_on_phone(page: TestClient, assembly: GA) -> str | None:
    """Whom the phone page shows as signed in; None when it sends the browser to join."""
    reply = page.get(f"/a/{assembly.id}", follow_redirects=False)
    if reply.status_code == 303:
        return None
    assert reply.status_code == 200, reply.text
    you = BeautifulSoup(reply.text, "html.parser").select_one(".you strong")
    assert you is not None
    return you.get_text()


def stored(db: Database) -> list[BrowserSessionRecord]:
    with db.read() as session:
        return list(session.exec(select(BrowserSessionRecord)).all())


def test_the_cookie_holds_a_signed_random_id_and_no_token_or_key(
    client: TestClient, settings: Settings, db: Database
) -> None:
    made = client.post("/", data={"title": "Riverside Commons GA"}, follow_redirects=False)
    assert made.status_code == 303
    raw = client.cookies[COOKIE]
    sid, version = URLSafeSerializer(settings.resolved_secret_key(), salt=SALT).loads(raw)
    assert isinstance(sid, str) and len(sid) >= 40  # 32 random bytes
    assert isinstance(version, str) and len(version) <= 16  # the session's version
    [record] = stored(db)
    assert record.id == record_id(sid) != sid  # the table names no session
    assembly_id = made.headers["location"].split("/")[2]
    with db.read() as session:
        noor = session.exec(select(Participant).where(Participant.assembly_id == assembly_id)).one()
    assert noor.token_hash is not None and noor.token_hash in record.seats_json
    # The row holds the hashes of the facilitator's token and the projector key, and the token
    # sealed under the cookie's id, which the row does not hold (for the secret console link).
    seats = json.loads(record.seats_json)
    assert set(seats) == {assembly_id} and set(seats[assembly_id]) == {"t", "p", "s"}
    assert seats[assembly_id]["t"] == noor.token_hash
    assert re.fullmatch(r"[0-9a-f]{64}", seats[assembly_id]["p"])
    sealed = seats[assembly_id]["s"]
    assert unseal(record.id, assembly_id, sealed, noor.token_hash) is None  # the table alone
    token = unseal(sid, assembly_id, sealed, noor.token_hash)
    assert token is not None and token not in record.seats_json and token not in raw
    console = client.get(f"/a/{assembly_id}/console")  # and they open the console
    assert console.status_code == 200 and f"?key={token}" in console.text


def test_the_cookie_and_the_session_row_hold_no_token_of_a_link(
    client: TestClient, assembly: GA, settings: Settings, db: Database
) -> None:
    page = browser(client)
    token, key = assembly.facilitator.token, assembly.projector_key
    assert page.get(f"/a/{assembly.id}/console?key={token}").status_code == 200
    assert page.get(f"/a/{assembly.id}/projector?key={key}").status_code == 200
    raw = page.cookies[COOKIE]
    decoded = URLSafeSerializer(settings.resolved_secret_key(), salt=SALT).loads(raw)
    [record] = stored(db)
    for text in (raw, str(decoded), record.seats_json, record.id):
        assert token not in text and key not in text
    assert hash_secret(token) in record.seats_json and hash_secret(key) in record.seats_json


def test_a_session_expires_after_the_set_days_without_use(
    client: TestClient, assembly: GA, ctx: AppContext, clock: Clock
) -> None:
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    clock.now += timedelta(days=ctx.settings.session_days) - timedelta(minutes=1)
    assert name_on_phone(page, assembly) == "Ada"  # still valid, and extended by this use
    clock.now += timedelta(days=ctx.settings.session_days) - timedelta(minutes=1)
    ctx.sessions.forget_cached()
    assert name_on_phone(page, assembly) == "Ada"
    clock.now += timedelta(days=ctx.settings.session_days)
    assert name_on_phone(page, assembly) is None  # refused like no session: off to join


def test_an_expired_session_is_refused_by_the_api_and_the_socket(
    client: TestClient, assembly: GA, ctx: AppContext, clock: Clock
) -> None:
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    raised = page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"})
    assert raised.status_code == 200
    clock.now += timedelta(days=ctx.settings.session_days, seconds=1)
    again = page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"})
    assert again.status_code == 401
    with (
        page.websocket_connect(f"/ws/assemblies/{assembly.id}?view=phone") as socket_,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket_.receive_text()
    assert closed.value.code == 1008  # refused before any push


def test_use_extends_a_session_at_most_once_an_hour(
    client: TestClient, assembly: GA, ctx: AppContext, clock: Clock, db: Database
) -> None:
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    [first] = stored(db)
    clock.now += timedelta(minutes=59)
    ctx.sessions.forget_cached()
    assert name_on_phone(page, assembly) == "Ada"
    [same] = stored(db)
    assert same.last_seen_at == first.last_seen_at and same.expires_at == first.expires_at
    clock.now += timedelta(minutes=2)
    assert name_on_phone(page, assembly) == "Ada"
    [later] = stored(db)
    assert later.expires_at > first.expires_at


def test_expired_sessions_are_deleted_when_someone_signs_in(
    client: TestClient, assembly: GA, ctx: AppContext, clock: Clock, db: Database
) -> None:
    old = browser(client)
    join_by_form(old, assembly, "Ada")
    clock.now += timedelta(days=ctx.settings.session_days, seconds=1)
    assert len(stored(db)) == 1
    join_by_form(browser(client), assembly, "Ben")
    [left] = stored(db)
    assert name_on_phone(old, assembly) is None
    assert left.expires_at > clock.now


def test_a_session_whose_hash_no_longer_matches_a_participant_is_refused_at_once(
    client: TestClient, assembly: GA, db: Database
) -> None:
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    assert name_on_phone(page, assembly) == "Ada"
    with db.write() as session:  # as a reissued link does: the old hash is gone
        ada = session.exec(select(Participant).where(Participant.name == "Ada")).one()
        ada.token_hash = hash_secret("a-new-token-for-ada")
        session.add(ada)
    assert name_on_phone(page, assembly) is None  # the cached session changes nothing
    refused = page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"})
    assert refused.status_code == 401


def test_an_old_cookie_holding_tokens_is_refused(
    client: TestClient, assembly: GA, settings: Settings
) -> None:
    """Cookies from before (a dict of tokens, signed) are not converted: the person opens
    their link again (README, Sessions)."""
    old = URLSafeSerializer(settings.resolved_secret_key(), salt="miccheck-session")
    page = browser(client)
    page.cookies.set(COOKIE, old.dumps({"t": {assembly.id: assembly.facilitator.token}, "p": {}}))
    assert page.get(f"/a/{assembly.id}/console", follow_redirects=False).status_code == 303
    # Nor is a well-signed id of a session the server does not have.
    made_up = URLSafeSerializer(settings.resolved_secret_key(), salt=SALT).dumps(["x" * 43, "1"])
    page.cookies.set(COOKIE, made_up)
    assert page.get(f"/a/{assembly.id}/console", follow_redirects=False).status_code == 303


@pytest.fixture
def session_reads(db: Database) -> Iterator[list[str]]:
    """The statements that read the browser_session table, as they run."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "browser_session" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_an_answer_reads_the_session_by_its_key_once_then_from_the_cache(
    client: TestClient, assembly: GA, ctx: AppContext, session_reads: list[str]
) -> None:
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    ctx.sessions.forget_cached()
    session_reads.clear()
    assert page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"}).status_code == 200
    assert len(session_reads) == 1 and "WHERE browser_session.id" in session_reads[0]
    assert page.post(f"/a/{assembly.id}/stack/lower", data={}).status_code in (200, 303, 409)
    assert len(session_reads) == 1  # reused for a few seconds; the member is looked up anew


def test_a_change_made_through_another_process_is_seen_at_once(
    client: TestClient, assembly: GA, settings: Settings, db: Database
) -> None:
    """Each process caches sessions a few seconds; the cookie names the session's version, so
    a seat taken through one server is seen by the other on the next request."""
    other_server = TestClient(create_app(settings, db), base_url="http://testserver")
    first = browser(client)
    join_by_form(first, assembly, "Ada")
    second = create_assembly(client, title="Second GA", facilitator_name="Lu")
    other_server.cookies = first.cookies
    assert name_on_phone(other_server, assembly) == "Ada"  # the other server caches it now
    join_by_form(first, second, "Ada")  # a second seat, through the first server
    other_server.cookies = first.cookies
    reply = other_server.get(f"/a/{second.id}", follow_redirects=False)
    assert reply.status_code == 200, reply.headers.get("location")


def test_a_socket_reads_its_session_as_it_opens_without_keeping_it(
    client: TestClient, assembly: GA, ctx: AppContext, session_reads: list[str]
) -> None:
    """A room's sockets would otherwise hold a cached session each; the page's own requests
    keep theirs."""
    page = browser(client)
    join_by_form(page, assembly, "Ada")
    ctx.sessions.forget_cached()
    session_reads.clear()
    url = f"/ws/assemblies/{assembly.id}?view=phone&since=0"
    cookie = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    # Through `client`, whose lifespan runs the hub on its own loop (`page` has none running).
    headers = {"origin": "http://testserver", "cookie": cookie}
    with client.websocket_connect(url, headers=headers) as socket:
        socket.receive_text()  # the snapshot: the socket was let in by its session
    assert len(session_reads) == 1
    assert page.post(f"/a/{assembly.id}/stack/raise", data={"kind": "speak"}).status_code == 200
    assert len(session_reads) == 2  # not kept by the socket: the answer reads it, and keeps it
    assert page.post(f"/a/{assembly.id}/stack/lower", data={}).status_code in (200, 303, 409)
    assert len(session_reads) == 2
