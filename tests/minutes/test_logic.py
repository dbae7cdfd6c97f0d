"""Pure rules of the minutes: what a note may be, and the fold of events into minutes
(app/minutes/logic.py and decisions.py), on small hand-written logs."""

from __future__ import annotations

import pytest

from app.errors import Invalid
from app.minutes.actions import DUE_MAX, TEXT_MAX, WHO_MAX, ActionText, clean_action
from app.minutes.logic import GAP, NOTE_MAX, clean_note
from app.minutes.markdown import render_markdown
from tests.minutes.log import Log

# ---- notes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "kept"),
    [
        ("Kitchen needs two volunteers.", "R", ("Kitchen needs two volunteers.", "R")),
        ("  trimmed  ", None, ("trimmed", None)),
        ("…", None, (GAP, None)),
        ("...", "F", (GAP, "F")),
        ("two\nlines", "Crn", ("two\nlines", "Crn")),
        ("x" * NOTE_MAX, "PoI", ("x" * NOTE_MAX, "PoI")),
    ],
)
def test_a_note_keeps_its_text_and_label(
    text: str, label: str | None, kept: tuple[str, str | None]
) -> None:
    assert clean_note(text, label) == kept


@pytest.mark.parametrize(
    ("text", "label", "code"),
    [
        ("fine", "Q", "bad_label"),
        ("fine", "cq", "bad_label"),
        ("", None, "text_required"),
        (" \n\t ", None, "text_required"),
        ("x" * (NOTE_MAX + 1), None, "text_too_long"),
        ("bell\x07", None, "bad_text"),
    ],
)
def test_a_note_without_text_or_with_an_unknown_label_is_refused(
    text: str, label: str | None, code: str
) -> None:
    with pytest.raises(Invalid) as refused:
        clean_note(text, label)
    assert refused.value.code == code


# ---- action items ------------------------------------------------------------------------


LONGEST = ("x" * TEXT_MAX, "w" * WHO_MAX, "d" * DUE_MAX)


@pytest.mark.parametrize(
    ("text", "who", "due", "kept"),
    [
        ("Buy six tents.", None, None, ("Buy six tents.", None, None)),
        ("  Buy\n six   tents ", " Comfort ", " Friday ", ("Buy six tents", "Comfort", "Friday")),
        ("Buy six tents", "", "   ", ("Buy six tents", None, None)),
        (*LONGEST, LONGEST),
    ],
)  # fmt: skip
def test_an_action_item_is_one_trimmed_line_and_empty_who_or_due_is_none(
    text: str, who: str | None, due: str | None, kept: tuple[str, str | None, str | None]
) -> None:
    assert clean_action(text, who, due) == ActionText(*kept)


@pytest.mark.parametrize(
    ("text", "who", "due", "code"),
    [
        ("", None, None, "text_required"),
        (" \n\t ", "Comfort", None, "text_required"),
        ("x" * (TEXT_MAX + 1), None, None, "text_too_long"),
        ("Buy tents", "w" * (WHO_MAX + 1), None, "who_too_long"),
        ("Buy tents", None, "d" * (DUE_MAX + 1), "due_too_long"),
        ("bell\x07", None, None, "bad_text"),
        ("Buy tents", "Com\x00fort", None, "bad_text"),
    ],
)
def test_an_action_item_without_text_or_with_too_long_a_who_or_due_is_refused(
    text: str, who: str | None, due: str | None, code: str
) -> None:
    with pytest.raises(Invalid) as refused:
        clean_action(text, who, due)
    assert refused.value.code == code


def test_an_action_item_goes_with_its_proposal_else_its_item_else_the_assembly() -> None:
    log = Log()
    _proposal(log)  # item 1, Winter tents, with proposal 1
    log.item(2, "Kitchen report")
    on_proposal = log.action("Buy the tents.", proposal_id=1, agenda_item_id=1)
    on_item = log.action("Post the breakfast rota.", agenda_item_id=2)
    on_assembly = log.action("Book the square for next week.")
    minutes = log.fold()
    tents, kitchen = minutes.items
    assert [a.action_id for a in tents.proposals[0].actions] == [on_proposal]
    assert tents.actions == []
    assert [a.action_id for a in kitchen.actions] == [on_item]
    assert [a.action_id for a in minutes.actions] == [on_assembly]


def test_an_action_item_is_numbered_by_its_event_and_says_who_recorded_it_and_when() -> None:
    log = Log()
    log.item(1)
    seq = log.action(
        "Post the breakfast rota.", after=420, who="Farah", due="tomorrow", agenda_item_id=1
    )
    (action,) = log.fold().items[0].actions
    assert (action.action_id, action.at.time, action.text) == (
        seq,
        "19:07",
        "Post the breakfast rota.",
    )
    assert (action.who, action.due, action.by) == ("Farah", "tomorrow", "Ruth")


