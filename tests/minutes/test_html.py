"""The printable minutes (app/web/minutes_html.py, templates/minutes.html), checked by parsing:
items, a chart per round whose text holds the numbers, named blocks except where anonymous,
the head hash, and print CSS."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Tag

from app.minutes.state import load_minutes
from app.web.minutes_html import css_string, render_minutes_html
from app.web.render import make_environment
from tests.minutes.evening import ANONYMOUS_ANSWERERS, Evening
from tests.minutes.log import Log


@pytest.fixture
def page(evening: Evening) -> BeautifulSoup:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    return BeautifulSoup(
        render_minutes_html(make_environment(), read.minutes, seq=read.seq), "html.parser"
    )


def sections(page: BeautifulSoup) -> dict[str, Tag]:
    return {s.h2.get_text(strip=True): s for s in page.select("section.item") if s.h2}


def test_every_agenda_item_is_a_numbered_section_with_its_time(page: BeautifulSoup) -> None:
    titles = list(sections(page))
    assert titles == [
        "1. Welcome, process and hand signals", "2. Kitchen report-back", "3. Legal report-back",
        "4. Winter tents", "5. Drumming hours", "6. Announcements",
    ]  # fmt: skip
    kitchen = sections(page)["2. Kitchen report-back"]
    meta = kitchen.select_one("p.meta")
    assert meta is not None
    assert (
        meta.get_text()
        == "Report · Kitchen working group · time box 5 min · used 3 min 45 s · 19:05–19:08"
    )
    assert [li.get_text(strip=True) for li in kitchen.select("ol.speakers li")] == [
        "19:05 Farah — speak, 1 min 35 s", "19:06 Gus — clarifying question, 20 s",
        "19:07 Big Mike — speak, 40 s",
    ]  # fmt: skip


def test_every_round_has_a_chart_whose_text_holds_its_numbers(page: BeautifulSoup) -> None:
    rounds = page.select("figure.round")
    assert len(rounds) == 5  # four on proposals, and the approval of the minutes
    for figure in rounds:
        svgs = figure.find_all("svg")
        assert len(svgs) == 1
        texts = " | ".join(t.get_text() for t in svgs[0].find_all("text"))
        result = figure.select_one("p.result")
        assert result is not None
        for number in re.findall(
            r"(\d+) (?:up|sideways|down|agree|stand aside|block)\b", result.get_text()
        ):
            assert re.search(rf"(^| ){number}( |$)", texts), (number, texts)
    tents_call = sections(page)["4. Winter tents"].select("figure.round")[1]
    texts = [t.get_text() for t in tents_call.find_all("text")]
    assert "24 = 18 phones + 6 counted" in texts and "stand aside" in texts


def test_blocks_carry_names_except_in_the_anonymous_round(page: BeautifulSoup) -> None:
    named, anonymous = sections(page)["5. Drumming hours"].select("figure.round")
    assert "anonymous" not in named["class"] and "anonymous" in anonymous["class"]
    assert [li.get_text() for li in named.select("ul.blocks li")] == [
        "Sipho: “Drums until 10 pm beside the medic tent keep the sick from sleep.”"
    ]
    blocks = [li.get_text() for li in anonymous.select("ul.blocks li")]
    assert len(blocks) == 2 and all(b.startswith("name not recorded") for b in blocks)
    text = page.get_text()
    for name in ANONYMOUS_ANSWERERS:
        assert name not in text


def test_the_outcome_and_the_text_as_decided_lead_each_proposal(page: BeautifulSoup) -> None:
    tents = sections(page)["4. Winter tents"].select_one("article.proposal")
    assert tents is not None
    outcome = tents.select_one(".outcome")
    assert outcome is not None and outcome.strong is not None
    assert outcome.strong.get_text() == "Outcome: Passed with stand-asides (version 2, at 19:19)"
    assert "stand-asides 4/28 = 14% < 33%" in outcome.get_text()
    headings = [h.get_text() for h in tents.find_all("h4")]
    assert headings[:3] == [
        "Text as decided (version 2)", "Text as presented (version 1)", "Friendly amendments"
    ]  # fmt: skip
    accepted = tents.select_one("li.amendment.accepted .diff ins")
    assert accepted is not None and accepted.get_text().startswith("at least three metres")
    drums = sections(page)["5. Drumming hours"].select_one(".outcome")
    assert drums is not None and "Tabled to Drummers Circle" in drums.get_text()
    assert "Drummers Circle: take up “Drumming hours”" in drums.get_text()


def test_a_correction_is_printed_with_the_note_it_corrects(
    page: BeautifulSoup, evening: Evening
) -> None:
    note = page.find(id=f"note-{evening.notes['legal']}")
    assert note is not None and "(corrected below)" in note.get_text()
    correction = note.select_one(".correction")
    assert (
        correction is not None
        and correction.get("id") == f"note-{evening.notes['legal corrected']}"
    )
    assert correction.get_text().startswith("Correction of 2026-03-14 19:28 by Ruth")
    gap = page.find(id=f"note-{evening.notes['gap']}")
    assert gap is not None and "gap" in gap["class"]


def test_the_head_hash_is_printed_to_check_against_the_export(
    page: BeautifulSoup, evening: Evening
) -> None:
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    printed = page.find(id="head-hash")
    assert printed is not None
    assert printed.get_text().replace(" ", "") == printed["data-hash"] == read.minutes.head.hash
    seq = page.find(id="head-seq")
    assert seq is not None and seq.get_text() == str(read.seq)
    assert page.find(id="mc-seq")["data-seq"] == str(read.seq)  # type: ignore[index]


def test_the_heads_fingerprint_is_printed_beside_its_hash(
    page: BeautifulSoup, evening: Evening
) -> None:
    digest = load_minutes(db=evening.db, assembly_id=evening.assembly_id).minutes.head.hash
    printed = page.find(id="head-fingerprint")
    assert printed is not None and printed.get_text() == f"{digest[:4]} {digest[4:8]}"
    assert printed.parent is not None and printed.parent.get_text().startswith("Fingerprint: ")


def test_the_page_prints_on_a4_or_letter_in_black_and_white(page: BeautifulSoup) -> None:
    style = page.style.get_text() if page.style else ""
    assert "@page" in style and "counter(pages)" in style
    printed = style.split("@media print", 1)[1]
    assert re.search(r"section\.item\s*{[^}]*break-before:\s*page", printed)  # an item a page
    assert "break-inside: avoid" in style
    # No colours but greys: the charts and the page read the same printed in black and white.
    colours = set(re.findall(r"#[0-9a-fA-F]{3,6}\b", style + str(page.select("svg"))))
    assert all(len(set(c[1:].lower())) == 1 for c in colours), colours


def test_a_title_cannot_break_out_of_the_css_string() -> None:
    escaped = css_string('GA "</style><script>x</script>')
    assert '"' not in escaped and "<" not in escaped and escaped.startswith("GA ")


def test_the_approval_of_the_minutes_closes_the_minutes_with_its_chart(
    page: BeautifulSoup,
) -> None:
    section = page.select_one("footer section#approvals")
    assert section is not None and section.h2 is not None
    assert section.h2.get_text() == "Approval of the minutes"
    (figure,) = section.select("figure.round.minutes")
    caption = figure.figcaption.get_text() if figure.figcaption else ""
    assert caption == "Round 1 · approval of the minutes · 19:29–19:30"
    texts = [t.get_text() for t in figure.find_all("text")]
    assert "17 = 12 phones + 5 counted" in texts and "1" in texts
    result = figure.select_one("p.result")
    assert result is not None and result.get_text() == (
        "Outcome: 17 up, 3 sideways, 1 down: 17 up > 1 down → minutes approved"
    )


def test_action_items_print_with_who_by_when_and_who_recorded_them(
    page: BeautifulSoup, evening: Evening
) -> None:
    def line(li: Tag) -> str:
        return " ".join(li.get_text().split())

    tents = sections(page)["4. Winter tents"].select_one(".outcome")
    assert tents is not None
    recorded = tents.select_one(f"li#action-{evening.actions['tents']}")
    assert recorded is not None and recorded.strong is not None
    assert recorded.strong.get_text() == "Comfort working group"
    assert line(recorded) == (
        "Comfort working group: Buy the six tents and set them up in two rows of three, clear of "
        "the fire lane (by Friday 20 March) — recorded 19:19 by Ruth"
    )
    kitchen = sections(page)["2. Kitchen report-back"]
    assert [h.get_text() for h in kitchen.find_all("h3")] == ["Action items", "Speakers", "Notes"]
    (breakfast,) = kitchen.select("ul.actions li")
    assert breakfast["id"] == f"action-{evening.actions['breakfast']}"
    assert line(breakfast) == (
        "Farah: Put up the sign-up sheet for the 6 am breakfast shift — recorded 19:07 by Ruth"
    )
    # The action a tabled proposal implies was recorded by nobody: it says no more.
    (derived,) = sections(page)["5. Drumming hours"].select("ul.actions li.derived")
    assert line(derived) == "Drummers Circle: take up “Drumming hours” (tabled to them)"
    assert len(page.select("ul.actions li")) == 3
    assert page.select_one("section#actions") is None  # none for the assembly as a whole


def test_action_items_for_the_assembly_as_a_whole_get_their_own_section() -> None:
    log = Log()
    log.action("Book the square for next week", who="Dev", due="Wednesday")
    page = BeautifulSoup(render_minutes_html(make_environment(), log.fold(), seq=2), "html.parser")
    section = page.select_one("section#actions")
    assert section is not None and section.h2 is not None
    assert section.h2.get_text() == "Action items for the assembly as a whole"
    assert [" ".join(li.get_text().split()) for li in section.select("li")] == [
        "Dev: Book the square for next week (by Wednesday) — recorded 19:00 by Ruth"
    ]
