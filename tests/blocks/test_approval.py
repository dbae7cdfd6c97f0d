"""Approving the minutes (docs/process.md "Approving the minutes": "a closing 'minutes approved'
round if held").

The rule (app/blocks/approval.py): temperature-style, up / sideways / down, approved when more
thumbs are up than down. The round (app/blocks/rounds.py `open_minutes_approval`) is a
decision round without a proposal: answered, counted in the room and closed like the others,
one at a time, and its result is part of the minutes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.agenda import service as agenda_service
from app.blocks import approval, closing, rounds
from app.blocks.models import Round
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid
from app.events import export_events, verify_chain
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from tests.blocks.world import World, answer, close, open_, shown, submit, world

# ---- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "outcome", "explanation"),
    [
        ({"up": 31, "sideways": 4, "down": 2}, "approved",
         "31 up, 4 sideways, 2 down: 31 up > 2 down → minutes approved"),
        ({"up": 2, "sideways": 9, "down": 2}, "not_approved",
         "2 up, 9 sideways, 2 down: 2 up ≤ 2 down → minutes not approved"),
        ({"up": 1}, "approved", "1 up, 0 sideways, 0 down: 1 up > 0 down → minutes approved"),
        ({"sideways": 3}, "not_approved",
         "0 up, 3 sideways, 0 down: 0 up ≤ 0 down → minutes not approved"),
        ({}, "not_approved", "0 up, 0 sideways, 0 down: nobody answered → minutes not approved"),
    ],
)  # fmt: skip
def test_the_minutes_are_approved_when_more_thumbs_are_up_than_down(
    counts: dict[str, int], outcome: str, explanation: str
) -> None:
    assert approval.judge(counts) == (outcome, explanation)


# ---- the round -----------------------------------------------------------------------------


def ask(w: World, **kw: object) -> int:
    changed = rounds.open_minutes_approval(db=w.db, assembly_id=w.aid, actor_id=w.noor, **kw)  # type: ignore[arg-type]
    rid: int = changed.data["round_id"]
    return rid


def test_approving_the_minutes_is_a_round_of_the_assembly_with_live_thumbs(
    any_db: Database,
) -> None:
    w = world(any_db)
    rid = ask(w)
    for who, value in [(w.marisol, "up"), (w.emeka, "up"), (w.quentin, "down"), (w.chen, "up")]:
        answer(w, rid, who, value)
    answer(w, rid, w.chen, "sideways")  # the last answer counts
    rounds.record_analog(db=any_db, round_id=rid, actor_id=w.noor, counts={"up": 7, "down": 1})
    live = shown(w, rid)
    assert (live["kind"], live["proposal_id"], live["results"]) == ("minutes", None, "live")
    assert live["counts"] == {"up": 9, "sideways": 1, "down": 2}
    closed = close(w, rid)
    assert closed.data["outcome"] == "approved"
    assert closed.data["explanation"] == (
        "9 up, 1 sideways, 2 down: 9 up > 2 down → minutes approved"
    )
    assert closed.data["stage"] is None
    with any_db.read() as session:
        export = export_events(session, w.aid)
    types = [e["type"] for e in export["events"]]
    assert types[-8:] == ["round_opened", *["response_cast"] * 5, "analog_counted", "round_closed"]
    opened = export["events"][-8]
    assert opened["payload"]["proposal_id"] is None and opened["payload"]["kind"] == "minutes"
    assert verify_chain(export["events"], export["head"]) is None


def test_the_approval_is_in_the_minutes_with_its_counts_and_outcome(any_db: Database) -> None:
    w = world(any_db)
    rid = ask(w)
    answer(w, rid, w.marisol, "up")
    answer(w, rid, w.emeka, "down")
    answer(w, rid, w.quentin, "down")
    close(w, rid)
    again = ask(w)
    for who in (w.marisol, w.emeka, w.quentin):
        answer(w, again, who, "up")
    close(w, again)
    agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)
    minutes = load_minutes(db=any_db, assembly_id=w.aid).minutes
    first, second = minutes.approvals
    assert (first.number, first.outcome, second.number, second.outcome) == (
        1, "not_approved", 2, "approved"
    )  # fmt: skip
    assert [(c.word, c.phones, c.total) for c in second.counts] == [
        ("up", 3, 3), ("sideways", 0, 0), ("down", 0, 0)
    ]  # fmt: skip
    text = render_markdown(minutes)
    section = text.split("## Approval of the minutes", 1)[1]
    assert "Round 2 · approval of the minutes ·" in section
    assert "Outcome: 3 up, 0 sideways, 0 down: 3 up > 0 down → minutes approved" in section
    assert "on version" not in section.split("---")[0]


def test_only_a_facilitator_asks_and_only_while_the_assembly_is_open(any_db: Database) -> None:
    w = world(any_db)
    with pytest.raises(Forbidden):
        rounds.open_minutes_approval(db=any_db, assembly_id=w.aid, actor_id=w.emeka)
    agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)
    with pytest.raises(Conflict):
        ask(w)


def test_one_round_at_a_time_across_the_assembly(any_db: Database) -> None:
    w = world(any_db)
    pid = submit(w, "concerns")
    temperature = open_(w, pid, "temperature")
    with pytest.raises(Conflict, match="close it before approving"):
        ask(w)
    close(w, temperature)
    rid = ask(w)
    with pytest.raises(Conflict) as twice:
        ask(w)
    assert twice.value.code == "round_open"
    with pytest.raises(Conflict, match="approving the minutes"):
        open_(w, pid, "temperature")
    with pytest.raises(Conflict) as closing_now:
        agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)
    assert closing_now.value.code == "round_open"
    close(w, rid)
    agenda_service.close_assembly(db=any_db, assembly_id=w.aid, actor_id=w.noor)


def test_the_database_keeps_one_open_approval_per_assembly(any_db: Database) -> None:
    w = world(any_db)
    rid = ask(w)
    with any_db.write() as session:
        row = session.get(Round, rid)
        assert row is not None
        copy = Round(
            assembly_id=w.aid, proposal_id=None, number=2, kind="minutes", stage="minutes",
            version=0, opened_at=row.opened_at, results="live",
        )  # fmt: skip
        session.add(copy)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_answers_are_up_sideways_or_down_and_blocks_are_not_among_them(
    any_db: Database,
) -> None:
    w = world(any_db)
    rid = ask(w)
    for wrong in ("block", "agree", "yes", ""):
        with pytest.raises(Invalid):
            answer(w, rid, w.emeka, wrong)
    with pytest.raises(Invalid):
        rounds.record_analog(db=any_db, round_id=rid, actor_id=w.noor, counts={"block": 1})


@pytest.mark.parametrize(
    ("options", "code"),
    [({"results": "later"}, "bad_results"), ({"closes_in_seconds": 5}, "bad_closes_in")],
)
def test_bad_options_are_refused_before_anything_is_written(
    db: Database, options: dict[str, object], code: str
) -> None:
    w = world(db)
    with pytest.raises(Invalid) as refused:
        ask(w, **options)
    assert refused.value.code == code
    with db.read() as session:
        assert session.exec(select(Round)).all() == []


def test_an_anonymous_approval_forgets_who_answered(any_db: Database) -> None:
    w = world(any_db)
    rid = ask(w, anonymous=True)
    answer(w, rid, w.emeka, "down")
    close(w, rid)
    with any_db.read() as session:
        events = export_events(session, w.aid)["events"]
    cast = [e for e in events if e["type"] == "response_cast"]
    assert cast and all(e["actor_id"] is None and "name" not in e["payload"] for e in cast)


def test_a_deadline_closes_the_approval_too(any_db: Database) -> None:
    w = world(any_db)
    rid = ask(w, closes_in_seconds=60)
    answer(w, rid, w.emeka, "up")
    with any_db.read() as session:
        row = session.get(Round, rid)
        assert row is not None and row.closes_at is not None
        later = row.closes_at + timedelta(seconds=1)
    assert closing.close_due_rounds(db=any_db, at=later) == [rid]
    assert shown(w, rid)["outcome"] == "approved"
