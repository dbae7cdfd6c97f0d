"""Pure rules of groups: slugs, working-group names and the key that matches them."""

from __future__ import annotations

import pytest

from app.errors import Conflict, Invalid
from app.groups.logic import check_slug, clean_working_groups, working_group_key


@pytest.mark.parametrize("slug", ["riverside-commons", "ows", "a1", "9th-street-ga", "x" * 60])
def test_a_slug_of_lowercase_letters_digits_and_hyphens_is_accepted(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    ["", "Riverside", "river side", "river_side", "-river", "river-", "river--side", "été",
     "x" * 61, "river.side", "river/side"],
)  # fmt: skip
def test_a_slug_with_anything_else_is_refused_with_422(slug: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_slug(slug)
    assert refused.value.code == "bad_slug"


@pytest.mark.parametrize("slug", ["decisions", "feed", "api"])
def test_a_slug_that_would_shadow_an_archive_address_is_taken(slug: str) -> None:
    with pytest.raises(Conflict):
        check_slug(slug)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Comfort", "comfort"),
        ("comfort", "comfort"),
        ("Comfort working group", "comfort"),
        ("The Comfort Working Group", "comfort"),
        ("Comfort WG", "comfort"),
        ("Drummers Circle", "drummers-circle"),
        ("Safer Spaces!", "safer-spaces"),
        ("Kitchen & Food", "kitchen-food"),
        ("Working Group", "working-group"),  # nothing left after the suffix: kept whole
        ("Кухня", "кухня"),  # any script
        ("Straße", "strasse"),
    ],
)
def test_a_working_group_is_matched_by_its_key_whatever_the_wording(name: str, key: str) -> None:
    assert working_group_key(name) == key


def test_working_groups_keep_their_order_and_names() -> None:
    assert clean_working_groups(["  Kitchen ", "Safer Spaces"]) == [
        ("Kitchen", "kitchen"),
        ("Safer Spaces", "safer-spaces"),
    ]


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["Comfort", "comfort working group"], "duplicate_working_group"),
        (["Kitchen", " "], "working_group_required"),
        (["!!!"], "bad_working_group"),
        (["x" * 81], "working_group_too_long"),
    ],
)
def test_working_group_lists_that_cannot_be_told_apart_are_refused(
    names: list[str], code: str
) -> None:
    with pytest.raises(Invalid) as refused:
        clean_working_groups(names)
    assert refused.value.code == code


def test_a_group_lists_at_most_a_hundred_working_groups() -> None:
    with pytest.raises(Invalid):
        clean_working_groups([f"Group {i}" for i in range(101)])
