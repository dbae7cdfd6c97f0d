"""The JSON API of assemblies and people: roles, states, and a table of bad requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import GA, Person, create_assembly, error_of, join, seq_of


def test_creating_returns_tokens_keys_urls_and_seq(client: TestClient) -> None:
    made = create_assembly(client, location="North lawn", decision_rule={"threshold": 0.8})
    data = made.created
    assert len(data["join_code"]) == 6
    assert data["urls"]["console"].startswith(f"http://testserver/a/{made.id}/console?key=")
    assert data["urls"]["projector"].endswith(f"key={made.projector_key}")
    assert data["urls"]["join"] == f"http://testserver/j/{made.join_code}"
    assert data["seq"] == 1
    state = client.get(f"/api/assemblies/{made.id}", headers=made.facilitator.headers).json()
    assert state["decision_rule"]["threshold"] == "4/5"
    assert state["roles"]["facilitator"] == [
        {"participant_id": made.facilitator.participant_id, "name": "Noor"}
    ]
    assert state["status"] == "open" and state["seq"] == 1


def test_joining_by_code_gives_a_bearer_token(client: TestClient, assembly: GA) -> None:
    response = client.post(
        f"/api/assemblies/{assembly.id}/join",
        json={"join_code": assembly.join_code.lower(), "name": "Chen", "pronouns": "he/him"},
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "admitted" and data["seq"] == 2
    me = client.get(
        f"/api/assemblies/{assembly.id}", headers={"Authorization": f"Bearer {data['token']}"}
    )
    assert me.status_code == 200 and me.json()["people_joined"] == 2


def test_a_full_agenda_walk_through_the_api(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    h = facilitator.headers
    base = f"/api/assemblies/{assembly.id}"
    first = client.post(
        f"{base}/agenda", json={"title": "Welcome", "kind": "announcement"}, headers=h
    )
    second = client.post(
        f"{base}/agenda",
        json={
            "title": "Kitchen report-back",
            "kind": "report",
            "time_box_minutes": 5,
            "working_group": "Kitchen",
        },
        headers=h,
    )
    assert first.status_code == second.status_code == 201
    a, b = first.json()["item_id"], second.json()["item_id"]
    assert client.post(f"{base}/agenda/{a}/open", headers=h).status_code == 200
    assert client.post(f"{base}/agenda/{b}/open", headers=h).status_code == 200
    state = client.get(base, headers=h).json()
    assert state["open_item"]["title"] == "Kitchen report-back"
    assert [i["status"] for i in state["agenda"]] == ["done", "open"]
    closed = client.post(f"{base}/agenda/{b}/close", headers=h)
    assert closed.json()["status"] == "done" and closed.json()["seq"] == state["seq"] + 1
    assert (
        client.post(f"{base}/headcount", json={"count": 140}, headers=h).json()["headcount"] == 140
    )
    assert client.post(f"{base}/close", headers=h).json()["status"] == "closed"
    assert client.get(base, headers=h).json()["status"] == "closed"


def test_opening_the_next_item_while_hands_are_up_needs_carry_or_clear(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    h, base = facilitator.headers, f"/api/assemblies/{assembly.id}"
    welcome, kitchen, legal = (
        client.post(f"{base}/agenda", json={"title": t, "kind": "discussion"}, headers=h).json()[
            "item_id"
        ]
        for t in ("Welcome", "Kitchen report-back", "Legal report-back")
    )
    assert client.post(f"{base}/agenda/{welcome}/open", headers=h).status_code == 200
    for name in ("Chen", "Dev", "Ema", "Farah"):
        raised = client.post(
            f"{base}/stack", json={"kind": "speak"}, headers=join(client, assembly, name).headers
        )
        assert raised.status_code == 201
    before = seq_of(client, assembly)
    asked = client.post(f"{base}/agenda/{kitchen}/open", json={}, headers=h)
    assert asked.status_code == 409
    assert error_of(asked) == {
        "code": "hands_waiting",
        "message": "4 hands are up: carry them over to the next item, or clear them?",
    }
    assert seq_of(client, assembly) == before
    carried = client.post(f"{base}/agenda/{kitchen}/open", json={"hands": "carry"}, headers=h)
    assert carried.status_code == 200
    assert carried.json() == {
        "item_id": kitchen, "status": "open", "previous_item_id": welcome,
        "previous_status": "done", "hands": "carry", "hand_count": 4,
        "seq": before + 4 + 1,
    }  # fmt: skip
    stack = client.get(f"{base}/stack", headers=h).json()
    assert [e["name"] for e in stack["queue"]] == ["Chen", "Dev", "Ema", "Farah"]
    cleared = client.post(
        f"{base}/agenda/{legal}/open", json={"hands": "clear", "previous": "pending"}, headers=h
    )
    assert cleared.status_code == 200 and cleared.json()["hand_count"] == 4
    assert client.get(f"{base}/stack", headers=h).json()["queue"] == []
    agenda = client.get(base, headers=h).json()["agenda"]
    assert [i["status"] for i in agenda] == ["done", "pending", "open"]
    quiet = client.post(f"{base}/agenda/{welcome}/open", headers=h)  # no hands: no question
    assert quiet.status_code == 200 and quiet.json()["hands"] is None


def test_checked_in_admission_waits_for_a_greeter(client: TestClient) -> None:
    made = create_assembly(client, admission="checked_in")
    response = client.post("/api/join", json={"join_code": made.join_code, "name": "Chen"})
    chen = response.json()
    assert chen["status"] == "pending"
    waiting = client.get(
        f"/api/assemblies/{made.id}", headers={"Authorization": f"Bearer {chen['token']}"}
    )
    assert waiting.status_code == 403 and error_of(waiting)["code"] == "not_admitted"
    admitted = client.post(
        f"/api/assemblies/{made.id}/participants/{chen['participant_id']}/admit",
        headers=made.facilitator.headers,
    )
    assert admitted.status_code == 200 and admitted.json()["status"] == "admitted"
    again = client.post(
        f"/api/assemblies/{made.id}/participants/{chen['participant_id']}/reject",
        headers=made.facilitator.headers,
    )
    assert again.status_code == 409 and error_of(again)["code"] == "not_pending"


def test_roles_are_granted_and_revoked_but_the_last_facilitator_stays(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    tomas = join(client, assembly, "Tomás")
    url = f"/api/assemblies/{assembly.id}/roles"
    body = {"participant_id": tomas.participant_id, "role": "facilitator"}
    assert client.post(url, json=body, headers=facilitator.headers).status_code == 200
    mine = {"participant_id": facilitator.participant_id, "role": "facilitator"}
    assert client.request("DELETE", url, json=mine, headers=facilitator.headers).status_code == 200
    last = client.request("DELETE", url, json=body, headers=tomas.headers)
    assert last.status_code == 409 and error_of(last)["code"] == "last_facilitator"


def test_event_export_is_for_facilitators_until_a_public_assembly_closes(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    chen = join(client, assembly, "Chen")
    url = f"/api/assemblies/{assembly.id}/events"
    assert client.get(url, headers=chen.headers).status_code == 403
    export = client.get(url, headers=facilitator.headers).json()
    assert [e["type"] for e in export["events"]] == ["assembly_created", "participant_joined"]
    assert export["head"]["seq"] == export["seq"] == 2
    client.post(f"/api/assemblies/{assembly.id}/close", headers=facilitator.headers)
    public = client.get(url + "?since=2")
    assert public.status_code == 200 and [e["seq"] for e in public.json()["events"]] == [3]


# ---- bad requests: never a 500, always the error shape ---------------------------------

Call = Callable[[TestClient, GA, Person, Person], Any]


def _post(path: str, body: Any = None, who: str = "facilitator", raw: str | None = None) -> Call:
    def call(client: TestClient, a: GA, fac: Person, chen: Person) -> Any:
        headers = {"facilitator": fac.headers, "participant": chen.headers, "nobody": {},
                   "stranger": {"Authorization": "Bearer not-a-token"}}[who]  # fmt: skip
        url = path.format(id=a.id, fid=fac.participant_id, cid=chen.participant_id)
        if raw is not None:
            return client.post(
                url, content=raw, headers={**headers, "content-type": "application/json"}
            )
        return client.post(url, json=body, headers=headers)

    return call


BAD_REQUESTS: list[tuple[str, Call, int, str]] = [
    ("create without title", _post("/api/assemblies", {}), 422, "invalid"),
    ("create with empty title", _post("/api/assemblies", {"title": "   "}), 422, "title_required"),
    (
        "create with long title",
        _post("/api/assemblies", {"title": "x" * 201}),
        422,
        "title_too_long",
    ),
    (
        "create with long name",
        _post("/api/assemblies", {"title": "GA", "facilitator_name": "n" * 61}),
        422,
        "name_too_long",
    ),
    (
        "create with bad time zone",
        _post("/api/assemblies", {"title": "GA", "time_zone": "Mars/Olympus"}),
        422,
        "invalid",
    ),
    (
        "create with bad rule",
        _post("/api/assemblies", {"title": "GA", "decision_rule": {"threshold": "2"}}),
        422,
        "invalid",
    ),
    (
        "create with unknown field",
        _post("/api/assemblies", {"title": "GA", "colour": "red"}),
        422,
        "invalid",
    ),
    (
        "create with bad admission",
        _post("/api/assemblies", {"title": "GA", "admission": "vip"}),
        422,
        "invalid",
    ),
    ("create with malformed json", _post("/api/assemblies", raw="{title:"), 400, "malformed"),
    ("create with a list body", _post("/api/assemblies", ["GA"]), 422, "invalid"),
    (
        "join with unknown code",
        _post("/api/join", {"join_code": "ZZZZZZ", "name": "Chen"}),
        404,
        "join_code_unknown",
    ),
    (
        "join with malformed code",
        _post("/api/join", {"join_code": "01!", "name": "Chen"}),
        422,
        "join_code_malformed",
    ),
    ("join without name", _post("/api/join", {"join_code": "ZZZZZZ"}), 422, "invalid"),
    (
        "join with blank name",
        _post("/api/join", {"join_code": "K7P2QX", "name": " "}),
        422,
        "name_required",
    ),
    (
        "join with control characters",
        _post("/api/join", {"join_code": "K7P2QX", "name": "a\x00b"}),
        422,
        "invalid",
    ),
    (
        "agenda without auth",
        _post("/api/assemblies/{id}/agenda", {"title": "T", "kind": "report"}, "nobody"),
        401,
        "unauthorized",
    ),
    (
        "agenda with a bad token",
        _post("/api/assemblies/{id}/agenda", {"title": "T", "kind": "report"}, "stranger"),
        401,
        "unauthorized",
    ),
    (
        "agenda by a participant",
        _post("/api/assemblies/{id}/agenda", {"title": "T", "kind": "report"}, "participant"),
        403,
        "role_required",
    ),
    (
        "agenda with bad kind",
        _post("/api/assemblies/{id}/agenda", {"title": "T", "kind": "party"}),
        422,
        "invalid",
    ),
    (
        "agenda with zero time box",
        _post(
            "/api/assemblies/{id}/agenda", {"title": "T", "kind": "report", "time_box_minutes": 0}
        ),
        422,
        "invalid",
    ),
    ("open unknown item", _post("/api/assemblies/{id}/agenda/999999/open"), 404, "item_not_found"),
    ("open item with text id", _post("/api/assemblies/{id}/agenda/abc/open"), 422, "invalid"),
    *[
        (
            f"open with {label}",
            _post("/api/assemblies/{id}/agenda/999999/open", body),
            422,
            "invalid",
        )
        for label, body in [
            ("previous closed", {"previous": "closed"}),
            ("previous empty", {"previous": ""}),
            ("previous null", {"previous": None}),
            ("hands keep", {"hands": "keep"}),
            ("hands in capitals", {"hands": "CARRY"}),
            ("hands as a number", {"hands": 2}),
            ("an unknown field", {"hands": "carry", "keep": True}),
            ("a list body", ["carry"]),
        ]
    ],
    (
        "open by a participant",
        _post("/api/assemblies/{id}/agenda/999999/open", {"hands": "carry"}, "participant"),
        403,
        "role_required",
    ),
    ("headcount negative", _post("/api/assemblies/{id}/headcount", {"count": -1}), 422, "invalid"),
    ("headcount huge", _post("/api/assemblies/{id}/headcount", {"count": 100_001}), 422, "invalid"),
    (
        "headcount as text",
        _post("/api/assemblies/{id}/headcount", {"count": "many"}),
        422,
        "invalid",
    ),
    (
        "headcount by a participant",
        _post("/api/assemblies/{id}/headcount", {"count": 5}, "participant"),
        403,
        "role_required",
    ),
    (
        "role unknown",
        _post("/api/assemblies/{id}/roles", {"participant_id": 1, "role": "king"}),
        422,
        "invalid",
    ),
    (
        "role for unknown person",
        _post("/api/assemblies/{id}/roles", {"participant_id": 999999, "role": "greeter"}),
        404,
        "participant_not_found",
    ),
    (
        "role granted by a participant",
        _post(
            "/api/assemblies/{id}/roles", {"participant_id": 1, "role": "greeter"}, "participant"
        ),
        403,
        "role_required",
    ),
    (
        "admit someone not pending",
        _post("/api/assemblies/{id}/participants/{cid}/admit"),
        409,
        "not_pending",
    ),
    (
        "admit by a participant",
        _post("/api/assemblies/{id}/participants/{cid}/admit", who="participant"),
        403,
        "role_required",
    ),
    (
        "close by a participant",
        _post("/api/assemblies/{id}/close", who="participant"),
        403,
        "role_required",
    ),
    ("unknown assembly", _post("/api/assemblies/nope/close"), 401, "unauthorized"),
    ("unknown api path", _post("/api/nothing-here"), 404, "not_found"),
    (
        "oversized body",
        _post("/api/join", raw='{"name": "' + "x" * 300_000 + '"}'),
        413,
        "too_large",
    ),
]


@pytest.mark.parametrize(
    ("label", "call", "status", "code"), BAD_REQUESTS, ids=[r[0] for r in BAD_REQUESTS]
)
def test_bad_requests_get_a_clear_error_and_change_nothing(
    client: TestClient,
    assembly: GA,
    facilitator: Person,
    label: str,
    call: Call,
    status: int,
    code: str,
) -> None:
    chen = join(client, assembly, "Chen")
    before = client.get(f"/api/assemblies/{assembly.id}", headers=facilitator.headers).json()["seq"]
    response = call(client, assembly, facilitator, chen)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    after = client.get(f"/api/assemblies/{assembly.id}", headers=facilitator.headers).json()["seq"]
    assert after == before


def test_a_closed_assembly_answers_409_to_changes(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    client.post(f"/api/assemblies/{assembly.id}/close", headers=facilitator.headers)
    response = client.post(
        f"/api/assemblies/{assembly.id}/agenda", json={"title": "Late", "kind": "report"},
        headers=facilitator.headers,
    )  # fmt: skip
    assert response.status_code == 409 and error_of(response)["code"] == "assembly_closed"
    late = client.post("/api/join", json={"join_code": assembly.join_code, "name": "Late"})
    assert late.status_code == 409


def test_creating_too_many_assemblies_from_one_address_is_limited(
    client: TestClient,
) -> None:
    client.app.state.ctx.create_limit.limit = 2  # type: ignore[attr-defined]
    for _ in range(2):
        assert client.post("/api/assemblies", json={"title": "GA"}).status_code == 201
    refused = client.post("/api/assemblies", json={"title": "GA"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert error_of(refused)["code"] == "too_many_requests"


def test_the_openapi_schema_describes_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/assemblies" in schema["paths"]
    assert "/api/assemblies/{assembly_id}/agenda/{item_id}/open" in schema["paths"]
