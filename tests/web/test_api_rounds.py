"""The JSON API of decision rounds: the happy path through every route, the reply shapes of
docs/api.md, and a table of bad requests (status, error code, and nothing changed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import clock
from tests.conftest import GA, Person, create_assembly, error_of, headers_for, join, ok, seq_of

TEXT = "Buy four winter tents for the camp, up to $600 from the general fund."
REASON = "The fund is promised to the legal team; this breaks that promise."
REVIEW_RULE = {"block_review_threshold": "3/4"}

OPEN_KEYS = {
    "id", "proposal_id", "number", "kind", "fallback", "anonymous", "results", "status",
    "version", "opened_at", "deadline", "closed_at", "closed_by_deadline", "answers",
    "eligible", "block", "mine", "seq",
}  # fmt: skip
LIVE_KEYS = OPEN_KEYS | {"counts", "analog"}
CLOSED_KEYS = LIVE_KEYS | {"tally", "outcome", "explanation", "blocks", "stand_asides"}


def submit(client: TestClient, ga: GA, presenter: Person, stage: str | None = None) -> int:
    made = ok(
        client.post(
            f"/api/assemblies/{ga.id}/proposals",
            json={"title": "Winter tents", "text": TEXT, "presenter_id": presenter.participant_id},
            headers=ga.facilitator.headers,
        ),
        201,
    )
    pid: int = made["proposal_id"]
    if stage is not None:
        move(client, ga, pid, stage)
    return pid


def move(client: TestClient, ga: GA, pid: int, stage: str) -> dict[str, Any]:
    return ok(
        client.post(
            f"/api/proposals/{pid}/stage", json={"stage": stage}, headers=ga.facilitator.headers
        )
    )


def open_round(client: TestClient, ga: GA, pid: int, **body: Any) -> dict[str, Any]:
    return ok(
        client.post(f"/api/proposals/{pid}/rounds", json=body, headers=ga.facilitator.headers),
        201,
    )


def respond(
    client: TestClient, rid: int, who: Person, value: str, reason: str | None = None
) -> Any:
    body = {"value": value} if reason is None else {"value": value, "reason": reason}
    return client.put(f"/api/rounds/{rid}/response", json=body, headers=who.headers)


def analog(client: TestClient, ga: GA, rid: int, **body: Any) -> dict[str, Any]:
    return ok(client.post(f"/api/rounds/{rid}/analog", json=body, headers=ga.facilitator.headers))


def close(client: TestClient, ga: GA, rid: int) -> dict[str, Any]:
    return ok(client.post(f"/api/rounds/{rid}/close", headers=ga.facilitator.headers))


def get_round(client: TestClient, rid: int, who: Person) -> dict[str, Any]:
    return ok(client.get(f"/api/rounds/{rid}", headers=who.headers))


def proposal_of(client: TestClient, pid: int, who: Person) -> dict[str, Any]:
    return ok(client.get(f"/api/proposals/{pid}", headers=who.headers))


# ---- the happy path -----------------------------------------------------------------------


def test_a_proposal_through_temperature_check_blocked_call_and_fallback_vote(
    client: TestClient,
) -> None:
    ga = create_assembly(client)
    marisol, emeka, chen = (join(client, ga, n) for n in ("Marisol", "Emeka", "Chen"))
    pid = submit(client, ga, marisol, "temperature_check")

    # A temperature check: live results, answers and counted hands.
    opened = open_round(client, ga, pid, kind="temperature")
    assert set(opened) == {"round_id", "kind", "results", "seq"}
    assert (opened["kind"], opened["results"]) == ("temperature", "live")
    assert opened["seq"] == seq_of(client, ga)
    temp = opened["round_id"]
    mine = ok(respond(client, temp, emeka, "up"))
    assert mine == {"round_id": temp, "value": "up", "reason": None, "seq": opened["seq"] + 1}
    ok(respond(client, temp, chen, "sideways"))
    counted = analog(client, ga, temp, counts={"up": 12, "down": 2})
    assert counted == {"round_id": temp, "analog": {"up": 12, "down": 2}, "seq": mine["seq"] + 2}
    seen = get_round(client, temp, chen)
    assert set(seen) == LIVE_KEYS
    assert seen["counts"] == {"up": 13, "sideways": 1, "down": 2}
    assert seen["analog"] == {"up": 12, "down": 2}
    assert (seen["status"], seen["answers"], seen["eligible"]) == ("open", 2, 4)
    assert seen["mine"] == {"round_id": temp, "value": "sideways", "reason": None}
    assert seen["deadline"] is None and seen["seq"] == counted["seq"]
    assert get_round(client, temp, marisol)["mine"] is None
    closed = close(client, ga, temp)
    assert {"outcome", "tally", "rule", "explanation", "seq"} <= set(closed)
    assert closed["outcome"] is None and closed["explanation"] == "13 up, 1 sideways, 2 down"
    assert closed["tally"] == {"up": 13, "sideways": 1, "down": 2}
    assert closed["rule"]["kind"] == "modified_consensus" and closed["rule"]["threshold"] == "9/10"
    assert closed["seq"] == counted["seq"] + 1 == seq_of(client, ga)
    assert set(get_round(client, temp, chen)) == CLOSED_KEYS

    # A call for consensus: hidden until close; Emeka blocks.
    move(client, ga, pid, "consensus_call")
    call = open_round(client, ga, pid, kind="consensus", closes_in_seconds=600)
    assert call["results"] == "hidden"
    rid = call["round_id"]
    blocked = ok(respond(client, rid, emeka, "block", REASON))
    assert blocked == {"round_id": rid, "value": "block", "reason": REASON,
                       "seq": call["seq"] + 1}  # fmt: skip
    for who in (marisol, chen):
        ok(respond(client, rid, who, "agree"))
    hidden = get_round(client, rid, chen)
    assert set(hidden) == OPEN_KEYS and hidden["answers"] == 3
    deadline = datetime.fromisoformat(hidden["deadline"])
    assert timedelta(seconds=590) < deadline - clock.now() <= timedelta(seconds=600)
    assert get_round(client, rid, emeka)["mine"] == {"round_id": rid, "value": "block",
                                                     "reason": REASON}  # fmt: skip
    result = close(client, ga, rid)
    assert result["outcome"] == "blocked" and result["stage"] == "block_discussion"
    assert result["tally"] == {"agree": 2, "stand_aside": 0, "block": 1}
    assert result["explanation"] == "2 agree, 1 block: a block stands → blocked"
    shown = get_round(client, rid, marisol)
    assert shown["blocks"] == [{"id": shown["blocks"][0]["id"], "name": "Emeka", "reason": REASON,
                                "analog": False, "principled": None}]  # fmt: skip
    assert shown["stand_asides"] == [] and shown["closed_by_deadline"] is False
    proposal = proposal_of(client, pid, chen)
    assert proposal["stage"] == "block_discussion"
    assert [r["kind"] for r in proposal["rounds"]] == ["temperature", "consensus"]

    # A fallback vote: 27 agree and 2 named blocks counted in the room.
    move(client, ga, pid, "consensus_call")
    fallback = open_round(client, ga, pid, kind="consensus", fallback=True)["round_id"]
    named = [{"name": "Kofi", "reason": REASON}, {"name": "Ruth", "reason": "Unsafe."}]
    analog(client, ga, fallback, counts={"agree": 27}, blocks=named)
    final = close(client, ga, fallback)
    assert final["outcome"] == "passed_by_supermajority"
    assert final["explanation"] == "27 agree, 2 block: 27/29 = 93% ≥ 90% → passed by supermajority"
    assert final["seq"] == seq_of(client, ga)
    proposal = proposal_of(client, pid, chen)
    assert (proposal["stage"], proposal["outcome"]) == ("decided", "passed_by_supermajority")


def test_a_block_review_through_the_api(client: TestClient) -> None:
    ga = create_assembly(client, decision_rule=REVIEW_RULE)
    marisol, emeka, chen, dolores = (
        join(client, ga, n) for n in ("Marisol", "Emeka", "Chen", "Dolores")
    )
    pid = submit(client, ga, marisol, "consensus_call")
    rid = open_round(client, ga, pid, kind="consensus")["round_id"]
    ok(respond(client, rid, emeka, "block", REASON))
    for who in (marisol, chen, dolores):
        ok(respond(client, rid, who, "agree"))
    assert close(client, ga, rid)["rule"]["block_review_threshold"] == "3/4"
    [block] = get_round(client, rid, chen)["blocks"]
    review = open_round(client, ga, pid, kind="block_review", block_id=block["id"])["round_id"]
    shown = get_round(client, review, chen)
    assert shown["block"] == {"id": block["id"], "name": "Emeka", "reason": REASON,
                              "principled": None}  # fmt: skip
    assert shown["results"] == "hidden"
    for who, value in ((chen, "no"), (dolores, "no"), (marisol, "yes"), (emeka, "yes")):
        ok(respond(client, review, who, value))
    result = close(client, ga, review)
    assert result["outcome"] == "passed_with_stand_asides"
    assert result["tally"] == {"yes": 2, "no": 2}
    assert result["explanation"].startswith("2 yes, 2 no: 2/4 = 50% < 75% → not accepted")
    assert get_round(client, review, chen)["block"]["principled"] is False
    proposal = proposal_of(client, pid, chen)
    assert (proposal["stage"], proposal["outcome"]) == ("decided", "passed_with_stand_asides")


def test_an_anonymous_round_never_shows_who_answered(client: TestClient) -> None:
    ga = create_assembly(client)
    marisol, emeka, chen = (join(client, ga, n) for n in ("Marisol", "Emeka", "Chen"))
    pid = submit(client, ga, marisol, "consensus_call")
    rid = open_round(client, ga, pid, kind="consensus", anonymous=True, results="live")["round_id"]
    ok(respond(client, rid, emeka, "block", REASON))
    ok(respond(client, rid, chen, "stand_aside", "Not my call."))
    assert get_round(client, rid, emeka)["mine"]["value"] == "block"  # my own, while open
    close(client, ga, rid)
    for who in (ga.facilitator, marisol, emeka, chen):
        seen = get_round(client, rid, who)
        assert seen["mine"] is None
        assert [(b["name"], b["reason"]) for b in seen["blocks"]] == [(None, REASON)]
        assert seen["stand_asides"] == [{"name": None, "reason": "Not my call."}]
        for name in ("Emeka", "Chen"):
            assert name not in str(seen)
            assert name not in str(proposal_of(client, pid, who)["rounds"])


def test_the_server_closes_a_round_at_its_deadline(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's closer (started with the app) closes a round once its deadline has passed."""
    ga = create_assembly(client)
    marisol = join(client, ga, "Marisol")
    pid = submit(client, ga, marisol, "consensus_call")
    rid = open_round(client, ga, pid, kind="consensus", closes_in_seconds=10)["round_id"]
    ok(respond(client, rid, marisol, "agree"))
    eleven_seconds_on = clock.now() + timedelta(seconds=11)
    monkeypatch.setattr(clock, "now", lambda: eleven_seconds_on)
    late = respond(client, rid, marisol, "stand_aside")
    assert late.status_code == 409 and error_of(late)["code"] == "round_closed"
    deadline = time.monotonic() + 10
    while get_round(client, rid, marisol)["status"] == "open" and time.monotonic() < deadline:
        time.sleep(0.05)
    shown = get_round(client, rid, marisol)
    assert (shown["status"], shown["closed_by_deadline"], shown["outcome"]) == (
        "closed", True, "passed",
    )  # fmt: skip
    assert proposal_of(client, pid, marisol)["outcome"] == "passed"


