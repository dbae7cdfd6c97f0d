"""The authorization matrix (issue 12): every route of the app × ten kinds of caller.

The routes come from the app itself (`app.routes`, flattened), so a route added without a row
in ROUTES fails `test_every_route_has_a_row_in_the_matrix`. Each row says, for every caller,
whether the call is allowed or which refusal it gets (shared/docs/api.md's "who" column; the code
where docs/api.md is silent). An allowed call must not come back 401/403 (409/422 would still be
about state, not rights), but the rows build their ids and bodies so that nearly all succeed;
a refused one must get exactly its status, in docs/api.md's error shape on /api.

JSON routes are called with `Authorization: Bearer`, pages with the session cookie a `?key=`
link gives (and this server's Origin). One world (two assemblies, a group and an archived
decision) per module and database; an allowed cell gets fresh objects (a proposal, a round,
a hand…), the refused cells of a route share one.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import select

from app.blocks import closing
from app.blocks.models import Round
from app.config import Settings
from app.db import Database
from app.web.app import create_app
from tests.conftest import Person, _postgres_db, _sqlite_db, create_assembly, error_of
from tests.routes import route_keys

ORIGIN = "http://testserver"

# ---- who calls ------------------------------------------------------------------------------

MEMBERS = ("participant", "presenter", "greeter", "minute_taker", "stack_keeper", "facilitator")
CALLERS = ("nobody", *MEMBERS, "projector", "other_participant", "other_facilitator")

OK = "ok"  # allowed: anything but 401/403 (and, on a page, anything but the way to join)
JOIN = "join"  # a page sends someone without a seat to the join page (303), not a 401
Expect = str | int


def table(
    allowed: set[str] | tuple[str, ...],
    *,
    members: Expect = 403,
    nobody: Expect = 401,
    projector: Expect = 401,
    others: Expect = 401,
) -> dict[str, Expect]:
    """Every caller's expectation: `allowed` ones OK, the rest refused as given (members of
    this assembly without the role, nobody, the projector key, callers of another one)."""
    refused = {"nobody": nobody, "projector": projector}
    refused |= {"other_participant": others, "other_facilitator": others}
    return {caller: OK if caller in allowed else refused.get(caller, members) for caller in CALLERS}


EVERYONE = table(CALLERS)
ANY_MEMBER = table(MEMBERS)
FACILITATOR = table({"facilitator"})
GREETERS = table({"facilitator", "greeter"})
KEEPERS = table({"facilitator", "stack_keeper"})
TAKERS = table({"facilitator", "minute_taker"})
PRESENTER = table({"facilitator", "presenter"})
# A page read by someone without a seat in this assembly sends them to join it.
PAGE_MEMBERS = table(MEMBERS, nobody=JOIN, projector=JOIN, others=JOIN)
CONSOLE = table(
    {"facilitator", "greeter", "minute_taker", "stack_keeper"},
    nobody=JOIN,
    projector=JOIN,
    others=JOIN,
)
# The wall opens with its key only (a facilitator's console links to it with the key).
PROJECTOR_KEY = table({"projector"}, nobody=403, others=403)
# The minutes of an open assembly: members, and a browser holding the projector key.
MINUTES_PAGE = table({*MEMBERS, "projector"})
# A group's working groups: its admin token only, which none of these callers holds.
GROUP_ADMIN = table(set(), nobody=401, projector=403, others=403)

# Routes the matrix leaves out, by name: the schema, the docs page, files. (Sockets are served
# ahead of FastAPI's routing, app.web.app.MicCheck, and are not in app.routes.)
SKIPPED = {
    "GET /openapi.json": "the API schema",
    "GET /docs": "Swagger UI",
    "GET /static/{path:path}": "static files",
    "GET /favicon.ico": "the icon",
}


# ---- the world: two assemblies, a group and an archived decision ---------------------------


@dataclass
class Call:
    """One request of a cell: path parameters, and a JSON body or form fields."""

    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    form: dict[str, Any] | None = None
    query: dict[str, str] | None = None


class World:
    """Assembly A (checked-in admission) with a participant, a presenter, a greeter, a minute
    taker, a stack keeper and its facilitator; assembly B with its own facilitator and a
    participant; a group with a working group and a closed public assembly with a decision."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.db: Database = client.app.state.ctx.db  # type: ignore[attr-defined]
        self.backend = self.db.engine.url.get_backend_name()
        self.counter = itertools.count(1)
        self.a = create_assembly(client, title="Riverside Commons GA", admission="checked_in")
        self.b = create_assembly(client, title="Hillside GA", facilitator_name="Farah")
        self.people: dict[str, Person] = {"facilitator": self.a.facilitator}
        roles = {
            "participant": None,
            "presenter": None,
            "greeter": "greeter",
            "minute_taker": "minute_taker",
            "stack_keeper": "stack_keeper",
        }
        for caller, role in roles.items():
            pid, token = self.admitted(caller.replace("_", " ").title())
            self.people[caller] = Person(pid, token, caller)
            if role:
                self.fac("POST", "/roles", {"participant_id": pid, "role": role})
        self.people["other_facilitator"] = self.b.facilitator
        joined = self.api(
            "POST", "/api/join", {"join_code": self.b.join_code, "name": "Gus"}, None, 201
        )
        self.people["other_participant"] = Person(joined["participant_id"], joined["token"], "Gus")
        self.cookies = {caller: self.cookie_of(caller) for caller in CALLERS}
        self.group, self.archived = self.archived_decision()

    # -- calls as the facilitator of A, which must succeed
    def api(
        self, method: str, path: str, body: Any, who: str | None, status: int = 200
    ) -> dict[str, Any]:
        headers = self.people[who].headers if who else {}
        response = self.client.request(method, path, json=body, headers=headers)
        self.client.cookies.clear()
        assert response.status_code == status, (method, path, response.text)
        data: dict[str, Any] = response.json()
        return data

    def fac(self, method: str, tail: str, body: Any = None, status: int = 200) -> dict[str, Any]:
        return self.api(method, f"/api/assemblies/{self.a.id}{tail}", body, "facilitator", status)

    def n(self) -> int:
        return next(self.counter)

    def cookie_of(self, caller: str) -> str | None:
        """The session cookie a `?key=` link gives this caller (none for nobody)."""
        if caller == "nobody":
            return None
        if caller == "projector":
            link = f"/a/{self.a.id}/projector?key={self.a.projector_key}"
        else:
            assembly = self.b if caller.startswith("other_") else self.a
            link = f"/a/{assembly.id}?key={self.people[caller].token}"
        response = self.client.get(link, follow_redirects=False)
        self.client.cookies.clear()
        assert response.status_code == 303, response.text
        return "; ".join(f"{name}={value}" for name, value in response.cookies.items())

    def sign_in_again(self, caller: str) -> None:
        """A form that starts or joins an assembly signed this browser in as someone new."""
        self.cookies[caller] = self.cookie_of(caller)

    def headers(self, caller: str, page: bool) -> dict[str, str]:
        if page:
            cookie = self.cookies[caller]
            return {"origin": ORIGIN, **({"cookie": cookie} if cookie else {})}
        if caller == "nobody":
            return {}
        if caller == "projector":
            return {"Authorization": f"Bearer {self.a.projector_key}"}
        return self.people[caller].headers

    # -- fresh objects of A
    def pending(self) -> int:
        name = f"Newcomer {self.n()}"
        body = {"join_code": self.a.join_code, "name": name}
        return int(self.api("POST", "/api/join", body, None, 201)["participant_id"])

    def admitted(self, name: str | None = None) -> tuple[int, str]:
        body = {"join_code": self.a.join_code, "name": name or f"Person {self.n()}"}
        joined = self.api("POST", "/api/join", body, None, 201)
        self.fac("POST", f"/participants/{joined['participant_id']}/admit")
        return int(joined["participant_id"]), str(joined["token"])

    def with_role(self) -> int:
        pid, _ = self.admitted()
        self.fac("POST", "/roles", {"participant_id": pid, "role": "minute_taker"})
        return pid

    def muted(self) -> int:
        pid, _ = self.admitted()
        self.fac("POST", f"/participants/{pid}/mute")
        return pid

    def item(self, open_it: bool = False) -> int:
        body = {"title": f"Item {self.n()}", "kind": "discussion"}
        item_id = int(self.fac("POST", "/agenda", body, 201)["item_id"])
        if open_it:
            self.fac("POST", f"/agenda/{item_id}/open", {"hands": "clear"})
        return item_id

    def proposal(self, stage: str = "presented") -> int:
        body = {
            "title": f"Proposal {self.n()}",
            "text": "We buy a second urn for the kitchen.",
            "presenter_id": self.people["presenter"].participant_id,
        }
        pid = int(self.fac("POST", "/proposals", body, 201)["proposal_id"])
        if stage != "presented":
            self.api("POST", f"/api/proposals/{pid}/stage", {"stage": stage}, "facilitator")
        return pid

    def amendment(self) -> tuple[int, int]:
        pid = self.proposal("amendments")
        body = {"text": f"We buy {self.n()} urns for the kitchen."}
        made = self.api("POST", f"/api/proposals/{pid}/amendments", body, "participant", 201)
        return pid, int(made["amendment_id"])

    def round(self) -> int:
        pid = self.proposal("clarifying_questions")
        body = {"kind": "temperature"}
        return int(
            self.api("POST", f"/api/proposals/{pid}/rounds", body, "facilitator", 201)["round_id"]
        )

    def hand(self) -> int:
        body = {"kind": "speak", "name": f"Walk-in {self.n()}"}
        return int(self.fac("POST", "/stack", body, 201)["entry_id"])

    def speaker(self) -> None:
        self.hand()
        self.fac("POST", "/stack/next")

    def clear_stack(self) -> None:
        """Lower every hand in the queue (a caller then raises theirs afresh)."""
        for entry in self.fac("GET", "/stack")["queue"]:
            self.fac("DELETE", f"/stack/{entry['entry_id']}")

    def my_hand(self, caller: str) -> None:
        self.clear_stack()
        if caller in MEMBERS:
            self.api("POST", f"/api/assemblies/{self.a.id}/stack", {"kind": "speak"}, caller, 201)

    def close_rounds(self) -> None:
        """Close A's open rounds: the minutes are approved only with none open."""
        db = self.db
        with db.read() as session:
            ids = session.exec(
                select(Round.id).where(Round.assembly_id == self.a.id, Round.status == "open")
            ).all()
        for rid in ids:
            assert rid is not None
            closing.close_round(db=db, round_id=rid, actor_id=self.a.facilitator.participant_id)

    def archived_decision(self) -> tuple[str, int]:
        """A group with a working group, and a closed public assembly of it with a decision."""
        slug = "riverside"
        body = {
            "name": "Riverside",
            "slug": slug,
            "time_zone": "UTC",
            "working_groups": ["Kitchen"],
        }
        group = self.api("POST", "/api/groups", body, None, 201)
        response = self.client.post(
            "/api/assemblies",
            json={"title": "Riverside GA 1", "group": slug},
            headers={"X-Group-Token": group["admin_token"]},
        )
        assert response.status_code == 201, response.text
        made = response.json()
        fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        proposal = {"title": "Compost", "text": "We compost.", "working_group": "Kitchen"}
        response = self.client.post(
            f"/api/assemblies/{made['id']}/proposals", json=proposal, headers=fac
        )
        assert response.status_code == 201, response.text
        pid = response.json()["proposal_id"]
        decided = {"stage": "decided", "outcome": "tabled", "tabled_to": "the next GA"}
        for path, body in (
            (f"/api/proposals/{pid}/stage", decided),
            (f"/api/assemblies/{made['id']}/close", None),
        ):
            response = self.client.post(path, json=body, headers=fac)
            assert response.status_code == 200, response.text
        return slug, int(pid)


