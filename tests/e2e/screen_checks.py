"""What a room can read: layout checks for the wall and the phones, measured in the browser.

The wall cannot scroll and is read from 20 m, so at every moment of an evening each region of
its layout must fit its box (nothing clipped, nothing overflowing, no two regions overlapping)
and the type must meet the issue's minimums at 1920x1080: what people must read from the back
at least 40 px, secondary lines at least 28 px, the QR code at least 240 px while joining is
open. Phones must never scroll sideways, and an open round's answer buttons must be on screen.
Each check returns a list of problems (empty when all is well), so a walk-through can collect
them and still finish its story.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

# At 1920x1080 (scaled with the width for other sizes).
BACK_OF_ROOM_PX = 40
SECONDARY_PX = 28
QR_PX = 240

# What must be read from the back of the room, and the secondary lines beside it.
BACK_OF_ROOM = (
    ".speaker-name",
    ".countdown",
    ".speaker-none",
    ".proposal-title",
    ".proposal-text",
    ".queue .name",
    ".meter-label",
    ".meter-n",
    ".round-count strong",
    ".outcome-line",
    ".join-code",
    ".open-title",
    ".decision-title",
    ".decision-outcome",
)
SECONDARY = (
    ".speaker-kind",
    ".stage-banner",
    ".queue .why",
    ".block-list li",
    ".proposal-meta",
    ".amended-note",
    ".round-count",
    ".round-about",
    ".review-about",
    ".agenda-list .ai-title",
    ".time-box",
    ".join-url",
    ".join-h",
    ".counts",
    ".more",
)

# The wall check runs in the page (wall_checks.js: one arrow function taking the limits).
_WALL_JS = Path(__file__).with_name("wall_checks.js").read_text()


_ANSWERS_JS = """() => {
  const buttons = [...document.querySelectorAll('#mc-answers .btn-answer')]
    .filter((b) => b.getClientRects().length && getComputedStyle(b).visibility !== 'hidden');
  if (!buttons.length) return 'no answer buttons are shown';
  const r = buttons[0].getBoundingClientRect();
  const at = `${Math.round(r.top)}px on a ${window.innerHeight}px screen`;
  return r.top >= 0 && r.bottom <= window.innerHeight ? '' : `the first answer button is at ${at}`;
}"""


def wall_problems(page: Any, moment: str) -> list[str]:
    """Everything on the wall that a room could not read at this moment."""
    found: list[str] = page.evaluate(
        _WALL_JS,
        {
            "back": list(BACK_OF_ROOM),
            "second": list(SECONDARY),
            "backPx": BACK_OF_ROOM_PX,
            "secondPx": SECONDARY_PX,
            "qrPx": QR_PX,
        },
    )
    return [f"{moment} (wall {page.viewport_size['width']}px): {p}" for p in found]


def phone_problems(page: Any, moment: str, *, answering: bool = False) -> list[str]:
    """A phone never scrolls sideways; with a round open its answer buttons are on screen."""
    problems = []
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 1:
        problems.append(f"{moment}: the phone scrolls sideways by {wide}px")
    if answering:
        # The phone brings the round into view as soon as the push has settled: give it the
        # moment a person takes to look down at it.
        with contextlib.suppress(Exception):  # the check below says what is wrong
            page.wait_for_function(f"!({_ANSWERS_JS})()", timeout=3_000)
        shown = page.evaluate(_ANSWERS_JS)
        if shown:
            problems.append(f"{moment}: {shown}")
    return problems