def test_the_openapi_schema_describes_rounds(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/proposals/{proposal_id}/rounds"]
    assert "get" in paths["/api/rounds/{round_id}"]
    assert "put" in paths["/api/rounds/{round_id}/response"]
    assert "post" in paths["/api/rounds/{round_id}/analog"]
    assert "post" in paths["/api/rounds/{round_id}/close"]


def test_the_assembly_approves_its_minutes_through_the_api(client: TestClient) -> None:
    ga = create_assembly(client)
    emeka, chen = join(client, ga, "Emeka"), join(client, ga, "Chen")
    url = f"/api/assemblies/{ga.id}/minutes/approval"
    made = ok(
        client.post(url, json={"closes_in_seconds": 120}, headers=ga.facilitator.headers), 201
    )
    assert (made["kind"], made["results"]) == ("minutes", "live")
    rid = made["round_id"]
    assert respond(client, rid, emeka, "up").status_code == 200
    assert respond(client, rid, chen, "sideways").status_code == 200
    refused = respond(client, rid, chen, "block", REASON)
    assert refused.status_code == 422 and error_of(refused)["code"] == "bad_value"
    shown = get_round(client, rid, chen)
    assert set(shown) == LIVE_KEYS and shown["proposal_id"] is None
    assert shown["counts"] == {"up": 1, "sideways": 1, "down": 0} and shown["mine"]["value"] == (
        "sideways"
    )
    closed = close(client, ga, rid)
    assert closed["outcome"] == "approved" and closed["tally"] == {
        "up": 1,
        "sideways": 1,
        "down": 0,
    }
    ok(client.post(f"/api/assemblies/{ga.id}/close", headers=ga.facilitator.headers))
    minutes = ok(client.get(f"/api/assemblies/{ga.id}/minutes", headers=chen.headers))
    (approval,) = minutes["approvals"]
    assert (approval["kind"], approval["outcome"]) == ("minutes", "approved")


# ---- bad requests: the error shape, the right code, and nothing changed --------------------


@dataclass
class Scene:
    """A 3/4 block review rule. "Winter tents" (pid) is in consensus_call with a hidden call
    open (rid); "Kitchen" (other) is in temperature_check with no round. Marisol presents;
    Emeka and Chen take part."""

    client: TestClient
    ga: GA
    fac: Person
    marisol: Person
    emeka: Person
    chen: Person
    pid: int
    rid: int
    other: int
    items: dict[str, int]

    def headers(self, who: str) -> dict[str, str]:
        people = {"facilitator": self.fac, "presenter": self.marisol, "emeka": self.emeka,
                  "chen": self.chen}  # fmt: skip
        return headers_for(who, people)

    def url(self, path: str) -> str:
        return path.format(
            pid=self.pid, rid=self.rid, other=self.other, ga_id=self.ga.id, **self.items
        )

    def send(self, method: str, path: str, body: Any = None, who: str = "facilitator") -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers(who)}
        if body is not None:
            kwargs["json"] = body
        return self.client.request(method, self.url(path), **kwargs)


