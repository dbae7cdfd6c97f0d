"""A logged outcome's arithmetic, said in a screen's language.

The event log keeps each round's explanation as it was made, in English ("22 agree, 1 stand
aside → passed with stand-asides"): the log is the record and does not depend on who closed
the round in which language. Screens and minutes say it in their language by swapping the
explanation's fixed words for their translations; its numbers and signs need none.
"""

from __future__ import annotations

import re
from functools import cache

from app.i18n import DEFAULT, N_, current, translations

# The fixed words of app.blocks.tally.decide / explain_block_review / Tally.describe,
# app.blocks.closing (a block review) and app.blocks.approval.judge, longest first when matched.
PHRASES = (
    N_("the call counted again"),
    N_("not accepted as principled"),
    N_("accepted as principled"),
    N_("passed with stand-asides"),
    N_("passed by supermajority"),
    N_("not enough support"),
    N_("minutes not approved"),
    N_("minutes approved"),
    N_("nobody answered"),
    N_("a block stands"),
    N_("blocks stand"),
    N_("no answers"),
    N_("stand-asides"),
    N_("stand aside"),
    N_("of headcount"),
    N_("no quorum"),
    N_("quorum"),
    N_("answers"),
    N_("answer"),
    N_("passed"),
    N_("blocked"),
    N_("agree"),
    N_("block"),
    N_("sideways"),
    N_("up"),
    N_("down"),
    N_("yes"),
    N_("no"),
)


@cache
def _pattern() -> re.Pattern[str]:
    ordered = sorted(PHRASES, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in ordered) + r")(?![\w-])")


def say_explanation(text: str | None, language: str | None = None) -> str:
    """A logged explanation in `language` (default: the current one); English as logged."""
    if not text:
        return ""
    language = language or current()
    if language == DEFAULT:
        return text
    words = translations(language)
    return _pattern().sub(lambda found: words.gettext(found.group(1)), text)
