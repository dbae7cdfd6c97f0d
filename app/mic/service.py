"""Changes to the people's mic: start it on a text, move through its phrases, stop it.

Each is one transaction and one event (mic_started, mic_moved, mic_stopped), then the screens
hear: the "mic" region of the console, the wall and the phones.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.assembly.access import assembly_for_write, require_role
from app.assembly.models import AgendaItem
from app.blocks.models import Proposal, ProposalVersion
from app.db import Database
from app.errors import Conflict, Invalid
from app.events import Changed, append_event, facts
from app.i18n import N_, _
from app.mic.logic import split_phrases
from app.mic.models import PeoplesMic

KEEPERS = ("facilitator", "stack_keeper")
SOURCES = ("proposal", "prepared", "live")
TEXT_MAX = 5_000  # as a proposal's text: the longest the wall ever shows
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what no screen shows (and PostgreSQL refuses NUL)
DOING = N_("run the people's mic")  # "Only a … can run the people's mic."


def _open_proposal_text(session: Session, assembly_id: str) -> tuple[Proposal, str]:
    """The open item's proposal and its current text (409 when the open item has none)."""
    proposal = session.exec(
        select(Proposal)
        .join(AgendaItem, col(AgendaItem.id) == col(Proposal.agenda_item_id))
        .where(AgendaItem.assembly_id == assembly_id, AgendaItem.status == "open")
    ).first()
    if proposal is None:
        raise Conflict(
            _("No proposal is open: open its agenda item, or type the text."),
            code="no_open_proposal",
        )
    version = session.exec(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id,
            ProposalVersion.number == proposal.version,
        )
    ).one()
    return proposal, version.text


def _clean(text: str | None) -> str:
    body = " ".join((text or "").split())  # the mic speaks phrases: line breaks do not matter
    if not body:
        raise Invalid(_("Type the text for the people's mic."), code="text_required")
    if len(body) > TEXT_MAX:
        raise Invalid(
            _("The text can be at most {max} characters.").format(max=f"{TEXT_MAX:,}"),
            code="too_long",
        )
    if CONTROL.search(body):
        raise Invalid(_("The text contains characters that cannot be shown."), code="bad_text")
    return body


def _mic_for_write(session: Session, assembly_id: str) -> PeoplesMic:
    mic = session.get(PeoplesMic, assembly_id)
    if mic is None:
        raise Conflict(_("The people's mic is off."), code="mic_off")
    return mic


def _payload(mic: PeoplesMic) -> dict[str, Any]:
    return {
        "source": mic.source,
        "proposal_id": mic.proposal_id,
        "proposal_version": mic.proposal_version,
        "phrase_count": mic.phrase_count,
        "position": mic.position,
    }


def start_mic(
    *, db: Database, assembly_id: str, actor_id: int, source: str, text: str | None = None
) -> Changed:
    """The wall says a text phrase by phrase, from its first: the open proposal's text, a
    prepared text or a line typed live. Starting again replaces the text on the mic."""
    if source not in SOURCES:
        raise Invalid(
            _("The people's mic takes the proposal, a prepared text or a live line."),
            code="bad_source",
        )
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, DOING)
        proposal_id = version = None
        if source == "proposal":
            proposal, text = _open_proposal_text(session, assembly_id)
            proposal_id, version = proposal.id, proposal.version
        body = _clean(text)
        mic = session.get(PeoplesMic, assembly_id) or PeoplesMic(
            assembly_id=assembly_id, text="", source=source, phrase_count=0, started_at=clock.now()
        )
        mic.text, mic.source = body, source
        mic.proposal_id, mic.proposal_version = proposal_id, version
        mic.phrase_count, mic.position = len(split_phrases(body)), 1
        mic.started_at, mic.started_by_id = clock.now(), actor_id
        session.add(mic)
        event = append_event(
            session, assembly_id, actor_id, "mic_started", {"text": body, **_payload(mic)}
        )
    db.announce(assembly_id, event.seq, {facts.MIC})
    return Changed(event.seq, {"position": 1, "phrase_count": mic.phrase_count})


def _target(to: str | int, position: int, count: int) -> int:
    """The phrase a move lands on: a number asked for (422 outside the text), or the next or
    the previous one (409 past either end: the room is told, not given the same phrase twice)."""
    if isinstance(to, str) and to.strip().isdigit():
        to = int(to)
    if isinstance(to, int):
        if not 1 <= to <= count:
            raise Invalid(
                _("There is no phrase {n}: the text has {count}.").format(n=to, count=count),
                code="no_such_phrase",
            )
        return to
    if to == "next":
        if position >= count:
            raise Conflict(_("That was the last phrase."), code="mic_at_end")
        return position + 1
    if to == "back":
        if position <= 1:
            raise Conflict(_("This is the first phrase."), code="mic_at_start")
        return position - 1
    raise Invalid(_("Move the mic to next, back or a phrase's number."), code="bad_move")


def move_mic(*, db: Database, assembly_id: str, actor_id: int, to: str | int) -> Changed:
    """The wall and the phones go to the next phrase, back one, or to a phrase by number."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, DOING)
        mic = _mic_for_write(session, assembly_id)
        before = mic.position
        mic.position = _target(to, before, mic.phrase_count)
        session.add(mic)
        event = append_event(
            session, assembly_id, actor_id, "mic_moved", {**_payload(mic), "from": before}
        )
    db.announce(assembly_id, event.seq, {facts.MIC})
    return Changed(event.seq, {"position": mic.position, "phrase_count": mic.phrase_count})


def stop_mic(*, db: Database, assembly_id: str, actor_id: int) -> Changed:
    """The people's mic is off: the wall and the phones go back to the assembly."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, KEEPERS, DOING)
        mic = _mic_for_write(session, assembly_id)
        payload = _payload(mic)
        session.delete(mic)
        event = append_event(session, assembly_id, actor_id, "mic_stopped", payload)
    db.announce(assembly_id, event.seq, {facts.MIC})
    return Changed(event.seq, {"position": None, "phrase_count": 0})
