"""Reading the speaking stack: its settings, the hands up, the turn on the floor, and the queue
in speaking order (app/stack/logic.py ranks it). No writes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from app.assembly.models import AgendaItem
from app.stack import logic
from app.stack.models import Hand, StackSettings, Turn


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def settings_of(session: Session, assembly_id: str) -> logic.Settings:
    row = session.get(StackSettings, assembly_id)
    if row is None:
        return logic.Settings()
    return logic.Settings(
        mode=row.mode,
        speaking_seconds=row.speaking_seconds,
        report_seconds=row.report_seconds,
        direct_responses=row.direct_responses,
        open=row.open,
    )


def open_item_of(session: Session, assembly_id: str) -> AgendaItem | None:
    return session.exec(
        select(AgendaItem).where(AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open")
    ).first()


def open_hands(session: Session, assembly_id: str) -> list[Hand]:
    return list(
        session.exec(
            select(Hand)
            .where(Hand.assembly_id == assembly_id, Hand.status == "open")
            .order_by(col(Hand.id))
        ).all()
    )


def turn_counts(session: Session, assembly_id: str) -> dict[str, int]:
    rows = session.exec(
        select(Turn.speaker_key, func.count())
        .where(Turn.assembly_id == assembly_id)
        .group_by(col(Turn.speaker_key))
    ).all()
    return {key: count for key, count in rows}


def current_turn(session: Session, assembly_id: str) -> Turn | None:
    return session.exec(
        select(Turn).where(Turn.assembly_id == assembly_id, col(Turn.ended_at).is_(None))
    ).first()


def as_entry(hand: Hand) -> logic.Entry:
    return logic.Entry(
        id=hand.id or 0,
        speaker=hand.speaker_key,
        name=hand.name,
        kind=hand.kind,
        raised=hand.id or 0,  # ids grow with time inside one database
        participant_id=hand.participant_id,
        moved_to=hand.moved_to,
        moved_order=hand.moved_order,
        moved_by=hand.moved_by_name,
        moved_up=hand.moved_up,
        note=hand.note,
    )


def open_proposal_stage(session: Session, assembly_id: str) -> str | None:
    """The stage of the open agenda item's proposal, as the item keeps it (app/blocks moves
    it): it decides how clarifying questions rank."""
    return session.exec(
        select(AgendaItem.proposal_stage).where(
            AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open"
        )
    ).first()


def queue_of(session: Session, assembly_id: str, settings: logic.Settings) -> list[logic.Placed]:
    """The queue in speaking order, ranked for the open proposal's stage."""
    return logic.order_queue(
        [as_entry(h) for h in open_hands(session, assembly_id)],
        mode=settings.mode,
        turns=turn_counts(session, assembly_id),
        stage=open_proposal_stage(session, assembly_id),
    )


def clock_of(turn: Turn) -> logic.Clock:
    return logic.Clock(
        started_at=aware(turn.started_at),
        speaking_until=aware(turn.speaking_until),
        paused_at=aware(turn.paused_at) if turn.paused_at else None,
        paused_seconds=turn.paused_seconds,
    )