# ---- the rows -------------------------------------------------------------------------------

Make = Callable[[World, str], Call]


@dataclass
class Row:
    expect: dict[str, Expect]
    make: Make = lambda w, c: Call()
    after: Callable[[World, str], None] | None = None  # undoes what an allowed cell left


def hand_of(w: World, c: str) -> Call:
    w.my_hand(c)
    return Call(form={"kind": "speak"})


def mic_on(w: World, call: Call) -> Call:
    """The people's mic on a text of two phrases, at its first (a move to 1 is always allowed)."""
    text = "Mic check! The kitchen closes at ten tonight, so bring cups."
    w.fac("POST", "/mic", {"source": "live", "text": text})
    return call


ROUTES: dict[str, Row] = {
    # -- assemblies and people (JSON)
    "POST /api/assemblies": Row(EVERYONE, lambda w, c: Call(json={"title": "Another GA"})),
    "GET /api/assemblies/{assembly_id}": Row(ANY_MEMBER),
    "POST /api/join": Row(
        EVERYONE, lambda w, c: Call(json={"join_code": w.a.join_code, "name": f"J{w.n()}"})
    ),
    "POST /api/assemblies/{assembly_id}/join": Row(
        EVERYONE, lambda w, c: Call(json={"join_code": w.a.join_code, "name": f"K{w.n()}"})
    ),
    "POST /api/assemblies/{assembly_id}/participants/{pid}/admit": Row(
        GREETERS, lambda w, c: Call({"pid": w.pending()})
    ),
    "POST /api/assemblies/{assembly_id}/participants/{pid}/reject": Row(
        GREETERS, lambda w, c: Call({"pid": w.pending()})
    ),
    "POST /api/assemblies/{assembly_id}/roles": Row(
        FACILITATOR,
        lambda w, c: Call(json={"participant_id": w.admitted()[0], "role": "greeter"}),
    ),
    "DELETE /api/assemblies/{assembly_id}/roles": Row(
        FACILITATOR,
        lambda w, c: Call(json={"participant_id": w.with_role(), "role": "minute_taker"}),
    ),
    "POST /api/assemblies/{assembly_id}/headcount": Row(
        FACILITATOR, lambda w, c: Call(json={"count": 40})
    ),
    "POST /api/assemblies/{assembly_id}/mirrors": Row(
        FACILITATOR, lambda w, c: Call(json={"address": f"http://192.168.1.{w.n() % 250}:8001"})
    ),
    # On a primary a facilitator's take-over is refused as a state (409 not_a_mirror), not a right.
    "POST /api/assemblies/{assembly_id}/take-over": Row(FACILITATOR),
    "PUT /api/assemblies/{assembly_id}/languages": Row(
        FACILITATOR, lambda w, c: Call(json={"language": "en", "second_language": "es"})
    ),
    "PUT /api/assemblies/{assembly_id}/words": Row(
        FACILITATOR, lambda w, c: Call(json={"language": "es", "key": "answer:block", "word": "no"})
    ),
    "POST /api/assemblies/{assembly_id}/agenda": Row(
        FACILITATOR, lambda w, c: Call(json={"title": "Kitchen", "kind": "report"})
    ),
    "POST /api/assemblies/{assembly_id}/agenda/{item_id}/open": Row(
        FACILITATOR, lambda w, c: Call({"item_id": w.item()}, json={"hands": "clear"})
    ),
    "POST /api/assemblies/{assembly_id}/agenda/{item_id}/close": Row(
        FACILITATOR, lambda w, c: Call({"item_id": w.item(open_it=True)})
    ),
    "POST /api/assemblies/{assembly_id}/close": Row(
        FACILITATOR, lambda w, c: (w.close_rounds(), Call())[1]
    ),
    "GET /api/assemblies/{assembly_id}/events": Row(FACILITATOR),
    # -- looking after people (JSON): a greeter reissues only for people holding no role
    "POST /api/assemblies/{assembly_id}/participants/{pid}/reissue": Row(
        GREETERS, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /api/assemblies/{assembly_id}/participants/{pid}/remove": Row(
        FACILITATOR, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /api/assemblies/{assembly_id}/participants/{pid}/mute": Row(
        KEEPERS, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /api/assemblies/{assembly_id}/participants/{pid}/unmute": Row(
        KEEPERS, lambda w, c: Call({"pid": w.muted()})
    ),
    # -- the speaking stack (JSON)
    "GET /api/assemblies/{assembly_id}/stack": Row(ANY_MEMBER),
    "POST /api/assemblies/{assembly_id}/stack": Row(
        ANY_MEMBER, lambda w, c: (w.clear_stack(), Call(json={"kind": "speak"}))[1]
    ),
    "DELETE /api/assemblies/{assembly_id}/stack/{entry_id}": Row(
        KEEPERS, lambda w, c: Call({"entry_id": w.hand()})
    ),
    "POST /api/assemblies/{assembly_id}/stack/next": Row(
        KEEPERS, lambda w, c: (w.hand(), Call())[1]
    ),
    "POST /api/assemblies/{assembly_id}/stack/timer": Row(
        KEEPERS, lambda w, c: (w.speaker(), Call(json={"action": "add", "seconds": 30}))[1]
    ),
    # -- the room's hand signals (JSON): anyone admitted, while someone speaks
    "POST /api/assemblies/{assembly_id}/signals": Row(
        ANY_MEMBER, lambda w, c: (w.speaker(), Call(json={"kind": "agree"}))[1]
    ),
    "POST /api/assemblies/{assembly_id}/stack/move": Row(
        KEEPERS, lambda w, c: Call(json={"entry_id": w.hand(), "position": 1})
    ),
    "PUT /api/assemblies/{assembly_id}/stack/settings": Row(
        KEEPERS, lambda w, c: Call(json={"mode": "progressive", "open": True})
    ),
    # -- the people's mic (JSON)
    "GET /api/assemblies/{assembly_id}/mic": Row(ANY_MEMBER),
    "POST /api/assemblies/{assembly_id}/mic": Row(
        KEEPERS, lambda w, c: Call(json={"source": "live", "text": "Mic check!"})
    ),
    "POST /api/assemblies/{assembly_id}/mic/move": Row(
        KEEPERS, lambda w, c: mic_on(w, Call(json={"to": 1}))
    ),
    "DELETE /api/assemblies/{assembly_id}/mic": Row(KEEPERS, lambda w, c: mic_on(w, Call())),
    # -- proposals, amendments, rounds (JSON)
    "POST /api/assemblies/{assembly_id}/proposals": Row(
        FACILITATOR, lambda w, c: Call(json={"title": "Urn", "text": "We buy an urn."})
    ),
    "GET /api/proposals/{proposal_id}": Row(
        ANY_MEMBER, lambda w, c: Call({"proposal_id": w.proposal()})
    ),
    "POST /api/proposals/{proposal_id}/stage": Row(
        FACILITATOR,
        lambda w, c: Call({"proposal_id": w.proposal()}, json={"stage": "clarifying_questions"}),
    ),
    "POST /api/proposals/{proposal_id}/withdraw": Row(
        PRESENTER, lambda w, c: Call({"proposal_id": w.proposal()})
    ),
    "PUT /api/proposals/{proposal_id}/settings": Row(
        FACILITATOR,
        lambda w, c: Call({"proposal_id": w.proposal()}, json={"amendments_open": False}),
    ),
    "POST /api/proposals/{proposal_id}/amendments": Row(
        ANY_MEMBER,
        lambda w, c: Call({"proposal_id": w.proposal("amendments")}, json={"text": "Two urns."}),
    ),
    "POST /api/amendments/{amendment_id}/accept": Row(
        PRESENTER, lambda w, c: Call({"amendment_id": w.amendment()[1]})
    ),
    "POST /api/amendments/{amendment_id}/reject": Row(
        PRESENTER, lambda w, c: Call({"amendment_id": w.amendment()[1]})
    ),
    "POST /api/proposals/{proposal_id}/rounds": Row(
        FACILITATOR,
        lambda w, c: Call(
            {"proposal_id": w.proposal("clarifying_questions")}, json={"kind": "temperature"}
        ),
    ),
    "POST /api/assemblies/{assembly_id}/minutes/approval": Row(
        FACILITATOR,
        lambda w, c: (w.close_rounds(), Call(json={}))[1],
        lambda w, c: w.close_rounds(),
    ),
    "GET /api/rounds/{round_id}": Row(ANY_MEMBER, lambda w, c: Call({"round_id": w.round()})),
    "PUT /api/rounds/{round_id}/response": Row(
        ANY_MEMBER, lambda w, c: Call({"round_id": w.round()}, json={"value": "up"})
    ),
    "POST /api/rounds/{round_id}/analog": Row(
        FACILITATOR, lambda w, c: Call({"round_id": w.round()}, json={"counts": {"up": 3}})
    ),
    "POST /api/rounds/{round_id}/close": Row(
        FACILITATOR, lambda w, c: Call({"round_id": w.round()})
    ),
    # -- minutes (JSON); an open assembly's are its members'
    "POST /api/assemblies/{assembly_id}/notes": Row(
        TAKERS, lambda w, c: Call(json={"text": "Noted."})
    ),
    "POST /api/assemblies/{assembly_id}/actions": Row(
        TAKERS, lambda w, c: Call(json={"text": "Buy the urn", "who": "Chen"})
    ),
    "PUT /api/assemblies/{assembly_id}/minutes/settings": Row(
        TAKERS, lambda w, c: Call(json={"speaker_names": True})
    ),
    "GET /api/assemblies/{assembly_id}/minutes": Row(ANY_MEMBER),
    "GET /api/assemblies/{assembly_id}/minutes.md": Row(ANY_MEMBER),
    "GET /api/assemblies/{assembly_id}/minutes.html": Row(ANY_MEMBER),
    # -- groups and the archive (JSON): anyone, except a group's lists (its admin token)
    "POST /api/groups": Row(
        EVERYONE,
        lambda w, c: Call(json={"name": "G", "slug": f"group-{w.n()}", "time_zone": "UTC"}),
    ),
    "GET /api/groups/{slug}": Row(EVERYONE, lambda w, c: Call({"slug": w.group})),
    "PUT /api/groups/{slug}/working_groups": Row(
        GROUP_ADMIN, lambda w, c: Call({"slug": w.group}, json={"names": ["Kitchen"]})
    ),
    "GET /api/archive": Row(EVERYONE),
    # -- pages anyone reads, and the forms that start or join an assembly
    "GET /": Row(EVERYONE),
    "POST /": Row(
        EVERYONE,
        lambda w, c: Call(form={"title": "From the form", "facilitator_name": "Ana"}),
        World.sign_in_again,
    ),
    "GET /join": Row(EVERYONE),
    "GET /j/{code}": Row(EVERYONE, lambda w, c: Call({"code": w.a.join_code})),
    "POST /join": Row(
        EVERYONE,
        lambda w, c: Call(form={"join_code": w.a.join_code, "name": f"F{w.n()}"}),
        World.sign_in_again,
    ),
    "GET /groups/new": Row(EVERYONE),
    "POST /groups": Row(
        EVERYONE,
        lambda w, c: Call(form={"name": "G", "slug": f"form-group-{w.n()}", "time_zone": "UTC"}),
    ),
    "GET /archive": Row(EVERYONE),
    "GET /archive/decisions/{proposal_id}": Row(
        EVERYONE, lambda w, c: Call({"proposal_id": w.archived})
    ),
    "GET /archive/{group}": Row(EVERYONE, lambda w, c: Call({"group": w.group})),
    "GET /archive/{group}/feed.atom": Row(EVERYONE, lambda w, c: Call({"group": w.group})),
    "GET /archive/{group}/{working_group}": Row(
        EVERYONE, lambda w, c: Call({"group": w.group, "working_group": "kitchen"})
    ),
    "GET /archive/{group}/{working_group}/feed.atom": Row(
        EVERYONE, lambda w, c: Call({"group": w.group, "working_group": "kitchen"})
    ),
    "GET /verify": Row(EVERYONE, lambda w, c: Call(query={"head": "4f2a9c01" * 8})),
    # -- an assembly's pages
    "GET /a/{assembly_id}": Row(PAGE_MEMBERS),
    "GET /a/{assembly_id}/status": Row(ANY_MEMBER),
    "GET /a/{assembly_id}/console": Row(CONSOLE),
    "GET /a/{assembly_id}/people": Row(CONSOLE, lambda w, c: Call(query={"q": "Participant"})),
    "GET /a/{assembly_id}/projector": Row(PROJECTOR_KEY),
    # Polled by the console: a fragment, so nobody gets 401 rather than the way to join.
    "GET /a/{assembly_id}/console/mirrors": Row(
        table({"facilitator", "greeter", "minute_taker", "stack_keeper"})
    ),
    # A phone's own pass (its page's script asks while this server answers): any member.
    "GET /a/{assembly_id}/mirror-pass": Row(ANY_MEMBER),
    # A mirror's pass is taken by a mirror alone: on this primary nobody gets in with one.
    "GET /a/{assembly_id}/pass": Row(
        table(set(), members=401), lambda w, c: Call(query={"p": "1." + "0" * 32})
    ),
    "GET /a/{assembly_id}/minutes": Row(MINUTES_PAGE),
    # -- the console's and the phone's forms
    "POST /a/{assembly_id}/agenda": Row(
        FACILITATOR, lambda w, c: Call(form={"title": "Garden", "kind": "report"})
    ),
    "POST /a/{assembly_id}/agenda/{item_id}/open": Row(
        FACILITATOR, lambda w, c: Call({"item_id": w.item()}, form={"hands": "clear"})
    ),
    "POST /a/{assembly_id}/agenda/{item_id}/close": Row(
        FACILITATOR, lambda w, c: Call({"item_id": w.item(open_it=True)})
    ),
    "POST /a/{assembly_id}/headcount": Row(FACILITATOR, lambda w, c: Call(form={"count": "41"})),
    "POST /a/{assembly_id}/take-over": Row(FACILITATOR),
    "POST /a/{assembly_id}/languages": Row(
        FACILITATOR, lambda w, c: Call(form={"language": "en", "second_language": ""})
    ),
    "POST /a/{assembly_id}/words": Row(
        FACILITATOR, lambda w, c: Call(form={"language": "en", "key": "hand:speak", "word": ""})
    ),
    "POST /a/{assembly_id}/roles": Row(
        FACILITATOR,
        lambda w, c: Call(form={"participant": f"P #{w.admitted()[0]}", "role": "greeter"}),
    ),
    "POST /a/{assembly_id}/roles/revoke": Row(
        FACILITATOR,
        lambda w, c: Call(form={"participant_id": str(w.with_role()), "role": "minute_taker"}),
    ),
    "POST /a/{assembly_id}/participants/{pid}/admit": Row(
        GREETERS, lambda w, c: Call({"pid": w.pending()})
    ),
    "POST /a/{assembly_id}/participants/{pid}/reject": Row(
        GREETERS, lambda w, c: Call({"pid": w.pending()})
    ),
    "POST /a/{assembly_id}/participants/{pid}/reissue": Row(
        GREETERS, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /a/{assembly_id}/participants/{pid}/remove": Row(
        FACILITATOR, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /a/{assembly_id}/participants/{pid}/mute": Row(
        KEEPERS, lambda w, c: Call({"pid": w.admitted()[0]})
    ),
    "POST /a/{assembly_id}/participants/{pid}/unmute": Row(
        KEEPERS, lambda w, c: Call({"pid": w.muted()})
    ),
    # Answers the page that asks before a link takes a seat: it acts on this browser's own
    # session only (with nothing waiting, back to the phone page), so anyone may post it.
    "POST /a/{assembly_id}/session": Row(EVERYONE, lambda w, c: Call(form={"choice": "keep"})),
    # Sets this browser's language cookie and sends it back where it was: anyone may.
    "POST /language": Row(EVERYONE, lambda w, c: Call(form={"language": "es", "next": "/archive"})),
    "POST /a/{assembly_id}/close": Row(FACILITATOR, lambda w, c: (w.close_rounds(), Call())[1]),
    "POST /a/{assembly_id}/stack/raise": Row(
        ANY_MEMBER, lambda w, c: (w.clear_stack(), Call(form={"kind": "speak"}))[1]
    ),
    "POST /a/{assembly_id}/stack/lower": Row(ANY_MEMBER, hand_of),
    "POST /a/{assembly_id}/stack/add": Row(
        KEEPERS, lambda w, c: Call(form={"name": f"Walk-in {w.n()}", "kind": "speak"})
    ),
    "POST /a/{assembly_id}/stack/{entry_id}/lower": Row(
        KEEPERS, lambda w, c: Call({"entry_id": w.hand()})
    ),
    "POST /a/{assembly_id}/stack/{entry_id}/move": Row(
        KEEPERS, lambda w, c: Call({"entry_id": w.hand()}, form={"position": "1"})
    ),
    "POST /a/{assembly_id}/stack/next": Row(KEEPERS, lambda w, c: (w.hand(), Call())[1]),
    "POST /a/{assembly_id}/stack/timer": Row(
        KEEPERS, lambda w, c: (w.speaker(), Call(form={"action": "add", "seconds": "30"}))[1]
    ),
    "POST /a/{assembly_id}/signal": Row(
        ANY_MEMBER, lambda w, c: (w.speaker(), Call(form={"kind": "unsure"}))[1]
    ),
    "POST /a/{assembly_id}/stack/settings": Row(
        KEEPERS,
        lambda w, c: Call(form={"mode": "progressive", "speaking_seconds": "60", "open": "true"}),
    ),
    "POST /a/{assembly_id}/mic/start": Row(
        KEEPERS, lambda w, c: Call(form={"source": "live", "text": "Mic check!"})
    ),
    "POST /a/{assembly_id}/mic/move": Row(KEEPERS, lambda w, c: mic_on(w, Call(form={"to": "1"}))),
    "POST /a/{assembly_id}/mic/stop": Row(KEEPERS, lambda w, c: mic_on(w, Call())),
    "POST /a/{assembly_id}/proposals": Row(
        FACILITATOR, lambda w, c: Call(form={"title": "Urn", "text": "We buy an urn."})
    ),
    "POST /a/{assembly_id}/proposals/{proposal_id}/stage": Row(
        FACILITATOR,
        lambda w, c: Call({"proposal_id": w.proposal()}, form={"stage": "concerns"}),
    ),
    "POST /a/{assembly_id}/proposals/{proposal_id}/withdraw": Row(
        PRESENTER, lambda w, c: Call({"proposal_id": w.proposal()})
    ),
    "POST /a/{assembly_id}/proposals/{proposal_id}/settings": Row(
        FACILITATOR,
        lambda w, c: Call({"proposal_id": w.proposal()}, form={"amendments_open": "no"}),
    ),
    "POST /a/{assembly_id}/proposals/{proposal_id}/wall-page": Row(
        FACILITATOR, lambda w, c: Call({"proposal_id": w.proposal()}, form={"page": "2"})
    ),
    "POST /a/{assembly_id}/proposals/decide": Row(
        FACILITATOR,
        lambda w, c: Call(
            form={"proposal_id": str(w.proposal()), "outcome": "tabled", "tabled_to": "June"}
        ),
    ),
    "POST /a/{assembly_id}/proposals/cap": Row(
        FACILITATOR,
        lambda w, c: Call(form={"proposal_id": str(w.proposal()), "max_amendment_rounds": "2"}),
    ),
    "POST /a/{assembly_id}/proposals/amend": Row(
        ANY_MEMBER,
        lambda w, c: Call(form={"proposal_id": str(w.proposal("amendments")), "text": "Two."}),
    ),
    "GET /a/{assembly_id}/amendments/{amendment_id}": Row(
        ANY_MEMBER, lambda w, c: Call({"amendment_id": w.amendment()[1]})
    ),
    "POST /a/{assembly_id}/amendments/{amendment_id}/{decision}": Row(
        PRESENTER, lambda w, c: Call({"amendment_id": w.amendment()[1], "decision": "accept"})
    ),
    "POST /a/{assembly_id}/proposals/{proposal_id}/rounds": Row(
        FACILITATOR,
        lambda w, c: Call(
            {"proposal_id": w.proposal("clarifying_questions")}, form={"kind": "temperature"}
        ),
    ),
    "POST /a/{assembly_id}/minutes/approval": Row(
        FACILITATOR, lambda w, c: (w.close_rounds(), Call())[1], lambda w, c: w.close_rounds()
    ),
    "POST /a/{assembly_id}/minutes/settings": Row(
        TAKERS, lambda w, c: Call(form={"speaker_names": "yes"})
    ),
    "POST /a/{assembly_id}/rounds/respond": Row(
        ANY_MEMBER, lambda w, c: Call(form={"round_id": str(w.round()), "value": "up"})
    ),
    "POST /a/{assembly_id}/rounds/analog": Row(
        FACILITATOR, lambda w, c: Call(form={"round_id": str(w.round()), "up": "3"})
    ),
    "POST /a/{assembly_id}/rounds/{round_id}/close": Row(
        FACILITATOR, lambda w, c: Call({"round_id": w.round()})
    ),
    "POST /a/{assembly_id}/notes": Row(TAKERS, lambda w, c: Call(form={"text": "Noted."})),
    "POST /a/{assembly_id}/actions": Row(TAKERS, lambda w, c: Call(form={"text": "Buy the urn"})),
}

