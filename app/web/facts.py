"""Which screen regions show each fact a service announces (app/events/facts.py).

One table, beside the view → regions table (app/web/render.py VIEW_REGIONS): a service says
what changed, this says which regions to render again. Markers that are not facts (`seat:…`,
`signal:…`) pass through for the hub. tests/web/test_facts.py checks that every fact maps to
regions some view has, and the replay test (tests/web/test_live.py) that the map misses none.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.events import facts

# Region names (templates/live/_<region>.html): the lists of every view are in render.py.
HEADER, AGENDA, PEOPLE, ADMISSIONS, ROLES = "header", "agenda", "people", "admissions", "roles"
STACK, SPEAKER, STATS = "stack", "speaker", "stats"
PROPOSAL, ROUND, TALLY = "proposal", "round", "tally"
NOTES, MIC = "notes", "mic"
LOG = "log"  # the log head's fingerprint: every fact is an event, so every fact moves it

EVERY_REGION = frozenset(
    {HEADER, AGENDA, PEOPLE, ADMISSIONS, ROLES, STACK, SPEAKER, STATS, PROPOSAL, ROUND, TALLY}
    | {NOTES, MIC}
)

_REGIONS_OF: dict[str, frozenset[str]] = {
    facts.AGENDA: frozenset({AGENDA}),
    # The header names the open item; the proposal and round regions show the open item's.
    facts.OPEN_ITEM: frozenset({AGENDA, HEADER, PROPOSAL, ROUND}),
    facts.PEOPLE: frozenset({PEOPLE}),
    facts.DOOR: frozenset({ADMISSIONS}),
    facts.ROLES: frozenset({ROLES, PEOPLE}),  # the people list shows each one's roles
    facts.ELIGIBLE: frozenset({TALLY}),  # "N of M have answered"
    facts.HANDS: frozenset({STACK}),
    facts.FLOOR: frozenset({SPEAKER}),
    facts.TURNS: frozenset({STATS}),
    facts.PROPOSAL: frozenset({PROPOSAL}),
    facts.ROUND: frozenset({ROUND}),
    facts.ANSWERS: frozenset({TALLY}),
    facts.MINUTES: frozenset({NOTES}),
    facts.MIC: frozenset({MIC}),
    facts.WORDS: EVERY_REGION - {MIC},  # the mic follows the header (render.ALSO_SHOWN_IN)
    # Closed: every screen says so; an answer can no longer come, nor the mic (it follows).
    facts.CLOSED: EVERY_REGION - {TALLY, MIC},
    facts.MIRRORS: frozenset({HEADER}),  # phones' header carries the mirrors' addresses
}
REGIONS_OF = {fact: regions | {LOG} for fact, regions in _REGIONS_OF.items()}


def regions_of(announced: Iterable[str]) -> frozenset[str]:
    """The regions to render again for announced facts; markers pass through unchanged."""
    regions: set[str] = set()
    for name in announced:
        regions |= REGIONS_OF.get(name, {name})
    return frozenset(regions)
