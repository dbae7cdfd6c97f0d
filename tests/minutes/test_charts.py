"""SVG charts of rounds (app/minutes/charts.py): numbers and words on the bars, not colour."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.minutes.charts import round_chart
from app.minutes.record import Count, Moment, Round

AT = Moment("2026-03-14T23:00:00.000000Z", "2026-03-14", "19:00")


def closed_round(**more: object) -> Round:
    row = Round(
        round_id=7, number=2, kind="consensus", kind_words="call for consensus", fallback=False,
        anonymous=False, version=1, opened=AT, closed=AT,
        counts=[Count("agree", "agree", 18, 6, 24), Count("stand_aside", "stand aside", 2, 2, 4),
                Count("block", "block", 0, 0, 0)],
    )  # fmt: skip
    for key, value in more.items():
        setattr(row, key, value)
    return row


def test_every_answer_has_its_word_and_number_written_on_the_chart() -> None:
    svg = BeautifulSoup(round_chart(closed_round()), "html.parser").find("svg")
    assert svg is not None
    texts = [t.get_text() for t in svg.find_all("text")]
    for expected in ("agree", "stand aside", "block", "24 = 18 phones + 6 counted", "0"):
        assert expected in texts
    assert "counted in the room" in texts  # the legend of the hatched part


def test_hands_counted_in_the_room_are_hatched_not_just_coloured() -> None:
    svg = BeautifulSoup(round_chart(closed_round()), "html.parser")
    hatched = [r for r in svg.find_all("rect") if "hatch" in str(r.get("fill"))]
    assert hatched and svg.find("pattern", id="r7-hatch") is not None


def test_an_open_round_has_no_chart() -> None:
    assert round_chart(closed_round(closed=None)) == ""


def test_words_on_the_chart_are_escaped() -> None:
    row = closed_round(counts=[Count("agree", "<agree>", 1, 0, 1)])
    assert "<agree>" not in round_chart(row) and "&lt;agree&gt;" in round_chart(row)
