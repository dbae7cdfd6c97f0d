"""The one map from the facts services announce to the screen regions that show them
(app/web/facts.py): services never name regions; the web layer knows which to render again."""

from __future__ import annotations

import ast
from pathlib import Path

from app.events import facts
from app.web.facts import REGIONS_OF, regions_of
from app.web.render import ALSO_SHOWN_IN, PART_OF, VIEW_REGIONS

APP = Path(__file__).resolve().parents[2] / "app"
SHOWN = {r for regions in VIEW_REGIONS.values() for r in regions} | set(PART_OF)


def test_every_fact_maps_to_regions_some_view_shows() -> None:
    assert set(REGIONS_OF) == facts.ALL
    for fact, regions in REGIONS_OF.items():
        assert regions and regions <= SHOWN, fact


def test_every_region_a_view_shows_is_reached_by_some_fact() -> None:
    reached = set().union(*REGIONS_OF.values())
    followers = {
        r for by_view in ALSO_SHOWN_IN.values() for shown in by_view.values() for r in shown
    }
    assert SHOWN - reached - followers == set()


def test_markers_that_are_not_facts_pass_through() -> None:
    assert regions_of({facts.HANDS, "seat:12", "signal:4:agree"}) == {
        "stack",
        "log",
        "seat:12",
        "signal:4:agree",
    }


def test_every_fact_moves_the_log_corner_and_a_marker_alone_does_not() -> None:
    """Every fact is an event, so the head's fingerprint on the wall and phones changes."""
    assert all("log" in regions for regions in REGIONS_OF.values())
    assert "log" not in regions_of({"seat:12", "signal:4:agree"})


def test_no_domain_package_names_a_screen_region() -> None:
    """Services announce facts: a region name as a string constant outside app/web would be a
    screen leaking into the domain."""
    regions = SHOWN
    offenders = []
    for path in APP.rglob("*.py"):
        if path.parts[len(APP.parts)] in ("web", "live"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "announce":
                for arg in ast.walk(node):
                    if isinstance(arg, ast.Constant) and arg.value in regions - facts.ALL:
                        offenders.append(f"{path.relative_to(APP)}:{node.lineno}")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if node.value.value in regions - facts.ALL and any(n.isupper() for n in names):
                    offenders.append(f"{path.relative_to(APP)}:{node.lineno} {names}")
    assert offenders == []
