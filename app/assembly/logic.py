"""Pure rules about assemblies, people, roles and the agenda (no database, no clock, no I/O)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import Conflict, Invalid
from app.i18n import N_

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
ROLES = ("facilitator", "stack_keeper", "minute_taker", "greeter")
ROLE_WORDS = {
    "facilitator": N_("facilitator"),
    "stack_keeper": N_("stack keeper"),
    "minute_taker": N_("minute taker"),
    "greeter": N_("greeter"),
}
CONSOLE_ROLES = frozenset(ROLES)
AGENDA_KINDS = ("report", "proposal", "announcement", "discussion")
# What the item open before becomes when another is opened.
PREVIOUS_STATUSES = ("done", "pending")
ADMISSIONS = ("open", "checked_in")
VISIBILITIES = ("public", "private")
RULE_KINDS = ("consensus", "modified_consensus")
MAX_HEADCOUNT = 100_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: str, *, field: str, min_len: int = 1, max_len: int) -> str:
    """Trim and check a one-line text: a clear 422 for empty, too long or control characters."""
    text = " ".join(value.split())
    if len(text) < min_len:
        raise Invalid(f"The {field} cannot be empty.", code=f"{field}_required")
    if len(text) > max_len:
        raise Invalid(f"The {field} can be at most {max_len} characters.", code=f"{field}_too_long")
    if _CONTROL.search(text):
        raise Invalid(f"The {field} contains characters that cannot be shown.")
    return text


def clean_optional(value: str | None, *, field: str, max_len: int) -> str | None:
    """Like clean_text, but empty means absent."""
    if value is None or not value.strip():
        return None
    return clean_text(value, field=field, max_len=max_len)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    """Join codes are case-insensitive and people type spaces and dashes."""
    cleaned = re.sub(r"[\s-]", "", code).upper()
    if len(cleaned) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in cleaned):
        raise Invalid(
            "A join code is 6 letters and digits, like K7P2QX.", code="join_code_malformed"
        )
    return cleaned


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"Unknown time zone {name!r}; use an IANA name like Europe/London.") from exc
    return name


def check_choice(value: str, choices: Collection[str], *, field: str) -> str:
    if value not in choices:
        raise Invalid(f"The {field} must be one of: {', '.join(choices)}.", code=f"bad_{field}")
    return value


def parse_fraction(value: Any, *, field: str) -> Fraction:
    """A share written "9/10", "0.9" or 0.9 — read through its decimal text, so 0.9 is 9/10."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f'The {field} must be a fraction like "9/10".')
    try:
        result = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise Invalid(f'The {field} must be a fraction like "9/10".') from exc
    if not 0 <= result <= 1:
        raise Invalid(f"The {field} must be between 0 and 1.")
    return result


@dataclass(frozen=True)
class DecisionRule:
    """How an assembly decides (PROCESS.md "Outcome arithmetic")."""

    kind: str = "modified_consensus"
    threshold: Fraction = Fraction(9, 10)
    count_stand_asides: bool = False
    stand_aside_limit: Fraction | None = None
    quorum_count: int | None = None
    quorum_share: Fraction | None = None
    block_review_threshold: Fraction | None = None

    def as_json(self) -> dict[str, Any]:
        """The API form: fractions as strings like "9/10"."""
        quorum: int | str | None = self.quorum_count
        if self.quorum_share is not None:
            quorum = _fraction_text(self.quorum_share)
        return {
            "kind": self.kind,
            "threshold": _fraction_text(self.threshold),
            "count_stand_asides": self.count_stand_asides,
            "stand_aside_limit": _fraction_text(self.stand_aside_limit),
            "quorum": quorum,
            "block_review_threshold": _fraction_text(self.block_review_threshold),
        }

    def fallback_passes(self) -> str:
        """When a fallback vote passes, in the words phones and the console use:
        "agree reaches 9/10 of agree and block together"."""
        of = "agree, stand-asides and blocks" if self.count_stand_asides else "agree and block"
        return f"agree reaches {_fraction_text(self.threshold)} of {of} together"

    def describe(self) -> str:
        """One line for people: "modified consensus, 9/10 (90%) of agree + block"."""
        if self.kind == "consensus":
            text = "consensus (any block stands)"
        else:
            base = "agree + stand aside + block" if self.count_stand_asides else "agree + block"
            text = (
                f"modified consensus: a fallback vote needs {_fraction_text(self.threshold)} "
                f"({_percent(self.threshold)}) of {base}"
            )
        if self.stand_aside_limit is not None:
            text += f"; {_fraction_text(self.stand_aside_limit)} stand-asides stop it"
        if self.quorum_count is not None:
            text += f"; quorum {self.quorum_count}"
        if self.quorum_share is not None:
            text += f"; quorum {_fraction_text(self.quorum_share)} of headcount"
        return text


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _percent(value: Fraction) -> str:
    return f"{float(value * 100):.0f}%"


