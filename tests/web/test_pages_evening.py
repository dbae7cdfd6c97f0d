"""What the three screens show through an evening, parsed from the pages a device loads.

The phone marks its own answer on its button and, without JavaScript, says where its hand
stands and refreshes itself only while something is live; the fallback vote has its own words;
the wall shows the clean text from the temperature check on, turns the pages of a long text on
the facilitator's word and, once closed, lists what the assembly did; the console offers the
next step after a blocked call in one click.
"""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import GA
from tests.web.screens import ORIGIN, Screen, soup


@pytest.fixture
def evening(room: dict[str, Any], client: TestClient, assembly: GA) -> dict[str, Any]:
    """The `room` of conftest.py (console, Ana presenting, Ben, the item open) and the wall."""
    wall = TestClient(client.app, base_url=ORIGIN)
    assert wall.get(f"/a/{assembly.id}/projector?key={assembly.projector_key}").status_code == 200
    return {
        **room,
        "assembly": assembly,
        "wall": lambda: soup(wall.get(f"/a/{assembly.id}/projector")),
    }


def open_round(evening: dict[str, Any], stage: str, kind: str, **form: str) -> str:
    console: Screen = evening["console"]
    console.post(f"proposals/{evening['pid']}/stage", stage=stage)
    console.post(f"proposals/{evening['pid']}/rounds", kind=kind, **form)
    rid: str = evening["ben"].page().select_one("#mc-round")["data-round-id"]
    return rid


def refresh_meta(page: BeautifulSoup) -> list[str]:
    return [m["content"] for m in page.select("noscript meta[http-equiv=refresh]")]


# ---- the phone -----------------------------------------------------------------------------


def test_a_phone_marks_its_own_answer_on_its_button_after_a_plain_post(
    evening: dict[str, Any],
) -> None:
    ben: Screen = evening["ben"]
    rid = open_round(evening, "temperature_check", "temperature")
    assert ben.post("rounds/respond", htmx=False, round_id=rid, value="sideways").status_code == 303
    buttons = ben.page().select("#mc-answers .for-temperature button.btn-answer")
    pressed = {b["data-value"]: b["aria-pressed"] for b in buttons}
    assert pressed == {"up": "false", "sideways": "true", "down": "false"}
    chosen = [b["data-value"] for b in buttons if "chosen" in b["class"]]
    assert chosen == ["sideways"]
    # Another phone's buttons are not marked by Ben's answer.
    others = evening["ana"].page().select("#mc-answers button.btn-answer.chosen")
    assert others == []


def test_a_phone_without_javascript_refreshes_itself_only_while_something_is_live(
    evening: dict[str, Any],
) -> None:
    ben: Screen = evening["ben"]
    quiet = ben.page()
    assert refresh_meta(quiet) == []
    badge = quiet.select_one("#mc-connection")
    assert badge["data-state"] == "static" and badge.select_one("a").get_text() == (
        "refresh to update"
    )
    open_round(evening, "temperature_check", "temperature")
    assert refresh_meta(ben.page()) == ["10"]


def test_a_phone_without_javascript_says_where_its_hand_stands(evening: dict[str, Any]) -> None:
    ben: Screen = evening["ben"]
    assert ben.post("stack/raise", htmx=False, kind="speak").status_code == 303
    page = ben.page()
    assert page.select_one("#mc-you-pos").get_text() == "You are 1st — first time speaking"
    assert page.body["data-my-kinds"] == "speak"  # CSS shows "Lower my hand" for it
    assert refresh_meta(page) == ["10"]
    # Ana, who has no hand up, is told nothing about Ben's place.
    assert evening["ana"].page().select_one("#mc-you-pos").get_text() == ""


def test_the_fallback_vote_has_its_own_words_from_the_rule(evening: dict[str, Any]) -> None:
    page = evening["ben"].page()
    help_text = page.select_one("#mc-answers .for-consensus p.fallback-help").get_text()
    assert "passes if agree reaches 9/10 of agree and block together" in help_text
    assert "stops the proposal" not in help_text
    call_text = page.select_one("#mc-answers .for-consensus p.call-help").get_text()
    assert "block" in call_text


def test_the_phone_keeps_a_hand_bar_during_a_proposal(evening: dict[str, Any]) -> None:
    page = evening["ben"].page()
    assert page.body["data-proposal"] == "yes"
    bar = page.select_one("#mc-hand-bar")
    assert [b.get_text() for b in bar.select("button")] == ["I want to speak", "Take my hand down"]