# Closing the assembly ends every other row's state: those two rows go last (the first
# allowed close succeeds, the second finds it closed, 409).
LAST = ("POST /a/{assembly_id}/close", "POST /api/assemblies/{assembly_id}/close")


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world per module and database (SQLite always, PostgreSQL when reachable)."""
    tmp = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        db = _sqlite_db(sqlite_template, tmp)
    else:
        request.applymarker(pytest.mark.postgres)
        db = _postgres_db(request.getfixturevalue("postgres_database"))
    settings = Settings(
        database_url=str(db.engine.url),
        secret_key="test-secret-key-not-for-production",
        public_url=ORIGIN,
        assemblies_per_hour=100_000,
        joins_per_minute=100_000,
        join_burst=100_000,
        person_burst=100_000,  # the facilitator makes every allowed cell's objects
        person_actions_per_minute=100_000,
    )
    with TestClient(create_app(settings, db), base_url=ORIGIN) as client:
        yield World(client)
    db.dispose()


# ---- the tests ------------------------------------------------------------------------------


def is_join_redirect(response: Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code == 303 and (
        location.startswith("/j/") or location in ("/", "/join")
    )


def send(world: World, key: str, caller: str, call: Call) -> Response:
    method, template = key.split(" ", 1)
    path = template.format(assembly_id=world.a.id, **call.params)
    page = not path.startswith("/api/")
    response = world.client.request(
        method,
        path,
        json=call.json,
        data=call.form,
        params=call.query,
        headers=world.headers(caller, page),
        follow_redirects=False,
    )
    world.client.cookies.clear()  # each cell sends its own caller's cookie, nothing kept
    return response


def judge(key: str, caller: str, expected: Expect, response: Response) -> str | None:
    """What is wrong with this cell's response, or None."""
    status = response.status_code
    is_api = key.split(" ", 1)[1].startswith("/api/")
    got = f"{status} {response.text[:200]!r}"
    if status >= 500:
        return f"server error: {got}"
    if expected == OK:
        if status in (401, 403) or is_join_redirect(response):
            return f"allowed, but refused: {got}"
    elif expected == JOIN:
        if not is_join_redirect(response):
            return f"expected the way to join (303), got {got}"
        return None
    elif status != expected:
        return f"expected {expected}, got {got}"
    if is_api and status >= 400:
        try:
            error_of(response)
        except (AssertionError, ValueError) as exc:
            return f"not docs/api.md's error shape: {exc}"
    return None


