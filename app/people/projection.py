"""People looked after during an assembly, rebuilt from the log (docs/architecture.md, "The log
is the truth"). The hands lowered and roles revoked that follow a removal or a muting are
events of their own (the stack's, the assembly's)."""

from __future__ import annotations

from sqlmodel import Session

from app.assembly.models import Participant
from app.events.projection import Projection, Replayed, earlier


def _person(session: Session, event: Replayed) -> Participant:
    return earlier(session, event, Participant, event.payload["participant_id"])


def link_reissued(session: Session, event: Replayed) -> None:
    """A new token's hash never travels in the log: a copy from an export has no token hashes
    at all, and a mirror is sent the new one apart (app/copies)."""


def removed(session: Session, event: Replayed) -> None:
    person = _person(session, event)
    person.status, person.muted = "removed", False
    session.add(person)


def _muted(muted: bool) -> Projection:
    def project(session: Session, event: Replayed) -> None:
        person = _person(session, event)
        person.muted = muted
        session.add(person)

    return project


PROJECTIONS: dict[str, Projection] = {
    "participant_link_reissued": link_reissued,
    "participant_removed": removed,
    "participant_muted": _muted(True),
    "participant_unmuted": _muted(False),
}