def test_recorded_and_derived_action_items_are_one_kind_in_the_order_of_the_log() -> None:
    log = Log()
    _proposal(log)
    recorded = log.action("Ask the hardware store about tarps.", proposal_id=1, who="Comfort")
    log.add(
        "proposal_decided",
        {"proposal_id": 1, "outcome": "tabled", "tabled_to": "Comfort", "version": 1},
    )
    later = log.action("Bring it back next week.", proposal_id=1, due="next GA")
    proposal = log.fold().items[0].proposals[0]
    assert [type(a).__name__ for a in proposal.actions] == ["ActionItem"] * 3
    assert [a.action_id for a in proposal.actions][::2] == [recorded, later]
    assert [a.by for a in proposal.actions] == ["Ruth", None, "Ruth"]


def test_markdown_lists_action_items_with_who_by_when_and_who_recorded_them() -> None:
    log = Log()
    _proposal(log)
    log.action("Buy the six tents", after=60, proposal_id=1, who="Comfort working group",
               due="Friday 20 March")  # fmt: skip
    log.action("Book the square for next week")
    text = render_markdown(log.fold())
    assert (
        "- Comfort working group: Buy the six tents (by Friday 20 March) — recorded 19:01 by Ruth"
        in text.splitlines()
    )
    section = text.split("## Action items for the assembly as a whole\n\n", 1)[1]
    assert section.startswith("- Book the square for next week — recorded 19:01 by Ruth\n")


# ---- the header --------------------------------------------------------------------------


def test_times_are_shown_in_the_assembly_time_zone() -> None:
    log = Log()
    minutes = log.fold()
    assert minutes.header.opened is not None
    assert (minutes.header.opened.date, minutes.header.opened.time) == ("2026-03-14", "19:00")
    assert minutes.header.date == "Saturday 14 March 2026"
    berlin = log.fold(time_zone="Europe/Berlin").header.opened
    assert berlin is not None and (berlin.date, berlin.time) == ("2026-03-15", "00:00")


def test_roles_follow_grants_and_revocations_with_their_times() -> None:
    log = Log()
    log.add("participant_joined", {"participant_id": 2, "name": "Ruth", "status": "admitted"})
    log.add("role_granted", {"participant_id": 2, "name": "Ruth", "role": "minute_taker"}, after=60)
    log.add("role_revoked", {"participant_id": 2, "name": "Ruth", "role": "minute_taker"}, after=60)
    holders = log.fold().header.roles
    assert [(h.role, h.name) for h in holders] == [
        ("facilitator", "Noor"),
        ("minute_taker", "Ruth"),
    ]
    ruth = holders[1]
    assert ruth.since is not None and ruth.since.time == "19:01"
    assert ruth.until is not None and ruth.until.time == "19:02"


def test_phones_joined_counts_the_people_let_in_and_the_last_headcount() -> None:
    log = Log()
    log.add("participant_joined", {"participant_id": 2, "name": "Abebe", "status": "admitted"})
    log.add("participant_joined", {"participant_id": 3, "name": "Bianca", "status": "pending"})
    log.add("participant_joined", {"participant_id": 4, "name": "Chen", "status": "pending"})
    log.add("participant_admitted", {"participant_id": 3, "name": "Bianca"})
    log.add("participant_rejected", {"participant_id": 4, "name": "Chen"})
    log.add("headcount_set", {"count": 40})
    log.add("headcount_set", {"count": 55})
    header = log.fold().header
    assert (header.phones_joined, header.headcount) == (3, 55)  # Noor, Abebe, Bianca


def test_minutes_of_an_open_assembly_are_a_draft() -> None:
    log = Log()
    assert log.fold().header.final is False
    log.add("assembly_closed", {"closed_item_id": None})
    assert log.fold().header.final is True


# ---- the agenda --------------------------------------------------------------------------


def test_items_of_a_group_assembly_are_numbered_assembly_dot_item() -> None:
    log = Log(group={"slug": "riverside", "name": "Riverside GA", "number": 12})
    log.item(1, "Welcome")
    log.item(2, "Kitchen report")
    minutes = log.fold()
    assert [i.number for i in minutes.items] == ["12.1", "12.2"]
    assert (minutes.header.number, minutes.header.group) == (12, "Riverside GA")


