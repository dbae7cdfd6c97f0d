"""Import: an assembly carried to this server as its verified event export (a fork).

The export is replayed into this server's tables (app/copies/replay.py); the copy keeps every
event as it was, so its minutes come out the same and end with the same head hash. It stays
read-only here (`event_head.follows` is "import"): no one's token travels in an export, and a
copy that went on changing would no longer be the assembly that was exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.assembly.models import Assembly
from app.copies.replay import apply_events
from app.db import Database
from app.errors import Conflict, Invalid
from app.events import verify_chain
from app.events.models import EventHead
from app.i18n import _

IMPORTED = "import"  # event_head.follows of an imported assembly


@dataclass(frozen=True)
class Imported:
    assembly_id: str
    title: str
    status: str
    events: int
    head_seq: int
    head_hash: str


def import_log(*, db: Database, events: Sequence[Mapping[str, Any]]) -> Imported:
    """Rebuild an assembly from its events, which must be one whole, unbroken chain (the
    caller has compared its head with a printed one when it had one)."""
    assembly_id = _one_assembly(events)
    try:
        with db.write() as session:
            if session.get(EventHead, assembly_id) is not None:
                raise Conflict(
                    _("Assembly {id} is already on this server.").format(id=assembly_id),
                    code="assembly_exists",
                )
            apply_events(session, events, follows=IMPORTED)
            assembly = session.exec(select(Assembly).where(Assembly.id == assembly_id)).one()
            title, status = assembly.title, assembly.status
    except IntegrityError as exc:
        raise Conflict(
            _(
                "This server already holds rows with the ids this export names (its own "
                "assemblies): import it into a database of its own."
            ),
            code="ids_taken",
        ) from exc
    last = events[-1]
    return Imported(assembly_id, title, status, len(events), int(last["seq"]), str(last["hash"]))


def _one_assembly(events: Sequence[Mapping[str, Any]]) -> str:
    if not events:
        raise Invalid(_("The export holds no events."), code="no_events")
    broken = verify_chain(events)
    if broken is not None:
        raise Invalid(_("The chain breaks at seq {seq}.").format(seq=broken), code="chain_broken")
    ids = {str(event["assembly_id"]) for event in events}
    if len(ids) != 1:
        raise Invalid(_("An export holds one assembly's events."), code="several_assemblies")
    if events[0]["type"] != "assembly_created":
        raise Invalid(_("The export does not start with the assembly's creation."), code="no_start")
    return ids.pop()
