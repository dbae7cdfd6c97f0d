"""Changes to assemblies, people and roles: one transaction and one event each (the agenda and
closing the assembly are app/agenda's)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import clock
from app.assembly import logic
from app.assembly.access import (
    assembly_for_write,
    participant_by_ref,
    participant_in,
    require_role,
    roles_of,
)
from app.assembly.auth import hash_secret, new_secret, projector_key_for
from app.assembly.models import Assembly, Participant, RoleGrant
from app.db import Database
from app.errors import Conflict, NotFound
from app.events import Changed, Event, append_event, facts
from app.i18n import N_, _, translate
from app.live import seat

# Refusals naming a state, one whole sentence per state (other states use the general one).
ALREADY_DECIDED = {
    "admitted": N_("{name} is already admitted."),
    "rejected": N_("{name} is already rejected."),
    "removed": N_("{name} is already removed."),
}


@dataclass(frozen=True)
class Created:
    assembly_id: str
    join_code: str
    participant_id: int
    facilitator_token: str
    projector_key: str
    seq: int
    group: dict[str, Any] | None = None  # {slug, name, number} when it belongs to a group


@dataclass(frozen=True)
class Joined:
    assembly_id: str
    participant_id: int
    token: str
    status: str
    seq: int


@dataclass(frozen=True)
class Membership:
    """What a new assembly takes from its group, inside the assembly's own transaction."""

    group_id: int
    slug: str
    name: str
    number: int
    time_zone: str
    decision_rule: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "name": self.name, "number": self.number}


