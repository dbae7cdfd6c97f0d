"""Closed assemblies built only through the services, for the archive's tests.

One meeting holds the two proposals the issue asks for: "Winter tents" passes with
stand-asides after an accepted amendment; "Drumming hours" is amended (the word
"tarpaulins" appears only in its amended text), blocked, and tabled to the Comfort working
group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.agenda import service as agenda_service
from app.assembly import service as assembly_service
from app.blocks import amendments, closing, rounds
from app.blocks import service as proposals
from app.db import Database
from app.groups import service as groups

TENTS = "Buy six insulated tents for the north lawn, up to $1,200 from the general fund."
TENTS_AMENDED = (
    "Buy six insulated tents for the north lawn, up to $1,200 from the general fund, "
    "set at least three metres from the fire lane."
)
DRUMS = "Drumming stops at 10 pm on weeknights and at midnight on Fridays and Saturdays."
DRUMS_AMENDED = (
    "Drumming stops at 10 pm on weeknights and at midnight on Fridays and Saturdays; "
    "the drummers move under the tarpaulins by the east wall after 8 pm."
)
BLOCK_REASON = "Quiet hours were never brought to the Drummers Circle; this skips them."
WORKING_GROUPS = ["Kitchen", "Comfort", "Drummers Circle", "Legal"]


@dataclass
class Group:
    slug: str
    token: str


@dataclass
class Meeting:
    db: Database
    aid: str
    join_code: str
    noor: int
    people: dict[str, int]
    tents: int
    drums: int
    number: int | None
    extra: dict[str, Any] = field(default_factory=dict)


def make_group(db: Database, slug: str = "riverside-commons", **kw: Any) -> Group:
    made = groups.create_group(
        db=db,
        name=kw.pop("name", "Riverside Commons General Assembly"),
        slug=slug,
        time_zone=kw.pop("time_zone", "America/New_York"),
        working_groups=kw.pop("working_groups", WORKING_GROUPS),
        **kw,
    )
    return Group(made.group.slug, made.admin_token)


def _call(db: Database, pid: int, noor: int, answers: dict[int, tuple[str, str | None]]) -> None:
    """A call for consensus, answered, then closed by the facilitator."""
    opened = rounds.open_round(db=db, proposal_id=pid, actor_id=noor, kind="consensus")
    rid = opened.data["round_id"]
    for person, (value, reason) in answers.items():
        rounds.respond(db=db, round_id=rid, actor_id=person, value=value, reason=reason)
    closing.close_round(db=db, round_id=rid, actor_id=noor)


def hold_meeting(
    db: Database,
    group: Group | None = None,
    *,
    title: str = "Riverside Commons GA",
    visibility: str = "public",
    close: bool = True,
    notes: list[tuple[str, str]] | None = None,
) -> Meeting:
    """A whole evening: two proposals decided, then (by default) the assembly closed."""
    made = assembly_service.create_assembly(
        db=db,
        title=title,
        facilitator_name="Noor",
        visibility=visibility,
        joining=groups.joining(group.slug, group.token) if group else None,
    )
    aid, noor = made.assembly_id, made.participant_id
    people = {
        name: assembly_service.join_assembly(
            db=db, join_code=made.join_code, name=name
        ).participant_id
        for name in ("Marisol", "Emeka", "Chen", "Kofi", "Sipho")
    }

    tents = proposals.submit_proposal(
        db=db, assembly_id=aid, actor_id=noor, title="Winter tents", text=TENTS,
        presenter_id=people["Marisol"], working_group="Comfort",
    ).data["proposal_id"]  # fmt: skip
    proposals.move_stage(db=db, proposal_id=tents, actor_id=noor, stage="amendments")
    amended = amendments.propose_amendment(
        db=db, proposal_id=tents, actor_id=people["Emeka"], text=TENTS_AMENDED,
        rationale="Keep the fire lane clear.",
    ).data["amendment_id"]  # fmt: skip
    amendments.decide_amendment(
        db=db, amendment_id=amended, actor_id=people["Marisol"], accept=True
    )
    proposals.move_stage(db=db, proposal_id=tents, actor_id=noor, stage="consensus_call")
    _call(
        db,
        tents,
        noor,
        {
            people["Marisol"]: ("agree", None),
            people["Emeka"]: ("agree", None),
            people["Kofi"]: ("agree", None),
            people["Chen"]: ("stand_aside", "I sleep in a van; not my call."),
        },
    )

    drums = proposals.submit_proposal(
        db=db, assembly_id=aid, actor_id=noor, title="Drumming hours", text=DRUMS,
        presenter_id=people["Kofi"], working_group="Drummers Circle",
    ).data["proposal_id"]  # fmt: skip
    proposals.move_stage(db=db, proposal_id=drums, actor_id=noor, stage="concerns")
    amendment = amendments.propose_amendment(
        db=db, proposal_id=drums, actor_id=people["Chen"], text=DRUMS_AMENDED
    ).data["amendment_id"]
    amendments.decide_amendment(db=db, amendment_id=amendment, actor_id=people["Kofi"], accept=True)
    proposals.move_stage(db=db, proposal_id=drums, actor_id=noor, stage="consensus_call")
    _call(
        db,
        drums,
        noor,
        {
            people["Kofi"]: ("agree", None),
            people["Marisol"]: ("agree", None),
            people["Sipho"]: ("block", BLOCK_REASON),
        },
    )
    proposals.move_stage(
        db=db, proposal_id=drums, actor_id=noor, stage="decided", outcome="tabled",
        tabled_to="Comfort working group",
    )  # fmt: skip
    for text, on in notes or []:
        from app.minutes.service import take_note  # the minutes helper's notes, when present

        item = {"tents": tents, "drums": drums}[on]
        take_note(db=db, assembly_id=aid, actor_id=noor, text=text, agenda_item_id=_item(db, item))
    if close:
        agenda_service.close_assembly(db=db, assembly_id=aid, actor_id=noor)
    return Meeting(
        db, aid, made.join_code, noor, people, tents, drums,
        made.group["number"] if made.group else None,
    )  # fmt: skip


def _item(db: Database, proposal_id: int) -> int:
    from app.blocks.models import Proposal

    with db.read() as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        return proposal.agenda_item_id


BREAKFAST = "Breakfast is porridge at 7, cooked by the kitchen working group."
BREAKFAST_DECIDED = "Breakfast is pancakes at 8, cooked by the kitchen working group."


def decide_breakfast(db: Database, meeting: Meeting, text: str = BREAKFAST_DECIDED) -> int:
    """A third proposal of an open meeting, amended to `text` and passed; then the meeting
    closes. Its first version ("porridge at 7") and its decided one differ."""
    noor, people = meeting.noor, meeting.people
    pid: int = proposals.submit_proposal(
        db=db, assembly_id=meeting.aid, actor_id=noor, title="Breakfast",
        text=BREAKFAST, presenter_id=people["Emeka"],
    ).data["proposal_id"]  # fmt: skip
    proposals.move_stage(db=db, proposal_id=pid, actor_id=noor, stage="amendments")
    amendment = amendments.propose_amendment(
        db=db, proposal_id=pid, actor_id=people["Chen"], text=text
    ).data["amendment_id"]
    amendments.decide_amendment(
        db=db, amendment_id=amendment, actor_id=people["Emeka"], accept=True
    )
    proposals.move_stage(db=db, proposal_id=pid, actor_id=noor, stage="consensus_call")
    agree = ("agree", None)
    _call(db, pid, noor, {people[name]: agree for name in ("Emeka", "Chen", "Kofi")})
    agenda_service.close_assembly(db=db, assembly_id=meeting.aid, actor_id=noor)
    return pid
