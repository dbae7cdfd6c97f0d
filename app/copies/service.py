"""Mirrors in the log: a mirror announced on the facilitator's word, the secrets a mirror keeps,
a copy's batch of events stored, and the take-over that makes a mirror the primary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.assembly.access import assembly_for_write, require_role
from app.assembly.models import Assembly, Participant
from app.copies import logic
from app.copies.replay import apply_events
from app.db import Database
from app.errors import Conflict, Invalid
from app.events import Changed, append_event, facts, head_of
from app.events.models import Event, EventHead
from app.events.service import HEAD, follows_of
from app.i18n import N_, _

IMPORT = "import"  # event_head.follows of a copy made by `miccheck import`


def mirrors_of(
    session: Session, assembly_id: str, *, after: int = 0, known: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The mirrors' addresses the assembly announced, oldest first, each once (read from the
    log: `mirror_announced` events); `known` those announced up to seq `after`, so only the
    events since are read (a page's snapshot asks at every push)."""
    payloads = session.exec(
        select(Event.payload_json)
        .where(
            Event.assembly_id == assembly_id,
            Event.seq > after,
            Event.type == "mirror_announced",
        )
        .order_by(col(Event.seq))
    ).all()
    addresses = (str(json.loads(p).get("address", "")) for p in payloads)
    return tuple(dict.fromkeys([*known, *(a for a in addresses if a)]))


def mirrors_since(
    session: Session, assembly_id: str, seen: tuple[int, tuple[str, ...]] | None
) -> tuple[int, tuple[str, ...]]:
    """(the head, the mirrors announced up to it), reading only the events after `seen`'s."""
    head = head_of(session, assembly_id)
    after, known = seen or (0, ())
    if head < after:  # another log under this id (a test database made again): read it all
        after, known = 0, ()
    if head == after:
        return head, known
    return head, mirrors_of(session, assembly_id, after=after, known=known)


def announce_mirror(*, db: Database, assembly_id: str, actor_id: int, address: str) -> Changed:
    """A facilitator says a mirror runs at `address`: phones learn it (event
    `mirror_announced`), and go there when this server stops answering. Once per address."""
    origin = logic.mirror_address(address)
    if origin is None:
        raise Invalid(
            _("A mirror's address is http://HOST:PORT, without a path: not {address}.").format(
                address=address[:200]
            ),
            code="bad_address",
        )
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("announce a mirror"))
        if origin in mirrors_of(session, assembly_id):
            return Changed(head_of(session, assembly_id), {"address": origin})
        event = append_event(
            session, assembly_id, actor_id, "mirror_announced", {"address": origin}
        )
    db.announce(assembly_id, event.seq, {facts.MIRRORS})
    return Changed(event.seq, {"address": origin})


@dataclass(frozen=True)
class Secrets:
    """What a mirror keeps that no export carries: the hashes that let people in."""

    participants: dict[int, str]  # token hashes, by participant id
    projector_key_hash: str | None
    join_code: str | None

    def frame(self) -> dict[str, Any]:
        """The copy stream's "secrets" frame (docs/api.md)."""
        return {
            "type": "secrets",
            "participants": {str(pid): digest for pid, digest in self.participants.items()},
            "projector_key_hash": self.projector_key_hash,
            "join_code": self.join_code,
        }


def secrets_of(session: Session, assembly_id: str) -> Secrets:
    """The assembly's secrets as this server holds them (for its mirrors alone)."""
    rows = session.exec(
        select(Participant.id, Participant.token_hash).where(
            Participant.assembly_id == assembly_id, col(Participant.token_hash).is_not(None)
        )
    ).all()
    assembly = session.get(Assembly, assembly_id)
    return Secrets(
        participants={int(pid): str(digest) for pid, digest in rows if pid is not None},
        projector_key_hash=assembly.projector_key_hash if assembly else None,
        join_code=assembly.join_code if assembly else None,
    )


def secrets_from(frame: Mapping[str, Any]) -> Secrets:
    """A "secrets" frame read back; ValueError when it is not one."""
    participants = frame.get("participants")
    if not isinstance(participants, dict):
        raise ValueError("a secrets frame names its participants")
    key_hash, code = frame.get("projector_key_hash"), frame.get("join_code")
    return Secrets(
        participants={int(pid): str(digest) for pid, digest in participants.items()},
        projector_key_hash=str(key_hash) if key_hash else None,
        join_code=str(code) if code else None,
    )


