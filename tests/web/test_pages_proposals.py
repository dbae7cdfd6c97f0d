"""Forms of proposals, amendments and rounds on the console and the phone (htmx and plain)."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.blocks import stages
from tests.conftest import GA, join, ok
from tests.web.screens import ORIGIN, Screen, soup


def moves_offered(page: BeautifulSoup) -> list[str]:
    return [i["value"] for i in page.select("#mc-proposal .stage-controls input[name=stage]")]


def test_the_console_offers_only_the_stages_the_table_allows(room: dict[str, Any]) -> None:
    console: Screen = room["console"]
    page = console.page()
    assert page.select_one("#mc-proposal .proposal-title").get_text() == "Winter tarps"
    expected = [m for m in stages.allowed_moves("presented", round_open=False) if m != "decided"]
    assert moves_offered(page) == expected
    moved = console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    assert moved.status_code == 200
    fresh = soup(moved)
    assert fresh.select_one("#mc-proposal .stage-name").get_text() == "call for consensus"
    assert [f.select_one("input[name=kind]")["value"] for f in fresh.select("#mc-round form")] == [
        "consensus"
    ]


def test_an_answer_from_a_phone_comes_back_only_in_its_own_reply(room: dict[str, Any]) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="temperature_check")
    console.post(f"proposals/{room['pid']}/rounds", kind="temperature")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    answered = ben.post("rounds/respond", round_id=round_id, value="down")
    assert answered.status_code == 200
    reply = soup(answered)
    assert reply.select_one("#mc-mine")["data-value"] == "down"
    assert "Your answer" in reply.select_one("#mc-mine").get_text()
    # The shared fragment counts the answer and names nobody.
    shared = reply.select_one("#mc-round")
    assert "Your answer" not in shared.get_text() and "Ben" not in shared.get_text()
    assert shared.select_one(".answer-down .meter-n").get_text() == "1"
    # Another phone's page does not show Ben's answer as its own.
    assert room["ana"].page().select_one("#mc-mine").get("data-value") is None


def test_a_live_phones_answer_gets_back_only_its_own_answer_and_the_seq(
    room: dict[str, Any], client: TestClient
) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus", results="live")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    answered = ben.post("rounds/respond", live=True, round_id=round_id, value="agree")
    assert answered.status_code == 200
    reply = soup(answered)
    assert reply.select_one("#mc-mine")["data-value"] == "agree"
    # The public regions come by the push like everyone else's: none of them is in the reply,
    # nor #mc-seq, which would tell the page it has pushes it has not had.
    ids = sorted(e["id"] for e in reply.find_all(recursive=False))
    assert ids == ["mc-error", "mc-mine"]
    fac = room["people"]["fac"]
    seq = client.get(f"/api/assemblies/{ben.assembly.id}", headers=fac.headers).json()["seq"]
    assert answered.headers["mc-seq"] == str(seq)
    assert len(answered.content) < 1000


def test_an_htmx_page_without_its_socket_gets_every_region_with_its_answer(
    room: dict[str, Any],
) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus", results="live")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    reply = soup(ben.post("rounds/respond", round_id=round_id, value="agree"))
    ids = {e["id"] for e in reply.find_all(recursive=False)}
    assert {"mc-round", "mc-proposal", "mc-stack", "mc-seq", "mc-mine"} <= ids
    assert reply.select_one("#mc-round .answer-agree .meter-n").get_text() == "1"


def test_a_refused_answer_from_a_live_phone_still_says_why(room: dict[str, Any]) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    refused = ben.post("rounds/respond", live=True, round_id=round_id, value="block")
    assert refused.status_code == 422
    assert soup(refused).select_one("#mc-error p")["data-code"]


def test_a_live_phones_raised_hand_gets_back_which_hands_it_has_up(
    room: dict[str, Any],
) -> None:
    ben = room["ben"]
    raised = ben.post("stack/raise", live=True, kind="speak")
    assert raised.status_code == 200
    mine = soup(raised).select_one("#mc-my-hands")
    assert mine["data-kinds"] == "speak" and int(mine["data-seq"]) == int(raised.headers["mc-seq"])
    assert soup(raised).select_one("#mc-stack") is None
    also = soup(ben.post("stack/raise", live=True, kind="clarifying_question"))
    assert also.select_one("#mc-my-hands")["data-kinds"] == "clarifying_question speak"
    lowered = soup(ben.post("stack/lower", live=True, kind="speak"))
    assert lowered.select_one("#mc-my-hands")["data-kinds"] == "clarifying_question"


def test_a_participant_claiming_to_post_from_the_console_gets_the_phones_regions(
    room: dict[str, Any],
) -> None:
    ben = room["ben"]
    console_url = ben.url + "/console"
    headers = {"origin": ORIGIN, "hx-request": "true", "hx-current-url": console_url}
    reply = ben.http.post(
        f"/a/{ben.assembly.id}/stack/raise", data={"kind": "speak"}, headers=headers
    )
    assert reply.status_code == 200
    ids = {e["id"] for e in soup(reply).find_all(recursive=False)}
    assert "mc-stack" in ids  # the phone's regions
    assert not ids & {"mc-admissions", "mc-notes", "mc-stats"}  # never the console's
    plain = ben.http.post(
        f"/a/{ben.assembly.id}/stack/lower",
        data={"kind": "speak"},
        headers={"origin": ORIGIN, "referer": console_url},
        follow_redirects=False,
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/a/{ben.assembly.id}"


def test_a_phone_without_javascript_answers_and_sees_its_answer_after_the_redirect(
    room: dict[str, Any],
) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    plain = ben.post(
        "rounds/respond", htmx=False, round_id=round_id, value="stand_aside", reason="away"
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/a/{ben.assembly.id}"
    mine = ben.page().select_one("#mc-mine")
    assert mine["data-value"] == "stand_aside" and "away" in mine.get_text()


def test_an_answer_to_a_round_closed_meanwhile_is_refused_on_screen(room: dict[str, Any]) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="temperature_check")
    console.post(f"proposals/{room['pid']}/rounds", kind="temperature")
    stale = ben.page().select_one("#mc-round")["data-round-id"]
    console.post(f"rounds/{stale}/close")
    refused = ben.post("rounds/respond", round_id=stale, value="up")
    assert refused.status_code == 409
    assert "closed" in soup(refused).select_one("#mc-error").get_text()


def test_a_block_from_the_phone_needs_a_reason(room: dict[str, Any]) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus")
    page = ben.page()
    warning = page.select_one("#mc-reasons .block-warning").get_text(" ", strip=True)
    assert "serious moral, ethical or safety objection" in warning
    round_id = page.select_one("#mc-reasons input[name=round_id]")["value"]
    refused = ben.post("rounds/respond", round_id=round_id, value="block", reason="  ")
    assert refused.status_code == 422
    assert "needs a reason" in soup(refused).select_one("#mc-error").get_text()


def test_counted_blocks_are_written_name_colon_reason_one_per_line(room: dict[str, Any]) -> None:
    console = room["console"]
    console.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    console.post(f"proposals/{room['pid']}/rounds", kind="consensus")
    round_id = console.page().select_one("#mc-analog input[name=round_id]")["value"]
    counted = console.post(
        "rounds/analog",
        round_id=round_id,
        agree="30",
        stand_aside="",
        blocks="Big Mike: the noise ordinance\n\nMr. Alvarez — the fund is for bail\n",
    )
    assert counted.status_code == 200
    assert "32 counted in the room" in soup(counted).select_one("#mc-round .round-count").get_text(
        " ", strip=True
    )
    closed = soup(console.post(f"rounds/{round_id}/close"))
    blocks = [li.get_text(" ", strip=True) for li in closed.select("#mc-round .block-list li")]
    assert blocks[0].startswith("Big Mike (counted in the room)")
    assert "Mr. Alvarez" in blocks[1] and "the fund is for bail" in blocks[1]
    bad = console.post("rounds/analog", round_id=round_id, blocks="no reason here")
    assert bad.status_code == 422
    assert "Name: reason" in soup(bad).select_one("#mc-error").get_text()


def test_the_presenter_accepts_an_amendment_from_their_phone(room: dict[str, Any]) -> None:
    console, ana, ben = room["console"], room["ana"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="amendments")
    page = ben.page()
    assert page.body["data-amendable"] == "yes"
    assert page.select_one("#mc-amend input[name=proposal_id]")["value"] == str(room["pid"])
    proposed = ben.post(
        "proposals/amend",
        proposal_id=str(room["pid"]),
        text="Buy twelve tarps.",
        rationale="spares",
    )
    assert proposed.status_code == 200
    # Accept/reject sit in the shared fragment for the presenter's phone; proposal.js shows them.
    ana_page = ana.page()
    assert ana_page.select_one("#mc-proposal")["data-presenter-id"] == str(
        room["people"]["ana"].participant_id
    )
    accept = ana_page.select_one("#mc-proposal .presenter-only form")["action"]
    accepted = ana.post(accept.split(f"/a/{ana.assembly.id}/", 1)[1])
    assert accepted.status_code == 200
    shown = soup(accepted).select_one("#mc-proposal")
    assert shown.select_one(".proposal-text").get_text() == "Buy twelve tarps."
    assert [e.get_text() for e in shown.select(".what-changed ins")] == ["twelve"]
    assert [e.get_text() for e in shown.select(".what-changed del")] == ["ten"]


def test_tabling_from_the_console_needs_a_destination(room: dict[str, Any]) -> None:
    console: Screen = room["console"]
    refused = console.post("proposals/decide", proposal_id=str(room["pid"]), outcome="tabled")
    assert refused.status_code == 422
    assert "destination" in soup(refused).select_one("#mc-error").get_text()
    tabled = console.post(
        "proposals/decide", proposal_id=str(room["pid"]), outcome="tabled", tabled_to="Kitchen"
    )
    assert tabled.status_code == 200
    banner = soup(tabled).select_one("#mc-proposal .stage-banner").get_text(" ", strip=True)
    assert banner == "Proposal · decided — tabled to Kitchen"


def test_a_phone_cannot_use_the_console_forms(room: dict[str, Any]) -> None:
    ben: Screen = room["ben"]
    refused = ben.post(f"proposals/{room['pid']}/stage", stage="consensus_call")
    assert refused.status_code == 403
    assert soup(refused).select_one("#mc-error").get_text(strip=True)


def test_the_projector_shows_the_meter_with_shapes_and_numbers(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    console, ben = room["console"], room["ben"]
    console.post(f"proposals/{room['pid']}/stage", stage="temperature_check")
    console.post(f"proposals/{room['pid']}/rounds", kind="temperature")
    round_id = ben.page().select_one("#mc-round")["data-round-id"]
    ben.post("rounds/respond", round_id=round_id, value="up")
    wall = TestClient(client.app, base_url=ORIGIN)
    page = soup(wall.get(f"/a/{assembly.id}/projector?key={assembly.projector_key}"))
    rows = {
        row["class"][1]: (
            row.select_one(".shape").get_text(),
            row.select_one(".meter-n").get_text(),
        )
        for row in page.select("#mc-round .meter-row")
    }
    assert rows == {
        "answer-up": ("▲", "1"),
        "answer-sideways": ("◆", "0"),
        "answer-down": ("▼", "0"),
    }
    assert page.find("form") is None


def test_the_console_caps_amendment_rounds_and_an_empty_box_lifts_the_cap(
    room: dict[str, Any],
) -> None:
    console, ben = room["console"], room["ben"]
    pid = str(room["pid"])
    console.post(f"proposals/{pid}/stage", stage="amendments")
    capped = console.post("proposals/cap", proposal_id=pid, max_amendment_rounds="0")
    assert capped.status_code == 200
    switch = soup(capped).select_one("#mc-proposal .amend-switch").get_text(" ", strip=True)
    assert "0 of 0 amendment rounds used" in switch
    refused = ben.post("proposals/amend", proposal_id=pid, text="Buy twelve tarps.")
    assert refused.status_code == 409
    assert "amendment round" in soup(refused).select_one("#mc-error").get_text()
    assert ben.page().body["data-amendable"] == "no"
    console.post("proposals/cap", proposal_id=pid, max_amendment_rounds="")
    assert ben.post("proposals/amend", proposal_id=pid, text="Buy twelve tarps.").status_code == 200


def test_the_console_asks_to_approve_the_minutes_and_phones_answer_with_thumbs(
    room: dict[str, Any],
) -> None:
    console, ben = room["console"], room["ben"]
    assert console.page().select_one("#mc-round form.approve-minutes") is None  # mid-proposal
    console.post(f"proposals/{room['pid']}/withdraw")
    # Nothing to approve yet: the minutes have no item done.
    assert console.page().select_one("#mc-round form.approve-minutes") is None
    console.post(f"agenda/{room['item']}/close")
    ask = console.page().select_one("#mc-round form.approve-minutes")
    assert ask is not None and ask["hx-post"].endswith("/minutes/approval")
    assert console.post("minutes/approval").status_code == 200
    page = ben.page()
    assert page.body["data-round-state"] == "minutes-open"
    shown = page.select_one("#mc-round")
    assert shown["data-kind"] == "minutes"
    assert "Approval of the minutes" in shown.select_one("h2").get_text()
    assert shown.select_one(".round-about a")["href"] == f"/a/{ben.assembly.id}/minutes"
    thumbs = page.select("#mc-answers .for-minutes button")
    assert [b["data-value"] for b in thumbs] == ["up", "sideways", "down"]
    rid = page.select_one("#mc-answers .for-minutes input[name=round_id]")["value"]
    assert rid == shown["data-round-id"]
    answered = ben.post("rounds/respond", round_id=rid, value="up")
    assert soup(answered).select_one("#mc-mine")["data-value"] == "up"
    # No second approval while one is open, and the console says so without a 500.
    assert console.page().select_one("#mc-round form.approve-minutes") is None
    refused = console.post("minutes/approval")
    assert refused.status_code == 409
    assert "approving the minutes" in soup(refused).select_one("#mc-error").get_text()
    closed = console.post(f"rounds/{rid}/close")
    assert closed.status_code == 200
    outcome = console.page().select_one("#mc-round .outcome-line").get_text()
    assert outcome == "1 up, 0 sideways, 0 down: 1 up > 0 down → minutes approved"


def test_a_phone_cannot_ask_to_approve_the_minutes(room: dict[str, Any]) -> None:
    refused = room["ben"].post("minutes/approval")
    assert refused.status_code == 403
    assert room["ben"].page().body["data-round-state"] == "none"


# ---- putting a proposal forward: who presents it ----------------------------------------------


def presenter_of_newest(client: TestClient, assembly: GA) -> dict[str, Any]:
    """The presenter of the proposal put forward last, as its `proposal_submitted` event says."""
    export = ok(
        client.get(f"/api/assemblies/{assembly.id}/events", headers=assembly.facilitator.headers)
    )
    submitted = [e for e in export["events"] if e["type"] == "proposal_submitted"][-1]
    return {k: submitted["payload"][k] for k in ("presenter_id", "presenter_name")}


@pytest.mark.parametrize(
    ("typed", "working_group", "presented_by"),
    [
        ("Ana #{ana}", "", ("ana", "Ana")),  # picked from the list of people who joined
        (" ana ", "", ("ana", "Ana")),  # a typed name that matches one person who joined
        ("Mr. Alvarez", "", (None, "Mr. Alvarez")),  # someone without a phone
        ("Ben", "", (None, "Ben")),  # two people called Ben joined: a name, no phone
        ("Ana #999999", "", (None, "Ana #999999")),  # nobody with that number: kept as typed
        ("", "Comfort", (None, "Comfort")),  # empty: the working group presents it
        ("", "", ("fac", "Noor")),  # empty, no working group: the facilitator does
    ],
)
def test_the_console_names_the_presenter_by_a_person_who_joined_a_typed_name_or_the_default(
    client: TestClient,
    assembly: GA,
    room: dict[str, Any],
    typed: str,
    working_group: str,
    presented_by: tuple[str | None, str],
) -> None:
    join(client, assembly, "Ben")  # a second Ben
    people, console = room["people"], room["console"]
    posted = console.post(
        "proposals",
        title="Drumming hours",
        text="Noon to 10 pm.",
        presenter=typed.format(ana=people["ana"].participant_id),
        working_group=working_group,
    )
    assert posted.status_code == 200, posted.text
    who, name = presented_by
    expected_id = people[who].participant_id if who else None
    assert presenter_of_newest(client, assembly) == {
        "presenter_id": expected_id,
        "presenter_name": name,
    }


def test_the_console_form_searches_the_people_who_joined_and_says_what_empty_means(
    room: dict[str, Any],
) -> None:
    page = room["console"].page()
    form = page.select_one("form[action$='/proposals']")
    box = form.select_one("input[name=presenter]")
    assert box["list"] == "mc-people-options"
    options = [o["value"] for o in page.select("#mc-people-options option")]
    assert f"Ana #{room['people']['ana'].participant_id}" in options
    hint = form.select_one(f"#{box['aria-describedby']}").get_text(" ", strip=True)
    assert "Left empty" in hint and "working group" in hint
    assert form.select_one(f"label[for={box['id']}]").get_text() == "Presented by"


def test_a_proposal_put_forward_without_javascript_goes_back_to_the_console(
    client: TestClient, assembly: GA, room: dict[str, Any]
) -> None:
    posted = room["console"].post("proposals", htmx=False, title="Drumming hours", text="Noon.")
    assert posted.status_code == 303 and posted.headers["location"].endswith("/console")
    facilitator = room["people"]["fac"]
    assert presenter_of_newest(client, assembly) == {
        "presenter_id": facilitator.participant_id,
        "presenter_name": "Noor",
    }
