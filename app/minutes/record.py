"""What the minutes record: plain dataclasses the fold in `logic.py` fills from events.

`dataclasses.asdict(minutes)` is the JSON form; Markdown and HTML render the same object.
Times are `Moment`s: the event's UTC stamp as hashed, and its date and time in the assembly's
time zone, so a printed copy reads in local time and can still be matched to the export.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Moment:
    utc: str  # as in the event: ISO 8601 UTC with microseconds and a Z
    date: str  # local, "2026-03-14"
    time: str  # local, "19:05"


@dataclass
class RoleHolder:
    role: str
    name: str
    since: Moment | None = None  # None: from the opening of the assembly
    until: Moment | None = None  # None: to the end


@dataclass
class Removal:
    """Someone a facilitator removed from the assembly (their link refused from then on)."""

    name: str
    by: str | None  # the facilitator who removed them
    at: Moment


@dataclass
class TakeOver:
    """A mirror that took over from its primary: the log goes on there from `at_seq`."""

    primary: str  # the address of the server it followed
    at_seq: int  # the last seq it held
    by: str | None  # the facilitator who pressed the button
    at: Moment


@dataclass
class Header:
    assembly_id: str
    title: str
    number: int | None
    group: str | None
    date: str  # local, "Saturday 14 March 2026"
    place: str | None
    time_zone: str
    opened: Moment | None
    closed: Moment | None
    final: bool  # the assembly has closed: nothing can be added any more
    visibility: str
    roles: list[RoleHolder] = field(default_factory=list)
    headcount: int | None = None
    headcount_set: Moment | None = None
    phones_joined: int = 0
    decision_rule: dict[str, object] = field(default_factory=dict)
    decision_rule_text: str = ""
    removed: list[Removal] = field(default_factory=list)
    take_overs: list[TakeOver] = field(default_factory=list)


@dataclass
class Speaker:
    order: int
    name: str | None  # None when the assembly leaves names out of the minutes
    kind: str  # the hand: speak, clarifying_question, …
    kind_words: str
    started: Moment
    seconds: int | None  # None while the turn is still running
    to_a_block: bool = False  # a blocker given the floor after a blocked call
    signals: str | None = None  # how the room took the turn ("mostly agree"), if recorded


@dataclass
class Correction:
    note_id: int
    corrects: int
    at: Moment
    by: str | None
    label: str | None
    text: str
    gap: bool


@dataclass
class Note:
    note_id: int  # the seq of its `note_taken` event: the note is its event
    at: Moment
    by: str | None
    label: str | None
    label_words: str | None
    text: str
    gap: bool  # "…": the minute taker missed something here
    corrections: list[Correction] = field(default_factory=list)


@dataclass
class ActionItem:
    """Something to be done after the assembly: recorded by the minute taker, or derived."""

    action_id: int  # the seq of its event (a derived one's: the decision it comes from)
    at: Moment
    text: str
    who: str | None  # a person or a working group
    due: str | None  # free text: "Friday 20 March", "next GA"
    by: str | None  # who recorded it; None: derived from the decision, recorded by nobody


@dataclass
class Count:
    value: str
    word: str
    phones: int
    counted: int  # hands counted in the room (analog)
    total: int


@dataclass
class Block:
    block_id: int | None
    name: str | None  # None in an anonymous round
    reason: str
    counted: bool  # counted in the room rather than cast from a phone
    principled: bool | None = None  # a block review's verdict; None when none was held


@dataclass
class StandAside:
    name: str | None  # None in an anonymous round
    reason: str | None


@dataclass
class Round:
    round_id: int
    number: int
    kind: str
    kind_words: str
    fallback: bool
    anonymous: bool
    version: int
    opened: Moment
    closed: Moment | None = None
    by_deadline: bool = False
    counts: list[Count] = field(default_factory=list)
    total: int = 0
    outcome: str | None = None
    outcome_words: str | None = None
    explanation: str | None = None
    blocks: list[Block] = field(default_factory=list)
    stand_asides: list[StandAside] = field(default_factory=list)
    counted_stand_asides: int = 0  # stand-asides counted in the room: counted, never named
    about_block: str | None = None  # a block review: whose block, and its verdict


@dataclass
class Amendment:
    amendment_id: int
    by: str
    text: str
    rationale: str | None
    based_on_version: int
    proposed: Moment
    fate: str  # accepted, rejected, or open (never decided)
    version: int | None = None  # the version an accepted amendment made
    decided: Moment | None = None
    decided_by: str | None = None
    on_presenters_word: bool = False
    diff: str = ""  # [-removed-]{+added+} against the version it was based on
    diff_pieces: list[tuple[str, str]] = field(default_factory=list)
    diff_summary: str = ""


@dataclass
class Step:
    at: Moment
    what: str


@dataclass
class Proposal:
    proposal_id: int
    title: str
    presenter: str
    working_group: str | None
    submitted: Moment
    text_presented: str
    versions: dict[int, str] = field(default_factory=dict)
    amendments: list[Amendment] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    history: list[Step] = field(default_factory=list)
    stage: str = "presented"
    outcome: str | None = None
    outcome_words: str | None = None
    outcome_line: str | None = None  # the outcome with its arithmetic
    after_round: str | None = None  # decided by hand (tabled, withdrawn…): the last round before
    decided: Moment | None = None
    decided_version: int | None = None
    text_decided: str | None = None
    tabled_to: str | None = None
    actions: list[ActionItem] = field(default_factory=list)


@dataclass
class Item:
    item_id: int
    position: int
    number: str  # "N.M": the assembly's number and the item's, or just M
    title: str
    kind: str
    working_group: str | None
    time_box_minutes: int | None  # None: not in the event log
    used_seconds: int = 0
    status: str = "not taken up"  # not taken up, open, put back, done
    hands_carried: int = 0  # hands still up when the next item opened, carried over to it
    hands_cleared: int = 0  # … or lowered then
    opened: Moment | None = None
    closed: Moment | None = None
    proposals: list[Proposal] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)  # the item's, not its proposal's


@dataclass
class Floor:
    """What happened while no item was open."""

    speakers: list[Speaker] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass
class SpeakingTime:
    name: str
    turns: int
    seconds: int


@dataclass
class Head:
    seq: int
    hash: str


@dataclass
class Minutes:
    header: Header
    items: list[Item]
    floor: Floor
    approvals: list[Round]  # "approve the minutes" rounds, usually one at the close
    speaking_time: list[SpeakingTime]  # empty when names are left out
    speaker_names: bool
    cannot_know: list[str]  # facts the event log does not hold, said rather than guessed
    head: Head
    actions: list[ActionItem] = field(default_factory=list)  # for the assembly as a whole