Setup = Callable[[Scene], Any]
Call = Callable[[Scene], Any]


def _req(method: str, path: str, body: Any = None, who: str = "facilitator") -> Call:
    return lambda s: s.send(method, path, body, who)


def _raw(method: str, path: str, raw: str, who: str = "facilitator") -> Call:
    def call(s: Scene) -> Any:
        headers = {**s.headers(who), "content-type": "application/json"}
        return s.client.request(method, s.url(path), content=raw, headers=headers)

    return call


def _nothing(s: Scene) -> None:
    return None


def _closed(s: Scene) -> Any:
    """The call closes with no answers: no quorum, the proposal stays in consensus_call."""
    return ok(s.send("POST", CLOSE))


def _blocked(s: Scene) -> None:
    """The call closes blocked by Emeka: the proposal is in block_discussion."""
    ok(s.send("PUT", ANSWER, {"value": "block", "reason": REASON}, "emeka"))
    ok(s.send("POST", CLOSE))


def _closed_assembly(s: Scene) -> Any:
    ok(s.send("POST", f"/api/rounds/{s.rid}/close"))  # an open round keeps an assembly open
    return ok(s.send("POST", f"/api/assemblies/{s.ga.id}/close"))


OPEN, OPEN_OTHER = "/api/proposals/{pid}/rounds", "/api/proposals/{other}/rounds"
GET, ANSWER = "/api/rounds/{rid}", "/api/rounds/{rid}/response"
ANALOG, CLOSE = "/api/rounds/{rid}/analog", "/api/rounds/{rid}/close"
TEMPERATURE, CONSENSUS = {"kind": "temperature"}, {"kind": "consensus"}
AGREE = {"value": "agree"}
COUNTS = {"counts": {"agree": 3}}
APPROVE = "/api/assemblies/{ga_id}/minutes/approval"

