"""The console's action item form (app/web/pages_actions.py, templates/_action_form.html):
posted with htmx or as a plain form, refused with a readable message, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import GA, join, ok
from tests.web.screens import Screen, soup


@pytest.fixture
def tarps(client: TestClient, assembly: GA) -> int:
    """The Winter tarps proposal, its item open: the proposal on screen."""
    fac = assembly.facilitator.headers
    base = f"/api/assemblies/{assembly.id}"
    made = ok(
        client.post(f"{base}/proposals", json={"title": "Winter tarps", "text": "Buy ten tarps.",
                    "presenter_name": "Ana"}, headers=fac),
        201,
    )  # fmt: skip
    ok(client.post(f"{base}/agenda/{made['agenda_item_id']}/open", headers=fac))
    return int(made["proposal_id"])


def actions_of(client: TestClient, assembly: GA) -> list[dict[str, Any]]:
    """Every action item of the minutes, wherever it sits."""
    minutes = ok(
        client.get(f"/api/assemblies/{assembly.id}/minutes", headers=assembly.facilitator.headers)
    )
    found = list(minutes["actions"])
    for item in minutes["items"]:
        found += item["actions"]
        for proposal in item["proposals"]:
            found += [{**a, "proposal_id": proposal["proposal_id"]} for a in proposal["actions"]]
    return found


def test_the_form_records_an_action_item_for_the_proposal_on_screen(
    client: TestClient, assembly: GA, tarps: int
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    saved = console.post(
        "actions", text="Buy the ten tarps", who="Comfort working group",
        due="Friday 20 March", proposal_id=str(tarps),
    )  # fmt: skip
    assert saved.status_code == 200
    assert soup(saved).select_one("#mc-error").get_text(strip=True) == ""
    [action] = actions_of(client, assembly)
    assert (action["text"], action["who"], action["due"], action["by"]) == (
        "Buy the ten tarps", "Comfort working group", "Friday 20 March", "Noor"
    )  # fmt: skip
    assert action["proposal_id"] == tarps


def test_a_plain_form_without_javascript_goes_back_to_the_console(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    saved = console.post("actions", htmx=False, text="Book the square", who="", due="")
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/a/{assembly.id}/console")
    [action] = actions_of(client, assembly)  # no item open: for the assembly as a whole
    assert (action["text"], action["who"], action["due"]) == ("Book the square", None, None)


def test_a_refused_action_item_says_why_in_the_error_region_and_is_not_a_500(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    for form, status, code in (
        ({"text": "   "}, 422, "text_required"),
        ({"text": "Fine", "who": "w" * 81}, 422, "who_too_long"),
        ({"text": "Fine", "proposal_id": "tents"}, 422, "bad_number"),
        ({"text": "Fine", "proposal_id": "999"}, 404, "proposal_not_found"),
    ):
        refused = console.post("actions", **form)
        assert refused.status_code == status, refused.text
        reason = soup(refused).select_one("#mc-error p")
        assert reason is not None and reason["data-code"] == code and reason.get_text(strip=True)
    plain = console.post("actions", htmx=False, text="")
    assert plain.status_code == 422 and "text/html" in plain.headers["content-type"]
    assert actions_of(client, assembly) == []


def test_a_participant_without_the_minute_taker_role_cannot_record_action_items(
    client: TestClient, assembly: GA
) -> None:
    ben = join(client, assembly, "Ben")
    refused = Screen(client, assembly, ben.token, "phone").post("actions", text="Mine")
    assert refused.status_code == 403
    assert soup(refused).select_one("#mc-error p")["data-code"] == "role_required"


def test_the_partial_is_a_form_that_works_without_javascript_and_follows_the_proposal(
    client: TestClient, assembly: GA, tarps: int
) -> None:
    renderer = client.app.state.ctx.renderer  # type: ignore[attr-defined]
    html = renderer.page("_action_form.html", **renderer.snapshot(assembly.id).context())
    form = BeautifulSoup(html, "html.parser").select_one("form")
    assert form is not None
    assert form["method"] == "post" and form["action"] == form["hx-post"]
    assert form["action"].endswith(f"/a/{assembly.id}/actions") and form["hx-swap"] == "none"
    follow = form.select_one("input[type=hidden][name=proposal_id]")
    assert follow is not None and follow["data-follow"] == "proposal"
    assert follow["value"] == str(tarps)
    assert form.select_one("textarea[name=text][required]") is not None
    assert {i["name"] for i in form.select("input:not([type=hidden])")} == {"who", "due"}
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Save action"
