"""The archive's entries are written in the transaction that closes an assembly, from the
facts as they stand then, and only then."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from app.agenda import service as agenda_service
from app.archive.index import index_assembly
from app.archive.models import ArchiveEntry
from app.blocks import rounds
from app.blocks import service as proposals
from app.db import Database
from app.errors import Conflict
from tests.archive.builders import hold_meeting, make_group


def entries(db: Database) -> list[ArchiveEntry]:
    with db.read() as session:
        return list(session.exec(select(ArchiveEntry).order_by(col(ArchiveEntry.proposal_id))))


def test_closing_an_assembly_archives_each_of_its_proposals(any_db: Database) -> None:
    meeting = hold_meeting(any_db, make_group(any_db))
    tents, drums = entries(any_db)
    assert (tents.proposal_id, tents.outcome, tents.working_group_key, tents.tabled_to_key) == (
        meeting.tents, "passed_with_stand_asides", "comfort", None,
    )  # fmt: skip
    assert (drums.outcome, drums.working_group_key, drums.tabled_to_key) == (
        "tabled", "drummers-circle", "comfort",
    )  # fmt: skip
    assert tents.group_id is not None and tents.assembly_id == meeting.aid
    assert "tarpaulins" in drums.body and "tarpaulins" not in tents.body


def test_a_close_refused_for_an_open_round_archives_nothing(any_db: Database) -> None:
    meeting = hold_meeting(any_db, close=False)
    pid = proposals.submit_proposal(
        db=any_db, assembly_id=meeting.aid, actor_id=meeting.noor, title="Banner",
        text="Paint a banner.", presenter_name="Gus",
    ).data["proposal_id"]  # fmt: skip
    proposals.move_stage(db=any_db, proposal_id=pid, actor_id=meeting.noor, stage="concerns")
    rounds.open_round(db=any_db, proposal_id=pid, actor_id=meeting.noor, kind="temperature")
    with pytest.raises(Conflict):
        agenda_service.close_assembly(db=any_db, assembly_id=meeting.aid, actor_id=meeting.noor)
    assert entries(any_db) == []


def test_an_open_assembly_has_no_entries_even_when_asked(db: Database) -> None:
    meeting = hold_meeting(db, close=False)
    with db.write() as session:
        assert index_assembly(session, meeting.aid) == 0
    assert entries(db) == []


def test_a_proposal_left_undecided_is_archived_as_undecided(db: Database) -> None:
    meeting = hold_meeting(db, close=False)
    proposals.submit_proposal(
        db=db, assembly_id=meeting.aid, actor_id=meeting.noor, title="Banner",
        text="Paint a banner.", presenter_name="Gus",
    )  # fmt: skip
    agenda_service.close_assembly(db=db, assembly_id=meeting.aid, actor_id=meeting.noor)
    assert [e.outcome for e in entries(db)] == ["passed_with_stand_asides", "tabled", "undecided"]
