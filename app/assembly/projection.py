"""The assembly's own tables rebuilt from its events (docs/architecture.md, "The log is the
truth"): the assembly row, its people, their roles, its words and its agenda items."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from app.assembly.logic import new_join_code, parse_decision_rule
from app.assembly.models import (
    AgendaItem,
    Assembly,
    AssemblyGroup,
    AssemblyWord,
    Participant,
    RoleGrant,
)
from app.events.projection import Projection, Replayed, earlier

# What a copy holds instead of the projector key's hash, which never travels in an export
# (a mirror is sent the real one): no key hashes to it, so no wall opens by key here.
NO_KEY = "-"


def assembly_created(session: Session, event: Replayed) -> None:
    """The assembly, open, and its creator joined holding the facilitator role. The join code
    and the projector key are not in the log: a copy draws a join code of its own (a mirror
    is then sent the real one with the token hashes)."""
    p = event.payload
    group_id, number = _group_of(session, event)
    session.add(
        Assembly(
            id=event.assembly_id,
            title=p["title"],
            location=p.get("location"),
            starts_at=event.moment("starts_at"),
            time_zone=p["time_zone"],
            language=p["language"],
            admission=p["admission"],
            visibility=p["visibility"],
            join_code=new_join_code(),
            projector_key_hash=NO_KEY,
            decision_rule_json=json.dumps(parse_decision_rule(p["decision_rule"]).as_json()),
            created_at=event.at,
            group_id=group_id,
            number=number,
            minutes_speaker_names=p.get("minutes_speaker_names", True),
        )
    )
    session.flush()
    first = p["facilitator"]
    _person(session, event, first["participant_id"], first["name"], p["language"])
    session.add(
        RoleGrant(
            assembly_id=event.assembly_id,
            participant_id=first["participant_id"],
            role="facilitator",
        )
    )


def _group_of(session: Session, event: Replayed) -> tuple[int | None, int | None]:
    """The group the assembly is numbered in: found by its slug on this server, or made with no
    admin (its admin token never travels); None when this server's group already has that
    number (the copy then stands alone)."""
    member = event.payload.get("group")
    if member is None:
        return None, None
    group = session.exec(select(AssemblyGroup).where(AssemblyGroup.slug == member["slug"])).first()
    if group is None:
        group = AssemblyGroup(
            slug=member["slug"],
            name=member["name"],
            time_zone=event.payload["time_zone"],
            admin_token_hash=NO_KEY,
            created_at=event.at,
            updated_at=event.at,
        )
    taken = session.exec(
        select(Assembly.id).where(
            Assembly.group_id == group.id, Assembly.number == member["number"]
        )
    ).first()
    if group.id is not None and taken is not None:
        return None, None
    group.last_number = max(group.last_number, member["number"])
    session.add(group)
    session.flush()
    return group.id, member["number"]


def _person(
    session: Session, event: Replayed, participant_id: int, name: str, language: str
) -> None:
    session.add(
        Participant(
            id=participant_id,
            assembly_id=event.assembly_id,
            name=name,
            pronouns=event.payload.get("pronouns"),
            language=language,
            status=event.payload.get("status", "admitted"),
            joined_at=event.at,
        )
    )
    session.flush()


def _assembly(session: Session, event: Replayed) -> Assembly:
    return earlier(session, event, Assembly, event.assembly_id)


def _participant(session: Session, event: Replayed) -> Participant:
    return earlier(session, event, Participant, event.payload["participant_id"])


def participant_joined(session: Session, event: Replayed) -> None:
    """Joined in the assembly's language unless the event names another (older logs: always
    the assembly's, which is what they were given)."""
    language = event.payload.get("language") or _assembly(session, event).language
    _person(session, event, event.payload["participant_id"], event.payload["name"], language)


def _status(status: str) -> Projection:
    def project(session: Session, event: Replayed) -> None:
        person = _participant(session, event)
        person.status = status
        session.add(person)

    return project


def role_granted(session: Session, event: Replayed) -> None:
    p = event.payload
    session.add(
        RoleGrant(assembly_id=event.assembly_id, participant_id=p["participant_id"], role=p["role"])
    )


def role_revoked(session: Session, event: Replayed) -> None:
    p = event.payload
    for grant in session.exec(
        select(RoleGrant).where(
            RoleGrant.participant_id == p["participant_id"], RoleGrant.role == p["role"]
        )
    ).all():
        session.delete(grant)
    session.flush()


def headcount_set(session: Session, event: Replayed) -> None:
    assembly = _assembly(session, event)
    assembly.headcount = event.payload["count"]
    session.add(assembly)


def languages_set(session: Session, event: Replayed) -> None:
    assembly = _assembly(session, event)
    assembly.language = event.payload["language"]
    assembly.second_language = event.payload.get("second_language")
    session.add(assembly)


def word_renamed(session: Session, event: Replayed) -> None:
    p = event.payload
    row = session.get(AssemblyWord, (event.assembly_id, p["language"], p["key"]))
    if p.get("word") is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return
    if row is None:
        row = AssemblyWord(
            assembly_id=event.assembly_id, language=p["language"], key=p["key"], word=p["word"]
        )
    row.word = p["word"]
    session.add(row)


def agenda_item_added(session: Session, event: Replayed) -> None:
    p = event.payload
    session.add(
        AgendaItem(
            id=p["item_id"],
            assembly_id=event.assembly_id,
            position=p["position"],
            title=p["title"],
            kind=p["kind"],
            time_box_minutes=p["time_box_minutes"],
            working_group=p.get("working_group"),
        )
    )
    session.flush()


PROJECTIONS: dict[str, Projection] = {
    "assembly_created": assembly_created,
    "participant_joined": participant_joined,
    "participant_admitted": _status("admitted"),
    "participant_rejected": _status("rejected"),
    "role_granted": role_granted,
    "role_revoked": role_revoked,
    "headcount_set": headcount_set,
    "languages_set": languages_set,
    "word_renamed": word_renamed,
    "agenda_item_added": agenda_item_added,
}
