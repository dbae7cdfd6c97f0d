"""axe-core in a Playwright page: inject the vendored engine, run it, say what it found.

The engine is vendored for the browser tests only (tests/e2e/vendor/, with its licences);
the app never serves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parent / "vendor" / f"axe-core-{AXE_VERSION}.min.js"
SERIOUS = ("serious", "critical")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """The page's violations of every impact, as axe reports them (id, impact, help, nodes)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the debugging protocol: the pages' Content-Security-Policy allows
        # no inline script, which is what a script tag with the engine's text would be.
        page.evaluate(AXE_JS.read_text())
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return violations


def refused(violations: list[dict[str, Any]], *, also: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The serious and critical violations, and those of the rules in `also` at any impact."""
    rules = set(also)
    return [v for v in violations if v.get("impact") in SERIOUS or v["id"] in rules]


def describe(violations: list[dict[str, Any]], *, targets: int = 3) -> str:
    """One line per rule (id, impact, what it asks, how many nodes), then its first nodes'
    selectors with axe's summary of what to fix."""
    lines = []
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} — {len(nodes)} node(s)")
        for node in nodes[:targets]:
            # A target is a list of selectors: more than one only into iframes or shadow roots.
            where = " >> ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {where}: {summary[:200]}")
        if len(nodes) > targets:
            lines.append(f"    … and {len(nodes) - targets} more")
    return "\n".join(lines)
