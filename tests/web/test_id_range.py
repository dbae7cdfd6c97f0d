"""Ids past the largest INTEGER (2^31−1), the type of every id and seq column, are refused at
the edge on both databases: on PostgreSQL one sent to the driver failed ("integer out of
range", a 500) anywhere between 2^31 and 2^63−1, which the Schemathesis run found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.conftest import create_assembly, error_of

PAST = 2**31  # one past PostgreSQL's INTEGER
LARGEST = 2**31 - 1


@pytest.fixture
def any_client(settings: Settings, any_db: Database) -> Iterator[TestClient]:
    app = create_app(settings, any_db)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


def test_an_id_past_an_integer_is_invalid_in_paths_bodies_queries_and_forms(
    any_client: TestClient,
) -> None:
    ga = create_assembly(any_client)
    fac = ga.facilitator.headers
    base = f"/api/assemblies/{ga.id}"
    for method, path, body in (
        ("GET", f"/api/proposals/{PAST}", None),
        ("POST", f"/api/rounds/{PAST}/close", None),
        ("POST", f"{base}/participants/{PAST}/reissue", None),
        ("DELETE", f"{base}/stack/{PAST}", None),
        ("POST", f"{base}/roles", {"participant_id": PAST, "role": "greeter"}),
        ("POST", f"{base}/notes", {"text": "A note.", "corrects": PAST}),
        ("GET", f"{base}/events?since={PAST}", None),
    ):
        response = any_client.request(method, path, json=body, headers=fac)
        assert response.status_code == 422, (method, path, response.text)
        error_of(response)
    console = any_client.get(f"/a/{ga.id}/console?key={ga.facilitator.token}")
    assert console.status_code == 200
    form = {"round_id": str(PAST), "value": "up"}
    answered = any_client.post(
        f"/a/{ga.id}/rounds/respond", data=form, headers={"origin": "http://testserver"}
    )
    assert answered.status_code == 422, answered.text


def test_the_largest_integer_id_is_simply_no_row(any_client: TestClient) -> None:
    ga = create_assembly(any_client)
    response = any_client.get(f"/api/proposals/{LARGEST}", headers=ga.facilitator.headers)
    assert response.status_code == 404, response.text
    error_of(response)


@pytest.mark.parametrize("number", [PAST, 999_999_999_999])
def test_an_archive_decision_address_past_an_integer_is_not_found(
    any_client: TestClient, number: int
) -> None:
    assert any_client.get(f"/archive/decisions/{number}").status_code == 404
