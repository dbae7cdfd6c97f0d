"""Checks every change to an assembly starts with: it exists, is open, and the actor may act."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, func, select

from app.assembly.logic import ROLE_WORDS, parse_person_ref
from app.assembly.models import AgendaItem, Assembly, Participant, RoleGrant
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import _, translate


def assembly_for_write(session: Session, assembly_id: str) -> Assembly:
    # Lock the row first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)
    # so reads that decide a write are not stale; NO KEY UPDATE lets foreign-key inserts by.
    assembly = session.get(
        Assembly, assembly_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if assembly is None:
        raise NotFound(_("There is no assembly at this address."), code="assembly_not_found")
    if assembly.status != "open":
        raise Conflict(
            _("This assembly has closed; its minutes are final."), code="assembly_closed"
        )
    return assembly


def roles_of(session: Session, participant_id: int) -> set[str]:
    return set(
        session.exec(select(RoleGrant.role).where(RoleGrant.participant_id == participant_id)).all()
    )


def require_role(
    session: Session, assembly_id: str, actor_id: int, allowed: Sequence[str], doing: str
) -> Participant:
    """Roles are checked inside the write transaction, so a revoked role acts no more.

    `doing` ("admit people") is marked with N_() by the caller and translated here."""
    actor = session.get(Participant, actor_id)
    if actor is None or actor.assembly_id != assembly_id:
        raise Forbidden(_("You are not a member of this assembly."), code="not_a_member")
    if not roles_of(session, actor_id) & set(allowed):
        words = [translate(ROLE_WORDS[r]) if r in ROLE_WORDS else r for r in allowed]
        roles = words[0]
        for word in words[1:]:
            roles = _("{first} or {second}").format(first=roles, second=word)
        raise Forbidden(
            _("Only a {roles} can {doing}.").format(roles=roles, doing=translate(doing)),
            code="role_required",
        )
    return actor


def participant_in(session: Session, assembly_id: str, participant_id: int) -> Participant:
    person = session.get(Participant, participant_id)
    if person is None or person.assembly_id != assembly_id:
        raise NotFound(
            _("There is no such participant in this assembly."), code="participant_not_found"
        )
    return person


def item_in(session: Session, assembly_id: str, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.assembly_id != assembly_id:
        raise NotFound(_("There is no such agenda item in this assembly."), code="item_not_found")
    return item


def participant_by_ref(session: Session, assembly_id: str, ref: str) -> int:
    """The admitted participant a console box names ("Chen #12", or a name that is unique)."""
    name, participant_id = parse_person_ref(ref)
    query = select(Participant.id).where(
        Participant.assembly_id == assembly_id, Participant.status == "admitted"
    )
    if participant_id is not None:
        ids = session.exec(query.where(Participant.id == participant_id)).all()
    else:
        ids = session.exec(query.where(func.lower(Participant.name) == name.lower())).all()
    if not ids:
        raise NotFound(
            _("Nobody called {name} has joined.").format(name=name), code="participant_not_found"
        )
    if len(ids) > 1:
        raise Conflict(
            _("Several people are called {name}: pick one from the list.").format(name=name),
            code="ambiguous_name",
        )
    return int(ids[0] or 0)