def test_every_route_has_a_row_in_the_matrix(world: World) -> None:
    served = route_keys(world.client.app) - set(SKIPPED)
    missing = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)
    assert not missing, f"routes without a row in the authorization matrix: {missing}"
    assert not stale, f"rows for routes the app no longer serves: {stale}"
    assert set(SKIPPED) <= route_keys(world.client.app), "SKIPPED names a route that is gone"
    for key, row in ROUTES.items():
        assert set(row.expect) == set(CALLERS), key


# Cross-assembly attempts: A's objects through B's addresses or with B's credentials.
# (method, path, body or form, caller, expected status). {A}/{B} are the assemblies' ids.


def cross_cases(w: World) -> list[tuple[str, str, Any, str, int]]:
    item, open_item = w.item(), w.item(open_it=True)
    entry = w.hand()
    proposal = w.proposal("amendments")
    _, amendment = w.amendment()
    rnd = w.round()
    pending = w.pending()
    note = int(w.fac("POST", "/notes", {"text": "A's note"}, 201)["note_id"])
    a, b = w.a.id, w.b.id
    someone = w.people["participant"].participant_id
    people_acts = [
        ("reissue", "other_facilitator"),
        ("remove", "other_facilitator"),
        ("mute", "other_facilitator"),
        ("unmute", "other_facilitator"),
    ]
    return [
        # JSON addressed by A's object alone, with B's bearer tokens: not valid for A
        ("GET", f"/api/proposals/{proposal}", None, "other_facilitator", 401),
        (
            "POST",
            f"/api/proposals/{proposal}/stage",
            {"stage": "concerns"},
            "other_facilitator",
            401,
        ),
        ("POST", f"/api/proposals/{proposal}/withdraw", None, "other_facilitator", 401),
        (
            "PUT",
            f"/api/proposals/{proposal}/settings",
            {"amendments_open": False},
            "other_facilitator",
            401,
        ),
        (
            "POST",
            f"/api/proposals/{proposal}/amendments",
            {"text": "Mine."},
            "other_participant",
            401,
        ),
        (
            "POST",
            f"/api/proposals/{proposal}/rounds",
            {"kind": "temperature"},
            "other_facilitator",
            401,
        ),
        ("POST", f"/api/amendments/{amendment}/accept", None, "other_facilitator", 401),
        ("POST", f"/api/amendments/{amendment}/reject", None, "other_facilitator", 401),
        ("GET", f"/api/rounds/{rnd}", None, "other_participant", 401),
        ("PUT", f"/api/rounds/{rnd}/response", {"value": "up"}, "other_participant", 401),
        ("POST", f"/api/rounds/{rnd}/analog", {"counts": {"up": 5}}, "other_facilitator", 401),
        ("POST", f"/api/rounds/{rnd}/close", None, "other_facilitator", 401),
        # JSON through B's address with A's object ids, as B's facilitator
        (
            "POST",
            f"/api/assemblies/{b}/participants/{pending}/admit",
            None,
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/participants/{pending}/reject",
            None,
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/roles",
            {"participant_id": w.people["participant"].participant_id, "role": "facilitator"},
            "other_facilitator",
            404,
        ),
        (
            "DELETE",
            f"/api/assemblies/{b}/roles",
            {"participant_id": w.a.facilitator.participant_id, "role": "facilitator"},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/agenda/{item}/open",
            {"hands": "clear"},
            "other_facilitator",
            404,
        ),
        ("POST", f"/api/assemblies/{b}/agenda/{open_item}/close", None, "other_facilitator", 404),
        ("DELETE", f"/api/assemblies/{b}/stack/{entry}", None, "other_facilitator", 404),
        (
            "POST",
            f"/api/assemblies/{b}/stack/move",
            {"entry_id": entry, "position": 1},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/stack",
            {"kind": "speak", "agenda_item_id": open_item},
            "other_participant",
            409,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/proposals",
            {"title": "T", "text": "X", "agenda_item_id": item},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/proposals",
            {"title": "T", "text": "X", "presenter_id": w.people["presenter"].participant_id},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/notes",
            {"text": "N", "agenda_item_id": item},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/notes",
            {"text": "N", "corrects": note},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/actions",
            {"text": "N", "proposal_id": proposal},
            "other_facilitator",
            404,
        ),
        (
            "POST",
            f"/api/assemblies/{b}/actions",
            {"text": "N", "agenda_item_id": item},
            "other_facilitator",
            404,
        ),
        *[
            ("POST", f"/api/assemblies/{b}/participants/{someone}/{act}", None, caller, 404)
            for act, caller in people_acts
        ],
        # A's address with B's bearer token
        ("GET", f"/api/assemblies/{a}", None, "other_facilitator", 401),
        ("GET", f"/api/assemblies/{a}/events", None, "other_facilitator", 401),
        ("POST", f"/api/assemblies/{a}/close", None, "other_facilitator", 401),
        # Pages: B's forms (B's cookie) naming A's objects
        ("POST", f"/a/{b}/agenda/{item}/open", {"hands": "clear"}, "other_facilitator", 404),
        ("POST", f"/a/{b}/agenda/{open_item}/close", {}, "other_facilitator", 404),
        ("POST", f"/a/{b}/participants/{pending}/admit", {}, "other_facilitator", 404),
        (
            "POST",
            f"/a/{b}/roles/revoke",
            {"participant_id": str(w.a.facilitator.participant_id), "role": "facilitator"},
            "other_facilitator",
            404,
        ),
        ("POST", f"/a/{b}/stack/{entry}/lower", {}, "other_facilitator", 404),
        ("POST", f"/a/{b}/stack/{entry}/move", {"position": "1"}, "other_facilitator", 404),
        (
            "POST",
            f"/a/{b}/proposals/{proposal}/stage",
            {"stage": "concerns"},
            "other_facilitator",
            403,
        ),
        ("POST", f"/a/{b}/proposals/{proposal}/withdraw", {}, "other_facilitator", 403),
        (
            "POST",
            f"/a/{b}/proposals/{proposal}/settings",
            {"amendments_open": "no"},
            "other_facilitator",
            403,
        ),
        ("POST", f"/a/{b}/proposals/{proposal}/wall-page", {"page": "2"}, "other_facilitator", 403),
        (
            "POST",
            f"/a/{b}/proposals/decide",
            {"proposal_id": str(proposal), "outcome": "tabled", "tabled_to": "June"},
            "other_facilitator",
            403,
        ),
        (
            "POST",
            f"/a/{b}/proposals/cap",
            {"proposal_id": str(proposal), "max_amendment_rounds": "0"},
            "other_facilitator",
            403,
        ),
        (
            "POST",
            f"/a/{b}/proposals/amend",
            {"proposal_id": str(proposal), "text": "Mine."},
            "other_participant",
            403,
        ),
        ("POST", f"/a/{b}/amendments/{amendment}/accept", {}, "other_facilitator", 403),
        ("POST", f"/a/{b}/amendments/{amendment}/reject", {}, "other_facilitator", 403),
        (
            "POST",
            f"/a/{b}/proposals/{proposal}/rounds",
            {"kind": "temperature"},
            "other_facilitator",
            403,
        ),
        (
            "POST",
            f"/a/{b}/rounds/respond",
            {"round_id": str(rnd), "value": "up"},
            "other_participant",
            403,
        ),
        (
            "POST",
            f"/a/{b}/rounds/analog",
            {"round_id": str(rnd), "up": "5"},
            "other_facilitator",
            403,
        ),
        ("POST", f"/a/{b}/rounds/{rnd}/close", {}, "other_facilitator", 403),
        ("POST", f"/a/{b}/notes", {"text": "N", "corrects": str(note)}, "other_facilitator", 404),
        (
            "POST",
            f"/a/{b}/actions",
            {"text": "N", "proposal_id": str(proposal)},
            "other_facilitator",
            404,
        ),
        *[
            ("POST", f"/a/{b}/participants/{someone}/{act}", {}, caller, 404)
            for act, caller in people_acts
        ],
        ("GET", f"/a/{b}/amendments/{amendment}", None, "other_participant", 404),
        # A's pages with B's cookie
        ("POST", f"/a/{a}/headcount", {"count": "3"}, "other_facilitator", 401),
        ("POST", f"/a/{a}/close", {}, "other_facilitator", 401),
        ("GET", f"/a/{a}/minutes", None, "other_facilitator", 401),
        ("GET", f"/a/{a}/projector", None, "other_facilitator", 403),
    ]