def test_time_used_is_the_service_count_for_a_closed_item_and_event_times_otherwise() -> None:
    log = Log()
    log.item(1, "Welcome")
    log.item(2, "Kitchen report")
    log.item(3, "Legal report")
    log.add("agenda_item_opened", {"item_id": 1, "title": "Welcome"})
    log.add("agenda_item_opened", {"item_id": 2, "previous_item_id": 1}, after=90)
    log.add("agenda_item_closed", {"item_id": 2, "used_seconds": 299}, after=300)
    log.add("agenda_item_opened", {"item_id": 3, "previous_item_id": None}, after=10)
    log.add("note_taken", {"text": "still going", "agenda_item_id": 3}, after=45)
    welcome, kitchen, legal = log.fold().items
    assert (welcome.status, welcome.used_seconds) == ("put back", 90)
    assert (kitchen.status, kitchen.used_seconds) == ("done", 299)  # the service measured it
    assert (legal.status, legal.used_seconds) == ("open", 45)  # up to the last event


def test_opening_the_next_item_makes_the_one_before_done_and_says_what_became_of_its_hands() -> (
    None
):
    log = Log()
    for item_id, title in ((1, "Welcome"), (2, "Kitchen report"), (3, "Legal report")):
        log.item(item_id, title)
    log.add("agenda_item_opened", {"item_id": 1, "previous_item_id": None})
    opened = {"previous_status": "done", "hands": "carry", "hand_count": 3}
    log.add(
        "agenda_item_opened",
        {"item_id": 2, "previous_item_id": 1, "previous_used_seconds": 88, **opened},
        after=90,
    )
    kept = {"previous_status": "pending", "hands": "clear", "hand_count": 1}
    log.add(
        "agenda_item_opened",
        {"item_id": 3, "previous_item_id": 2, "previous_used_seconds": 60, **kept},
        after=60,
    )
    welcome, kitchen, legal = log.fold().items
    assert (welcome.status, welcome.used_seconds, welcome.hands_carried) == ("done", 88, 3)
    assert welcome.closed is not None
    assert (kitchen.status, kitchen.used_seconds, kitchen.hands_cleared) == ("put back", 60, 1)
    assert legal.status == "open"
    markdown = render_markdown(log.fold())
    assert "3 hands still up carried over when the next item opened" in markdown
    assert "1 hand still up lowered when the next item opened" in markdown


def test_an_older_log_without_previous_status_puts_the_item_before_back() -> None:
    log = Log()
    log.item(1, "Welcome")
    log.item(2, "Kitchen report")
    log.add("agenda_item_opened", {"item_id": 1, "title": "Welcome", "previous_item_id": None})
    log.add("agenda_item_opened", {"item_id": 2, "previous_item_id": 1}, after=30)
    welcome, _kitchen = log.fold().items
    assert (welcome.status, welcome.used_seconds, welcome.hands_carried) == ("put back", 30, 0)


def test_an_item_the_assembly_closes_is_done_with_its_time() -> None:
    log = Log()
    log.item(1)
    log.add("agenda_item_opened", {"item_id": 1})
    log.add("assembly_closed", {"closed_item_id": 1}, after=125)
    (item,) = log.fold().items
    assert (item.status, item.used_seconds) == ("done", 125)
    assert item.closed is not None and item.closed.time == "19:02"


def test_an_item_made_with_its_proposal_says_its_time_box_is_not_on_record() -> None:
    log = Log()
    log.item(1, "Welcome")
    log.add(
        "proposal_submitted",
        {"proposal_id": 1, "agenda_item_id": 7, "title": "Winter tents", "text": "Buy tents.",
         "presenter_id": None, "presenter_name": "Marisol", "working_group": "Comfort"},
    )  # fmt: skip
    minutes = log.fold()
    tents = minutes.items[1]
    assert (tents.position, tents.kind, tents.time_box_minutes) == (2, "proposal", None)
    assert any("time box of item 2" in fact for fact in minutes.cannot_know)


def test_an_item_the_assembly_closes_takes_the_time_the_service_counted() -> None:
    log = Log()
    log.item(1)
    log.add("agenda_item_opened", {"item_id": 1})
    log.add("assembly_closed", {"closed_item_id": 1, "used_seconds": 124}, after=125)
    (item,) = log.fold().items
    assert (item.status, item.used_seconds) == ("done", 124)


