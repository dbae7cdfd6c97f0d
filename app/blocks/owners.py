"""Who gave an open anonymous round's answers, kept beside the log for the mirrors alone.

The log never names them (docs/process.md, "Anonymous rounds"); while the round is open each
answer's owner is kept by the seq of its `response_cast` (`AnswerOwner`), the copy stream
sends it with that event as `owner`, and a mirror keeps it the same way. The round's close
deletes them: from then on nobody, primary or mirror, knows who answered what.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.blocks.models import AnswerOwner


def keep_answer_owner(
    session: Session, *, assembly_id: str, seq: int, round_id: int, participant_id: int
) -> None:
    """Who gave the anonymous answer that event `seq` records, until the round closes."""
    session.add(
        AnswerOwner(
            assembly_id=assembly_id, seq=seq, round_id=round_id, participant_id=participant_id
        )
    )


def forget_answer_owners(session: Session, round_id: int) -> None:
    """The round closed: the link between its people and their answers ends."""
    session.execute(delete(AnswerOwner).where(col(AnswerOwner.round_id) == round_id))


def answer_owners(
    session: Session, assembly_id: str, after: int, up_to: int | None
) -> dict[int, int]:
    """The owners of the open anonymous answers among events `after` < seq <= `up_to`, by seq."""
    query = select(AnswerOwner.seq, AnswerOwner.participant_id).where(
        AnswerOwner.assembly_id == assembly_id, AnswerOwner.seq > after
    )
    if up_to is not None:
        query = query.where(AnswerOwner.seq <= up_to)
    return dict(session.exec(query).all())