def test_another_assemblys_objects_are_out_of_reach(world: World) -> None:
    wrong = []
    cases = cross_cases(world)
    for method, path, body, caller, expected in cases:
        page = not path.startswith("/api/")
        response = world.client.request(
            method,
            path,
            json=None if page else body,
            data=body if page else None,
            headers=world.headers(caller, page),
            follow_redirects=False,
        )
        world.client.cookies.clear()
        if response.status_code != expected:
            wrong.append(
                f"{method} {path} as {caller}: {response.status_code} {response.text[:160]!r}"
            )
        elif not page:
            error_of(response)
    refused = Counter(expected for *_, expected in cases)
    print(
        f"\nanother assembly's objects ({world.backend}): {len(cases)} attempts, refused "
        + ", ".join(f"{n}× {status}" for status, n in sorted(refused.items()))
    )
    assert not wrong, "\n".join(wrong)


def cells_in_order() -> list[tuple[str, str]]:
    """Route by route, refused callers first (they share one set of objects, which they must
    leave unchanged), then the allowed ones; the rows that close the assembly come last, all
    their refusals before the close."""

    def of(key: str, allowed: bool) -> list[tuple[str, str]]:
        return [(key, c) for c in CALLERS if (ROUTES[key].expect[c] == OK) == allowed]

    cells = []
    for key in sorted(set(ROUTES) - set(LAST)):
        cells += of(key, False) + of(key, True)
    for allowed in (False, True):
        for key in LAST:
            cells += of(key, allowed)
    return cells


