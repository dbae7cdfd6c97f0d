"""A client of the live sockets over real ones (uvicorn): the server's address, a screen kept
up to date from its pushes, and the few API calls these tests start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.db import Database

WAIT = 10.0  # seconds a test waits for a push before failing (a bound, not a measurement)


@dataclass
class Live:
    base: str
    http: httpx.Client
    db: Database | None = None  # the server's database, for what no request does (the clock)

    def ws(self, path: str, headers: dict[str, str] | None = None) -> ClientConnection:
        return connect(
            self.base.replace("http://", "ws://") + path,
            additional_headers=headers or {},
            open_timeout=WAIT,
        )


@dataclass
class Screen:
    """What one page shows: its regions by element id, kept up to date from pushes."""

    socket: ClientConnection
    regions: dict[str, str] = field(default_factory=dict)
    seq: int = -1
    errors: list[str] = field(default_factory=list)

    def apply(self, message: str) -> None:
        doc = BeautifulSoup(message, "html.parser")
        for element in doc.find_all(recursive=False):
            if not getattr(element, "attrs", None) or not element.get("id"):
                continue
            if element["id"] == "mc-seq":
                self.seq = max(self.seq, int(element["data-seq"]))
            elif element["id"] == "mc-error":
                reason = element.find("p")
                self.errors.append(reason["data-code"] if reason else "")
            elif element["id"] in self.regions or not self._swap_inside(element):
                self.regions[element["id"]] = normalise(element)

    def _swap_inside(self, element: Any) -> bool:
        """A part of a region pushed alone (the round's tally) replaces itself inside it, as
        htmx swaps an out-of-band element by id wherever it is on the page."""
        for region, text in self.regions.items():
            doc = BeautifulSoup(text, "html.parser")
            inner = doc.find(id=element["id"])
            if inner is not None:
                inner.replace_with(BeautifulSoup(normalise(element), "html.parser").find())
                self.regions[region] = normalise(doc.find())
                return True
        return False

    def receive(self) -> str:
        message = self.socket.recv(timeout=WAIT)
        assert isinstance(message, str)
        self.apply(message)
        return message

    def wait_for(self, seq: int) -> None:
        while self.seq < seq:
            self.receive()

    def catch_up(self, expected: dict[str, str]) -> None:
        """Take further pushes until the regions match `expected` or none comes in WAIT.

        Reaching a seq is not the last push of a change: a render started before the change
        committed may read some parts after it and carry that seq with only its own regions,
        while the render for the change's regions is still on its way (coalesced, 4 a second).
        """
        while self.regions != expected:
            try:
                self.receive()
            except TimeoutError:
                return


def normalise(element: Any) -> str:
    """Drop what depends on the clock (time left) and on how it was sent (oob marker)."""
    element = BeautifulSoup(str(element), "html.parser").find()
    for clock in element.select(".time-box, .countdown, .countdown-inline"):
        clock.decompose()
    if element.has_attr("hx-swap-oob"):
        del element["hx-swap-oob"]
    return str(element)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_screen(live: Live, assembly_id: str, view: str, token: str, since: int = 0) -> Screen:
    socket = live.ws(f"/ws/assemblies/{assembly_id}?view={view}&since={since}", bearer(token))
    screen = Screen(socket)
    screen.receive()  # the snapshot
    return screen


def new_assembly(live: Live, **body: Any) -> dict[str, Any]:
    response = live.http.post(
        "/api/assemblies", json={"title": "GA", "facilitator_name": "Noor", **body}
    )
    assert response.status_code == 201
    return response.json()


def join(live: Live, made: dict[str, Any], name: str) -> dict[str, Any]:
    response = live.http.post("/api/join", json={"join_code": made["join_code"], "name": name})
    assert response.status_code == 201
    return response.json()


def closed_with(socket: ClientConnection) -> tuple[int | None, str]:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            socket.recv(timeout=WAIT)
    close = info.value.rcvd
    return (close.code if close else None), (close.reason if close else "")


def consensus_call(live: Live, made: dict[str, Any], **options: Any) -> int:
    """A proposal opened at its call for consensus with a round open (`options`: the round's,
    e.g. anonymous, results): the round's id."""
    fac, base = bearer(made["facilitator_token"]), f"/api/assemblies/{made['id']}"
    proposal = live.http.post(
        f"{base}/proposals", json={"title": "Tarps", "text": "Buy ten tarps."}, headers=fac
    ).json()
    live.http.post(f"{base}/agenda/{proposal['agenda_item_id']}/open", headers=fac)
    pid = proposal["proposal_id"]
    live.http.post(f"/api/proposals/{pid}/stage", json={"stage": "consensus_call"}, headers=fac)
    opened = live.http.post(
        f"/api/proposals/{pid}/rounds", json={"kind": "consensus", **options}, headers=fac
    )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["round_id"])