def new_assembly_id() -> str:
    """12 URL-safe characters, never starting with "-" (which a command line reads as an
    option: `miccheck export -x…` failed for one assembly in 64)."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if not candidate.startswith("-"):
            return candidate


@dataclass(frozen=True)
class _Asked:
    """A new assembly as asked for, checked: what stays the same whichever join code it gets."""

    title: str
    name: str  # the facilitator's
    location: str | None
    starts_at: datetime | None
    time_zone: str | None
    rule: logic.DecisionRule | None
    admission: str
    visibility: str
    language: str
    speaker_names: bool


def create_assembly(
    *,
    db: Database,
    title: str,
    facilitator_name: str | None = None,
    starts_at: datetime | None = None,
    location: str | None = None,
    time_zone: str | None = None,
    decision_rule: dict[str, Any] | None = None,
    admission: str = "open",
    visibility: str = "public",
    language: str = "en",
    joining: Callable[[Session], Membership] | None = None,
    minutes_speaker_names: bool = True,
    server_secret: str | None = None,
) -> Created:
    """Open a new assembly; its creator joins as a participant holding the facilitator role.

    With `joining` (app/groups' `joining(slug, token)`: the group's admin token checked and its
    number claimed in this transaction), the assembly takes the group's next number, and its
    time zone and decision rule unless they are given; without, it stands alone (UTC and the
    default rule unless given). With `server_secret` the projector key is derived from it
    (`projector_key_for`), so every facilitator's console can link the wall.
    """
    asked = _Asked(
        title=logic.clean_text(title, field="title", max_len=200),
        name=logic.clean_text(facilitator_name or "Facilitator", field="name", max_len=60),
        location=logic.clean_optional(location, field="location", max_len=200),
        starts_at=starts_at,
        time_zone=logic.check_time_zone(time_zone) if time_zone is not None else None,
        admission=logic.check_choice(admission, logic.ADMISSIONS, field="admission"),
        visibility=logic.check_choice(visibility, logic.VISIBILITIES, field="visibility"),
        language=logic.check_language(language),
        rule=logic.parse_decision_rule(decision_rule) if decision_rule is not None else None,
        speaker_names=minutes_speaker_names,
    )
    token, projector_key = new_secret(), new_secret()
    for _attempt in range(5):
        assembly_id = new_assembly_id()
        if server_secret is not None:
            projector_key = projector_key_for(server_secret, assembly_id)
        try:
            with db.write() as session:
                member = joining(session) if joining is not None else None
                assembly = _new_assembly(session, assembly_id, asked, member, projector_key)
                person = _first_facilitator(session, assembly, asked.name, token)
                event = _record_creation(session, assembly, person, asked, member)
        except IntegrityError:
            continue  # a join code collided with another assembly's; draw again
        assert person.id is not None
        return Created(
            assembly_id=assembly.id,
            join_code=assembly.join_code,
            participant_id=person.id,
            facilitator_token=token,
            projector_key=projector_key,
            seq=event.seq,
            group=member.as_json() if member else None,
        )
    raise Conflict(_("Could not find a free join code; please try again."), code="join_code_busy")


def _new_assembly(
    session: Session,
    assembly_id: str,
    asked: _Asked,
    member: Membership | None,
    projector_key: str,
) -> Assembly:
    """The assembly's row: the group's time zone and rule where none was given."""
    rule = asked.rule or logic.parse_decision_rule(member.decision_rule if member else None)
    assembly = Assembly(
        id=assembly_id,
        title=asked.title,
        location=asked.location,
        starts_at=asked.starts_at,
        time_zone=asked.time_zone or (member.time_zone if member else "UTC"),
        language=asked.language,
        admission=asked.admission,
        visibility=asked.visibility,
        join_code=logic.new_join_code(),
        projector_key_hash=hash_secret(projector_key),
        decision_rule_json=json.dumps(rule.as_json()),
        created_at=clock.now(),
        group_id=member.group_id if member else None,
        number=member.number if member else None,
        minutes_speaker_names=asked.speaker_names,
    )
    session.add(assembly)
    session.flush()
    return assembly


def _first_facilitator(session: Session, assembly: Assembly, name: str, token: str) -> Participant:
    """The creator, joined and holding the facilitator role."""
    person = Participant(
        assembly_id=assembly.id,
        name=name,
        language=assembly.language,
        token_hash=hash_secret(token),
        joined_at=clock.now(),
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    session.add(RoleGrant(assembly_id=assembly.id, participant_id=person.id, role="facilitator"))
    return person


def _record_creation(
    session: Session,
    assembly: Assembly,
    person: Participant,
    asked: _Asked,
    member: Membership | None,
) -> Event:
    """The log's first event: everything the minutes say of the assembly's beginning."""
    return append_event(
        session,
        assembly.id,
        person.id,
        "assembly_created",
        {
            "title": asked.title,
            "location": asked.location,
            "starts_at": asked.starts_at.isoformat() if asked.starts_at else None,
            "time_zone": assembly.time_zone,
            "language": asked.language,
            "admission": asked.admission,
            "visibility": asked.visibility,
            "decision_rule": json.loads(assembly.decision_rule_json),
            "facilitator": {"participant_id": person.id, "name": asked.name},
            # Only when it has one: a lone assembly's first event is as before.
            **({"group": member.as_json()} if member else {}),
            # Only when off: the minutes name speakers unless told otherwise.
            **({} if asked.speaker_names else {"minutes_speaker_names": False}),
        },
    )


def join_assembly(
    *,
    db: Database,
    join_code: str,
    name: str,
    pronouns: str | None = None,
    language: str | None = None,
    assembly_id: str | None = None,
) -> Joined:
    """Join by code: admitted at once in an `open` assembly, pending in a `checked_in` one."""
    code = logic.normalise_join_code(join_code)
    name = logic.clean_text(name, field="name", max_len=60)
    pronouns = logic.clean_optional(pronouns, field="pronouns", max_len=30)
    token = new_secret()
    with db.write() as session:
        assembly = session.exec(select(Assembly).where(Assembly.join_code == code)).first()
        if assembly is None or (assembly_id is not None and assembly.id != assembly_id):
            raise NotFound(_("No assembly has this join code."), code="join_code_unknown")
        assembly_for_write(session, assembly.id)
        status = "admitted" if assembly.admission == "open" else "pending"
        person = Participant(
            assembly_id=assembly.id,
            name=name,
            pronouns=pronouns,
            language=logic.check_language(language) if language else assembly.language,
            status=status,
            token_hash=hash_secret(token),
            joined_at=clock.now(),
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        event = append_event(
            session,
            assembly.id,
            person.id,
            "participant_joined",
            {
                "participant_id": person.id,
                "name": name,
                "pronouns": pronouns,
                "status": status,
                # Only when it is not the assembly's: what a replay gives everyone else.
                **({"language": person.language} if person.language != assembly.language else {}),
            },
        )
    db.announce(assembly.id, event.seq, {facts.PEOPLE, facts.DOOR, facts.ELIGIBLE})
    return Joined(assembly.id, person.id, token, status, event.seq)


def decide_admission(
    *, db: Database, assembly_id: str, actor_id: int, participant_id: int, admit: bool
) -> Changed:
    """A greeter or facilitator admits or turns away a pending participant."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator", "greeter"), N_("admit people"))
        person = participant_in(session, assembly_id, participant_id)
        if person.status != "pending":
            raise Conflict(
                translate(
                    ALREADY_DECIDED.get(person.status, N_("{name} is already {status}."))
                ).format(name=person.name, status=person.status),
                code="not_pending",
            )
        person.status = "admitted" if admit else "rejected"
        session.add(person)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "participant_admitted" if admit else "participant_rejected",
            {"participant_id": participant_id, "name": person.name},
        )
    db.announce(assembly_id, event.seq, {facts.PEOPLE, facts.DOOR, facts.ELIGIBLE})
    return Changed(event.seq, {"participant_id": participant_id, "status": person.status})


