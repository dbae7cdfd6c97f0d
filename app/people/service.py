"""Looking after people during an assembly: a new link for a lost phone, taking the floor from
someone disruptive (mute), and removing someone (one transaction and one event each, plus the
lowered hands and revoked roles that follow, each recorded).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.assembly.access import assembly_for_write, participant_in, require_role, roles_of
from app.assembly.auth import hash_secret, new_secret
from app.assembly.logic import check_role_revocable
from app.assembly.models import Participant, RoleGrant
from app.db import Database
from app.errors import Conflict, Forbidden
from app.events import Changed, append_event, facts
from app.i18n import N_, _, translate
from app.live import seat
from app.stack.handover import take_floor_from

# Who may reissue a link: a facilitator for anyone; a greeter (who meets people at the door,
# where a lost phone turns up) only for someone holding no role, since a new link to a role
# holder's seat would hand the greeter that role.
REISSUERS = ("facilitator", "greeter")
MUTERS = ("facilitator", "stack_keeper")


@dataclass(frozen=True)
class Reissued:
    participant_id: int
    name: str
    token: str  # shown once, to hand to the person; never in an event or a log
    seq: int


GONE = {"removed": N_("{name} was removed."), "rejected": N_("{name} was rejected.")}


def _gone(person: Participant) -> None:
    """Removed and turned-away people have no seat to act on (409)."""
    if person.status in GONE:
        raise Conflict(
            translate(GONE[person.status]).format(name=person.name),
            code=f"participant_{person.status}",
        )


def reissue_link(*, db: Database, assembly_id: str, actor_id: int, participant_id: int) -> Reissued:
    """A new phone link for someone whose phone is lost: the old token stops working at once
    (only the new hash is kept, so every session holding the old one ends too)."""
    token = new_secret()
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, REISSUERS, N_("give someone a new link"))
        person = participant_in(session, assembly_id, participant_id)
        _gone(person)
        if "facilitator" not in roles_of(session, actor_id) and roles_of(session, participant_id):
            raise Forbidden(
                _("{name} holds a role: only a facilitator can give them a new link.").format(
                    name=person.name
                ),
                code="role_required",
            )
        person.token_hash = hash_secret(token)
        session.add(person)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "participant_link_reissued",
            {"participant_id": participant_id, "name": person.name},
        )
    db.announce(assembly_id, event.seq, {facts.PEOPLE, seat(participant_id)})
    return Reissued(participant_id, person.name, token, event.seq)


def remove_participant(
    *, db: Database, assembly_id: str, actor_id: int, participant_id: int
) -> Changed:
    """A facilitator removes someone: their hands are lowered, their turn (if they have the floor)
    ends, their roles are revoked (each recorded), and their link is refused from now on.

    Their answers stay: closed rounds are the record, and an answer in a round still open was
    cast while they were a member, so it counts as cast (taking it out would change an open
    result behind the assembly's back; the facilitator can close and call the round again).
    """
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("remove someone"))
        person = participant_in(session, assembly_id, participant_id)
        if person.status == "removed":
            raise Conflict(
                _("{name} was already removed.").format(name=person.name), code="already_removed"
            )
        roles = sorted(roles_of(session, participant_id))
        if "facilitator" in roles:
            holders = _holders(session, assembly_id, "facilitator")
            check_role_revocable("facilitator", holders, participant_id)
        taken = take_floor_from(
            session, assembly_id, actor_id, participant_id, because="participant removed"
        )
        for grant in session.exec(
            select(RoleGrant).where(RoleGrant.participant_id == participant_id)
        ).all():
            session.delete(grant)
            append_event(
                session,
                assembly_id,
                actor_id,
                "role_revoked",
                {
                    "participant_id": participant_id,
                    "name": person.name,
                    "role": grant.role,
                    "because": "participant removed",
                },
            )
        was = person.status
        person.status, person.muted = "removed", False
        session.add(person)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "participant_removed",
            {"participant_id": participant_id, "name": person.name, "previous_status": was},
        )
    changed = {facts.PEOPLE, facts.DOOR, facts.ELIGIBLE, seat(participant_id)}
    changed |= {facts.ROLES} if roles else set()
    changed |= {facts.HANDS, facts.FLOOR, facts.TURNS} if taken else set()
    db.announce(assembly_id, event.seq, changed)
    return Changed(
        event.seq, {"participant_id": participant_id, "status": "removed", "roles_revoked": roles}
    )


def set_muted(
    *, db: Database, assembly_id: str, actor_id: int, participant_id: int, muted: bool
) -> Changed:
    """A facilitator or stack keeper mutes someone (their hands are lowered, and they can raise
    none nor propose amendments) or lets them speak again. Muting is about the floor, not the
    vote: a muted person still reads and answers rounds."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, MUTERS, N_("mute or unmute someone"))
        person = participant_in(session, assembly_id, participant_id)
        _gone(person)
        if person.status != "admitted":
            raise Conflict(
                _("{name} has not been admitted yet.").format(name=person.name), code="not_admitted"
            )
        if person.muted == muted:
            state = "muted" if muted else "not muted"
            raise Conflict(
                _("{name} is {state} already.").format(name=person.name, state=state),
                code="already_muted" if muted else "not_muted",
            )
        taken = 0
        if muted:
            taken = take_floor_from(
                session, assembly_id, actor_id, participant_id, because="participant muted"
            )
        person.muted = muted
        session.add(person)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "participant_muted" if muted else "participant_unmuted",
            {"participant_id": participant_id, "name": person.name},
        )
    # The stack region carries who is muted: a muted phone says so and offers no hands.
    changed = {facts.PEOPLE, facts.HANDS} | ({facts.FLOOR, facts.TURNS} if taken else set())
    db.announce(assembly_id, event.seq, changed)
    return Changed(event.seq, {"participant_id": participant_id, "muted": muted})


def _holders(session: Session, assembly_id: str, role: str) -> list[int]:
    return list(
        session.exec(
            select(RoleGrant.participant_id).where(
                RoleGrant.assembly_id == assembly_id, RoleGrant.role == role
            )
        ).all()
    )
