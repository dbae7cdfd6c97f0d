"""Reading an assembly's current state, as the screens and the API show it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from app import clock
from app.assembly.access import participant_by_ref
from app.assembly.logic import DecisionRule, parse_decision_rule, parse_person_ref
from app.assembly.models import (
    AgendaItem,
    Assembly,
    AssemblyGroup,
    AssemblyWord,
    Participant,
    RoleGrant,
)
from app.db import Database
from app.errors import Conflict, Invalid, NotFound
from app.events import head_of
from app.i18n import _

RECENT_PEOPLE = 40


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    pronouns: str | None
    status: str
    roles: tuple[str, ...] = ()
    muted: bool = False


@dataclass(frozen=True)
class Item:
    id: int
    position: int
    title: str
    kind: str
    time_box_minutes: int
    working_group: str | None
    status: str
    used_seconds: int
    opened_at: datetime | None

    def seconds_used(self, at: datetime) -> int:
        """Time used so far, counting the current opening."""
        if self.opened_at is None:
            return self.used_seconds
        opened = self.opened_at if self.opened_at.tzinfo else self.opened_at.replace(tzinfo=UTC)
        return self.used_seconds + max(0, int((at - opened).total_seconds()))

    def time_box_ends_at(self) -> datetime | None:
        """When the time box runs out, for an open item (a deadline, so clients can count)."""
        if self.opened_at is None:
            return None
        opened = self.opened_at if self.opened_at.tzinfo else self.opened_at.replace(tzinfo=UTC)
        return opened + timedelta(seconds=self.time_box_minutes * 60 - self.used_seconds)

    def as_json(self, at: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "position": self.position,
            "title": self.title,
            "kind": self.kind,
            "time_box_minutes": self.time_box_minutes,
            "working_group": self.working_group,
            "status": self.status,
            "used_seconds": self.seconds_used(at),
        }


@dataclass(frozen=True)
class AssemblyState:
    """Everything the walking-skeleton screens show, read in one transaction at one seq."""

    id: str
    title: str
    location: str | None
    starts_at: datetime | None
    time_zone: str
    language: str
    admission: str
    visibility: str
    status: str
    join_code: str
    headcount: int | None
    rule: DecisionRule
    seq: int
    read_at: datetime
    admitted_count: int
    agenda: tuple[Item, ...]
    roles: dict[str, tuple[Person, ...]]
    pending: tuple[Person, ...]
    recent: tuple[Person, ...] = field(default=())
    group: dict[str, Any] | None = None  # {slug, name, number} when it belongs to a group
    minutes_speaker_names: bool = True  # the minutes name who spoke (a setting)
    minutes_signals: bool = False  # each turn's line on how the room took it (a setting)
    # Muted people (few): every view's stack says who, so a muted phone offers no hands.
    muted: tuple[Person, ...] = field(default=())
    second_language: str | None = None  # the wall shows its main lines in this one too
    # The assembly's own words for hand kinds and answers, by language then key ("hand:speak").
    words: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def muted_ids(self) -> str:
        """The muted people's ids, space-separated, for a data attribute."""
        return " ".join(str(p.id) for p in self.muted)

    @property
    def open_item(self) -> Item | None:
        return next((i for i in self.agenda if i.status == "open"), None)

    def as_json(self) -> dict[str, Any]:
        """The API form of GET /api/assemblies/{id}."""
        open_item = self.open_item
        return {
            "id": self.id,
            "title": self.title,
            "location": self.location,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "time_zone": self.time_zone,
            "language": self.language,
            "second_language": self.second_language,
            "words": self.words,
            "admission": self.admission,
            "visibility": self.visibility,
            "status": self.status,
            "join_code": self.join_code,
            "decision_rule": self.rule.as_json(),
            "group": self.group,
            "minutes_speaker_names": self.minutes_speaker_names,
            "minutes_signals": self.minutes_signals,
            "headcount": self.headcount,
            "people_joined": self.admitted_count,
            "pending": [{"participant_id": p.id, "name": p.name} for p in self.pending],
            "agenda": [item.as_json(self.read_at) for item in self.agenda],
            "open_item": open_item.as_json(self.read_at) if open_item else None,
            "current_speaker": None,
            "roles": {
                role: [{"participant_id": p.id, "name": p.name} for p in people]
                for role, people in self.roles.items()
            },
            "seq": self.seq,
        }


def words_of(session: Session, assembly_id: str) -> dict[str, dict[str, str]]:
    """An assembly's own words, by language then key (events `word_renamed`)."""
    rows = session.exec(select(AssemblyWord).where(AssemblyWord.assembly_id == assembly_id)).all()
    words: dict[str, dict[str, str]] = {}
    for row in rows:
        words.setdefault(row.language, {})[row.key] = row.word
    return words


def load_state(*, db: Database, assembly_id: str, people_lists: bool = True) -> AssemblyState:
    """The assembly as it stands now (404 when there is none).

    `people_lists=False` skips the pending and recent lists that only the console shows.
    """
    with db.read() as session:
        seq = head_of(session, assembly_id)  # first: what is read after is at least as new
        assembly = session.get(Assembly, assembly_id)
        if assembly is None:
            raise NotFound(_("There is no assembly at this address."), code="assembly_not_found")
        admitted = session.exec(
            select(func.count())
            .select_from(Participant)
            .where(Participant.assembly_id == assembly_id, Participant.status == "admitted")
        ).one()
        agenda = _agenda(session, assembly_id)
        group = session.get(AssemblyGroup, assembly.group_id) if assembly.group_id else None
        words = words_of(session, assembly_id)
        people = _people(session, assembly_id, people_lists=people_lists)
    return AssemblyState(
        id=assembly.id,
        title=assembly.title,
        location=assembly.location,
        starts_at=assembly.starts_at,
        time_zone=assembly.time_zone,
        language=assembly.language,
        second_language=assembly.second_language,
        words=words,
        admission=assembly.admission,
        visibility=assembly.visibility,
        minutes_speaker_names=assembly.minutes_speaker_names,
        minutes_signals=assembly.minutes_signals,
        status=assembly.status,
        join_code=assembly.join_code,
        headcount=assembly.headcount,
        rule=parse_decision_rule(json.loads(assembly.decision_rule_json)),
        seq=seq,
        read_at=clock.now(),
        admitted_count=admitted,
        agenda=agenda,
        roles=people.roles,
        pending=people.pending,
        recent=people.recent,
        muted=people.muted,
        group=(
            {"slug": group.slug, "name": group.name, "number": assembly.number} if group else None
        ),
    )


