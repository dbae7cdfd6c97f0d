"""The people's mic rebuilt from the log (docs/architecture.md, "The log is the truth"): the
row while it is on, its phrase, none once it stops."""

from __future__ import annotations

from sqlmodel import Session

from app.events.projection import Projection, Replayed, earlier
from app.mic.models import PeoplesMic


def started(session: Session, event: Replayed) -> None:
    p = event.payload
    mic = session.get(PeoplesMic, event.assembly_id) or PeoplesMic(
        assembly_id=event.assembly_id,
        text="",
        source=p["source"],
        phrase_count=0,
        started_at=event.at,
    )
    mic.text, mic.source = p["text"], p["source"]
    mic.proposal_id, mic.proposal_version = p.get("proposal_id"), p.get("proposal_version")
    mic.phrase_count, mic.position = p["phrase_count"], p["position"]
    mic.started_at, mic.started_by_id = event.at, event.actor_id
    session.add(mic)


def moved(session: Session, event: Replayed) -> None:
    mic = earlier(session, event, PeoplesMic, event.assembly_id)
    mic.position = event.payload["position"]
    session.add(mic)


def stopped(session: Session, event: Replayed) -> None:
    mic = session.get(PeoplesMic, event.assembly_id)
    if mic is not None:
        session.delete(mic)
        session.flush()


PROJECTIONS: dict[str, Projection] = {
    "mic_started": started,
    "mic_moved": moved,
    "mic_stopped": stopped,
}