def parse_decision_rule(raw: dict[str, Any] | None) -> DecisionRule:
    """Validate a decision_rule object (API.md); unknown keys are refused."""
    raw = dict(raw or {})
    known = {
        "kind", "threshold", "count_stand_asides", "stand_aside_limit", "quorum",
        "block_review_threshold",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise Invalid(f"Unknown decision_rule field: {', '.join(unknown)}.")
    kind = check_choice(raw.get("kind", "modified_consensus"), RULE_KINDS, field="kind")
    count_stand_asides = raw.get("count_stand_asides", False)
    if not isinstance(count_stand_asides, bool):
        raise Invalid("count_stand_asides must be true or false.")
    quorum = raw.get("quorum")
    quorum_count: int | None = None
    quorum_share: Fraction | None = None
    if isinstance(quorum, int) and not isinstance(quorum, bool):
        if quorum < 1:
            raise Invalid("A quorum count must be at least 1.")
        quorum_count = quorum
    elif quorum is not None:
        quorum_share = parse_fraction(quorum, field="quorum")

    def optional(name: str) -> Fraction | None:
        value = raw.get(name)
        return None if value is None else parse_fraction(value, field=name)

    return DecisionRule(
        kind=kind,
        threshold=parse_fraction(raw.get("threshold", "9/10"), field="threshold"),
        count_stand_asides=count_stand_asides,
        stand_aside_limit=optional("stand_aside_limit"),
        quorum_count=quorum_count,
        quorum_share=quorum_share,
        block_review_threshold=optional("block_review_threshold"),
    )


def check_role_revocable(role: str, holders: Collection[int], participant_id: int) -> None:
    """The last facilitator cannot step back: someone must be able to run the room."""
    if participant_id not in holders:
        raise Conflict("That person does not hold this role.", code="role_not_held")
    if role == "facilitator" and len(holders) == 1:
        raise Conflict(
            "The last facilitator cannot be removed; hand the role to someone first.",
            code="last_facilitator",
        )


def parse_person_ref(text: str) -> tuple[str, int | None]:
    """Split a console reference: "Chen #12" gives ("Chen", 12), a bare "Chen" ("Chen", None)."""
    cleaned = " ".join(text.split())
    match = re.fullmatch(r"(.*?)\s*#(\d{1,12})", cleaned)
    if match:
        return match.group(1), int(match.group(2))
    if not cleaned:
        raise Invalid("Say who: pick a name from the list.", code="person_required")
    return cleaned, None


def check_headcount(count: int) -> int:
    if not 0 <= count <= MAX_HEADCOUNT:
        raise Invalid(f"The headcount must be between 0 and {MAX_HEADCOUNT:,}.")
    return count


def check_time_box(minutes: int) -> int:
    if not 1 <= minutes <= 600:
        raise Invalid("A time box is between 1 and 600 minutes.")
    return minutes
