"""Fixtures the page tests share (a module with a `room` of its own, like the mic's or the
signals', uses that one)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import GA, join, ok
from tests.web.screens import Screen


@pytest.fixture
def room(client: TestClient, assembly: GA) -> dict[str, Any]:
    """A console, the presenter's phone and another phone, the proposal item open."""
    ana, ben = join(client, assembly, "Ana"), join(client, assembly, "Ben")
    fac = assembly.facilitator
    made = ok(
        client.post(
            f"/api/assemblies/{assembly.id}/proposals",
            json={
                "title": "Winter tarps",
                "text": "Buy ten tarps.",
                "presenter_id": ana.participant_id,
            },
            headers=fac.headers,
        ),
        201,
    )
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/agenda/{made['agenda_item_id']}/open",
            headers=fac.headers,
        )
    )
    return {
        "item": made["agenda_item_id"],
        "console": Screen(client, assembly, fac.token, "console"),
        "ana": Screen(client, assembly, ana.token, "phone"),
        "ben": Screen(client, assembly, ben.token, "phone"),
        "pid": made["proposal_id"],
        "people": {"ana": ana, "ben": ben, "fac": fac},
    }
