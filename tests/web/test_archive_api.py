"""JSON API of groups and the archive: POST /api/groups, working groups, assemblies created
with the group token (`X-Group-Token`), GET /api/archive — and every refusal in docs/api.md's
error shape, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.archive.builders import hold_meeting, make_group
from tests.conftest import error_of, ok

GROUP = {"name": "Riverside Commons GA", "slug": "riverside", "time_zone": "America/New_York"}


def new_group(client: TestClient, **body: Any) -> dict[str, Any]:
    return ok(client.post("/api/groups", json={**GROUP, **body}), 201)


def test_creating_a_group_returns_its_slug_and_admin_token(client: TestClient) -> None:
    data = new_group(client, working_groups=["Kitchen", "Comfort"])
    assert data["slug"] == "riverside" and len(data["admin_token"]) >= 40
    assert data["working_groups"] == [
        {"name": "Kitchen", "key": "kitchen"},
        {"name": "Comfort", "key": "comfort"},
    ]
    assert data["urls"]["feed"] == "http://testserver/archive/riverside/feed.atom"
    shown = ok(client.get("/api/groups/riverside"))
    assert "admin_token" not in shown and shown["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"slug": "Riverside Commons"}, 422, "bad_slug"),
        ({"slug": "river_side"}, 422, "bad_slug"),
        ({"slug": "decisions"}, 409, "slug_taken"),
        ({"time_zone": "Mars/Olympus"}, 422, "invalid"),
        ({"time_zone": None}, 422, "invalid"),
        ({"name": ""}, 422, "name_required"),
        ({"decision_rule": {"threshold": "2"}}, 422, "invalid"),
        ({"decision_rule": {"colour": "red"}}, 422, "invalid"),
        ({"working_groups": ["Comfort", "comfort WG"]}, 422, "duplicate_working_group"),
        ({"admin": True}, 422, "invalid"),
    ],
)
def test_a_bad_group_is_refused_in_the_error_shape(
    client: TestClient, body: dict[str, Any], status: int, code: str
) -> None:
    response = client.post("/api/groups", json={**GROUP, **body})
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_a_group_without_a_time_zone_is_refused(client: TestClient) -> None:
    response = client.post("/api/groups", json={"name": "GA", "slug": "ga"})
    assert response.status_code == 422 and "time_zone" in error_of(response)["message"]


def test_a_taken_slug_is_409(client: TestClient) -> None:
    new_group(client)
    response = client.post("/api/groups", json=GROUP)
    assert response.status_code == 409 and error_of(response)["code"] == "slug_taken"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/groups", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and error_of(response)["code"] == "malformed"


def test_group_creation_is_rate_limited_like_assembly_creation(
    settings: Settings, db: Database
) -> None:
    strict = settings.model_copy(update={"assemblies_per_hour": 2})
    with TestClient(create_app(strict, db)) as client:
        new_group(client, slug="one")
        new_group(client, slug="two")
        response = client.post("/api/groups", json={**GROUP, "slug": "three"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert error_of(response)["code"] == "too_many_requests"


def test_the_admin_token_keeps_the_working_groups(client: TestClient) -> None:
    token = new_group(client)["admin_token"]
    url = "/api/groups/riverside/working_groups"
    names = {"names": ["Legal", "Safer Spaces"]}
    data = ok(client.put(url, json=names, headers={"Authorization": f"Bearer {token}"}))
    assert [w["key"] for w in data["working_groups"]] == ["legal", "safer-spaces"]
    for headers, status in [
        ({}, 401),
        ({"Authorization": "Bearer not-it"}, 403),
        ({"Authorization": f"Basic {token}"}, 401),
    ]:
        response = client.put(url, json=names, headers=headers)
        assert response.status_code == status and error_of(response)
    response = client.put(
        "/api/groups/nowhere/working_groups", json=names,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 404 and error_of(response)["code"] == "group_not_found"
    response = client.put(
        url, json={"names": ["Legal", "legal"]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and error_of(response)


def test_an_unknown_group_is_404(client: TestClient) -> None:
    response = client.get("/api/groups/nowhere")
    assert response.status_code == 404 and error_of(response)["code"] == "group_not_found"


def test_assemblies_created_with_the_group_token_are_numbered_and_inherit(
    client: TestClient,
) -> None:
    token = new_group(client, decision_rule={"threshold": "4/5"})["admin_token"]
    numbers = []
    for _ in range(2):
        made = ok(
            client.post(
                "/api/assemblies",
                json={"title": "Riverside GA", "group": "riverside"},
                headers={"X-Group-Token": token},
            ),
            201,
        )
        numbers.append(made["group"]["number"])
    assert numbers == [1, 2]
    state = ok(
        client.get(
            f"/api/assemblies/{made['id']}",
            headers={"Authorization": f"Bearer {made['facilitator_token']}"},
        )
    )
    assert state["group"] == {"slug": "riverside", "name": "Riverside Commons GA", "number": 2}
    assert state["time_zone"] == "America/New_York"
    assert state["decision_rule"]["threshold"] == "4/5"
    alone = ok(client.post("/api/assemblies", json={"title": "Lone GA"}), 201)
    assert alone["group"] is None


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"group": "riverside"}, {}, 401, "group_token_required"),
        ({"group": "riverside"}, {"X-Group-Token": "wrong"}, 403, "bad_group_token"),
        ({"group": "nowhere"}, {"X-Group-Token": "wrong"}, 404, "group_not_found"),
        ({}, {"X-Group-Token": "wrong"}, 422, "group_required"),
        ({"group": 7}, {"X-Group-Token": "wrong"}, 422, "invalid"),
    ],
)
def test_an_assembly_names_its_group_only_with_the_token(
    client: TestClient, body: dict[str, Any], headers: dict[str, str], status: int, code: str
) -> None:
    new_group(client)
    response = client.post("/api/assemblies", json={"title": "GA", **body}, headers=headers)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_the_archive_api_searches_and_filters(client: TestClient, db: Database) -> None:
    group = make_group(db)
    meeting = hold_meeting(db, group)
    private = hold_meeting(db, None, title="Harbour GA", visibility="private")
    data = ok(client.get("/api/archive", params={"q": "tarpaulins"}))
    assert [d["proposal_id"] for d in data["decisions"]] == [meeting.drums]
    decision = data["decisions"][0]
    assert decision["outcome"] == "tabled" and decision["tabled_to"] == "Comfort working group"
    assert decision["assembly"]["group"] == {
        "slug": "riverside-commons", "name": "Riverside Commons General Assembly", "number": 1,
    }  # fmt: skip
    assert decision["urls"] == {
        "decision": f"http://testserver/archive/decisions/{meeting.drums}",
        "minutes": f"http://testserver/a/{meeting.aid}/minutes",
    }
    assert data["filters"]["q"] == "tarpaulins" and data["next_page"] is None
    filtered = ok(
        client.get(
            "/api/archive",
            params={"group": "riverside-commons", "working_group": "Comfort", "outcome": "adopted"},
        )
    )
    assert [d["title"] for d in filtered["decisions"]] == ["Winter tents"]
    assert filtered["working_group"] == {"name": "Comfort", "key": "comfort"}
    day = decision["decided_on"]
    assert len(ok(client.get("/api/archive", params={"from": day, "to": day}))["decisions"]) == 2
    with_code = ok(
        client.get("/api/archive", params={"q": "tarpaulins", "code": private.join_code})
    )
    urls = {d["assembly"]["title"]: d["urls"]["decision"] for d in with_code["decisions"]}
    assert urls["Harbour GA"].endswith(f"?code={private.join_code}")
    assert "?" not in urls["Riverside Commons GA"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"outcome": "approved"}, 422, "bad_outcome"),
        ({"from": "yesterday"}, 422, "bad_from"),
        ({"to": "2026-02-30"}, 422, "bad_to"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, 422, "bad_dates"),
        ({"page": "0"}, 422, "bad_page"),
        ({"page": "1e9"}, 422, "bad_page"),
        ({"q": "x" * 201}, 422, "query_too_long"),
        ({"code": "no!"}, 422, "join_code_malformed"),
        ({"group": "nowhere"}, 404, "group_not_found"),
    ],
)
def test_bad_archive_searches_are_refused_in_the_error_shape(
    client: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/api/archive", params=params)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code


def test_odd_archive_searches_are_answered(client: TestClient, db: Database) -> None:
    hold_meeting(db)
    for q in ['"', "(", "*", "NEAR", "tents OR", "\u0000", "🙂", "' OR 1=1 --", "the"]:
        response = client.get("/api/archive", params={"q": q})
        assert response.status_code == 200, (q, response.text)


def test_no_input_makes_a_server_error_on_either_database(
    any_db: Database, settings: Settings
) -> None:
    """Text PostgreSQL cannot hold (a NUL byte) never reaches a query."""
    hold_meeting(any_db, make_group(any_db))
    nul = "\u0000"
    with TestClient(create_app(settings, any_db)) as client:
        answers = [
            client.get("/api/archive", params={"q": f"tents{nul}", "group": f"a{nul}"}),
            client.get("/api/archive", params={"working_group": f"com{nul}fort"}),
            client.get("/api/archive", params={"code": f"K7P2Q{nul}"}),
            client.get("/api/groups/a%00b"),
            client.get("/archive/a%00b"),
            client.get("/archive/riverside-commons/com%00fort/feed.atom"),
            client.post("/api/groups", json={**GROUP, "name": f"a{nul}", "slug": "x"}),
            client.post(
                "/api/assemblies",
                json={"title": "GA", "group": f"riverside{nul}"},
                headers={"X-Group-Token": "t"},
            ),
            client.put(
                "/api/groups/riverside-commons/working_groups",
                json={"names": [f"a{nul}"]},
                headers={"Authorization": "Bearer t"},
            ),
        ]
    assert [r.status_code for r in answers] == [404, 200, 422, 404, 404, 404, 422, 404, 403]