def test_an_item_added_with_its_proposal_has_its_time_box_on_record() -> None:
    log = Log()
    log.item(1, "Welcome")
    log.item(7, "Winter tents", position=2, kind="proposal", time_box_minutes=15)
    log.add(
        "proposal_submitted",
        {"proposal_id": 1, "agenda_item_id": 7, "title": "Winter tents", "text": "Buy tents.",
         "presenter_id": None, "presenter_name": "Marisol", "working_group": "Comfort"},
    )  # fmt: skip
    minutes = log.fold()
    tents = minutes.items[1]
    assert (tents.position, tents.time_box_minutes, len(tents.proposals)) == (2, 15, 1)
    assert minutes.cannot_know == []


# ---- speakers ----------------------------------------------------------------------------


def _turns(log: Log) -> None:
    log.item(1)
    log.add("agenda_item_opened", {"item_id": 1})
    log.add(
        "speaker_called",
        {"turn_id": 1, "entry_id": 1, "name": "Farah", "kind": "speak", "agenda_item_id": 1},
    )
    log.add("turn_ended", {"turn_id": 1, "seconds": 95}, after=95)
    log.add(
        "speaker_called",
        {"turn_id": 2, "entry_id": 2, "name": "Gus", "kind": "clarifying_question",
         "agenda_item_id": 1},
    )  # fmt: skip


def test_speakers_are_listed_in_order_with_their_time() -> None:
    log = Log()
    _turns(log)
    minutes = log.fold()
    farah, gus = minutes.items[0].speakers
    assert (farah.order, farah.name, farah.seconds) == (1, "Farah", 95)
    assert (gus.order, gus.name, gus.kind_words, gus.seconds) == (
        2, "Gus", "clarifying question", None  # still speaking when the log ends
    )  # fmt: skip
    assert [(t.name, t.seconds) for t in minutes.speaking_time] == [("Farah", 95), ("Gus", 0)]


def test_an_assembly_can_leave_the_names_of_speakers_out() -> None:
    log = Log()
    _turns(log)
    minutes = log.fold(speaker_names=False)
    assert [s.name for s in minutes.items[0].speakers] == [None, None]
    assert [s.seconds for s in minutes.items[0].speakers] == [95, None]
    assert minutes.speaking_time == []


# ---- notes in the minutes ----------------------------------------------------------------


def test_a_correction_is_a_dated_addition_and_the_note_keeps_its_words() -> None:
    log = Log()
    first = log.note("The arraignment is on Thursday.", label="R")
    fixed = log.note("It is on Friday.", corrects=first, after=600)
    (note,) = log.fold().floor.notes
    assert (note.note_id, note.text, note.label_words) == (
        first,
        "The arraignment is on Thursday.",
        "response",
    )
    (correction,) = note.corrections
    assert (correction.note_id, correction.corrects, correction.text) == (
        fixed,
        first,
        "It is on Friday.",
    )
    assert correction.at.time == "19:10"


def test_a_correction_of_a_correction_stays_with_the_first_note() -> None:
    log = Log()
    first = log.note("Thursday.")
    second = log.note("Friday.", corrects=first)
    log.note("Friday at 9 am.", corrects=second)
    (note,) = log.fold().floor.notes
    assert [c.text for c in note.corrections] == ["Friday.", "Friday at 9 am."]


def test_a_gap_is_marked_as_a_gap() -> None:
    log = Log()
    log.note(GAP)
    (note,) = log.fold().floor.notes
    assert note.gap is True


# ---- proposals and rounds ----------------------------------------------------------------


def _proposal(log: Log) -> None:
    log.item(1, "Winter tents")
    log.add(
        "proposal_submitted",
        {"proposal_id": 1, "agenda_item_id": 1, "title": "Winter tents", "text": "Buy four tents.",
         "presenter_id": 2, "presenter_name": "Marisol", "working_group": "Comfort"},
    )  # fmt: skip


def test_an_anonymous_round_names_nobody_even_where_its_event_would() -> None:
    log = Log()
    _proposal(log)
    log.add(
        "round_opened",
        {"round_id": 1, "proposal_id": 1, "number": 1, "kind": "consensus", "anonymous": True,
         "version": 1},
    )  # fmt: skip
    log.add(
        "round_closed",
        {"round_id": 1, "proposal_id": 1, "kind": "consensus", "anonymous": True,
         "tally": {"agree": 5, "stand_aside": 1, "block": 1}, "analog": {"agree": 2},
         "outcome": "blocked", "explanation": "5 agree, 1 stand aside, 1 block → blocked",
         "blocks": [
             {"id": 1, "name": "Sipho", "participant_id": 9, "reason": "Unsafe.", "analog": False}
         ],
         "stand_asides": [{"name": "Ugo", "reason": "Unsure."}]},
    )  # fmt: skip
    (row,) = log.fold().items[0].proposals[0].rounds
    assert [(b.name, b.reason) for b in row.blocks] == [(None, "Unsafe.")]
    assert [(s.name, s.reason) for s in row.stand_asides] == [(None, "Unsure.")]
    assert [(c.value, c.phones, c.counted, c.total) for c in row.counts] == [
        ("agree", 3, 2, 5), ("stand_aside", 1, 0, 1), ("block", 1, 0, 1)
    ]  # fmt: skip


