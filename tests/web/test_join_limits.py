"""Join limits per address: a venue whose phones share one public address can all join at
once, while an address that tries codes matching no assembly is stopped (API and pages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.errors import NotFound, TooMany
from app.web.app import create_app
from app.web.ratelimit import CodeGuard, TokenBucket
from tests.conftest import create_assembly, error_of

WRONG = "ZZZZZZ"  # well formed; the tests check it matches no assembly


def app_client(settings: Settings, db: Database, address: str = "203.0.113.7") -> TestClient:
    return TestClient(create_app(settings, db), base_url="http://testserver", client=(address, 5))


@pytest.fixture
def venue_settings(tmp_path: Path) -> Settings:
    """The defaults for every limit (only the database, secret and address are set)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'miccheck.db'}",
        secret_key="test-secret-key-not-for-production",
        public_url="http://testserver",
    )


@pytest.fixture
def small_settings(venue_settings: Settings) -> Settings:
    return venue_settings.model_copy(update={"code_misses_per_minute": 3})


@pytest.fixture
def venue(venue_settings: Settings, db: Database) -> Iterator[TestClient]:
    with app_client(venue_settings, db) as client:
        yield client


@pytest.fixture
def guarded(small_settings: Settings, db: Database) -> Iterator[TestClient]:
    with app_client(small_settings, db) as client:
        yield client


def test_by_default_2000_phones_behind_one_address_all_join_at_once(venue: TestClient) -> None:
    assembly = create_assembly(venue)
    statuses = [
        venue.post("/api/join", json={"join_code": assembly.join_code, "name": f"P{n}"}).status_code
        for n in range(2000)
    ]
    assert statuses.count(201) == 2000
    state = venue.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers)
    assert state.json()["people_joined"] == 2001  # the 2,000 and the facilitator


def test_the_default_miss_limit_is_20_a_minute(venue: TestClient) -> None:
    for _ in range(20):
        assert venue.post("/api/join", json={"join_code": WRONG, "name": "G"}).status_code == 404
    assert venue.post("/api/join", json={"join_code": WRONG, "name": "G"}).status_code == 429