# ---- the wall ------------------------------------------------------------------------------


def amend_and_accept(evening: dict[str, Any]) -> None:
    console, ana, ben = evening["console"], evening["ana"], evening["ben"]
    console.post(f"proposals/{evening['pid']}/stage", stage="amendments")
    ben.post("proposals/amend", proposal_id=str(evening["pid"]), text="Buy twelve tarps.")
    aid = ana.page().select_one("#mc-proposal .amendment")["data-amendment-id"]
    assert ana.post(f"amendments/{aid}/accept").status_code == 200


def test_the_wall_marks_changes_while_amending_and_shows_the_clean_text_after(
    evening: dict[str, Any],
) -> None:
    amend_and_accept(evening)
    amending = evening["wall"]().select_one("#mc-proposal")
    assert amending.select_one(".proposal-text ins").get_text() == "twelve"
    evening["console"].post(f"proposals/{evening['pid']}/stage", stage="temperature_check")
    checking = evening["wall"]().select_one("#mc-proposal")
    text = checking.select_one(".proposal-text")
    assert text.get_text() == "Buy twelve tarps." and text.select("ins, del") == []
    assert checking.select_one(".amended-note").get_text().startswith("Amended once")


def test_the_facilitator_turns_the_page_of_a_long_text_on_the_wall(evening: dict[str, Any]) -> None:
    console, ben = evening["console"], evening["ben"]
    assert evening["wall"]().select_one("#mc-proposal")["data-wall-page"] == "1"
    assert console.post(f"proposals/{evening['pid']}/wall-page", page="2").status_code == 200
    assert evening["wall"]().select_one("#mc-proposal")["data-wall-page"] == "2"
    refused = ben.post(f"proposals/{evening['pid']}/wall-page", page="3")
    assert refused.status_code == 403
    assert console.post(f"proposals/{evening['pid']}/wall-page", page="0").status_code == 422


def test_the_closed_wall_lists_what_the_assembly_did(evening: dict[str, Any]) -> None:
    console = evening["console"]
    console.post("proposals/decide", proposal_id=str(evening["pid"]),
                 outcome="tabled", tabled_to="the Comfort working group")  # fmt: skip
    console.post(f"agenda/{evening['item']}/close")
    console.post("close")
    wall = evening["wall"]()
    assert wall.select_one("#mc-header")["data-status"] == "closed"
    lines = [li.get_text(" ", strip=True) for li in wall.select("#mc-agenda .decisions li")]
    assert lines == ["1. Winter tarps → tabled to the Comfort working group"]
    minutes = wall.select_one(".minutes-corner")
    assert minutes.select_one("svg") is not None
    assert (
        minutes.select_one(".join-url").get_text().endswith(f"/a/{evening['assembly'].id}/minutes")
    )


# ---- the console ---------------------------------------------------------------------------


def blocked(evening: dict[str, Any]) -> None:
    rid = open_round(evening, "consensus_call", "consensus")
    evening["ben"].post(
        "rounds/respond", round_id=rid, value="block", reason="Not in the fire lane."
    )
    evening["ana"].post("rounds/respond", round_id=rid, value="agree")
    assert evening["console"].post(f"rounds/{rid}/close").status_code == 200


def test_after_a_blocked_call_the_console_offers_the_next_steps_in_one_click(
    evening: dict[str, Any],
) -> None:
    console: Screen = evening["console"]
    blocked(evening)
    controls = console.page().select_one("#mc-round .round-controls")
    assert "The call was blocked" in controls.select_one(".next-steps").get_text()
    offered = {
        f.select_one("button").get_text(): (
            f.select_one("input[name=fallback]")["value"],
            f.select_one("input[name=recall]")["value"],
        )
        for f in controls.select("form")
        if f.select_one("input[name=kind]")["value"] == "consensus"
    }
    assert offered == {"Call for consensus again": ("", "yes"), "Fallback vote": ("yes", "yes")}
    assert "9/10 of agree and block" in controls.get_text()
    recalled = console.post(
        f"proposals/{evening['pid']}/rounds", kind="consensus", fallback="yes", recall="yes"
    )
    assert recalled.status_code == 200
    page = console.page()
    assert page.select_one("#mc-proposal")["data-stage"] == "consensus_call"
    assert page.select_one("#mc-round .round-title").get_text() == "Fallback vote"
