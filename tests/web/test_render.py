"""Which regions a change re-renders, per view (app/web/render.py)."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web import render
from app.web.render import VIEW_REGIONS, Renderer
from tests.conftest import GA, ok


@pytest.mark.parametrize(
    ("view", "changed", "rendered"),
    [
        # An answer changes the open round's tally alone: nothing else is rendered or sent.
        ("phone", {"tally"}, ["tally"]),
        ("projector", {"tally"}, ["tally"]),
        ("console", {"tally"}, ["tally"]),
        # A join during a round: the people and the tally's "of N joined".
        ("phone", {"people", "tally"}, ["people", "tally"]),
        # When the whole round is rendered its tally is in it: never sent twice.
        ("phone", {"round", "tally"}, ["round"]),
        ("projector", {"proposal", "round", "tally"}, ["proposal", "round"]),
        # The console's agenda asks about the hands up, so a stack change reaches it there.
        ("console", {"stack"}, ["stack", "agenda"]),
        ("phone", {"stack"}, ["stack"]),
        # Views do not get regions they do not show.
        ("phone", {"notes"}, []),
    ],
)
def test_a_change_renders_only_the_regions_whose_data_changed(
    view: str, changed: set[str], rendered: list[str]
) -> None:
    assert Renderer.wanted(view, frozenset(changed)) == rendered


@pytest.mark.parametrize("view", sorted(VIEW_REGIONS))
def test_a_full_render_is_every_region_of_the_view_with_the_tally_inside_the_round(
    view: str,
) -> None:
    assert Renderer.wanted(view, None) == list(VIEW_REGIONS[view])
    assert "tally" not in VIEW_REGIONS[view]


def test_a_tally_change_with_no_round_open_renders_the_whole_round(
    client: TestClient, assembly: GA
) -> None:
    # A join announces the tally; with no round open on screen, the round as it is is sent.
    renderer = client.app.state.ctx.renderer
    rendered = renderer.render_sync(assembly.id, "phone", frozenset({"people", "tally"}))
    assert sorted(rendered.fragments) == ["mc-people", "mc-round"]


def test_the_log_corner_shows_the_hash_at_the_seq_its_regions_show_not_a_later_head(
    client: TestClient, assembly: GA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change can land between the snapshot's reads: the corner says the seq the push says."""
    renderer = client.app.state.ctx.renderer
    fac = assembly.facilitator.headers
    shown = ok(client.get(f"/api/assemblies/{assembly.id}", headers=fac))["seq"]
    real_load_mic = render.load_mic

    def a_hand_goes_up_meanwhile(**kwargs: Any) -> Any:
        raised = client.post(
            f"/api/assemblies/{assembly.id}/stack", json={"kind": "speak"}, headers=fac
        )
        assert raised.status_code in (200, 201), raised.text
        monkeypatch.setattr(render, "load_mic", real_load_mic)
        return real_load_mic(**kwargs)

    monkeypatch.setattr(render, "load_mic", a_hand_goes_up_meanwhile)
    rendered = renderer.render_sync(assembly.id, "phone", None)
    export = ok(client.get(f"/api/assemblies/{assembly.id}/events", headers=fac))
    assert export["head"]["seq"] == shown + 1  # the hand went up, after the stack was read
    assert rendered.seq == shown
    corner = BeautifulSoup(rendered.fragments["mc-log"], "html.parser").select_one("#mc-log")
    assert corner is not None and corner["data-seq"] == str(shown)
    at_shown = export["events"][shown - 1]["hash"]
    assert corner.select_one(".fingerprint").get_text() == f"{at_shown[:4]} {at_shown[4:8]}"
