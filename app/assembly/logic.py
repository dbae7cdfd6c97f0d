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
from app.i18n import LANGUAGES, N_, _, normal

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
        raise Invalid(
            _("The {field} cannot be empty.").format(field=field), code=f"{field}_required"
        )
    if len(text) > max_len:
        raise Invalid(
            _("The {field} can be at most {max_len} characters.").format(
                field=field, max_len=max_len
            ),
            code=f"{field}_too_long",
        )
    if _CONTROL.search(text):
        raise Invalid(
            _("The {field} contains characters that cannot be shown.").format(field=field)
        )
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
            _("A join code is 6 letters and digits, like K7P2QX."), code="join_code_malformed"
        )
    return cleaned


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(
            _("Unknown time zone {name!r}; use an IANA name like Europe/London.").format(name=name)
        ) from exc
    return name


def check_choice(value: str, choices: Collection[str], *, field: str) -> str:
    if value not in choices:
        raise Invalid(
            _("The {field} must be one of: {choices}.").format(
                field=field, choices=", ".join(choices)
            ),
            code=f"bad_{field}",
        )
    return value


def parse_fraction(value: Any, *, field: str) -> Fraction:
    """A share written "9/10", "0.9" or 0.9 — read through its decimal text, so 0.9 is 9/10."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(_('The {field} must be a fraction like "9/10".').format(field=field))
    try:
        result = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise Invalid(_('The {field} must be a fraction like "9/10".').format(field=field)) from exc
    if not 0 <= result <= 1:
        raise Invalid(_("The {field} must be between 0 and 1.").format(field=field))
    return result


@dataclass(frozen=True)
class DecisionRule:
    """How an assembly decides (docs/process.md "How a call is decided")."""

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
        passes = (
            _("agree reaches {share} of agree, stand-asides and blocks together")
            if self.count_stand_asides
            else _("agree reaches {share} of agree and block together")
        )
        return passes.format(share=_fraction_text(self.threshold))

    def describe(self) -> str:
        """One line for people: "modified consensus, 9/10 (90%) of agree + block"."""
        if self.kind == "consensus":
            text = _("consensus (any block stands)")
        else:
            needs = (
                _(
                    "modified consensus: a fallback vote needs {share} ({percent}) "
                    "of agree + stand aside + block"
                )
                if self.count_stand_asides
                else _(
                    "modified consensus: a fallback vote needs {share} ({percent}) of agree + block"
                )
            )
            text = needs.format(
                share=_fraction_text(self.threshold), percent=_percent(self.threshold)
            )
        # Each clause is a message of its own, joined by "; " as a list is.
        if self.stand_aside_limit is not None:
            text += "; " + _("{share} stand-asides stop it").format(
                share=_fraction_text(self.stand_aside_limit)
            )
        if self.quorum_count is not None:
            text += "; " + _("quorum {count}").format(count=self.quorum_count)
        if self.quorum_share is not None:
            text += "; " + _("quorum {share} of headcount").format(
                share=_fraction_text(self.quorum_share)
            )
        return text


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _percent(value: Fraction) -> str:
    return f"{float(value * 100):.0f}%"


def parse_decision_rule(raw: dict[str, Any] | None) -> DecisionRule:
    """Validate a decision_rule object (docs/api.md); unknown keys are refused."""
    raw = dict(raw or {})
    known = {
        "kind", "threshold", "count_stand_asides", "stand_aside_limit", "quorum",
        "block_review_threshold",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise Invalid(
            _("Unknown decision_rule field: {choices}.").format(choices=", ".join(unknown))
        )
    kind = check_choice(raw.get("kind", "modified_consensus"), RULE_KINDS, field="kind")
    count_stand_asides = raw.get("count_stand_asides", False)
    if not isinstance(count_stand_asides, bool):
        raise Invalid(_("count_stand_asides must be true or false."))
    quorum = raw.get("quorum")
    quorum_count: int | None = None
    quorum_share: Fraction | None = None
    if isinstance(quorum, int) and not isinstance(quorum, bool):
        if quorum < 1:
            raise Invalid(_("A quorum count must be at least 1."))
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
        raise Conflict(_("That person does not hold this role."), code="role_not_held")
    if role == "facilitator" and len(holders) == 1:
        raise Conflict(
            _("The last facilitator cannot be removed; hand the role to someone first."),
            code="last_facilitator",
        )


def parse_person_ref(text: str) -> tuple[str, int | None]:
    """Split a console reference: "Chen #12" gives ("Chen", 12), a bare "Chen" ("Chen", None)."""
    cleaned = " ".join(text.split())
    match = re.fullmatch(r"(.*?)\s*#(\d{1,12})", cleaned)
    if match:
        return match.group(1), int(match.group(2))
    if not cleaned:
        raise Invalid(_("Say who: pick a name from the list."), code="person_required")
    return cleaned, None


def check_headcount(count: int) -> int:
    if not 0 <= count <= MAX_HEADCOUNT:
        raise Invalid(
            _("The headcount must be between 0 and {max_headcount:,}.").format(
                max_headcount=MAX_HEADCOUNT
            )
        )
    return count


def check_time_box(minutes: int) -> int:
    if not 1 <= minutes <= 600:
        raise Invalid(_("A time box is between 1 and 600 minutes."))
    return minutes


# Words an assembly may call by its own name, per language (they mirror app.stack.logic.KINDS
# and the answers of app.blocks' rounds; tests/assembly/test_languages.py keeps them equal).
WORD_KEYS = (
    "hand:point_of_process",
    "hand:direct_response",
    "hand:clarifying_question",
    "hand:point_of_information",
    "hand:speak",
    "answer:up",
    "answer:sideways",
    "answer:down",
    "answer:agree",
    "answer:stand_aside",
    "answer:block",
    "answer:yes",
    "answer:no",
)
MAX_WORD = 60


def check_language(code: str, *, field: str = "language") -> str:
    """A supported language code ("es-MX" is "es"); 422 naming the choices otherwise."""
    chosen = normal(code)
    if chosen is None:
        raise Invalid(
            _("The {field} must be one of: {choices}.").format(
                field=field, choices=", ".join(LANGUAGES)
            ),
            code="bad_language",
        )
    return chosen


def check_languages(language: str, second: str | None) -> tuple[str, str | None]:
    """An assembly's language and optional second one (the same twice is one language)."""
    first = check_language(language)
    other = check_language(second, field="second language") if second else None
    return first, (None if other == first else other)


def check_word(key: str, word: str | None) -> str | None:
    """An assembly's own word for `key` (None or blank: back to the usual word)."""
    if key not in WORD_KEYS:
        raise Invalid(
            _("There is no word called {key} to rename.").format(key=key), code="bad_word_key"
        )
    cleaned = " ".join((word or "").split())
    if len(cleaned) > MAX_WORD:
        raise Invalid(
            _("A word is at most {n} characters.").format(n=MAX_WORD), code="word_too_long"
        )
    return cleaned or None
