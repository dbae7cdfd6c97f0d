"""The JSON API of proposals and friendly amendments: the happy path, roles, and a table of
bad requests (status, error code, and nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.blocks.tents import EMEKA_TEXT, QUENTIN_TEXT, TEXT
from tests.conftest import GA, Person, create_assembly, error_of, headers_for, join, ok, seq_of

PROPOSAL_KEYS = {
    "id", "assembly_id", "agenda_item_id", "title", "presenter", "working_group", "stage",
    "outcome", "tabled_to", "amendments_open", "max_amendment_rounds", "version", "text",
    "versions", "amendments", "rounds", "seq",
}  # fmt: skip
AMENDMENT_KEYS = {
    "id", "by", "text", "rationale", "status", "based_on_version", "changes",
    "on_presenters_word",
}  # fmt: skip


def submit(client: TestClient, ga: GA, presenter: Person, **body: Any) -> dict[str, Any]:
    payload = {
        "title": "Winter tents", "text": TEXT, "presenter_id": presenter.participant_id,
        "working_group": "Comfort", **body,
    }  # fmt: skip
    return ok(
        client.post(
            f"/api/assemblies/{ga.id}/proposals", json=payload, headers=ga.facilitator.headers
        ),
        201,
    )


def proposal_of(client: TestClient, pid: int, who: Person) -> dict[str, Any]:
    return ok(client.get(f"/api/proposals/{pid}", headers=who.headers))


def stage(client: TestClient, pid: int, who: Person, **body: Any) -> Any:
    return client.post(f"/api/proposals/{pid}/stage", json=body, headers=who.headers)


def amend(client: TestClient, pid: int, who: Person, text: str, **body: Any) -> Any:
    return client.post(
        f"/api/proposals/{pid}/amendments", json={"text": text, **body}, headers=who.headers
    )


def test_a_proposal_amended_through_the_api(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    marisol, emeka, quentin = (join(client, assembly, n) for n in ("Marisol", "Emeka", "Quentin"))
    made = submit(client, assembly, marisol)
    assert set(made) == {"proposal_id", "agenda_item_id", "seq"}
    assert made["seq"] == seq_of(client, assembly)
    pid = made["proposal_id"]
    agenda = ok(client.get(f"/api/assemblies/{assembly.id}", headers=emeka.headers))["agenda"]
    assert [(i["title"], i["kind"]) for i in agenda] == [("Winter tents", "proposal")]

    shown = proposal_of(client, pid, emeka)
    assert set(shown) == PROPOSAL_KEYS
    assert shown["stage"] == "presented" and shown["version"] == 1 and shown["text"] == TEXT
    assert shown["presenter"] == {"participant_id": marisol.participant_id, "name": "Marisol"}
    assert shown["agenda_item_id"] == made["agenda_item_id"] and shown["seq"] == made["seq"]

    moved = ok(stage(client, pid, facilitator, stage="concerns"))
    assert moved == {"stage": "concerns", "outcome": None, "seq": made["seq"] + 1}
    proposed = ok(amend(client, pid, emeka, EMEKA_TEXT, rationale="Keep the fire lane clear."), 201)
    assert set(proposed) == {"amendment_id", "seq"}
    heaters = ok(amend(client, pid, quentin, QUENTIN_TEXT), 201)["amendment_id"]

    accepted = ok(client.post(f"/api/amendments/{proposed['amendment_id']}/accept",
                              headers=marisol.headers))  # fmt: skip
    assert accepted == {"status": "accepted", "version": 2, "seq": proposed["seq"] + 2}
    rejected = ok(client.post(f"/api/amendments/{heaters}/reject", headers=facilitator.headers))
    assert rejected == {"status": "rejected", "version": 2, "seq": accepted["seq"] + 1}

    shown = proposal_of(client, pid, quentin)
    assert shown["version"] == 2 and shown["text"] == EMEKA_TEXT
    assert shown["versions"][1]["changes"]["summary"] == "13 words added"
    assert "{+at least three metres from the fire lane" in shown["versions"][1]["changes"]["text"]
    assert all(set(a) == AMENDMENT_KEYS for a in shown["amendments"])
    fates = [(a["by"]["name"], a["status"], a["on_presenters_word"]) for a in shown["amendments"]]
    assert fates == [("Emeka", "accepted", False), ("Quentin", "rejected", True)]

    settings = ok(client.put(f"/api/proposals/{pid}/settings", json={"amendments_open": False},
                             headers=facilitator.headers))  # fmt: skip
    assert settings == {"amendments_open": False, "seq": rejected["seq"] + 1}
    closed = amend(client, pid, quentin, QUENTIN_TEXT)
    assert closed.status_code == 409 and error_of(closed)["code"] == "amendments_closed"

    withdrawn = ok(client.post(f"/api/proposals/{pid}/withdraw", headers=marisol.headers))
    assert withdrawn == {"stage": "decided", "outcome": "withdrawn", "seq": settings["seq"] + 1}
    final = proposal_of(client, pid, facilitator)
    assert (final["stage"], final["outcome"], final["seq"]) == (
        "decided", "withdrawn", withdrawn["seq"],
    )  # fmt: skip


def test_submitting_to_an_agenda_item_and_presenting_by_name(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    item = ok(
        client.post(f"/api/assemblies/{assembly.id}/agenda",
                    json={"title": "Drumming hours", "kind": "proposal"},
                    headers=facilitator.headers),
        201,
    )["item_id"]  # fmt: skip
    made = ok(
        client.post(
            f"/api/assemblies/{assembly.id}/proposals",
            json={"title": "Drumming hours", "text": "Noon to 10 pm.", "presenter_name": "Kofi",
                  "agenda_item_id": item},
            headers=facilitator.headers,
        ),
        201,
    )  # fmt: skip
    assert made["agenda_item_id"] == item
    shown = proposal_of(client, made["proposal_id"], facilitator)
    assert shown["presenter"] == {"participant_id": None, "name": "Kofi"}
    again = client.post(
        f"/api/assemblies/{assembly.id}/proposals",
        json={"title": "Again", "text": "x", "presenter_name": "Kofi", "agenda_item_id": item},
        headers=facilitator.headers,
    )
    assert again.status_code == 409 and error_of(again)["code"] == "item_has_proposal"


@pytest.mark.parametrize(
    ("working_group", "presented_by"),
    [("Comfort", {"participant_id": None, "name": "Comfort"}), (None, "the facilitator")],
)
def test_a_proposal_without_a_presenter_is_presented_by_its_working_group_else_the_facilitator(
    client: TestClient,
    assembly: GA,
    facilitator: Person,
    working_group: str | None,
    presented_by: Any,
) -> None:
    body = {"title": "Drumming hours", "text": "Noon to 10 pm.", "working_group": working_group}
    made = client.post(
        f"/api/assemblies/{assembly.id}/proposals", json=body, headers=facilitator.headers
    )
    assert made.status_code == 201, made.text
    if presented_by == "the facilitator":
        presented_by = {"participant_id": facilitator.participant_id, "name": "Noor"}
    shown = proposal_of(client, made.json()["proposal_id"], facilitator)
    assert shown["presenter"] == presented_by


def test_tabling_through_the_api_needs_a_destination(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    pid = submit(client, assembly, join(client, assembly, "Kofi"))["proposal_id"]
    missing = stage(client, pid, facilitator, stage="decided", outcome="tabled")
    assert missing.status_code == 422 and error_of(missing)["code"] == "tabled_to_required"
    tabled = ok(stage(client, pid, facilitator, stage="decided", outcome="tabled",
                      tabled_to="Drummers Circle"))  # fmt: skip
    assert tabled["stage"] == "decided" and tabled["outcome"] == "tabled"
    assert proposal_of(client, pid, facilitator)["tabled_to"] == "Drummers Circle"


def test_a_refused_move_names_the_allowed_moves(
    client: TestClient, assembly: GA, facilitator: Person
) -> None:
    pid = submit(client, assembly, join(client, assembly, "Marisol"))["proposal_id"]
    refused = stage(client, pid, facilitator, stage="block_discussion")
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "stage_not_allowed"
    assert error["message"] == (
        "From presented a proposal can move to clarifying_questions, concerns, amendments, "
        "temperature_check, consensus_call or decided (tabled or withdrawn)."
    )


def test_members_of_another_assembly_and_strangers_read_nothing(
    client: TestClient, assembly: GA
) -> None:
    pid = submit(client, assembly, join(client, assembly, "Marisol"))["proposal_id"]
    other = create_assembly(client)
    crossed = client.get(f"/api/proposals/{pid}", headers=other.facilitator.headers)
    assert crossed.status_code == 401 and error_of(crossed)["code"] == "unauthorized"
    stranger = client.get(f"/api/proposals/{pid}")
    assert stranger.status_code == 401


def test_the_openapi_schema_describes_proposals(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/assemblies/{assembly_id}/proposals", "/api/proposals/{proposal_id}",
        "/api/proposals/{proposal_id}/stage", "/api/proposals/{proposal_id}/withdraw",
        "/api/proposals/{proposal_id}/settings", "/api/proposals/{proposal_id}/amendments",
        "/api/amendments/{amendment_id}/accept", "/api/amendments/{amendment_id}/reject",
    ):  # fmt: skip
        assert path in paths


# ---- bad requests: the error shape, the right code, and nothing changed --------------------


@dataclass
class Scene:
    """Marisol presents "Winter tents" at stage `concerns`; Emeka's amendment is pending;
    Chen is another participant."""

    client: TestClient
    ga: GA
    fac: Person
    marisol: Person
    emeka: Person
    chen: Person
    pid: int
    aid: int
    items: dict[str, int]

    def headers(self, who: str) -> dict[str, str]:
        people = {"facilitator": self.fac, "presenter": self.marisol, "emeka": self.emeka,
                  "chen": self.chen}  # fmt: skip
        return headers_for(who, people)

    def url(self, path: str) -> str:
        return path.format(ga=self.ga.id, pid=self.pid, aid=self.aid)

    def send(self, method: str, path: str, body: Any = None, who: str = "facilitator") -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers(who)}
        if body is not None:
            kwargs["json"] = body(self) if callable(body) else body
        return self.client.request(method, self.url(path), **kwargs)


Setup = Callable[[Scene], Any]
Call = Callable[[Scene], Any]


def _req(method: str, path: str, body: Any = None, who: str = "facilitator") -> Call:
    return lambda s: s.send(method, path, body, who)


def _raw(path: str, raw: str, who: str = "facilitator") -> Call:
    def call(s: Scene) -> Any:
        headers = {**s.headers(who), "content-type": "application/json"}
        return s.client.post(s.url(path), content=raw, headers=headers)

    return call


def _nothing(s: Scene) -> None:
    return None


def _stage(name: str, **extra: Any) -> Setup:
    return lambda s: ok(s.send("POST", "/api/proposals/{pid}/stage", {"stage": name, **extra}))


def _stopped(s: Scene) -> Any:
    return ok(s.send("PUT", "/api/proposals/{pid}/settings", {"amendments_open": False}))


def _accepted(s: Scene) -> Any:
    return ok(s.send("POST", "/api/amendments/{aid}/accept", who="presenter"))


def _closed_assembly(s: Scene) -> Any:
    return ok(s.send("POST", "/api/assemblies/{ga}/close"))


def _report_item(s: Scene) -> None:
    made = s.send("POST", "/api/assemblies/{ga}/agenda", {"title": "Kitchen", "kind": "report"})
    s.items["report"] = ok(made, 201)["item_id"]


def _second_proposal(s: Scene) -> None:
    """Another proposal, still `presented`."""
    s.items["second"] = ok(s.send("POST", SUBMIT, NEW), 201)["proposal_id"]


SUBMIT = "/api/assemblies/{ga}/proposals"
GET, STAGE = "/api/proposals/{pid}", "/api/proposals/{pid}/stage"
WITHDRAW = "/api/proposals/{pid}/withdraw"
SETTINGS, AMEND = "/api/proposals/{pid}/settings", "/api/proposals/{pid}/amendments"
ACCEPT, REJECT = "/api/amendments/{aid}/accept", "/api/amendments/{aid}/reject"
NEW = {"title": "Kitchen budget", "text": "Spend $300 on pots.", "presenter_name": "Farah"}
OTHER_TEXT = {"text": QUENTIN_TEXT}

BAD_REQUESTS: list[tuple[str, Setup, Call, int, str]] = [
    # unknown things
    ("get an unknown proposal", _nothing, _req("GET", "/api/proposals/999999"),
     404, "proposal_not_found"),
    ("move an unknown proposal", _nothing,
     _req("POST", "/api/proposals/999999/stage", {"stage": "concerns"}), 404, "proposal_not_found"),
    ("withdraw an unknown proposal", _nothing, _req("POST", "/api/proposals/999999/withdraw"),
     404, "proposal_not_found"),
    ("settings of an unknown proposal", _nothing,
     _req("PUT", "/api/proposals/999999/settings", {"amendments_open": False}),
     404, "proposal_not_found"),
    ("amend an unknown proposal", _nothing,
     _req("POST", "/api/proposals/999999/amendments", OTHER_TEXT, "chen"),
     404, "proposal_not_found"),
    ("accept an unknown amendment", _nothing, _req("POST", "/api/amendments/999999/accept"),
     404, "amendment_not_found"),
    ("reject an unknown amendment", _nothing, _req("POST", "/api/amendments/999999/reject"),
     404, "amendment_not_found"),
    ("an unknown agenda item", _nothing, _req("POST", SUBMIT, {**NEW, "agenda_item_id": 999999}),
     404, "item_not_found"),
    ("proposal id as text", _nothing, _req("GET", "/api/proposals/tents"), 422, "invalid"),
    # malformed
    ("malformed json submitting", _nothing, _raw(SUBMIT, "{title:"), 400, "malformed"),
    ("malformed json moving", _nothing, _raw(STAGE, '{"stage": '), 400, "malformed"),
    ("malformed json amending", _nothing, _raw(AMEND, "text=x", "chen"), 400, "malformed"),
    # validation
    ("empty title", _nothing, _req("POST", SUBMIT, {**NEW, "title": "  "}), 422, "title_required"),
    ("empty text", _nothing, _req("POST", SUBMIT, {**NEW, "text": "\n"}), 422, "text_required"),
    ("no text", _nothing, _req("POST", SUBMIT, {"title": "x", "presenter_name": "Farah"}),
     422, "invalid"),
    ("presenter name too long", _nothing, _req("POST", SUBMIT, {**NEW, "presenter_name": "n" * 61}),
     422, "presenter_name_too_long"),
    ("presenter id as text", _nothing, _req("POST", SUBMIT, {**NEW, "presenter_id": "Farah"}),
     422, "invalid"),
    ("empty amendment text", _nothing, _req("POST", AMEND, {"text": " "}, "chen"),
     422, "text_required"),
    ("rationale too long", _nothing,
     _req("POST", AMEND, {**OTHER_TEXT, "rationale": "r" * 1001}, "chen"), 422, "invalid"),
    ("unknown field submitting", _nothing, _req("POST", SUBMIT, {**NEW, "urgent": True}),
     422, "invalid"),
    ("unknown field moving", _nothing, _req("POST", STAGE, {"stage": "concerns", "why": "x"}),
     422, "invalid"),
    ("unknown field in settings", _nothing,
     _req("PUT", SETTINGS, {"amendments_open": False, "max_rounds": 2}), 422, "invalid"),
    ("unknown field amending", _nothing, _req("POST", AMEND, {**OTHER_TEXT, "by": "x"}, "chen"),
     422, "invalid"),
    ("unknown stage", _nothing, _req("POST", STAGE, {"stage": "voting"}), 422, "bad_stage"),
    ("no stage", _nothing, _req("POST", STAGE, {}), 422, "invalid"),
    ("amendments_open as a word", _nothing, _req("PUT", SETTINGS, {"amendments_open": "maybe"}),
     422, "invalid"),
    ("decided without an outcome", _nothing, _req("POST", STAGE, {"stage": "decided"}),
     422, "outcome_required"),
    ("tabled without a destination", _nothing,
     _req("POST", STAGE, {"stage": "decided", "outcome": "tabled"}), 422, "tabled_to_required"),
    ("decided as passed by hand", _nothing,
     _req("POST", STAGE, {"stage": "decided", "outcome": "passed"}), 422, "bad_outcome"),
    ("an outcome without deciding", _nothing,
     _req("POST", STAGE, {"stage": "amendments", "outcome": "tabled"}), 422,
     "outcome_not_expected"),
    # roles
    ("participant submits", _nothing, _req("POST", SUBMIT, NEW, "chen"), 403, "role_required"),
    ("presenter moves the stage", _nothing, _req("POST", STAGE, {"stage": "amendments"},
     "presenter"), 403, "role_required"),
    ("participant stops amendments", _nothing,
     _req("PUT", SETTINGS, {"amendments_open": False}, "emeka"), 403, "role_required"),
    ("another participant withdraws", _nothing, _req("POST", WITHDRAW, who="chen"),
     403, "role_required"),
    ("another participant accepts", _nothing, _req("POST", ACCEPT, who="chen"),
     403, "role_required"),
    ("the proposer accepts their own", _nothing, _req("POST", ACCEPT, who="emeka"),
     403, "role_required"),
    ("another participant rejects", _nothing, _req("POST", REJECT, who="chen"),
     403, "role_required"),
    # not now
    ("a move off the table", _nothing, _req("POST", STAGE, {"stage": "presented"}),
     409, "stage_not_allowed"),
    ("blocked outside block discussion", _nothing,
     _req("POST", STAGE, {"stage": "decided", "outcome": "blocked"}), 409, "stage_not_allowed"),
    ("move a decided proposal", _stage("decided", outcome="withdrawn"),
     _req("POST", STAGE, {"stage": "concerns"}), 409, "stage_not_allowed"),
    ("withdraw a decided proposal", _stage("decided", outcome="withdrawn"),
     _req("POST", WITHDRAW, who="presenter"), 409, "stage_not_allowed"),
    ("amend while presented", _second_proposal,
     lambda s: s.client.post(f"/api/proposals/{s.items['second']}/amendments", json=OTHER_TEXT,
                             headers=s.chen.headers), 409, "amendment_not_allowed"),
    ("amend in temperature_check", _stage("temperature_check"),
     _req("POST", AMEND, OTHER_TEXT, "chen"), 409, "amendment_not_allowed"),
    ("amend in consensus_call", _stage("consensus_call"),
     _req("POST", AMEND, OTHER_TEXT, "chen"), 409, "amendment_not_allowed"),
    ("amend when stopped", _stopped, _req("POST", AMEND, OTHER_TEXT, "chen"),
     409, "amendments_closed"),
    ("amend to the same text", _nothing, _req("POST", AMEND, {"text": TEXT}, "chen"),
     409, "amendment_unchanged"),
    ("accept twice", _accepted, _req("POST", ACCEPT, who="presenter"), 409, "amendment_decided"),
    ("reject an accepted one", _accepted, _req("POST", REJECT), 409, "amendment_decided"),
    ("accept on a decided proposal", _stage("decided", outcome="withdrawn"),
     _req("POST", ACCEPT, who="presenter"), 409, "decided"),
    ("reject on a decided proposal", _stage("decided", outcome="tabled", tabled_to="Comfort"),
     _req("POST", REJECT), 409, "decided"),
    ("attach to a report item", _report_item,
     lambda s: s.send("POST", SUBMIT, {**NEW, "agenda_item_id": s.items["report"]}),
     409, "not_a_proposal_item"),
    ("attach to an item with a proposal", _nothing,
     lambda s: s.send("POST", SUBMIT, {**NEW, "agenda_item_id": s.items["tents"]}),
     409, "item_has_proposal"),
    # a closed assembly
    ("submit on a closed assembly", _closed_assembly, _req("POST", SUBMIT, NEW),
     409, "assembly_closed"),
    ("move on a closed assembly", _closed_assembly, _req("POST", STAGE, {"stage": "amendments"}),
     409, "assembly_closed"),
    ("withdraw on a closed assembly", _closed_assembly, _req("POST", WITHDRAW, who="presenter"),
     409, "assembly_closed"),
    ("settings on a closed assembly", _closed_assembly,
     _req("PUT", SETTINGS, {"amendments_open": False}), 409, "assembly_closed"),
    ("amend on a closed assembly", _closed_assembly, _req("POST", AMEND, OTHER_TEXT, "chen"),
     409, "assembly_closed"),
    ("accept on a closed assembly", _closed_assembly, _req("POST", ACCEPT, who="presenter"),
     409, "assembly_closed"),
    # who are you
    ("no token submitting", _nothing, _req("POST", SUBMIT, NEW, "nobody"), 401, "unauthorized"),
    ("no token reading", _nothing, _req("GET", GET, who="nobody"), 401, "unauthorized"),
    ("no token moving", _nothing, _req("POST", STAGE, {"stage": "amendments"}, "nobody"),
     401, "unauthorized"),
    ("no token amending", _nothing, _req("POST", AMEND, OTHER_TEXT, "nobody"), 401, "unauthorized"),
    ("no token accepting", _nothing, _req("POST", ACCEPT, who="nobody"), 401, "unauthorized"),
    ("bad token withdrawing", _nothing, _req("POST", WITHDRAW, who="stranger"),
     401, "unauthorized"),
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
    marisol, emeka, chen = (join(client, assembly, n) for n in ("Marisol", "Emeka", "Chen"))
    made = submit(client, assembly, marisol)
    pid = made["proposal_id"]
    ok(stage(client, pid, facilitator, stage="concerns"))
    aid = ok(amend(client, pid, emeka, EMEKA_TEXT, rationale="Keep the fire lane clear."), 201)
    scene = Scene(
        client, assembly, facilitator, marisol, emeka, chen, pid, aid["amendment_id"],
        items={"tents": made["agenda_item_id"]},
    )  # fmt: skip
    setup(scene)
    before = seq_of(client, assembly)
    proposal_before = proposal_of(client, pid, facilitator)
    response = call(scene)
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    assert seq_of(client, assembly) == before
    assert proposal_of(client, pid, facilitator) == proposal_before
