"""Changes to groups: create one, keep its working groups, number its assemblies.

A group has no event log of its own (the log is per assembly, see models.py); each change
here is one transaction on the group's rows.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import clock
from app.assembly.auth import hash_secret, new_secret
from app.assembly.logic import check_time_zone, clean_text, parse_decision_rule
from app.assembly.models import AssemblyGroup
from app.assembly.service import Membership
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from app.groups import logic
from app.groups.models import WorkingGroup
from app.i18n import _


@dataclass(frozen=True)
class GroupView:
    """A group as the API and the archive show it (never its secret)."""

    slug: str
    name: str
    time_zone: str
    decision_rule: dict[str, Any] | None
    working_groups: tuple[tuple[str, str], ...]  # (name, key)
    assemblies: int  # how many assemblies it has numbered so far

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "time_zone": self.time_zone,
            "decision_rule": self.decision_rule,
            "working_groups": [{"name": n, "key": k} for n, k in self.working_groups],
            "assemblies": self.assemblies,
        }


@dataclass(frozen=True)
class GroupCreated:
    group: GroupView
    admin_token: str


def view_of(session: Session, group: AssemblyGroup) -> GroupView:
    rows = session.exec(
        select(WorkingGroup)
        .where(WorkingGroup.group_id == group.id)
        .order_by(col(WorkingGroup.position))
    ).all()
    rule = json.loads(group.decision_rule_json) if group.decision_rule_json else None
    return GroupView(
        slug=group.slug,
        name=group.name,
        time_zone=group.time_zone,
        decision_rule=rule,
        working_groups=tuple((w.name, w.key) for w in rows),
        assemblies=group.last_number,
    )


def group_by_slug(session: Session, slug: str, *, for_update: bool = False) -> AssemblyGroup:
    if not logic.SLUG.fullmatch(slug):  # no query for what cannot be a slug (NUL bytes, say)
        raise NotFound(
            _("There is no group called “{slug}”.").format(slug=slug[:60]), code="group_not_found"
        )
    query = select(AssemblyGroup).where(AssemblyGroup.slug == slug)
    if for_update:  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers
        query = query.with_for_update(key_share=True)
    group = session.exec(query).first()
    if group is None:
        raise NotFound(
            _("There is no group called “{slug}”.").format(slug=slug), code="group_not_found"
        )
    return group


def check_admin(group: AssemblyGroup, token: str | None) -> None:
    """401 without a token, 403 with one that is not this group's admin token."""
    if not token:
        raise Unauthorized(_("This needs the group's admin token."), code="group_token_required")
    if not hmac.compare_digest(group.admin_token_hash, hash_secret(token)):
        raise Forbidden(_("This token is not the group's admin token."), code="bad_group_token")


def _replace_working_groups(
    session: Session, group_id: int, names: Sequence[tuple[str, str]]
) -> None:
    for old in session.exec(select(WorkingGroup).where(WorkingGroup.group_id == group_id)):
        session.delete(old)
    session.flush()  # deletes first: the unit of work would otherwise insert a kept key twice
    for position, (name, key) in enumerate(names, start=1):
        session.add(WorkingGroup(group_id=group_id, name=name, key=key, position=position))


def create_group(
    *,
    db: Database,
    name: str,
    slug: str,
    time_zone: str,
    decision_rule: dict[str, Any] | None = None,
    working_groups: Sequence[str] = (),
) -> GroupCreated:
    """A new group; the admin token in the reply is shown once and stored only as a hash."""
    name = clean_text(name, field="name", max_len=120)
    slug = logic.check_slug(slug)
    check_time_zone(time_zone)
    rule = parse_decision_rule(decision_rule).as_json() if decision_rule is not None else None
    names = logic.clean_working_groups(working_groups)
    token = new_secret()
    moment = clock.now()
    taken = Conflict(
        _("The slug “{slug}” is taken; pick another.").format(slug=slug), code="slug_taken"
    )
    try:
        with db.write() as session:
            if session.exec(select(AssemblyGroup.id).where(AssemblyGroup.slug == slug)).first():
                raise taken
            group = AssemblyGroup(
                slug=slug,
                name=name,
                time_zone=time_zone,
                decision_rule_json=json.dumps(rule) if rule is not None else None,
                admin_token_hash=hash_secret(token),
                created_at=moment,
                updated_at=moment,
            )
            session.add(group)
            session.flush()
            _replace_working_groups(session, group.id or 0, names)
            session.flush()
            view = view_of(session, group)
    except IntegrityError as exc:  # another request took the slug between our check and insert
        raise taken from exc
    return GroupCreated(group=view, admin_token=token)


def set_working_groups(
    *, db: Database, slug: str, token: str | None, names: Sequence[str]
) -> GroupView:
    """The group's admins replace its list of working groups (order kept)."""
    with db.write() as session:
        group = group_by_slug(session, slug, for_update=True)
        check_admin(group, token)  # before the names: strangers learn nothing from a 422
        cleaned = logic.clean_working_groups(names)
        _replace_working_groups(session, group.id or 0, cleaned)
        group.updated_at = clock.now()
        session.add(group)
        session.flush()
        return view_of(session, group)


def reissue_admin_token(*, db: Database, slug: str) -> str:
    """A new admin token for a group; the old one stops working. Only the hash is stored, so
    whoever runs the server (`miccheck demo` on the group an earlier run made) gets a new
    one rather than the old one back. Not offered over HTTP."""
    token = new_secret()
    with db.write() as session:
        group = group_by_slug(session, slug, for_update=True)
        group.admin_token_hash = hash_secret(token)
        group.updated_at = clock.now()
        session.add(group)
    return token


def load_group(*, db: Database, slug: str) -> GroupView:
    """A group by its slug (404 when there is none)."""
    with db.read() as session:
        return view_of(session, group_by_slug(session, slug))


def joining(slug: str | None, token: str | None) -> Callable[[Session], Membership] | None:
    """How a new assembly joins the group `slug` inside its own creating transaction
    (`claim_number`), for `create_assembly`; None for one that stands alone. A token without
    a group is refused."""
    if slug is None:
        if token is not None:
            raise Invalid(
                _("A group token was sent without naming the group."), code="group_required"
            )
        return None
    return lambda session: claim_number(session, slug=slug, token=token)


def claim_number(session: Session, *, slug: str, token: str | None) -> Membership:
    """The next number in the group, for an assembly created with the admin token.

    Called inside the creating transaction: the group's row is locked first, so concurrent
    creations get 1, 2, 3… and a rolled-back creation leaves no gap.
    """
    group = group_by_slug(session, slug, for_update=True)
    check_admin(group, token)
    group.last_number += 1
    group.updated_at = clock.now()
    session.add(group)
    rule = json.loads(group.decision_rule_json) if group.decision_rule_json else None
    return Membership(
        group_id=group.id or 0,
        slug=group.slug,
        name=group.name,
        number=group.last_number,
        time_zone=group.time_zone,
        decision_rule=rule,
    )
