"""The JSON API of the speaking stack: the happy path, and a table of bad requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import GA, Person, create_assembly, error_of, join, ok, seq_of

CURRENT_KEYS = {
    "entry_id", "participant_id", "name", "kind", "started_at", "speaking_until", "paused_at",
}  # fmt: skip
QUEUE_KEYS = {"entry_id", "participant_id", "name", "kind", "position", "reason"}


def stack_of(client: TestClient, ga: GA, who: Person) -> dict[str, Any]:
    response = client.get(f"/api/assemblies/{ga.id}/stack", headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_running_a_stack_through_the_api(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    base = f"/api/assemblies/{assembly.id}"
    chen, dev, keiko = (join(client, assembly, n) for n in ("Chen", "Dev", "Keiko"))
    grant = {"participant_id": keiko.participant_id, "role": "stack_keeper"}
    ok(client.post(f"{base}/roles", json=grant, headers=facilitator.headers))
    item = ok(
        client.post(
            f"{base}/agenda", json={"title": "Winter tents", "kind": "discussion"},
            headers=facilitator.headers,
        ),
        201,
    )["item_id"]  # fmt: skip
    ok(client.post(f"{base}/agenda/{item}/open", headers=facilitator.headers))

    empty = stack_of(client, assembly, chen)
    assert empty == {
        "current": None,
        "queue": [],
        "settings": {
            "mode": "progressive", "speaking_seconds": 60, "report_seconds": 120,
            "direct_responses": True, "open": True,
        },
        "seq": seq_of(client, assembly),
    }  # fmt: skip

    raised = ok(
        client.post(
            f"{base}/stack", json={"kind": "speak", "agenda_item_id": item}, headers=chen.headers
        ),
        201,
    )
    assert set(raised) == {"entry_id", "kind", "seq"} and raised["seq"] == seq_of(client, assembly)
    info = ok(
        client.post(f"{base}/stack", json={"kind": "point_of_information"}, headers=dev.headers),
        201,
    )
    rosa = ok(
        client.post(f"{base}/stack", json={"kind": "speak", "name": "Rosa"}, headers=keiko.headers),
        201,
    )
    stack = stack_of(client, assembly, dev)
    assert stack["current"] is None and stack["seq"] == rosa["seq"]
    assert all(set(q) == QUEUE_KEYS for q in stack["queue"])
    assert stack["queue"] == [
        {"entry_id": info["entry_id"], "participant_id": dev.participant_id, "name": "Dev",
         "kind": "point_of_information", "position": 1, "reason": "point of information"},
        {"entry_id": raised["entry_id"], "participant_id": chen.participant_id, "name": "Chen",
         "kind": "speak", "position": 2, "reason": "first time speaking"},
        {"entry_id": rosa["entry_id"], "participant_id": None, "name": "Rosa",
         "kind": "speak", "position": 3, "reason": "first time speaking"},
    ]  # fmt: skip

    moved = ok(
        client.post(
            f"{base}/stack/move", json={"entry_id": rosa["entry_id"], "position": 1},
            headers=keiko.headers,
        )
    )  # fmt: skip
    assert moved == {"entry_id": rosa["entry_id"], "position": 1, "seq": rosa["seq"] + 1}
    assert stack_of(client, assembly, chen)["queue"][0]["reason"] == "moved up by Keiko"

    called = ok(client.post(f"{base}/stack/next", headers=keiko.headers))
    assert called["entry_id"] == rosa["entry_id"] and called["name"] == "Rosa"
    current = stack_of(client, assembly, chen)["current"]
    assert set(current) == CURRENT_KEYS
    assert {k: current[k] for k in ("entry_id", "participant_id", "name", "kind", "paused_at")} == {
        "entry_id": rosa["entry_id"], "participant_id": None, "name": "Rosa", "kind": "speak",
        "paused_at": None,
    }  # fmt: skip
    started = datetime.fromisoformat(current["started_at"])
    until = datetime.fromisoformat(current["speaking_until"])
    assert started.utcoffset() == timedelta(0) and until - started == timedelta(seconds=60)

    paused = ok(client.post(f"{base}/stack/timer", json={"action": "pause"}, headers=keiko.headers))
    assert paused == {"action": "pause", "seq": called["seq"] + 1}
    assert stack_of(client, assembly, chen)["current"]["paused_at"] is not None
    ok(client.post(f"{base}/stack/timer", json={"action": "resume"}, headers=keiko.headers))
    resumed = stack_of(client, assembly, chen)["current"]
    assert resumed["paused_at"] is None
    ok(
        client.post(
            f"{base}/stack/timer",
            json={"action": "add", "seconds": 45},
            headers=facilitator.headers,
        )
    )
    ok(client.post(f"{base}/stack/timer", json={"action": "add"}, headers=keiko.headers))
    extended = stack_of(client, assembly, chen)["current"]
    assert datetime.fromisoformat(extended["speaking_until"]) - datetime.fromisoformat(
        resumed["speaking_until"]
    ) == timedelta(seconds=75)

    lowered = ok(client.delete(f"{base}/stack/{raised['entry_id']}", headers=chen.headers))
    assert lowered["entry_id"] == raised["entry_id"] and lowered["status"] == "lowered"
    ok(client.post(f"{base}/stack/next", headers=facilitator.headers))  # Dev
    assert stack_of(client, assembly, chen)["current"]["name"] == "Dev"
    ended = ok(client.post(f"{base}/stack/timer", json={"action": "end"}, headers=keiko.headers))
    assert stack_of(client, assembly, chen) == {
        "current": None, "queue": [], "settings": empty["settings"], "seq": ended["seq"],
    }  # fmt: skip

    settings = {"mode": "fifo", "speaking_seconds": 90, "direct_responses": False, "open": False}
    changed = ok(client.put(f"{base}/stack/settings", json=settings, headers=keiko.headers))
    assert changed == {**settings, "seq": ended["seq"] + 1}
    assert stack_of(client, assembly, chen)["settings"] == {**settings, "report_seconds": 120}


def test_a_closed_stack_still_takes_a_point_of_process(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    base = f"/api/assemblies/{assembly.id}"
    chen = join(client, assembly, "Chen")
    ok(client.put(f"{base}/stack/settings", json={"open": False}, headers=facilitator.headers))
    refused = client.post(f"{base}/stack", json={"kind": "speak"}, headers=chen.headers)
    assert refused.status_code == 409 and error_of(refused)["code"] == "stack_closed"
    taken = ok(
        client.post(f"{base}/stack", json={"kind": "point_of_process"}, headers=chen.headers), 201
    )
    [entry] = stack_of(client, assembly, chen)["queue"]
    assert entry["entry_id"] == taken["entry_id"] and entry["reason"] == "point of process"


def test_the_stack_keeper_lowers_anyones_hand_and_the_facilitator_too(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    base = f"/api/assemblies/{assembly.id}"
    chen = join(client, assembly, "Chen")
    first = ok(client.post(f"{base}/stack", json={"kind": "speak"}, headers=chen.headers), 201)
    named = ok(
        client.post(
            f"{base}/stack", json={"kind": "speak", "name": "Rosa"}, headers=facilitator.headers
        ),
        201,
    )
    for entry in (first, named):
        ok(client.delete(f"{base}/stack/{entry['entry_id']}", headers=facilitator.headers))
    assert stack_of(client, assembly, chen)["queue"] == []


def test_any_member_reads_the_stack_and_strangers_do_not(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    chen = join(client, assembly, "Chen")
    assert stack_of(client, assembly, chen)["seq"] == 2
    stranger = client.get(f"/api/assemblies/{assembly.id}/stack")
    assert stranger.status_code == 401 and error_of(stranger)["code"] == "unauthorized"
    other = create_assembly(client)
    crossed = client.get(f"/api/assemblies/{other.id}/stack", headers=chen.headers)
    assert crossed.status_code == 401


def test_the_openapi_schema_describes_the_stack(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("", "/{entry_id}", "/next", "/timer", "/move", "/settings"):
        assert f"/api/assemblies/{{assembly_id}}/stack{path}" in paths


# ---- bad requests: the error shape, the right code, and nothing changed --------------------


@dataclass
class Scene:
    """An assembly where Chen has a speak hand up (`entry`) and Dev has none."""

    client: TestClient
    ga: GA
    fac: Person
    chen: Person
    dev: Person
    entry: int
    items: list[int] = field(default_factory=list)
    other_entry: int = 0

    def headers(self, who: str) -> dict[str, str]:
        people = {"facilitator": self.fac, "participant": self.chen, "dev": self.dev}
        if who == "nobody":
            return {}
        if who == "stranger":
            return {"Authorization": "Bearer not-a-token"}
        return people[who].headers

    def send(self, method: str, path: str, body: Any = None, who: str = "facilitator") -> Any:
        url = f"/api/assemblies/{self.ga.id}/stack{path}".format(
            entry=self.entry, other=self.other_entry
        )
        kwargs: dict[str, Any] = {"headers": self.headers(who)}
        if body is not None:
            kwargs["json"] = body(self) if callable(body) else body
        return self.client.request(method, url, **kwargs)


Setup = Callable[[Scene], Any]
Call = Callable[[Scene], Any]


def _req(method: str, path: str = "", body: Any = None, who: str = "facilitator") -> Call:
    return lambda s: s.send(method, path, body, who)


def _raw(path: str, raw: str) -> Call:
    def call(s: Scene) -> Any:
        headers = {**s.headers("participant"), "content-type": "application/json"}
        return s.client.post(f"/api/assemblies/{s.ga.id}/stack{path}", content=raw, headers=headers)

    return call


def _settings(**body: Any) -> Setup:
    return lambda s: ok(s.send("PUT", "/settings", body))


def _lower_own(s: Scene) -> Any:
    return ok(s.send("DELETE", "/{entry}", who="participant"))


def _speaker(s: Scene) -> Any:
    return ok(s.send("POST", "/next"))


def _paused(s: Scene) -> Any:
    _speaker(s)
    return ok(s.send("POST", "/timer", {"action": "pause"}))


def _two_items_second_open(s: Scene) -> None:
    base = f"/api/assemblies/{s.ga.id}"
    for title in ("Welcome", "Kitchen report-back"):
        made = s.client.post(
            f"{base}/agenda", json={"title": title, "kind": "report"}, headers=s.fac.headers
        )
        s.items.append(ok(made, 201)["item_id"])
    # The open floor's hands are lowered: the error wanted is about the item, not the hands.
    opened = s.client.post(
        f"{base}/agenda/{s.items[1]}/open", json={"hands": "clear"}, headers=s.fac.headers
    )
    ok(opened)


def _one_item_pending(s: Scene) -> None:
    made = s.client.post(
        f"/api/assemblies/{s.ga.id}/agenda",
        json={"title": "Welcome", "kind": "announcement"},
        headers=s.fac.headers,
    )
    s.items.append(ok(made, 201)["item_id"])


def _hand_in_another_assembly(s: Scene) -> None:
    other = create_assembly(s.client)
    made = s.client.post(
        f"/api/assemblies/{other.id}/stack",
        json={"kind": "speak"},
        headers=other.facilitator.headers,
    )
    s.other_entry = ok(made, 201)["entry_id"]


def _closed_assembly(s: Scene) -> None:
    ok(s.client.post(f"/api/assemblies/{s.ga.id}/close", headers=s.fac.headers))


def _nothing(s: Scene) -> None:
    return None


SPEAK = {"kind": "speak"}
MOVE_CHEN = lambda s: {"entry_id": s.entry, "position": 1}  # noqa: E731

BAD_REQUESTS: list[tuple[str, Setup, Call, int, str]] = [
    # roles
    ("participant moves a hand", _nothing, _req("POST", "/move", MOVE_CHEN, "participant"),
     403, "role_required"),
    ("participant adds a hand by name", _nothing,
     _req("POST", "", {"kind": "speak", "name": "Rosa"}, "participant"), 403, "role_required"),
    ("participant calls next", _nothing, _req("POST", "/next", who="participant"),
     403, "role_required"),
    ("participant runs the timer", _speaker,
     _req("POST", "/timer", {"action": "add"}, "participant"), 403, "role_required"),
    ("participant changes settings", _nothing,
     _req("PUT", "/settings", {"mode": "fifo"}, "participant"), 403, "role_required"),
    ("participant lowers someone else's hand", _nothing, _req("DELETE", "/{entry}", who="dev"),
     403, "role_required"),
    # unknown entries
    ("lower an unknown entry", _nothing, _req("DELETE", "/999999"), 404, "hand_not_found"),
    ("move an unknown entry", _nothing,
     _req("POST", "/move", {"entry_id": 999999, "position": 1}), 404, "hand_not_found"),
    ("lower a hand of another assembly", _hand_in_another_assembly, _req("DELETE", "/{other}"),
     404, "hand_not_found"),
    # hands in the wrong state
    ("lower an already lowered hand", _lower_own, _req("DELETE", "/{entry}", who="participant"),
     409, "hand_not_open"),
    ("move a lowered hand", _lower_own, _req("POST", "/move", MOVE_CHEN), 409, "hand_not_open"),
    ("lower a hand already called", _speaker, _req("DELETE", "/{entry}", who="participant"),
     409, "hand_not_open"),
    ("same kind twice", _nothing, _req("POST", "", SPEAK, "participant"), 409, "hand_already_up"),
    ("same name twice", lambda s: ok(s.send("POST", "", {"kind": "speak", "name": "Rosa"}), 201),
     _req("POST", "", {"kind": "speak", "name": " rosa"}), 409, "hand_already_up"),
    ("closed stack", _settings(open=False), _req("POST", "", SPEAK, "dev"), 409, "stack_closed"),
    ("direct responses off", _settings(direct_responses=False),
     _req("POST", "", {"kind": "direct_response"}, "dev"), 409, "direct_responses_off"),
    ("agenda item not the open one", _two_items_second_open,
     _req("POST", "", lambda s: {"kind": "speak", "agenda_item_id": s.items[0]}, "dev"),
     409, "item_not_open"),
    ("agenda item while none is open", _one_item_pending,
     _req("POST", "", lambda s: {"kind": "speak", "agenda_item_id": s.items[0]}, "dev"),
     409, "item_not_open"),
    ("call next on an empty stack", _lower_own, _req("POST", "/next"), 409, "stack_empty"),
    ("timer with nobody speaking", _nothing, _req("POST", "/timer", {"action": "pause"}),
     409, "no_speaker"),
    ("end with nobody speaking", _nothing, _req("POST", "/timer", {"action": "end"}),
     409, "no_speaker"),
    ("pause twice", _paused, _req("POST", "/timer", {"action": "pause"}), 409, "timer_paused"),
    ("resume a running timer", _speaker, _req("POST", "/timer", {"action": "resume"}),
     409, "timer_running"),
    # validation
    ("bad kind", _nothing, _req("POST", "", {"kind": "shout"}, "dev"), 422, "invalid"),
    ("no kind", _nothing, _req("POST", "", {}, "dev"), 422, "invalid"),
    ("bad action", _speaker, _req("POST", "/timer", {"action": "stop"}), 422, "invalid"),
    ("position 0", _nothing, _req("POST", "/move", lambda s: {"entry_id": s.entry, "position": 0}),
     422, "invalid"),
    ("position as text", _nothing,
     _req("POST", "/move", lambda s: {"entry_id": s.entry, "position": "top"}), 422, "invalid"),
    ("add 0 seconds", _speaker, _req("POST", "/timer", {"action": "add", "seconds": 0}),
     422, "invalid"),
    ("add an hour and more", _speaker, _req("POST", "/timer", {"action": "add", "seconds": 3601}),
     422, "invalid"),
    ("speaking seconds 0", _nothing, _req("PUT", "/settings", {"speaking_seconds": 0}),
     422, "invalid"),
    ("mode random", _nothing, _req("PUT", "/settings", {"mode": "random"}), 422, "invalid"),
    ("open as a word", _nothing, _req("PUT", "/settings", {"open": "maybe"}), 422, "invalid"),
    ("unknown field on a hand", _nothing,
     _req("POST", "", {"kind": "speak", "colour": "red"}, "dev"), 422, "invalid"),
    ("unknown field in settings", _nothing, _req("PUT", "/settings", {"shuffle": True}),
     422, "invalid"),
    ("blank name", _nothing, _req("POST", "", {"kind": "speak", "name": "  "}),
     422, "name_required"),
    ("long name", _nothing, _req("POST", "", {"kind": "speak", "name": "n" * 61}),
     422, "name_too_long"),
    ("entry id as text", _nothing, _req("DELETE", "/abc"), 422, "invalid"),
    ("malformed json", _nothing, _raw("", "{kind:"), 400, "malformed"),
    # a closed assembly
    ("raise on a closed assembly", _closed_assembly, _req("POST", "", SPEAK, "dev"),
     409, "assembly_closed"),
    ("point of process on a closed assembly", _closed_assembly,
     _req("POST", "", {"kind": "point_of_process"}, "dev"), 409, "assembly_closed"),
    ("lower on a closed assembly", _closed_assembly, _req("DELETE", "/{entry}", who="participant"),
     409, "assembly_closed"),
    ("call next on a closed assembly", _closed_assembly, _req("POST", "/next"),
     409, "assembly_closed"),
    ("settings on a closed assembly", _closed_assembly, _req("PUT", "/settings", {"open": False}),
     409, "assembly_closed"),
    # who are you
    ("no token", _nothing, _req("POST", "", SPEAK, "nobody"), 401, "unauthorized"),
    ("bad token", _nothing, _req("POST", "/next", who="stranger"), 401, "unauthorized"),
    ("no token reading", _nothing, _req("GET", who="nobody"), 401, "unauthorized"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "setup", "call", "status", "code"), BAD_REQUESTS, ids=[r[0] for r in BAD_REQUESTS]
)
def test_bad_requests_get_a_clear_error_and_change_nothing(
    client: TestClient,
    assembly: GA,
    facilitator: Person,
    label: str,
    setup: Setup,
    call: Call,
    status: int,
    code: str,
) -> None:
    chen, dev = join(client, assembly, "Chen"), join(client, assembly, "Dev")
    raised = ok(
        client.post(f"/api/assemblies/{assembly.id}/stack", json=SPEAK, headers=chen.headers), 201
    )
    scene = Scene(client, assembly, facilitator, chen, dev, entry=raised["entry_id"])
    setup(scene)
    before = seq_of(client, assembly)
    stack_before = stack_of(client, assembly, facilitator)
    response = call(scene)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    assert seq_of(client, assembly) == before
    assert stack_of(client, assembly, facilitator) == stack_before