def _agenda(session: Session, assembly_id: str) -> tuple[Item, ...]:
    items = session.exec(
        select(AgendaItem)
        .where(AgendaItem.assembly_id == assembly_id)
        .order_by(col(AgendaItem.position))
    ).all()
    return tuple(
        Item(
            id=i.id or 0,
            position=i.position,
            title=i.title,
            kind=i.kind,
            time_box_minutes=i.time_box_minutes,
            working_group=i.working_group,
            status=i.status,
            used_seconds=i.used_seconds,
            opened_at=i.opened_at,
        )
        for i in items
    )


@dataclass(frozen=True)
class _People:
    """Who holds which role, who is muted, and (for the console) who waits and who came last."""

    roles: dict[str, tuple[Person, ...]]
    muted: tuple[Person, ...]
    pending: tuple[Person, ...]
    recent: tuple[Person, ...]


def _people(session: Session, assembly_id: str, *, people_lists: bool) -> _People:
    grants = session.exec(
        select(RoleGrant, Participant)
        .join(Participant, col(Participant.id) == RoleGrant.participant_id)
        .where(RoleGrant.assembly_id == assembly_id)
        .order_by(col(Participant.name))
    ).all()
    muted = session.exec(
        select(Participant)
        .where(
            Participant.assembly_id == assembly_id,
            Participant.status == "admitted",
            col(Participant.muted),
        )
        .order_by(col(Participant.name))
    ).all()
    pending: Sequence[Participant] = ()
    recent: Sequence[Participant] = ()
    if people_lists:
        pending = session.exec(
            select(Participant)
            .where(Participant.assembly_id == assembly_id, Participant.status == "pending")
            .order_by(col(Participant.id))
        ).all()
        recent = session.exec(
            select(Participant)
            .where(Participant.assembly_id == assembly_id, Participant.status == "admitted")
            .order_by(col(Participant.id).desc())
            .limit(RECENT_PEOPLE)
        ).all()
    roles_by_person: dict[int, list[str]] = {}
    by_role: dict[str, list[Person]] = {}
    for grant, _person_row in grants:
        roles_by_person.setdefault(grant.participant_id, []).append(grant.role)
    for grant, person in grants:
        by_role.setdefault(grant.role, []).append(_person(person, roles_by_person))
    return _People(
        roles={role: tuple(people) for role, people in by_role.items()},
        muted=tuple(_person(p, roles_by_person) for p in muted),
        pending=tuple(_person(p, roles_by_person) for p in pending),
        recent=tuple(_person(p, roles_by_person) for p in recent),
    )


def _person(p: Participant, roles: dict[int, list[str]]) -> Person:
    return Person(
        id=p.id or 0,
        name=p.name,
        pronouns=p.pronouns,
        status=p.status,
        roles=tuple(sorted(roles.get(p.id or 0, []))),
        muted=p.muted,
    )


FOUND_PEOPLE = 20


def search_people(*, db: Database, assembly_id: str, text: str) -> tuple[Person, ...]:
    """Admitted people whose name holds `text` (any case), or the one a "Name #12" reference
    names: at most FOUND_PEOPLE, by name — the console's way to anyone, not only the latest."""
    name, participant_id = parse_person_ref(text)
    with db.read() as session:
        query = select(Participant).where(
            Participant.assembly_id == assembly_id, Participant.status == "admitted"
        )
        if participant_id is not None:
            query = query.where(Participant.id == participant_id)
        else:
            query = query.where(
                func.lower(Participant.name).contains(name.lower(), autoescape=True)
            )
        found = session.exec(query.order_by(col(Participant.name)).limit(FOUND_PEOPLE)).all()
        ids = [p.id for p in found]
        grants = session.exec(select(RoleGrant).where(col(RoleGrant.participant_id).in_(ids))).all()
    roles: dict[int, list[str]] = {}
    for grant in grants:
        roles.setdefault(grant.participant_id, []).append(grant.role)
    return tuple(_person(p, roles) for p in found)


def find_by_code(*, db: Database, join_code: str) -> str:
    """The title of the open assembly with this code (404 otherwise)."""
    with db.read() as session:
        assembly = session.exec(select(Assembly).where(Assembly.join_code == join_code)).first()
    if assembly is None:
        raise NotFound(_("No assembly has this join code."), code="join_code_unknown")
    return assembly.title


def find_participant(*, db: Database, assembly_id: str, ref: str) -> int:
    """The admitted participant a console box names ("Chen #12", or a name that is unique)."""
    with db.read() as session:
        return participant_by_ref(session, assembly_id, ref)


def match_participant(*, db: Database, assembly_id: str, ref: str) -> int | None:
    """Like find_participant, but None when the box names nobody who joined, or several: then
    it is a typed name (someone without a phone)."""
    try:
        return find_participant(db=db, assembly_id=assembly_id, ref=ref)
    except (NotFound, Conflict, Invalid):
        return None
