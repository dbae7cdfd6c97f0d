"""Pure rules about groups: slugs, working-group names and the key that matches them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.assembly.logic import clean_text
from app.errors import Conflict, Invalid
from app.i18n import _

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60
# Words of /archive/… that a group slug would shadow.
RESERVED_SLUGS = frozenset({"decisions", "search", "feed", "api", "static", "new"})
MAX_WORKING_GROUPS = 100
_NON_WORD = re.compile(r"[\W_]+")
# "The Comfort working group", "Comfort WG" and "comfort" all name the same working group.
_PREFIXES = ("the-",)
_SUFFIXES = ("-working-group", "-workgroup", "-wg")


def check_slug(slug: str) -> str:
    """A group's address: lowercase letters, digits and single hyphens (422 otherwise)."""
    if not 1 <= len(slug) <= SLUG_MAX or not SLUG.fullmatch(slug):
        raise Invalid(
            _(
                "A slug is lowercase letters, digits and hyphens, like riverside-commons "
                "(at most {slug_max} characters)."
            ).format(slug_max=SLUG_MAX),
            code="bad_slug",
        )
    if slug in RESERVED_SLUGS:
        raise Conflict(
            _("The slug “{slug}” is reserved; pick another.").format(slug=slug), code="slug_taken"
        )
    return slug


def working_group_key(name: str) -> str:
    """How a working group is matched and addressed: "The Comfort Working Group" → "comfort".

    Letters of any script are kept (a working group may be named in any language).
    """
    key = _NON_WORD.sub("-", name.casefold()).strip("-")
    stripped = key
    for prefix in _PREFIXES:
        stripped = stripped.removeprefix(prefix)
    for suffix in _SUFFIXES:
        stripped = stripped.removesuffix(suffix)
    return stripped or key


def clean_working_groups(names: Sequence[str]) -> list[tuple[str, str]]:
    """The working groups as (name, key), in the order given; two names for one key are refused."""
    if len(names) > MAX_WORKING_GROUPS:
        raise Invalid(
            _("A group can list at most {max_working_groups} working groups.").format(
                max_working_groups=MAX_WORKING_GROUPS
            )
        )
    kept: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for raw in names:
        name = clean_text(raw, field="working_group", max_len=80)
        key = working_group_key(name)
        if not key:
            raise Invalid(
                _("“{name}” needs at least one letter or digit.").format(name=name),
                code="bad_working_group",
            )
        if key in seen:
            raise Invalid(
                _("“{name}” and “{seen}” name the same working group.").format(
                    name=name, seen=seen[key]
                ),
                code="duplicate_working_group",
            )
        seen[key] = name
        kept.append((name, key))
    return kept