def store_copied(
    session: Session,
    assembly_id: str,
    records: Sequence[Mapping[str, Any]],
    *,
    primary: str,
    owners: Mapping[int, int] | None = None,
) -> int:
    """Check that each event links to the last, then store and apply them, in the caller's
    transaction; the new head. `BrokenLink` (nothing stored) on the first that does not.
    `owners`: who gave the open anonymous answers among them, by seq, as the primary said."""
    head = session.exec(select(EventHead).where(EventHead.assembly_id == assembly_id)).first()
    if head is not None and head.follows != primary:
        raise not_following(head.follows, primary)
    seq, digest = (head.seq, head.hash) if head is not None else (0, "0" * 64)
    for record in records:
        reason = logic.broken_link(record, assembly_id=assembly_id, head_seq=seq, head_hash=digest)
        if reason is not None:
            raise BrokenLink(reason)
        seq, digest = int(record["seq"]), str(record["hash"])
    apply_events(session, records, follows=primary, owners=owners)
    return seq


def store_secrets(session: Session, assembly_id: str, secrets: Secrets) -> bool:
    """Write the primary's secrets over the copy's (after the events that made the rows);
    whether every person they name was there (else: write them again after the next events)."""
    connection = session.connection()
    table = Participant.__table__  # type: ignore[attr-defined]
    held = dict(
        session.exec(
            select(Participant.id, Participant.token_hash).where(
                Participant.assembly_id == assembly_id
            )
        ).all()
    )
    # Hashes are unique: clear the ones that moved first, then write each where it belongs.
    moved = {
        pid
        for pid, digest in held.items()
        if pid is not None and secrets.participants.get(pid) != digest
    }
    if moved:
        connection.execute(update(table).where(table.c.id.in_(moved)).values(token_hash=None))
    for pid in moved:
        if pid in secrets.participants:
            connection.execute(
                update(table)
                .where(table.c.id == pid, table.c.assembly_id == assembly_id)
                .values(token_hash=secrets.participants[pid])
            )
    values: dict[str, Any] = {}
    if secrets.projector_key_hash:
        values["projector_key_hash"] = secrets.projector_key_hash
    if secrets.join_code:
        values["join_code"] = secrets.join_code
    if values:
        assembly = Assembly.__table__  # type: ignore[attr-defined]
        connection.execute(update(assembly).where(assembly.c.id == assembly_id).values(**values))
    return secrets.participants.keys() <= held.keys()


class BrokenLink(Conflict):
    """An event the primary sent does not link to the copy's head: never stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            _("The mirror stopped: the primary sent a broken link ({reason}).").format(
                reason=reason
            ),
            code="broken_link",
        )


def not_following(follows: str | None, primary: str) -> Conflict:
    """The refusal to mirror into an assembly this server runs, imported, or follows elsewhere."""
    if follows is None:
        return Conflict(
            _("This server runs this assembly itself: it cannot also mirror it."),
            code="not_a_mirror",
        )
    return Conflict(
        _("This server's copy follows {other}, not {primary}.").format(
            other=follows, primary=primary
        ),
        code="follows_another",
    )


def take_over(*, db: Database, assembly_id: str, actor_id: int) -> Changed:
    """A facilitator makes this mirror the primary: it stops following and the chain goes on
    from the last seq it holds (event `taken_over`). The caller stops the follower first."""
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, ("facilitator",), N_("take over"))
        follows = follows_of(session, assembly_id)
        if follows is None or follows == IMPORT:
            raise Conflict(
                _("This server is not a mirror of this assembly: there is nothing to take over."),
                code="not_a_mirror",
            )
        session.connection().execute(
            update(HEAD).where(HEAD.c.assembly_id == assembly_id).values(follows=None)
        )
        at_seq = head_of(session, assembly_id)
        event = append_event(
            session, assembly_id, actor_id, "taken_over", {"from": follows, "at_seq": at_seq}
        )
    db.announce(assembly_id, event.seq, facts.ALL)
    return Changed(event.seq, {"from": follows, "at_seq": at_seq})


def was_taken_over(session: Session, assembly_id: str) -> bool:
    """Whether this server's log of the assembly records a take-over (it was a mirror)."""
    found = session.exec(
        select(Event.id).where(Event.assembly_id == assembly_id, Event.type == "taken_over")
    ).first()
    return found is not None


def accepts_passes(session: Session, assembly_id: str) -> bool:
    """A mirror's pass is taken only by a mirror, or by a server that took over as one: never
    as a login on the assembly's first primary."""
    follows = follows_of(session, assembly_id)
    if follows is not None:
        return follows != IMPORT
    return was_taken_over(session, assembly_id)


def holder_of_pass(*, db: Database, assembly_id: str, given: str) -> str | None:
    """The token hash a mirror's pass stands for, or None when this server does not take it."""
    pid = logic.pass_holder(given)
    if pid is None:
        return None
    with db.read() as session:
        if not accepts_passes(session, assembly_id):
            return None
        person = session.get(Participant, pid)
    if person is None or person.assembly_id != assembly_id or not person.token_hash:
        return None
    if not logic.pass_matches(given, pid, person.token_hash):
        return None
    return person.token_hash