def test_every_route_and_caller_gets_what_the_matrix_says(world: World) -> None:
    wrong: list[str] = []
    counts: Counter[str] = Counter()
    allowed_not_done: list[str] = []
    shared: dict[str, Call] = {}
    for key, caller in cells_in_order():
        row = ROUTES[key]
        expected = row.expect[caller]
        if expected == OK:
            call = row.make(world, caller)
        else:
            call = shared[key] = shared.get(key) or row.make(world, caller)
        response = send(world, key, caller, call)
        counts["cells"] += 1
        problem = judge(key, caller, expected, response)
        if problem:
            wrong.append(f"{key} as {caller}: {problem}")
        if expected == OK and row.after:
            row.after(world, caller)
        if expected == OK:
            counts["allowed"] += 1
            if 200 <= response.status_code < 300:
                counts["2xx"] += 1
            elif 300 <= response.status_code < 400:
                counts["3xx"] += 1
            else:
                allowed_not_done.append(f"{key} as {caller}: {response.status_code}")
        else:
            counts["refused"] += 1
    api = sum(1 for k in ROUTES if k.split(" ", 1)[1].startswith("/api/"))
    print(
        f"\nauthorization matrix ({world.backend}): {len(ROUTES)} routes ({api} JSON, "
        f"{len(ROUTES) - api} pages and forms) × {len(CALLERS)} callers = {counts['cells']} "
        f"cells; {counts['allowed']} allowed, of which {counts['2xx']} succeeded 2xx and "
        f"{counts['3xx']} 3xx (a page form's redirect back); {counts['refused']} refused as "
        f"the table says. Allowed but not done: {allowed_not_done}"
    )
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong)
