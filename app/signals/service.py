"""Sending a hand signal: checked, claimed on the board, announced on the bus. No database write:
a signal is never an event nor a row (app/signals/board.py says why)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.assembly.access import participant_in
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, TooMany
from app.events import head_of
from app.i18n import _
from app.signals.board import Board, marker
from app.signals.logic import KINDS
from app.stack.queue import current_turn


@dataclass(frozen=True)
class Sent:
    """A signal on its way to the wall; `seq` is the assembly's, unchanged by it."""

    kind: str
    seq: int


def send_signal(*, db: Database, board: Board, assembly_id: str, actor_id: int, kind: str) -> Sent:
    """Signal the room's feeling about the turn on the floor: agree, unsure or disagree, as a
    request (a phone without JavaScript, or whose socket is down; the API).

    Anyone admitted may, muted or not (muting takes away the floor, not the ears); once every
    5 seconds per person (per process: the board is in memory). Every process hears it on the
    bus and adds it to its own board (app/web/app.py), this one included.
    """
    with db.read() as session:
        person = participant_in(session, assembly_id, actor_id)
        turn = current_turn(session, assembly_id)
        seq = head_of(session, assembly_id)
    if person.status != "admitted":
        raise Forbidden(
            _("You have not been admitted yet; a greeter will let you in."), code="not_admitted"
        )
    claimed = claim_signal(
        board=board,
        assembly_id=assembly_id,
        actor_id=actor_id,
        kind=kind,
        turn_id=turn.id if turn is not None else None,
    )
    db.announce(assembly_id, seq, {claimed})
    return Sent(kind=kind, seq=seq)


def claim_signal(
    *, board: Board, assembly_id: str, actor_id: int, kind: str, turn_id: int | None
) -> str:
    """The rules every signal passes, however it came: someone has the floor (`turn_id`), the
    kind is one of the three, and the person's last signal is 5 seconds old. Returns the bus
    marker that carries it; raises Conflict, Invalid or TooMany."""
    if turn_id is None:
        raise Conflict(_("Nobody is speaking now: signals are for a speaker."), code="no_speaker")
    if kind not in KINDS:
        raise Invalid(_("A signal is agree, unsure or disagree."), code="bad_signal")
    wait = board.claim(assembly_id, actor_id)
    if wait > 0:
        raise TooMany(
            _("One signal every 5 seconds: wait a moment."),
            retry_after=max(1, math.ceil(wait)),
            code="signal_too_soon",
        )
    return marker(turn_id, kind)


def floor_of(db: Database, assembly_id: str) -> tuple[int, int | None]:
    """The assembly's head seq and the turn on the floor then (None: nobody speaks)."""
    with db.read() as session:
        turn = current_turn(session, assembly_id)
        return head_of(session, assembly_id), turn.id if turn is not None else None
