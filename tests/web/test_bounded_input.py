"""Ids past what the database holds and strings that are not text are refused at the edge with
422 or 404 (app/web/fields.py), on every kind of input: paths, query strings, JSON bodies and
page forms, on SQLite and PostgreSQL. Before, they reached the driver or the hash chain: 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.app import create_app
from app.web.fields import MAX_ID
from tests.conftest import GA, _postgres_db, _sqlite_db, create_assembly, error_of, join

BIG = MAX_ID + 1  # 2147483648: one past the largest INTEGER, the type of every id column
PAST_BIGINT = 2**63  # the example: past any integer column at all
HUGE = 10**25
REFUSED = {404, 422}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, GA]]:
    """One server and assembly per database for the whole module: every call here is refused,
    so none changes what the next one sees. Server errors raise (a 500 fails with its trace)."""
    if request.param == "sqlite":
        db = _sqlite_db(sqlite_template, tmp_path_factory.mktemp("bounded"))
    else:
        request.applymarker(pytest.mark.postgres)
        db = _postgres_db(request.getfixturevalue("postgres_database"))
    settings = Settings(
        database_url=str(db.engine.url),
        secret_key="test-secret-key-not-for-production",
        public_url="http://testserver",
        assemblies_per_hour=1000,
        joins_per_minute=10_000,
    )
    with TestClient(create_app(settings, db), base_url="http://testserver") as client:
        assembly = create_assembly(client)
        join(client, assembly, "Chen")
        client.get(f"/a/{assembly.id}/console", params={"key": assembly.facilitator.token})
        yield client, assembly
    db.dispose()


@pytest.fixture
def any_client(world: tuple[TestClient, GA]) -> TestClient:
    return world[0]


@pytest.fixture
def ga(world: tuple[TestClient, GA]) -> GA:
    return world[1]


PATHS = [
    ("GET", "/api/proposals/{n}", None),
    ("POST", "/api/proposals/{n}/stage", {"stage": "concerns"}),
    ("POST", "/api/proposals/{n}/withdraw", None),
    ("PUT", "/api/proposals/{n}/settings", {"amendments_open": False}),
    ("POST", "/api/proposals/{n}/amendments", {"text": "A new text"}),
    ("POST", "/api/amendments/{n}/accept", None),
    ("POST", "/api/amendments/{n}/reject", None),
    ("POST", "/api/proposals/{n}/rounds", {"kind": "temperature_check"}),
    ("GET", "/api/rounds/{n}", None),
    ("PUT", "/api/rounds/{n}/response", {"value": "agree"}),
    ("POST", "/api/rounds/{n}/analog", {"counts": {"agree": 1}}),
    ("POST", "/api/rounds/{n}/close", None),
    ("POST", "/api/assemblies/{a}/participants/{n}/admit", None),
    ("POST", "/api/assemblies/{a}/participants/{n}/reject", None),
    ("POST", "/api/assemblies/{a}/agenda/{n}/open", {}),
    ("POST", "/api/assemblies/{a}/agenda/{n}/close", None),
    ("DELETE", "/api/assemblies/{a}/stack/{n}", None),
]


@pytest.mark.parametrize("number", [BIG, PAST_BIGINT, HUGE, 0])
@pytest.mark.parametrize(("method", "path", "body"), PATHS, ids=[p[1] for p in PATHS])
def test_an_id_no_row_can_have_in_a_json_path_is_refused_not_a_server_error(
    any_client: TestClient, ga: GA, method: str, path: str, body: Any, number: int
) -> None:
    response = any_client.request(
        method,
        path.format(a=ga.id, n=number),
        json=body,
        headers=ga.facilitator.headers,
    )
    assert response.status_code in REFUSED, response.text
    error_of(response)


BODIES = [
    ("POST", "/api/assemblies/{a}/roles", {"participant_id": "N", "role": "greeter"}),
    ("DELETE", "/api/assemblies/{a}/roles", {"participant_id": "N", "role": "greeter"}),
    ("POST", "/api/assemblies/{a}/proposals", {"title": "T", "text": "X", "presenter_id": "N"}),
    ("POST", "/api/assemblies/{a}/proposals", {"title": "T", "text": "X", "agenda_item_id": "N"}),
    ("POST", "/api/assemblies/{a}/stack", {"kind": "speak", "agenda_item_id": "N"}),
    ("POST", "/api/assemblies/{a}/stack/move", {"entry_id": "N", "position": 1}),
    ("POST", "/api/assemblies/{a}/notes", {"text": "Noted", "agenda_item_id": "N"}),
    ("POST", "/api/assemblies/{a}/notes", {"text": "Noted", "corrects": "N"}),
    ("POST", "/api/assemblies/{a}/actions", {"text": "Do it", "proposal_id": "N"}),
    ("POST", "/api/assemblies/{a}/actions", {"text": "Do it", "agenda_item_id": "N"}),
]


@pytest.mark.parametrize("number", [BIG, HUGE, -1])
@pytest.mark.parametrize(("method", "path", "body"), BODIES, ids=[b[1] for b in BODIES])
def test_an_id_no_row_can_have_in_a_json_body_is_refused_not_a_server_error(
    any_client: TestClient, ga: GA, method: str, path: str, body: dict[str, Any], number: int
) -> None:
    filled = {k: number if v == "N" else v for k, v in body.items()}
    response = any_client.request(
        method, path.format(a=ga.id), json=filled, headers=ga.facilitator.headers
    )
    assert response.status_code == 422, response.text
    error_of(response)


@pytest.mark.parametrize("since", [str(BIG), "9" * 40, "-1"])
def test_a_since_past_what_a_seq_can_be_is_refused(
    any_client: TestClient, ga: GA, since: str
) -> None:
    response = any_client.get(
        f"/api/assemblies/{ga.id}/events", params={"since": since}, headers=ga.facilitator.headers
    )
    assert response.status_code == 422, response.text
    error_of(response)


FORMS = [
    ("/a/{a}/agenda/{n}/open", {}),
    ("/a/{a}/agenda/{n}/close", {}),
    ("/a/{a}/participants/{n}/admit", {}),
    ("/a/{a}/participants/{n}/reject", {}),
    ("/a/{a}/proposals/{n}/stage", {"stage": "concerns"}),
    ("/a/{a}/proposals/{n}/withdraw", {}),
    ("/a/{a}/proposals/{n}/settings", {}),
    ("/a/{a}/proposals/{n}/wall-page", {"page": "1"}),
    ("/a/{a}/proposals/{n}/rounds", {"kind": "temperature_check"}),
    ("/a/{a}/amendments/{n}/accept", {}),
    ("/a/{a}/rounds/{n}/close", {}),
    ("/a/{a}/stack/{n}/lower", {}),
    ("/a/{a}/stack/{n}/move", {"position": "1"}),
    ("/a/{a}/rounds/respond", {"round_id": "N", "value": "agree"}),
    ("/a/{a}/rounds/analog", {"round_id": "N", "agree": "1"}),
    ("/a/{a}/proposals/decide", {"proposal_id": "N", "outcome": "adopted"}),
    ("/a/{a}/proposals/cap", {"proposal_id": "N", "max_amendment_rounds": "1"}),
    ("/a/{a}/proposals/cap", {"proposal_id": "1", "max_amendment_rounds": "N"}),
    ("/a/{a}/proposals/amend", {"proposal_id": "N", "text": "A new text"}),
    ("/a/{a}/proposals/{n}/wall-page", {"page": "N"}),
    ("/a/{a}/notes", {"text": "Noted", "corrects": "N"}),
    ("/a/{a}/actions", {"text": "Do it", "proposal_id": "N"}),
    ("/a/{a}/roles", {"participant_id": "N", "role": "greeter"}),
    ("/a/{a}/roles/revoke", {"participant_id": "N", "role": "greeter"}),
    ("/a/{a}/stack/1/move", {"position": "N"}),
    ("/a/{a}/stack/timer", {"action": "add", "seconds": "N"}),
    ("/a/{a}/stack/settings", {"mode": "fifo", "speaking_seconds": "N"}),
    ("/a/{a}/agenda", {"title": "Kitchen", "time_box_minutes": "N"}),
    ("/a/{a}/headcount", {"count": "N"}),
]


@pytest.mark.parametrize("number", [str(BIG), "²"])
@pytest.mark.parametrize(("path", "form"), FORMS, ids=[f"{p} {sorted(f)}" for p, f in FORMS])
def test_an_id_or_number_too_big_in_a_page_form_is_refused_not_a_server_error(
    any_client: TestClient, ga: GA, path: str, form: dict[str, str], number: str
) -> None:
    filled = {k: number if v == "N" else v for k, v in form.items()}
    response = any_client.post(
        path.format(a=ga.id, n=number),
        data=filled,
        headers={"origin": "http://testserver", "hx-request": "true"},
        follow_redirects=False,
    )
    assert response.status_code in REFUSED, response.text


@pytest.mark.parametrize("number", [str(BIG), "9" * 40, "²", "١٢"])
def test_an_archive_decision_address_that_is_no_id_is_not_found(
    any_client: TestClient, number: str
) -> None:
    response = any_client.get(f"/archive/decisions/{number}")
    assert response.status_code == 404


LONE = '"\\ud800"'  # JSON may escape half a UTF-16 pair; it is no character

SURROGATES = [
    ("POST", "/api/join", '{{"join_code": "{code}", "name": {s}}}'),
    (
        "POST",
        "/api/assemblies/{a}/join",
        '{{"join_code": "{code}", "name": "Ana", "pronouns": {s}}}',
    ),
    ("POST", "/api/assemblies", '{{"title": {s}}}'),
    ("POST", "/api/assemblies", '{{"title": "GA", "decision_rule": {{"kind": {s}}}}}'),
    ("POST", "/api/assemblies/{a}/agenda", '{{"title": {s}, "kind": "report"}}'),
    ("POST", "/api/assemblies/{a}/proposals", '{{"title": "T", "text": {s}}}'),
    ("POST", "/api/assemblies/{a}/notes", '{{"text": {s}}}'),
    ("POST", "/api/assemblies/{a}/actions", '{{"text": "Do it", "who": {s}}}'),
    ("POST", "/api/assemblies/{a}/stack", '{{"kind": "speak", "name": {s}}}'),
    (
        "POST",
        "/api/groups",
        '{{"name": "G", "slug": "g", "time_zone": "UTC", "working_groups": [{s}]}}',
    ),
    ("POST", "/api/assemblies/{a}/notes", '{{{s}: "a key that is no text"}}'),
]


@pytest.mark.parametrize(("method", "path", "raw"), SURROGATES, ids=[s[2] for s in SURROGATES])
def test_a_lone_surrogate_in_any_json_string_is_refused_with_422(
    any_client: TestClient, ga: GA, method: str, path: str, raw: str
) -> None:
    before = any_client.get(f"/api/assemblies/{ga.id}", headers=ga.facilitator.headers)
    response = any_client.request(
        method,
        path.format(a=ga.id),
        content=raw.format(s=LONE, code=ga.join_code).encode(),
        headers={"content-type": "application/json", **ga.facilitator.headers},
    )
    assert response.status_code == 422, response.text
    error_of(response)
    after = any_client.get(f"/api/assemblies/{ga.id}", headers=ga.facilitator.headers)
    assert after.json()["seq"] == before.json()["seq"]  # nothing reached the log


def test_a_surrogate_pair_is_a_character_and_is_welcome(any_client: TestClient, ga: GA) -> None:
    response = any_client.post(
        "/api/join",
        content=f'{{"join_code": "{ga.join_code}", "name": "Ana \\ud83c\\udf3b"}}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201, response.text
