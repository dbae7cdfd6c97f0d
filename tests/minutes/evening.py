"""The fixture evening of the minutes tests, played through the services on a frozen clock.

The minutes take their times from the events (`at`) and from what the services measured
(turn seconds, time used per item). Both come from clocks, so the services' clocks and the
event stamp are patched to one fake clock that only moves when the script says `tick(…)`:
the same script gives the same minutes, to the second, on SQLite and PostgreSQL, and the
golden file holds. (Only the assembly id and the chain's hashes differ per run: the id is
random; the golden test replaces them.)

The evening, on the people and agenda of app/demo_assembly.json (America/New_York, 19:00):
the welcome; the kitchen report with three turns (one a hand added by name) and an action item;
the legal report with a note corrected later; Winter tents — an accepted and a rejected
amendment, a temperature check and a call with analog counts, passed with stand-asides, and
an action item for the Comfort working group; Drumming hours —
a named block, the blocker heard, an anonymous re-call blocked again (a phone block and a
block counted in the room), tabled to the Drummers Circle; a gap "…" in the notes; the
announcements not taken up; the minutes approved (phones and hands counted in the room).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app import clock as app_clock
from app.agenda import service as agenda_service
from app.assembly.models import AgendaItem, Participant
from app.blocks import amendments, closing, rounds
from app.blocks import service as proposals
from app.db import Database
from app.demo import load_demo, seed_demo
from app.minutes import service as minutes_service
from app.stack import service as stack_service

START = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # 19:00 in New York (EDT)
ANONYMOUS_ANSWERERS = ("Zora", "Ximena", "Mr. Alvarez")  # block, stand aside, counted block
ANONYMOUS_REASONS = (
    "The south side is where families with small children sleep.",
    "I sleep next to the drums; too close to call.",
    "Drumming after 8 pm breaks our agreement with the neighbours.",
)


class Clock:
    """The one clock of the fixture: it moves only when told."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def tick(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def freeze(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    """The one clock the domain reads (app/clock.py), the events' stamps included, is `clock`."""
    monkeypatch.setattr(app_clock, "now", clock.now)


@dataclass
class Evening:
    db: Database
    clock: Clock
    assembly_id: str
    join_code: str
    tokens: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)

    @property
    def noor(self) -> int:
        return self.ids["Noor"]

    def tick(self, seconds: float) -> None:
        self.clock.tick(seconds)

    # -- moves of the room, as the console would make them --

    def open_item(self, title: str) -> None:
        agenda_service.open_agenda_item(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.noor, item_id=self.items[title]
        )

    def close_item(self, title: str) -> None:
        agenda_service.close_agenda_item(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.noor, item_id=self.items[title]
        )

    def hand(self, name: str, kind: str = "speak") -> None:
        if name in self.ids:
            stack_service.raise_hand(
                db=self.db, assembly_id=self.assembly_id, actor_id=self.ids[name], kind=kind
            )
        else:  # no phone: the stack keeper adds the hand by name
            stack_service.add_named_hand(
                db=self.db, assembly_id=self.assembly_id, actor_id=self.ids["Keiko"], kind=kind,
                name=name,
            )  # fmt: skip

    def speak(self, *seconds: int) -> None:
        """The stack keeper calls the next speaker for each length; the last turn is ended."""
        for length in seconds:
            stack_service.call_next_speaker(
                db=self.db, assembly_id=self.assembly_id, actor_id=self.ids["Keiko"]
            )
            self.tick(length)
        stack_service.control_timer(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.ids["Keiko"], action="end"
        )

    def note(self, key: str, text: str, label: str | None = None, **more: Any) -> int:
        noted = minutes_service.take_note(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.ids["Ruth"], text=text,
            label=label, **more,
        )  # fmt: skip
        self.notes[key] = noted.note_id
        return noted.note_id

    def action(self, key: str, text: str, **more: Any) -> int:
        recorded = minutes_service.record_action(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.ids["Ruth"], text=text,
            **more,
        )  # fmt: skip
        self.actions[key] = recorded.action_id
        return recorded.action_id

    def submit(self, title: str, presenter: str, text: str, working_group: str) -> int:
        pid = int(
            proposals.submit_proposal(
                db=self.db, assembly_id=self.assembly_id, actor_id=self.noor, title=title,
                text=text, presenter_id=self.ids[presenter], working_group=working_group,
                agenda_item_id=self.items[title],
            ).data["proposal_id"]
        )  # fmt: skip
        self.proposals[title] = pid
        return pid

    def stage(self, title: str, stage: str, **decided: Any) -> None:
        proposals.move_stage(
            db=self.db, proposal_id=self.proposals[title], actor_id=self.noor, stage=stage,
            **decided,
        )  # fmt: skip

    def amend(self, title: str, by: str, text: str, rationale: str, accept: bool) -> None:
        aid = amendments.propose_amendment(
            db=self.db, proposal_id=self.proposals[title], actor_id=self.ids[by], text=text,
            rationale=rationale,
        ).data["amendment_id"]  # fmt: skip
        self.tick(60)
        presenter = self.ids["Marisol"]
        amendments.decide_amendment(db=self.db, amendment_id=aid, actor_id=presenter, accept=accept)

    def round(
        self,
        title: str,
        kind: str,
        answers: list[tuple[str, str, str | None]],
        *,
        analog: dict[str, int] | None = None,
        analog_blocks: list[dict[str, str]] | None = None,
        anonymous: bool = False,
        seconds: int = 90,
    ) -> None:
        rid = int(
            rounds.open_round(
                db=self.db, proposal_id=self.proposals[title], actor_id=self.noor, kind=kind,
                anonymous=anonymous,
            ).data["round_id"]
        )  # fmt: skip
        for name, value, reason in answers:
            rounds.respond(
                db=self.db, round_id=rid, actor_id=self.ids[name], value=value, reason=reason
            )
        if analog or analog_blocks:
            rounds.record_analog(
                db=self.db, round_id=rid, actor_id=self.noor, counts=analog or {},
                blocks=analog_blocks,
            )  # fmt: skip
        self.tick(seconds)
        closing.close_round(db=self.db, round_id=rid, actor_id=self.noor)


