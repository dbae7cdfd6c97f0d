"""A seeded assembly to click through (`miccheck demo`), built only through the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.assembly import service
from app.db import Database

DEMO_FILE = Path(__file__).with_name("demo_assembly.json")


@dataclass(frozen=True)
class Demo:
    assembly_id: str
    join_code: str
    facilitator_token: str
    projector_key: str
    tokens: dict[str, str]


def load_demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_FILE.read_text())
    return data


def seed_demo(*, db: Database, open_item: str | None = "Kitchen report-back") -> Demo:
    """The evening assembly of demo_assembly.json: people, roles, headcount, agenda."""
    demo = load_demo()
    spec = demo["assembly"]
    roles: dict[str, list[str]] = demo["roles"]
    facilitator = roles["facilitator"][0]
    made = service.create_assembly(
        db=db,
        title=spec["title"],
        facilitator_name=facilitator,
        location=spec["location"],
        time_zone=demo["group"]["time_zone"],
        decision_rule=spec["decision_rule"],
        admission=spec["admission"],
    )
    tokens = {facilitator: made.facilitator_token}
    ids = {facilitator: made.participant_id}
    people = [name for holders in roles.values() for name in holders] + demo["participants"]
    for name in dict.fromkeys(people):
        if name in ids:
            continue
        joined = service.join_assembly(db=db, join_code=made.join_code, name=name)
        tokens[name], ids[name] = joined.token, joined.participant_id
    actor = made.participant_id
    for role, holders in roles.items():
        for name in holders:
            if not (role == "facilitator" and name == facilitator):
                service.grant_role(
                    db=db,
                    assembly_id=made.assembly_id,
                    actor_id=actor,
                    participant_id=ids[name],
                    role=role,
                )
    service.set_headcount(
        db=db, assembly_id=made.assembly_id, actor_id=actor, count=spec["headcount"]
    )
    items: dict[str, int] = {}
    for item in demo["agenda"]:
        added = service.add_agenda_item(
            db=db,
            assembly_id=made.assembly_id,
            actor_id=actor,
            title=item["title"],
            kind=item["kind"],
            time_box_minutes=item.get("time_box_minutes", 15),
            working_group=item.get("working_group"),
        )
        items[item["title"]] = added.data["item_id"]
    if open_item is not None:
        service.open_agenda_item(
            db=db, assembly_id=made.assembly_id, actor_id=actor, item_id=items[open_item]
        )
    return Demo(
        made.assembly_id, made.join_code, made.facilitator_token, made.projector_key, tokens
    )
