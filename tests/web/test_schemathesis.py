"""A bounded Schemathesis run over /openapi.json (issue 12): no response is a 5xx, and every
4xx is docs/api.md's error shape, {"error": {"code", "message"}} and nothing else.

The schema is the one the app serves; cases go through the app in-process (the test's own
TestClient, so its lifespan and database are the fixture's), as the facilitator of a fixture
assembly so the deep routes are reached, with ids that exist mixed into the generated ones.
Bounded and repeatable: 25 examples drawn per operation (positive and negative) besides
Schemathesis' deterministic coverage phase (boundary values, wrong types, other methods),
derandomized, no example database, no deadline; SQLite and PostgreSQL like the rest of
tests/web. The run uses the test's own TestClient rather than `schemathesis.pytest.from_fixture`,
whose 4.32 wrapper sets `request.node._nodeid`, gone from pytest 9.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from app.config import Settings
from app.web.app import create_app
from tests.conftest import GA, _postgres_db, _sqlite_db, create_assembly, join

ORIGIN = "http://testserver"
EXAMPLES_PER_OPERATION = 25


@dataclass
class Api:
    """The app, a fixture assembly and ids that exist in it."""

    client: TestClient
    assembly: GA
    ids: dict[str, Any]
    backend: str
    cases: Counter[str] = field(default_factory=Counter)


def build_ids(client: TestClient, ga: GA) -> dict[str, Any]:
    """An agenda item, a proposal in amendments with an amendment, an open round on another
    proposal, a hand, a participant without a role and a group: ids for paths and bodies."""
    fac = ga.facilitator.headers
    someone = join(client, ga, "Abebe")

    def post(path: str, body: Any, status: int = 201, headers: dict[str, str] = fac) -> Any:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    base = f"/api/assemblies/{ga.id}"
    item = post(f"{base}/agenda", {"title": "Kitchen", "kind": "report"})["item_id"]
    proposal = post(f"{base}/proposals", {"title": "Urn", "text": "We buy an urn."})["proposal_id"]
    post(f"/api/proposals/{proposal}/stage", {"stage": "amendments"}, 200)
    amendment = post(
        f"/api/proposals/{proposal}/amendments", {"text": "Two urns."}, headers=someone.headers
    )["amendment_id"]
    voted = post(f"{base}/proposals", {"title": "Garden", "text": "We dig."})["proposal_id"]
    post(f"/api/proposals/{voted}/stage", {"stage": "clarifying_questions"}, 200)
    round_id = post(f"/api/proposals/{voted}/rounds", {"kind": "temperature"})["round_id"]
    entry = post(f"{base}/stack", {"kind": "speak"}, headers=someone.headers)["entry_id"]
    note = post(f"{base}/notes", {"text": "A note."})["note_id"]
    group = post("/api/groups", {"name": "Riverside", "slug": "riverside", "time_zone": "UTC"})
    return {
        "facilitator_id": ga.facilitator.participant_id,
        "assembly_id": ga.id,
        # Never the facilitator's own id: a reissue or removal of them would end the run's rights.
        "pid": someone.participant_id,
        "participant_id": someone.participant_id,
        "presenter_id": someone.participant_id,
        "item_id": item,
        "agenda_item_id": item,
        "proposal_id": proposal,
        "amendment_id": amendment,
        "round_id": round_id,
        "entry_id": entry,
        "corrects": note,
        "slug": group["slug"],
        "join_code": ga.join_code,
    }


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    if request.param == "sqlite":
        db = _sqlite_db(sqlite_template, tmp_path_factory.mktemp("schemathesis"))
    else:
        request.applymarker(pytest.mark.postgres)
        db = _postgres_db(request.getfixturevalue("postgres_database"))
    limits = 1_000_000  # limits answer 429 in the right shape, but would hide deeper answers
    app_settings = Settings(
        database_url=str(db.engine.url),
        secret_key="test-secret-key-not-for-production",
        public_url=ORIGIN,
        assemblies_per_hour=limits,
        joins_per_minute=limits,
        join_burst=limits,
        code_misses_per_minute=limits,
        person_burst=limits,
        person_actions_per_minute=limits,
    )
    # A 5xx comes back as a response (not raised), for Schemathesis to report with its case.
    app = create_app(app_settings, db)
    with TestClient(app, base_url=ORIGIN, raise_server_exceptions=False) as client:
        ga = create_assembly(client)
        api = Api(client, ga, build_ids(client, ga), db.engine.url.get_backend_name())
        KNOWN.clear()
        KNOWN.update(api.ids)
        yield api
        KNOWN.clear()
        statuses = ", ".join(f"{n}× {s}" for s, n in sorted(api.cases.items()))
        print(
            f"\nschemathesis ({api.backend}): {api.cases.total()} cases ({EXAMPLES_PER_OPERATION} "
            f"drawn per operation and its coverage phase's edge cases); statuses: {statuses}"
        )
    db.dispose()


# The ids of the fixture assembly now under test (the hooks read them as cases are drawn).
KNOWN: dict[str, Any] = {}


def served_schema() -> Any:
    """The schema the app serves at /openapi.json (read at import: the operations are the
    test's parameters; no database is touched)."""
    app = create_app(
        Settings(database_url="sqlite://", secret_key="schema-only", public_url=ORIGIN)
    )
    # Not entered (`with`): no lifespan, so no hub or round closer starts for this.
    response = TestClient(app, base_url=ORIGIN).get("/openapi.json")
    return schemathesis.openapi.from_dict(response.json())


schema = served_schema()


def mixed(generated: Any, keep: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Each id the fixture knows is the generated one or the fixture's, as Hypothesis picks
    (not for the names in `keep`). A generated participant id that happens to be the
    facilitator's is someone else's: a new link for the run's own token would end its rights."""
    if not isinstance(generated, dict):
        return st.just(generated)
    choices = {}
    for key, value in generated.items():
        if key in ("pid", "participant_id") and value == KNOWN.get("facilitator_id"):
            value = KNOWN[key]
        known = KNOWN.get(key) if key not in keep else None
        choices[key] = st.sampled_from([value, known]) if known is not None else st.just(value)
    return st.fixed_dictionaries(choices)


# Closing the fixture assembly would leave every later operation a 409: that one operation
# gets generated ids only.
CLOSE = "/api/assemblies/{assembly_id}/close"


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    closing = context.operation is not None and context.operation.path == CLOSE
    return mixed(path_parameters, keep=("assembly_id",) if closing else ())


@schema.hook
def flatmap_body(_context: Any, body: Any) -> Any:
    return mixed(body)


@schemathesis.check
def api_error_shape(_ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx from /api (and any 4xx in JSON) is exactly {"error": {"code": "<snake_case>",
    "message": "…"}}. (A page's refusal is a readable HTML page.)"""
    if not 400 <= response.status_code < 500:
        return None
    is_json = "json" in response.headers.get("content-type", "")
    if not case.path.startswith("/api/") and not is_json:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a {response.status_code} from the API that is not JSON") from None
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, body
    code, message = error["code"], error["message"]
    assert isinstance(code, str) and code and code == code.lower() and " " not in code, body
    assert isinstance(message, str) and message.strip(), body
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_every_error_in_api_shape(case: Any, api: Api) -> None:
    kwargs = case.as_transport_kwargs(base_url=ORIGIN, headers=api.assembly.facilitator.headers)
    body: dict[str, Any] = {}
    if "json" in kwargs:  # escaped as any JSON client sends it (a lone surrogate as \\ud800)
        body["content"] = json.dumps(kwargs["json"]).encode()
    elif isinstance(kwargs.get("data"), dict):  # a form
        body["data"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        body["content"] = kwargs["data"]
    response = api.client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        follow_redirects=False,
        **body,
    )
    api.client.cookies.clear()
    api.cases[str(response.status_code)] += 1
    case.validate_response(response, checks=[not_a_server_error, api_error_shape])