def crowd(names: list[str], value: str) -> list[tuple[str, str, str | None]]:
    return [(name, value, None) for name in names]


def play_evening(db: Database, clock: Clock) -> Evening:
    """The whole evening; see the module's docstring."""
    demo = load_demo()
    made = seed_demo(db=db, open_item=None, in_group=False)  # the golden numbers items 1, 2…
    with db.read() as session:
        people = session.exec(
            select(Participant).where(Participant.assembly_id == made.assembly_id)
        ).all()
        agenda = session.exec(
            select(AgendaItem).where(AgendaItem.assembly_id == made.assembly_id)
        ).all()
    ev = Evening(db, clock, made.assembly_id, made.join_code, made.tokens)
    ev.ids = {p.name: p.id or 0 for p in people}
    ev.items = {i.title: i.id or 0 for i in agenda}
    tents_spec = next(i["proposal"] for i in demo["agenda"] if i["title"] == "Winter tents")
    drums_spec = next(i["proposal"] for i in demo["agenda"] if i["title"] == "Drumming hours")

    ev.tick(60)  # 19:01
    ev.open_item("Welcome, process and hand signals")
    ev.note("welcome", "Noor welcomed everyone and went through the hand signals.", "F")
    ev.tick(240)
    ev.close_item("Welcome, process and hand signals")

    ev.open_item("Kitchen report-back")  # 19:05
    ev.hand("Farah")
    ev.hand("Gus", "clarifying_question")
    ev.hand("Big Mike")
    ev.tick(10)
    ev.speak(95, 20, 40)
    ev.note("gus", "Gus asked whether the kitchen keeps an allergy list: yes, on the fridge.", "CQ")
    ev.note("volunteers", "Kitchen needs two more people for the 6 am breakfast shift.", "R")
    ev.note("gap", "…")
    ev.action("breakfast", "Put up the sign-up sheet for the 6 am breakfast shift", who="Farah")
    ev.tick(60)
    ev.close_item("Kitchen report-back")

    ev.open_item("Legal report-back")  # 19:08
    ev.note("legal", "The arraignment is moved to Thursday 9 am; court support meets at 8 am.")
    ev.tick(150)
    ev.close_item("Legal report-back")

    ev.open_item("Winter tents")  # 19:11
    tents = "Winter tents"
    ev.submit(tents, "Marisol", tents_spec["text"], "Comfort")
    ev.tick(120)
    ev.stage(tents, "clarifying_questions")
    ev.hand("Chen", "clarifying_question")
    ev.speak(30)
    ev.note("chen", "Chen asked how many sleep on the north lawn: about 40, said Marisol.", "CQ")
    ev.stage(tents, "concerns")
    ev.hand("Emeka")
    ev.hand("Hannah")
    ev.speak(45, 30)
    ev.note("fire lane", "Emeka: tents in a row block the fire lane the inspector walked.", "Crn")
    ev.stage(tents, "amendments")
    emeka, quentin = tents_spec["amendments"]
    ev.amend(tents, "Emeka", emeka["text"], emeka["rationale"], accept=True)
    ev.amend(tents, "Quentin", quentin["text"], quentin["rationale"], accept=False)
    ev.note("amended", "Emeka's friendly amendment (3 m from the fire lane) accepted.", "FA")
    ev.stage(tents, "temperature_check")
    others = [n for n in demo["participants"] if n not in ANONYMOUS_ANSWERERS]
    ev.round(
        tents, "temperature",
        crowd(others[:15], "up") + crowd(others[15:18], "sideways") + crowd(others[18:19], "down"),
        analog={"up": 5, "sideways": 1}, seconds=60,
    )  # fmt: skip
    ev.stage(tents, "consensus_call")
    standing_aside = [
        ("Bianca", "stand_aside", "I would rather we built the pallets first."),
        ("Lena", "stand_aside", None),
    ]
    agreeing = [n for n in others if n not in ("Bianca", "Lena")][:18]
    ev.round(
        tents,
        "consensus",
        [*standing_aside, *crowd(agreeing, "agree")],
        analog={"agree": 6, "stand_aside": 2},
    )
    ev.action(
        "tents",
        "Buy the six tents and set them up in two rows of three, clear of the fire lane",
        who="Comfort working group",
        due="Friday 20 March",
    )  # the open item's proposal: Winter tents
    ev.tick(30)
    ev.close_item(tents)

    ev.open_item("Drumming hours")  # 19:25
    drums = "Drumming hours"
    ev.submit(drums, "Kofi", drums_spec["text"], "Drummers Circle")
    ev.tick(90)
    ev.stage(drums, "concerns")
    ev.hand("Priya")
    ev.speak(50)
    ev.note("medic", "Priya: drums after 9 pm keep the medic tent awake.", "Crn")
    ev.stage(drums, "consensus_call")
    agreeing = [n for n in others if n not in ("Sipho", "Ugo", "Wen", "Kofi")]
    sipho = ("Sipho", "block", "Drums until 10 pm beside the medic tent keep the sick from sleep.")
    ev.round(
        drums,
        "consensus",
        [sipho, *crowd(["Ugo", "Wen"], "stand_aside"), *crowd(agreeing[:16], "agree")],
    )
    ev.speak(60)  # Sipho heads the stack: the blocker is heard
    ev.note("held", "Noor asked Sipho whether he would stand aside; he held the block.", "F")
    ev.stage(drums, "consensus_call")
    zora, ximena, alvarez = ANONYMOUS_ANSWERERS
    ev.round(
        drums,
        "consensus",
        [
            (zora, "block", ANONYMOUS_REASONS[0]),
            (ximena, "stand_aside", ANONYMOUS_REASONS[1]),
            *crowd(agreeing[:14], "agree"),
        ],
        analog={"agree": 4},
        analog_blocks=[{"name": alvarez, "reason": ANONYMOUS_REASONS[2]}],
        anonymous=True,
    )
    ev.note("over time", "Dev: we are over time; can this go back to the working group?", "PoP")
    ev.tick(60)
    ev.stage(drums, "decided", outcome="tabled", tabled_to="Drummers Circle")
    ev.close_item(drums)

    ev.tick(60)  # 19:36, between items: the minute taker corrects the legal note
    ev.note(
        "legal corrected",
        "The arraignment is on Friday at 9 am, not Thursday.",
        corrects=ev.notes["legal"],
    )
    ev.tick(60)  # the assembly approves its minutes, then closes
    approval = rounds.open_minutes_approval(db=db, assembly_id=ev.assembly_id, actor_id=ev.noor)
    rid = int(approval.data["round_id"])
    for name, value, _reason in [
        *crowd(agreeing[:12], "up"), *crowd(agreeing[12:14], "sideways"), (zora, "down", None)
    ]:  # fmt: skip
        rounds.respond(db=db, round_id=rid, actor_id=ev.ids[name], value=value)
    rounds.record_analog(db=db, round_id=rid, actor_id=ev.noor, counts={"up": 5, "sideways": 1})
    ev.tick(45)
    closing.close_round(db=db, round_id=rid, actor_id=ev.noor)
    ev.tick(15)
    agenda_service.close_assembly(db=db, assembly_id=ev.assembly_id, actor_id=ev.noor)
    return ev
