"""A seeded assembly to click through (`miccheck demo`), built only through the services.

The assembly belongs to the file's standing group, made on the first run and kept after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.agenda import service as agenda_service
from app.assembly import service
from app.assembly.logic import parse_decision_rule
from app.blocks import amendments, closing, rounds
from app.blocks import service as proposals_service
from app.db import Database
from app.errors import NotFound
from app.groups import service as groups_service
from app.stack import service as stack_service

DEMO_FILE = Path(__file__).with_name("demo_assembly.json")


@dataclass(frozen=True)
class Demo:
    assembly_id: str
    join_code: str
    facilitator_token: str
    projector_key: str
    tokens: dict[str, str]
    group: DemoGroup | None  # None: seeded standalone
    number: int | None  # its number within the group


@dataclass(frozen=True)
class DemoGroup:
    slug: str
    name: str
    admin_token: str
    created: bool  # False: an earlier run made it, and its admin token was replaced
    decision_rule: dict[str, Any] | None


def load_demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_FILE.read_text())
    return data


def open_demo_group(*, db: Database, spec: dict[str, Any], rule: dict[str, Any]) -> DemoGroup:
    """The file's group, made with the evening's decision rule; or, when it is there already
    (an earlier run made it), the same group with a new admin token: only its hash is stored,
    and numbering an assembly in the group takes the token."""
    slug = spec["slug"]
    try:
        found = groups_service.load_group(db=db, slug=slug)
    except NotFound:
        made = groups_service.create_group(
            db=db,
            name=spec["name"],
            slug=slug,
            time_zone=spec["time_zone"],
            decision_rule=rule,
            working_groups=spec["working_groups"],
        )
        group = made.group
        return DemoGroup(slug, group.name, made.admin_token, True, group.decision_rule)
    token = groups_service.reissue_admin_token(db=db, slug=slug)
    return DemoGroup(slug, found.name, token, False, found.decision_rule)


def seed_demo(
    *,
    db: Database,
    open_item: str | None = "Kitchen report-back",
    proposals: bool = False,
    in_group: bool = True,
    server_secret: str | None = None,
) -> Demo:
    """The evening assembly of demo_assembly.json: people, roles, headcount, agenda. It is the
    next assembly of the file's group and takes its time zone and decision rule (unless the
    group, made elsewhere, has another rule); with `in_group=False` it stands alone, given the
    same ones (its items then number 1, 2, 3…).

    With `proposals`, its proposals are also put forward and played through every stage, as
    the file tells (amendments, temperature checks, calls, block discussion, fallback vote).
    `server_secret` is the server's, so its consoles can show the projector link (a key
    derived from it).
    """
    demo = load_demo()
    spec = demo["assembly"]
    roles: dict[str, list[str]] = demo["roles"]
    facilitator = roles["facilitator"][0]
    rule = parse_decision_rule(spec["decision_rule"]).as_json()
    group = open_demo_group(db=db, spec=demo["group"], rule=rule) if in_group else None
    made = _create(db, demo, group, rule, server_secret)
    tokens = {facilitator: made.facilitator_token}
    ids = {facilitator: made.participant_id}
    people = [name for holders in roles.values() for name in holders] + demo["participants"]
    _join(db, made.join_code, people, tokens=tokens, ids=ids)
    actor = made.participant_id
    _grant_roles(db, made.assembly_id, actor, roles, ids)
    service.set_headcount(
        db=db, assembly_id=made.assembly_id, actor_id=actor, count=spec["headcount"]
    )
    items = _add_agenda(db, made.assembly_id, actor, demo["agenda"])
    if proposals:
        evening = Evening(db, made.assembly_id, actor, ids)
        for item in demo["agenda"]:
            if "proposal" in item:
                evening.play(items[item["title"]], item)
    if open_item is not None:
        agenda_service.open_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=actor, item_id=items[open_item]
        )
    return Demo(
        made.assembly_id,
        made.join_code,
        made.facilitator_token,
        made.projector_key,
        tokens,
        group,
        int(made.group["number"]) if made.group else None,
    )


def _create(
    db: Database,
    demo: dict[str, Any],
    group: DemoGroup | None,
    rule: dict[str, Any],
    server_secret: str | None,
) -> service.Created:
    """The assembly itself, numbered in its group (or standing alone), its facilitator in."""
    spec = demo["assembly"]
    # The evening's outcomes need its own rule: in a group made elsewhere with another, keep it.
    inherits_rule = group is not None and group.decision_rule == rule
    return service.create_assembly(
        db=db,
        title=spec["title"],
        facilitator_name=demo["roles"]["facilitator"][0],
        location=spec["location"],
        admission=spec["admission"],
        time_zone=None if group else demo["group"]["time_zone"],  # in a group: the group's
        decision_rule=None if inherits_rule else rule,
        joining=groups_service.joining(group.slug, group.admin_token) if group else None,
        server_secret=server_secret,
    )


def _join(
    db: Database,
    join_code: str,
    people: list[str],
    *,
    tokens: dict[str, str],
    ids: dict[str, int],
) -> None:
    """Everyone not yet in `ids` joins once, in the file's order (their phones' order)."""
    for name in dict.fromkeys(people):
        if name in ids:
            continue
        joined = service.join_assembly(db=db, join_code=join_code, name=name)
        tokens[name], ids[name] = joined.token, joined.participant_id


def _grant_roles(
    db: Database, assembly_id: str, actor: int, roles: dict[str, list[str]], ids: dict[str, int]
) -> None:
    """Each role to its holders; the facilitator who made the assembly holds it already."""
    facilitator = roles["facilitator"][0]
    for role, holders in roles.items():
        for name in holders:
            if not (role == "facilitator" and name == facilitator):
                service.grant_role(
                    db=db,
                    assembly_id=assembly_id,
                    actor_id=actor,
                    participant_id=ids[name],
                    role=role,
                )


def _add_agenda(
    db: Database, assembly_id: str, actor: int, agenda: list[dict[str, Any]]
) -> dict[str, int]:
    """The file's agenda in order; each item's id by its title."""
    items: dict[str, int] = {}
    for item in agenda:
        added = agenda_service.add_agenda_item(
            db=db,
            assembly_id=assembly_id,
            actor_id=actor,
            title=item["title"],
            kind=item["kind"],
            time_box_minutes=item.get("time_box_minutes", 15),
            working_group=item.get("working_group"),
        )
        items[item["title"]] = added.data["item_id"]
    return items


@dataclass
class Evening:
    """Plays a proposal of the demo file through the services, as the room would."""

    db: Database
    assembly_id: str
    facilitator: int
    ids: dict[str, int]

    def play(self, item_id: int, item: dict[str, Any]) -> int:
        """One agenda item with its proposal, from opening the item to closing it."""
        spec = item["proposal"]
        agenda_service.open_agenda_item(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.facilitator, item_id=item_id
        )
        presenter = self.ids[spec["presenter"]]
        pid = int(
            proposals_service.submit_proposal(
                db=self.db,
                assembly_id=self.assembly_id,
                actor_id=self.facilitator,
                title=item["title"],
                text=spec["text"],
                presenter_id=presenter,
                working_group=item.get("working_group"),
                agenda_item_id=item_id,
            ).data["proposal_id"]
        )
        self.discuss(pid, presenter, spec)
        self.decide(pid, spec)
        agenda_service.close_agenda_item(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.facilitator, item_id=item_id
        )
        return pid

    def stage(self, pid: int, name: str, **decided: Any) -> None:
        proposals_service.move_stage(
            db=self.db, proposal_id=pid, actor_id=self.facilitator, stage=name, **decided
        )

    def discuss(self, pid: int, presenter: int, spec: dict[str, Any]) -> None:
        """Clarifying questions, concerns and friendly amendments, as far as the file has any."""
        if spec.get("clarifying_questions"):
            self.stage(pid, "clarifying_questions")
            for name, _question in spec["clarifying_questions"]:
                self.hand(name, "clarifying_question")
        if spec.get("concerns") or spec.get("amendments"):
            self.stage(pid, "concerns")
            for name, _concern in spec.get("concerns", []):
                self.hand(name, "speak")
        if spec.get("amendments"):
            self.stage(pid, "amendments")
            for amendment in spec["amendments"]:
                aid = amendments.propose_amendment(
                    db=self.db,
                    proposal_id=pid,
                    actor_id=self.ids[amendment["by"]],
                    text=amendment["text"],
                    rationale=amendment.get("rationale"),
                ).data["amendment_id"]
                amendments.decide_amendment(
                    db=self.db,
                    amendment_id=aid,
                    actor_id=presenter,
                    accept=amendment["fate"] == "accepted",
                )

    def decide(self, pid: int, spec: dict[str, Any]) -> None:
        """The temperature check, the call, the block discussion and the fallback vote, or
        tabling, as far as the file has them."""
        if "temperature" in spec:
            self.stage(pid, "temperature_check")
            self.round(pid, "temperature", spec["temperature"])
        if "first_call" in spec:
            self.stage(pid, "consensus_call")
            self.round(pid, "consensus", spec["first_call"])
        for name, kind in spec.get("block_discussion", []):
            if kind != "speak":  # the blocker's own hand went up when the call closed
                self.hand(name, kind)
        if "fallback_vote" in spec:
            self.stage(pid, "consensus_call")
            blockers = spec["first_call"]["block"]
            self.round(pid, "consensus", spec["fallback_vote"], fallback=True, blockers=blockers)
        if "tabled_to" in spec:
            self.stage(pid, "decided", outcome="tabled", tabled_to=spec["tabled_to"])

    def hand(self, name: str, kind: str) -> None:
        stack_service.raise_hand(
            db=self.db, assembly_id=self.assembly_id, actor_id=self.ids[name], kind=kind
        )

    def round(
        self,
        pid: int,
        kind: str,
        counts: dict[str, Any],
        *,
        fallback: bool = False,
        blockers: list[list[str]] | None = None,
    ) -> None:
        """Phones answer in the order people joined; named blocks block with their reasons."""
        rid = int(
            rounds.open_round(
                db=self.db, proposal_id=pid, actor_id=self.facilitator, kind=kind, fallback=fallback
            ).data["round_id"]
        )
        named = counts.get("block") if isinstance(counts.get("block"), list) else None
        blocks = named if named is not None else (blockers or [])[: counts.get("block", 0)]
        blocking = {name for name, _reason in blocks}
        phones = [p for p in self.ids.values() if p != self.facilitator]
        phones = [p for p in phones if p not in {self.ids[n] for n in blocking}]
        for name, reason in blocks:
            rounds.respond(
                db=self.db, round_id=rid, actor_id=self.ids[name], value="block", reason=reason
            )
        for value, n in counts.items():
            if value == "block":
                continue
            for _ in range(n):
                rounds.respond(db=self.db, round_id=rid, actor_id=phones.pop(0), value=value)
        closing.close_round(db=self.db, round_id=rid, actor_id=self.facilitator)