def test_one_wrong_code_too_many_is_refused_with_429_and_retry_after(guarded: TestClient) -> None:
    for _ in range(3):
        missed = guarded.post("/api/join", json={"join_code": WRONG, "name": "Guess"})
        assert missed.status_code == 404 and error_of(missed)["code"] == "join_code_unknown"
    refused = guarded.post("/api/join", json={"join_code": WRONG, "name": "Guess"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert error_of(refused)["code"] == "too_many_requests"


def test_past_the_miss_limit_a_right_code_is_refused_too(guarded: TestClient) -> None:
    assembly = create_assembly(guarded)
    for _ in range(3):
        guarded.post("/api/join", json={"join_code": WRONG, "name": "Guess"})
    right = guarded.post("/api/join", json={"join_code": assembly.join_code, "name": "Ada"})
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    known = guarded.post(
        f"/api/assemblies/{assembly.id}/join", json={"join_code": assembly.join_code, "name": "A"}
    )
    assert known.status_code == 429
    page = guarded.get(f"/j/{assembly.join_code}")
    assert page.status_code == 429 and int(page.headers["retry-after"]) >= 1
    form = guarded.post("/join", data={"join_code": assembly.join_code, "name": "Ada"})
    assert form.status_code == 429 and int(form.headers["retry-after"]) >= 1
    alert = BeautifulSoup(form.text, "html.parser").find(role="alert")
    assert alert is not None and "unknown join codes" in alert.get_text()


def test_other_addresses_are_not_held_back_by_one_that_guesses(
    small_settings: Settings, db: Database
) -> None:
    app = create_app(small_settings, db)
    # One lifespan (the live hub) for the app; the second client shares it from another address.
    neighbour = TestClient(app, base_url="http://testserver", client=("198.51.100.9", 5))
    with TestClient(app, base_url="http://testserver", client=("203.0.113.7", 5)) as guesser:
        assembly = create_assembly(neighbour)
        for _ in range(4):
            guesser.post("/api/join", json={"join_code": WRONG, "name": "Guess"})
        assert guesser.get(f"/j/{assembly.join_code}").status_code == 429
        joined = neighbour.post("/api/join", json={"join_code": assembly.join_code, "name": "Bo"})
        assert joined.status_code == 201
        assert neighbour.get(f"/j/{assembly.join_code}").status_code == 200


@pytest.mark.parametrize("how", ["qr link", "join form", "join known id"])
def test_every_lookup_by_code_counts_its_misses(guarded: TestClient, how: str) -> None:
    assembly = create_assembly(guarded)

    def miss() -> int:
        if how == "qr link":
            return guarded.get(f"/j/{WRONG}").status_code
        if how == "join form":
            return guarded.post("/join", data={"join_code": WRONG, "name": "G"}).status_code
        url = f"/api/assemblies/{assembly.id}/join"  # the right id with a wrong code
        return guarded.post(url, json={"join_code": WRONG, "name": "G"}).status_code

    assert [miss() for _ in range(3)] == [404] * 3
    assert miss() == 429


def test_right_codes_and_malformed_codes_are_not_misses(guarded: TestClient) -> None:
    assembly = create_assembly(guarded)
    for n in range(10):
        ok = guarded.post("/api/join", json={"join_code": assembly.join_code, "name": f"P{n}"})
        assert ok.status_code == 201
        assert guarded.get(f"/j/{assembly.join_code.lower()}").status_code == 200
        malformed = guarded.post("/api/join", json={"join_code": "no", "name": "G"})
        assert malformed.status_code == 422


def test_the_miss_window_passes_and_lookups_work_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("app.web.ratelimit.time.monotonic", lambda: clock[0])
    guard = CodeGuard(2, 60)
    for _ in range(2):
        with pytest.raises(NotFound), guard.lookup("a"):
            raise NotFound("No assembly has this join code.", code="join_code_unknown")
    with pytest.raises(TooMany) as refused, guard.lookup("a"):
        pass
    assert refused.value.retry_after == 60
    clock[0] += 59.5
    with pytest.raises(TooMany) as still, guard.lookup("a"):
        pass
    assert still.value.retry_after == 1
    clock[0] += 0.5
    with guard.lookup("a"):
        pass  # the oldest miss is a minute old: one more try


def test_other_refusals_inside_a_lookup_are_not_misses() -> None:
    guard = CodeGuard(1, 60)
    for _ in range(3):
        with pytest.raises(NotFound), guard.lookup("a"):
            raise NotFound("No such assembly.", code="assembly_not_found")
    with guard.lookup("a"):
        pass


def test_the_join_bucket_allows_its_burst_then_refills_at_its_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [50.0]
    monkeypatch.setattr("app.web.ratelimit.time.monotonic", lambda: clock[0])
    bucket = TokenBucket(per_minute=60, burst=5)
    for _ in range(5):
        bucket.hit("venue", what="joins")
    with pytest.raises(TooMany) as refused:
        bucket.hit("venue", what="joins")
    assert refused.value.retry_after == 1 and refused.value.status == 429
    bucket.hit("elsewhere", what="joins")  # another address has its own bucket
    clock[0] += 1.0
    bucket.hit("venue", what="joins")  # one a second back
    with pytest.raises(TooMany):
        bucket.hit("venue", what="joins")
    clock[0] += 3600
    for _ in range(5):  # refilled to the burst, never beyond
        bucket.hit("venue", what="joins")
    with pytest.raises(TooMany):
        bucket.hit("venue", what="joins")


def test_joins_past_the_burst_are_refused_with_429_and_retry_after(
    venue_settings: Settings, db: Database
) -> None:
    settings = venue_settings.model_copy(update={"join_burst": 3, "joins_per_minute": 6})
    with app_client(settings, db) as client:
        assembly = create_assembly(client)
        for n in range(3):
            body = {"join_code": assembly.join_code, "name": f"P{n}"}
            assert client.post("/api/join", json=body).status_code == 201
        refused = client.post("/api/join", json={"join_code": assembly.join_code, "name": "X"})
        assert refused.status_code == 429 and error_of(refused)["code"] == "too_many_requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 10


@pytest.mark.parametrize("how", ["archive page", "archive api", "decision page", "group page"])
def test_archive_lookups_by_a_wrong_code_count_as_misses_too(guarded: TestClient, how: str) -> None:
    # The archive shows a private assembly's decisions to whoever gives its join code: a wrong
    # code still shows the public archive, but it is a guess, counted like a join's.
    assembly = create_assembly(guarded)
    paths = {
        "archive page": f"/archive?code={WRONG}",
        "archive api": f"/api/archive?code={WRONG}",
        "decision page": f"/archive/decisions/1?code={WRONG}",
        "group page": f"/archive/no-such-group?code={WRONG}",
    }
    first = [guarded.get(paths[how]).status_code for _ in range(3)]
    assert 429 not in first
    refused = guarded.get(paths[how])
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    # Past the limit a right code is refused too, from this address, on every lookup.
    assert guarded.get(f"/archive?code={assembly.join_code}").status_code == 429
    assert guarded.get(f"/j/{assembly.join_code}").status_code == 429


def test_archive_lookups_by_a_right_code_are_not_misses(guarded: TestClient) -> None:
    assembly = create_assembly(guarded)
    statuses = [guarded.get(f"/archive?code={assembly.join_code}").status_code for _ in range(8)]
    assert statuses == [200] * 8