BAD_REQUESTS: list[tuple[str, Setup, Call, int, str]] = [
    # who are you
    ("no token opening", _nothing, _req("POST", OPEN_OTHER, TEMPERATURE, "nobody"),
     401, "unauthorized"),
    ("no token reading", _nothing, _req("GET", GET, who="nobody"), 401, "unauthorized"),
    ("no token answering", _nothing, _req("PUT", ANSWER, AGREE, "nobody"), 401, "unauthorized"),
    ("no token counting", _nothing, _req("POST", ANALOG, COUNTS, "nobody"), 401, "unauthorized"),
    ("no token closing", _nothing, _req("POST", CLOSE, who="nobody"), 401, "unauthorized"),
    ("bad token answering", _nothing, _req("PUT", ANSWER, AGREE, "stranger"),
     401, "unauthorized"),
    ("bad token closing", _nothing, _req("POST", CLOSE, who="stranger"), 401, "unauthorized"),
    # roles
    ("participant opens a round", _nothing, _req("POST", OPEN_OTHER, TEMPERATURE, "chen"),
     403, "role_required"),
    ("presenter opens a round", _nothing, _req("POST", OPEN_OTHER, TEMPERATURE, "presenter"),
     403, "role_required"),
    ("participant closes a round", _nothing, _req("POST", CLOSE, who="chen"),
     403, "role_required"),
    ("presenter closes a round", _nothing, _req("POST", CLOSE, who="presenter"),
     403, "role_required"),
    ("participant counts hands", _nothing, _req("POST", ANALOG, COUNTS, "emeka"),
     403, "role_required"),
    # unknown things
    ("read an unknown round", _nothing, _req("GET", "/api/rounds/999999"), 404, "round_not_found"),
    ("answer an unknown round", _nothing, _req("PUT", "/api/rounds/999999/response", AGREE, "chen"),
     404, "round_not_found"),
    ("count on an unknown round", _nothing, _req("POST", "/api/rounds/999999/analog", COUNTS),
     404, "round_not_found"),
    ("close an unknown round", _nothing, _req("POST", "/api/rounds/999999/close"),
     404, "round_not_found"),
    ("open on an unknown proposal", _nothing,
     _req("POST", "/api/proposals/999999/rounds", TEMPERATURE), 404, "proposal_not_found"),
    ("review an unknown block", _blocked,
     _req("POST", OPEN, {"kind": "block_review", "block_id": 999999}), 404, "block_not_found"),
    ("round id as text", _nothing, _req("GET", "/api/rounds/first"), 422, "invalid"),
    # not now
    ("answer a closed round", _closed, _req("PUT", ANSWER, AGREE, "chen"), 409, "round_closed"),
    ("count on a closed round", _closed, _req("POST", ANALOG, COUNTS), 409, "round_closed"),
    ("close a closed round", _closed, _req("POST", CLOSE), 409, "round_closed"),
    ("a second open round", _nothing, _req("POST", OPEN, TEMPERATURE), 409, "round_open"),
    ("a second open call", _nothing, _req("POST", OPEN, CONSENSUS), 409, "round_open"),
    ("a call in temperature_check", _nothing, _req("POST", OPEN_OTHER, CONSENSUS),
     409, "round_not_allowed"),
    ("a block review in temperature_check", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "block_review", "block_id": 1}), 409, "round_not_allowed"),
    ("a temperature check in consensus_call", _closed, _req("POST", OPEN, TEMPERATURE),
     409, "round_not_allowed"),
    ("a call in block_discussion", _blocked, _req("POST", OPEN, CONSENSUS),
     409, "round_not_allowed"),
    ("a fallback vote without a blocked call", _closed,
     _req("POST", OPEN, {"kind": "consensus", "fallback": True}), 409, "fallback_not_allowed"),
    ("answer in a closed assembly", _closed_assembly, _req("PUT", ANSWER, AGREE, "chen"),
     409, "assembly_closed"),
    ("open in a closed assembly", _closed_assembly, _req("POST", OPEN_OTHER, TEMPERATURE),
     409, "assembly_closed"),
    # validation
    ("malformed json opening", _nothing, _raw("POST", OPEN_OTHER, '{"kind": '), 400, "malformed"),
    ("malformed json answering", _nothing, _raw("PUT", ANSWER, "value=agree", "chen"),
     400, "malformed"),
    ("an unknown kind", _nothing, _req("POST", OPEN_OTHER, {"kind": "vote"}), 422, "invalid"),
    ("no kind", _nothing, _req("POST", OPEN_OTHER, {}), 422, "invalid"),
    ("results sometimes", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "results": "sometimes"}), 422, "invalid"),
    ("closes in 9 seconds", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "closes_in_seconds": 9}), 422, "invalid"),
    ("closes in 3601 seconds", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "closes_in_seconds": 3601}),
     422, "invalid"),
    ("closes in no seconds", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "closes_in_seconds": 0}), 422, "invalid"),
    ("an extra field opening", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "secret": True}), 422, "invalid"),
    ("a block review without a block", _blocked, _req("POST", OPEN, {"kind": "block_review"}),
     422, "block_required"),
    ("a temperature check about a block", _nothing,
     _req("POST", OPEN_OTHER, {"kind": "temperature", "block_id": 1}), 422, "block_not_expected"),
    ("an answer the call does not take", _nothing, _req("PUT", ANSWER, {"value": "up"}, "chen"),
     422, "bad_value"),
    ("a made-up answer", _nothing, _req("PUT", ANSWER, {"value": "maybe"}, "chen"),
     422, "bad_value"),
    ("no answer", _nothing, _req("PUT", ANSWER, {}, "chen"), 422, "invalid"),
    ("an answer as a number", _nothing, _req("PUT", ANSWER, {"value": 1}, "chen"), 422, "invalid"),
    ("a block without a reason", _nothing, _req("PUT", ANSWER, {"value": "block"}, "chen"),
     422, "reason_required"),
    ("a block with a blank reason", _nothing,
     _req("PUT", ANSWER, {"value": "block", "reason": "  "}, "chen"), 422, "reason_required"),
    ("a reason of 1001 characters", _nothing,
     _req("PUT", ANSWER, {"value": "block", "reason": "r" * 1001}, "chen"),
     422, "reason_too_long"),
    ("a reason of 5000 characters", _nothing,
     _req("PUT", ANSWER, {"value": "stand_aside", "reason": "r" * 5000}, "chen"), 422, "invalid"),
    ("an extra field answering", _nothing,
     _req("PUT", ANSWER, {"value": "agree", "participant_id": 1}, "chen"), 422, "invalid"),
    ("a negative count", _nothing, _req("POST", ANALOG, {"counts": {"agree": -1}}),
     422, "bad_count"),
    ("a count as text", _nothing, _req("POST", ANALOG, {"counts": {"agree": "many"}}),
     422, "invalid"),
    ("a count for an answer the call does not take", _nothing,
     _req("POST", ANALOG, {"counts": {"up": 4}}), 422, "bad_value"),
    ("counted blocks without names", _nothing, _req("POST", ANALOG, {"counts": {"block": 2}}),
     422, "analog_block_unnamed"),
    ("a counted block without a reason", _nothing,
     _req("POST", ANALOG, {"counts": {}, "blocks": [{"name": "Kofi"}]}), 422, "invalid"),
    ("a counted block with a blank reason", _nothing,
     _req("POST", ANALOG, {"blocks": [{"name": "Kofi", "reason": " "}]}), 422, "reason_required"),
    ("an extra field counting", _nothing,
     _req("POST", ANALOG, {"counts": {"agree": 1}, "note": "x"}), 422, "invalid"),
    # approving the minutes
    ("no token asking to approve", _nothing, _req("POST", APPROVE, who="nobody"),
     401, "unauthorized"),
    ("participant asks to approve", _nothing, _req("POST", APPROVE, who="chen"),
     403, "role_required"),
    ("approval while a call is open", _nothing, _req("POST", APPROVE), 409, "round_open"),
    ("approval in a closed assembly", _closed_assembly, _req("POST", APPROVE),
     409, "assembly_closed"),
    ("approval of an assembly the token is not for", _nothing,
     _req("POST", "/api/assemblies/nope/minutes/approval"), 401, "unauthorized"),
    ("approval closing in 5 seconds", _closed, _req("POST", APPROVE, {"closes_in_seconds": 5}),
     422, "invalid"),
    ("approval with a kind", _closed, _req("POST", APPROVE, {"kind": "consensus"}),
     422, "invalid"),
    ("malformed json approving", _closed, _raw("POST", APPROVE, "{"), 400, "malformed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "setup", "call", "status", "code"), BAD_REQUESTS, ids=[r[0] for r in BAD_REQUESTS]
)
def test_bad_requests_get_a_clear_error_and_change_nothing(
    client: TestClient, label: str, setup: Setup, call: Call, status: int, code: str
) -> None:
    ga = create_assembly(client, decision_rule=REVIEW_RULE)
    marisol, emeka, chen = (join(client, ga, n) for n in ("Marisol", "Emeka", "Chen"))
    pid = submit(client, ga, marisol, "consensus_call")
    other = submit(client, ga, marisol, "temperature_check")
    rid = open_round(client, ga, pid, kind="consensus")["round_id"]
    scene = Scene(client, ga, ga.facilitator, marisol, emeka, chen, pid, rid, other, items={})
    setup(scene)
    before = seq_of(client, ga)
    proposals_before = [proposal_of(client, p, ga.facilitator) for p in (pid, other)]
    round_before = get_round(client, rid, ga.facilitator)
    response = call(scene)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    assert seq_of(client, ga) == before
    assert [proposal_of(client, p, ga.facilitator) for p in (pid, other)] == proposals_before
    assert get_round(client, rid, ga.facilitator) == round_before


def test_members_of_another_assembly_cannot_reach_its_rounds(client: TestClient) -> None:
    ga = create_assembly(client)
    marisol = join(client, ga, "Marisol")
    pid = submit(client, ga, marisol, "concerns")
    rid = open_round(client, ga, pid, kind="temperature")["round_id"]
    other = create_assembly(client)
    outsider = join(client, other, "Gus")
    before = seq_of(client, ga)
    for who in (other.facilitator, outsider):
        for response in (
            client.get(f"/api/rounds/{rid}", headers=who.headers),
            client.put(f"/api/rounds/{rid}/response", json={"value": "up"}, headers=who.headers),
            client.post(f"/api/rounds/{rid}/close", headers=who.headers),
            client.post(
                f"/api/proposals/{pid}/rounds", json={"kind": "temperature"}, headers=who.headers
            ),
        ):
            assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"
    assert seq_of(client, ga) == before
