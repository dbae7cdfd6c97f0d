"""The follower (app/copies/follow.py) against a real primary served in a thread: every event
stored with its links checked, the head following the primary; a broken link stores nothing;
a key that is not a facilitator's stops it, saying why.

The concepts' projections are stood in for here (each event type applies as nothing): these
tests are about the log the mirror keeps; tests/copies/test_takeover.py runs the real ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.config import Settings
from app.copies import replay
from app.copies.follow import Follower
from app.copies.service import BrokenLink, store_copied
from app.db import Database
from app.events import export_events, verify_chain
from app.events.models import EventHead
from app.web.app import create_app
from tests.e2e.harness import serve_in_thread
from tests.web.live_client import WAIT, Live, join, new_assembly


class AppliedAsNothing(dict[str, Any]):
    """A projection table in which every event type applies as nothing."""

    def get(self, key: str, default: Any = None) -> Any:
        return lambda session, event: None


@pytest.fixture(autouse=True)
def no_projections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "PROJECTIONS", AppliedAsNothing())


@pytest.fixture
def primary(settings: Settings, db: Database) -> Iterator[Live]:
    with serve_in_thread(create_app(settings, db)) as base, httpx.Client(base_url=base) as http:
        yield Live(base, http, db)


def follow_until(follower: Follower, done: Any) -> None:
    """Run the follower until `done()` holds (or fail after WAIT seconds)."""

    async def run() -> None:
        follower.start()
        try:
            async with asyncio.timeout(WAIT):
                while not done():
                    await asyncio.sleep(0.02)
        finally:
            await follower.stop()

    asyncio.run(run())


def test_a_follower_stores_every_event_of_its_primary_with_the_chain_whole(
    primary: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    for name in ("Keiko", "Ruth", "Mike"):
        join(primary, made, name)
    follower = Follower(
        db=copy_db, primary=primary.base, assembly_id=made["id"], key=made["facilitator_token"]
    )
    follow_until(follower, lambda: follower.held == 4)
    assert primary.db is not None
    with primary.db.read() as session:
        original = export_events(session, made["id"])
    with copy_db.read() as session:
        copied = export_events(session, made["id"])
        head = session.exec(select(EventHead)).one()
    assert copied == original and verify_chain(copied["events"], copied["head"]) is None
    assert head.follows == primary.base
    assert follower.lag().events == 0


def test_a_follower_goes_on_from_its_own_head_after_a_restart(
    primary: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    key = made["facilitator_token"]
    first = Follower(db=copy_db, primary=primary.base, assembly_id=made["id"], key=key)
    follow_until(first, lambda: first.held == 1)
    join(primary, made, "Keiko")
    second = Follower(db=copy_db, primary=primary.base, assembly_id=made["id"], key=key)
    follow_until(second, lambda: second.held == 2)
    with copy_db.read() as session:
        assert verify_chain(export_events(session, made["id"])["events"]) is None


def test_a_key_that_is_not_a_facilitators_stops_the_follower_saying_why(
    primary: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    keiko = join(primary, made, "Keiko")
    follower = Follower(
        db=copy_db, primary=primary.base, assembly_id=made["id"], key=keiko["token"]
    )
    follow_until(follower, lambda: follower.stopped is not None)
    assert "facilitator" in (follower.stopped or "")
    assert follower.held == 0


def test_a_broken_link_is_refused_and_nothing_of_the_batch_is_stored(
    primary: Live, copy_db: Database
) -> None:
    made = new_assembly(primary)
    join(primary, made, "Keiko")
    join(primary, made, "Ruth")
    assert primary.db is not None
    with primary.db.read() as session:
        events = export_events(session, made["id"])["events"]
    events[2] = {**events[2], "payload": {**events[2]["payload"], "name": "Mallory"}}
    refused = pytest.raises(BrokenLink, match="event 3 does not match its own hash")
    with refused, copy_db.write() as session:
        store_copied(session, made["id"], events, primary=primary.base)
    with copy_db.read() as session:
        assert export_events(session, made["id"])["events"] == []


def test_a_copy_this_server_runs_itself_is_never_followed(primary: Live, db: Database) -> None:
    made = new_assembly(primary)
    with db.read() as session:
        events = export_events(session, made["id"])["events"]
    with pytest.raises(Exception, match="runs this assembly itself"), db.write() as session:
        store_copied(session, made["id"], events, primary="http://elsewhere:8000")