def test_a_block_review_marks_the_block_it_was_about() -> None:
    log = Log()
    _proposal(log)
    log.add("round_opened", {"round_id": 1, "proposal_id": 1, "number": 1, "kind": "consensus"})
    log.add(
        "round_closed",
        {"round_id": 1, "proposal_id": 1, "kind": "consensus", "tally": {"agree": 9, "block": 1},
         "outcome": "blocked", "explanation": "9 agree, 1 block: a block stands → blocked",
         "blocks": [{"id": 4, "name": "Sipho", "reason": "Unsafe.", "analog": False}]},
    )  # fmt: skip
    log.add(
        "round_opened",
        {"round_id": 2, "proposal_id": 1, "number": 2, "kind": "block_review", "block_id": 4},
    )
    log.add(
        "round_closed",
        {"round_id": 2, "proposal_id": 1, "kind": "block_review", "tally": {"yes": 2, "no": 8},
         "outcome": "passed_with_stand_asides", "explanation": "2 yes, 8 no: …",
         "blocks": [], "block": {"id": 4, "principled": False}},
    )  # fmt: skip
    log.add(
        "proposal_decided",
        {"proposal_id": 1, "from": "block_discussion", "to": "decided",
         "outcome": "passed_with_stand_asides", "tabled_to": None, "version": 1},
    )  # fmt: skip
    proposal = log.fold().items[0].proposals[0]
    call, review = proposal.rounds
    assert call.blocks[0].principled is False
    assert review.about_block == "the block by Sipho: not accepted as principled"
    assert proposal.outcome_line == "2 yes, 8 no: …"  # the arithmetic of the round that decided
    assert proposal.text_decided == "Buy four tents."


def test_a_proposal_tabled_by_hand_says_where_the_last_round_left_it() -> None:
    log = Log()
    _proposal(log)
    log.add("round_opened", {"round_id": 1, "proposal_id": 1, "number": 1, "kind": "consensus"})
    log.add(
        "round_closed",
        {"round_id": 1, "proposal_id": 1, "kind": "consensus", "tally": {"agree": 9, "block": 1},
         "outcome": "blocked", "explanation": "9 agree, 1 block: a block stands → blocked"},
    )  # fmt: skip
    decided = log.add(
        "proposal_decided",
        {"proposal_id": 1, "outcome": "tabled", "tabled_to": "Comfort", "version": 1},
    )
    proposal = log.fold().items[0].proposals[0]
    assert proposal.outcome_line == "tabled to Comfort"
    assert proposal.after_round is not None and proposal.after_round.endswith("→ blocked")
    # Derived from the decision: an action item recorded by nobody.
    (action,) = proposal.actions
    assert (action.action_id, action.who, action.text, action.due, action.by) == (
        decided, "Comfort", "take up “Winter tents” (tabled to them)", None, None
    )  # fmt: skip


def test_every_amendment_keeps_its_fate_and_its_word_diff() -> None:
    log = Log()
    _proposal(log)
    amendment = {"proposal_id": 1, "amendment_id": 1, "by": "Emeka", "based_on_version": 1}
    log.add("amendment_proposed", {**amendment, "text": "Buy six tents.", "rationale": "More."})
    log.add("amendment_accepted", {**amendment, "on_presenters_word": True, "version": 2}, after=60)
    log.add(
        "amendment_proposed",
        {**amendment, "amendment_id": 2, "by": "Quentin", "text": "Buy heaters.",
         "based_on_version": 2},
    )  # fmt: skip
    proposal = log.fold().items[0].proposals[0]
    emeka, quentin = proposal.amendments
    assert (emeka.fate, emeka.version, emeka.decided_by, emeka.on_presenters_word) == (
        "accepted", 2, "Noor", True
    )  # fmt: skip
    assert emeka.diff == "Buy [-four-]{+six+} tents."
    assert proposal.versions == {1: "Buy four tents.", 2: "Buy six tents."}
    assert (quentin.fate, quentin.diff) == ("open", "Buy [-six tents-]{+heaters+}.")


def test_the_minutes_end_with_the_head_of_the_chain() -> None:
    log = Log()
    log.note("One note.")
    head = log.fold().head
    assert (head.seq, head.hash) == (2, log.events[-1]["hash"])
