"""Pure rules of the archive: what a search asks, what a decision's document holds, and how
a match is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.archive import logic
from app.errors import Invalid


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("tarpaulins", ["tarpaulins"]),
        ("  Fire   LANE ", ["fire", "lane"]),
        ('tents" OR (drums* NEAR', ["tents", "drums", "near"]),
        ("the tents and the drums", ["tents", "drums"]),
        ("tents tents Tents", ["tents"]),
        ("-- ; DROP TABLE", ["drop", "table"]),
        ("to be or not to be", []),
        ("", []),
        (None, []),
        ("Кухня café", ["кухня", "café"]),
    ],
)
def test_a_search_is_its_words_never_query_syntax(q: str | None, words: list[str]) -> None:
    assert logic.query_words(q) == words


def test_a_search_over_two_hundred_characters_is_refused() -> None:
    with pytest.raises(Invalid):
        logic.query_words("a" * 201)


def test_fts5_gets_every_word_quoted() -> None:
    assert logic.fts5_match(["fire", "lane"]) == '"fire" "lane"'


@pytest.mark.parametrize(
    ("outcome", "matches"),
    [
        (None, None),
        ("", None),
        ("adopted", ("passed", "passed_with_stand_asides", "passed_by_supermajority")),
        ("tabled", ("tabled",)),
        ("undecided", ("undecided",)),
    ],
)
def test_outcome_filters(outcome: str | None, matches: tuple[str, ...] | None) -> None:
    assert logic.outcomes_for(outcome) == matches


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(Invalid):
        logic.outcomes_for("approved")


@pytest.mark.parametrize(
    ("raw", "field"), [({"date_from": "28/11/2026"}, "from"), ({"date_to": "2026-13-01"}, "to")]
)
def test_a_date_not_written_yyyy_mm_dd_is_refused(raw: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        logic.parse_query(**raw)
    assert refused.value.code == f"bad_{field}"


def test_dates_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(Invalid):
        logic.parse_query(date_from="2026-12-01", date_to="2026-11-01")


@pytest.mark.parametrize("page", ["0", "-1", "two", "10001"])
def test_a_page_is_a_whole_number_from_one(page: str) -> None:
    with pytest.raises(Invalid):
        logic.parse_query(page=page)


def test_empty_form_fields_mean_any() -> None:
    query = logic.parse_query(
        q="", group="", working_group="", outcome="", date_from="", date_to="", code="", page=""
    )
    assert query == logic.ArchiveQuery()
    assert query.params() == {}


def test_a_query_keeps_what_was_asked_for_the_next_page() -> None:
    query = logic.parse_query(
        q="fire lane", group="Riverside", working_group="Comfort WG", date_from="2026-11-01",
        code="k7p2qx", page="2",
    )  # fmt: skip
    assert query.words == ("fire", "lane") and query.working_group == "comfort"
    assert query.params(page=3) == {
        "q": "fire lane", "group": "riverside", "working_group": "comfort",
        "from": "2026-11-01", "code": "K7P2QX", "page": "3",
    }  # fmt: skip
    assert query.date_from == date(2026, 11, 1)


def test_the_day_of_a_decision_is_the_day_where_the_assembly_met() -> None:
    late_evening = datetime(2026, 11, 29, 3, 30, tzinfo=UTC)  # 22:30 in New York
    assert logic.local_day(late_evening, "America/New_York") == "2026-11-28"
    assert logic.local_day(late_evening, "Europe/Berlin") == "2026-11-29"


def test_the_document_holds_every_version_every_amendment_notes_and_names_once() -> None:
    body = logic.compose_document(
        title="Winter tents",
        texts=["Buy tents.", "Buy tents away from the fire lane."],
        amendments=[("Buy tents away from the fire lane.", "Keep the lane clear."),
                    ("Buy heaters too.", None)],
        notes=["CQ: how many people sleep outside?"],
        names=["Comfort", None, "Marisol"],
    )  # fmt: skip
    assert body.split("\n\n") == [
        "Winter tents", "Buy tents.", "Buy tents away from the fire lane.",
        "Keep the lane clear.", "Buy heaters too.", "CQ: how many people sleep outside?",
        "Comfort", "Marisol",
    ]  # fmt: skip


def test_an_excerpt_shows_the_word_found_in_its_own_paragraph() -> None:
    body = "Drumming hours\n\nDrums stop at 10 pm.\n\nDrums stop at 10 pm; the drummers move " + (
        "under the tarpaulins by the east wall after 8 pm."
    )
    found = logic.excerpt(body, ["tarpaulin"])
    assert found.match == "tarpaulins"
    assert found.before.endswith("under the ") and found.after == " by the east wall after 8 pm."


def test_an_excerpt_is_cut_on_whole_words() -> None:
    body = (
        " ".join(f"word{i}" for i in range(200))
        + " tarpaulins "
        + " ".join(f"more{i}" for i in range(200))
    )
    found = logic.excerpt(body, ["tarpaulins"], width=80)
    assert found.before.startswith("…word") and found.after.endswith("…")
    assert found.before[1:].split(" ")[0] in body.split(" ")
    assert found.after[:-1].split(" ")[-1] in body.split(" ")


def test_without_a_match_the_excerpt_is_the_start() -> None:
    found = logic.excerpt("Buy six tents. " * 40, [], width=50)
    assert found.match == "" and found.text.startswith("Buy six tents.") and found.text[-1] == "…"


def test_every_outcome_has_a_mark_and_words() -> None:
    for outcome in logic.OUTCOME_FILTERS:
        assert logic.outcome_word(outcome)
    for outcome in logic.OUTCOMES:
        assert logic.outcome_mark(outcome) != "•"


def test_a_day_reads_with_its_weekday() -> None:
    assert logic.human_day("2026-11-28") == "Saturday 28 November 2026"