def grant_role(
    *,
    db: Database,
    assembly_id: str,
    actor_id: int,
    role: str,
    participant_id: int | None = None,
    participant_ref: str = "",
) -> Changed:
    """A facilitator hands a role to an admitted participant (several may hold one role), by id
    or by the console box's reference ("Chen #12"), looked up only once the role is checked:
    else anyone could learn who has joined from the refusals."""
    logic.check_choice(role, logic.ROLES, field="role")
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("hand out roles"))
        if participant_id is None:
            participant_id = participant_by_ref(session, assembly_id, participant_ref)
        person = participant_in(session, assembly_id, participant_id)
        if person.status != "admitted":
            raise Conflict(
                _("{name} has not been admitted yet.").format(name=person.name), code="not_admitted"
            )
        if role in roles_of(session, participant_id):
            raise Conflict(
                _("{name} already holds the {role} role.").format(
                    name=person.name, role=translate(logic.ROLE_WORDS[role])
                ),
                code="role_already_held",
            )
        session.add(RoleGrant(assembly_id=assembly_id, participant_id=participant_id, role=role))
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "role_granted",
            {"participant_id": participant_id, "name": person.name, "role": role},
        )
    db.announce(assembly_id, event.seq, {facts.ROLES})
    return Changed(event.seq, {"participant_id": participant_id, "role": role})


def revoke_role(
    *, db: Database, assembly_id: str, actor_id: int, participant_id: int, role: str
) -> Changed:
    """A facilitator takes a role back (or steps back); the last facilitator stays."""
    logic.check_choice(role, logic.ROLES, field="role")
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("change roles"))
        person = participant_in(session, assembly_id, participant_id)
        grants = session.exec(
            select(RoleGrant).where(RoleGrant.assembly_id == assembly_id, RoleGrant.role == role)
        ).all()
        logic.check_role_revocable(role, [g.participant_id for g in grants], participant_id)
        for grant in grants:
            if grant.participant_id == participant_id:
                session.delete(grant)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "role_revoked",
            {"participant_id": participant_id, "name": person.name, "role": role},
        )
    # seat: a console or whole-log socket they hold reconnects as what they are now
    db.announce(assembly_id, event.seq, {facts.ROLES, seat(participant_id)})
    return Changed(event.seq, {"participant_id": participant_id, "role": role})


def set_headcount(*, db: Database, assembly_id: str, actor_id: int, count: int) -> Changed:
    """The facilitator's count of people in the room, phones or not."""
    logic.check_headcount(count)
    with db.write() as session:
        assembly = assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("set the headcount"))
        assembly.headcount = count
        session.add(assembly)
        event = append_event(session, assembly_id, actor_id, "headcount_set", {"count": count})
    db.announce(assembly_id, event.seq, {facts.PEOPLE, facts.ELIGIBLE})
    return Changed(event.seq, {"headcount": count})
