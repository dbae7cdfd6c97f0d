"""The JSON events socket: backlog then live events, in order, no gaps, no duplicates."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest


class EventLog:
    """An in-memory event log with a loader that can be held mid-load."""

    def __init__(self, count: int = 0) -> None:
        self.events: list[dict[str, Any]] = []
        self.gate: asyncio.Event | None = None
        self.read_after_gate = False
        self.loads: list[tuple[int, int | None]] = []
        self.fail = False
        for _ in range(count):
            self.append()

    def append(self) -> int:
        seq = len(self.events) + 1
        self.events.append(
            {"seq": seq, "type": "hand_raised", "at": "2011-10-01T12:00:00Z", "payload": {"n": seq}}
        )
        return seq

    async def load(self, assembly_id: str, after: int, up_to: int | None) -> list[dict[str, Any]]:
        self.loads.append((after, up_to))
        if self.fail:
            raise RuntimeError("database unavailable")
        snapshot = list(self.events)  # what a query at this moment would see
        if self.gate is not None:
            gate, self.gate = self.gate, None  # hold only this load
            await gate.wait()
        if self.read_after_gate:
            snapshot = list(self.events)
        return [e for e in snapshot if e["seq"] > after and (up_to is None or e["seq"] <= up_to)]


def received(socket: Any) -> list[dict[str, Any]]:
    return [json.loads(text) for text in socket.sent]


def event_seqs(socket: Any) -> list[int]:
    return [m["seq"] for m in received(socket) if "type" in m and m["type"] == "hand_raised"]


def open_events(hub: Any, socket: Any, log: EventLog, since: int = 0) -> asyncio.Task[None]:
    return asyncio.ensure_future(
        hub.serve_events(socket, assembly_id="a1", since=since, load=log.load)
    )


@pytest.mark.parametrize("read_after_gate", [False, True], ids=["stale-backlog", "fresh-backlog"])
def test_events_racing_a_slow_backlog_load_arrive_in_order_without_gaps_or_dups(
    live, read_after_gate
):
    async def scenario() -> None:
        log = EventLog(50)
        backlog_gate = log.gate = asyncio.Event()
        log.read_after_gate = read_after_gate
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            open_events(hub, socket, log, since=10)
            await live.until(lambda: len(log.loads) == 1)  # backlog load is held
            for _ in range(30):
                hub.notify("a1", log.append(), ["stack"])
                await asyncio.sleep(0.001)
            backlog_gate.set()  # release the backlog
            for _ in range(20):
                hub.notify("a1", log.append(), ["stack"])
                await asyncio.sleep(0.001)
            await live.until(lambda: len(event_seqs(socket)) == 90)
            assert event_seqs(socket) == list(range(11, 101))

    live.run(scenario())


def test_events_socket_answers_ping_with_the_last_seq_it_sent(live):
    async def scenario() -> None:
        log = EventLog(5)
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            open_events(hub, socket, log)
            await live.until(lambda: len(socket.sent) == 5)
            socket.frames.put_nowait('{"type": "ping"}')
            await live.until(lambda: len(socket.sent) == 6)
            assert received(socket)[-1] == {"type": "pong", "seq": 5}

    live.run(scenario())


def test_events_socket_resync_resends_from_the_given_seq(live):
    async def scenario() -> None:
        log = EventLog(6)
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            open_events(hub, socket, log)
            await live.until(lambda: len(socket.sent) == 6)
            socket.frames.put_nowait('{"type": "resync", "since": 3}')
            await live.until(lambda: len(socket.sent) == 9)
            assert event_seqs(socket) == [1, 2, 3, 4, 5, 6, 4, 5, 6]
            hub.notify("a1", log.append(), ["stack"])
            await live.until(lambda: len(socket.sent) == 10)
            assert event_seqs(socket)[-1] == 7

    live.run(scenario())


@pytest.mark.parametrize(
    "frame", ["nope", '{"type": "subscribe"}', '{"type": "resync", "since": "x"}', "[]"]
)
def test_events_socket_refuses_bad_frames_and_stays_open(live, frame):
    async def scenario() -> None:
        log = EventLog(1)
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            task = open_events(hub, socket, log)
            await live.until(lambda: len(socket.sent) == 1)
            socket.frames.put_nowait(frame)
            await live.until(lambda: len(socket.sent) == 2)
            error = received(socket)[-1]
            assert error["type"] == "error" and error["code"] == "bad_frame"
            assert isinstance(error["message"], str) and error["message"]
            hub.notify("a1", log.append(), ["stack"])
            await live.until(lambda: len(socket.sent) == 3)
            assert event_seqs(socket) == [1, 2] and not task.done()

    live.run(scenario())


def test_events_socket_gets_heartbeats_with_its_seq(live):
    async def scenario() -> None:
        log = EventLog(2)
        async with live.running_hub(heartbeat_seconds=0.1) as hub:
            socket = live.FakeSocket()
            open_events(hub, socket, log)
            await live.until(lambda: len(socket.sent) >= 3)
            assert received(socket)[2] == {"type": "heartbeat", "seq": 2}

    live.run(scenario())


def test_events_socket_is_closed_with_1013_when_the_log_cannot_be_read(live):
    async def scenario() -> None:
        log = EventLog(2)
        log.fail = True
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            task = open_events(hub, socket, log)
            await asyncio.wait_for(task, 2)
            assert socket.closed_with is not None and socket.closed_with[0] == 1013
            assert hub.socket_count() == 0

    live.run(scenario())


def test_a_stuck_events_socket_is_closed_with_1013(live):
    async def scenario() -> None:
        log = EventLog(3)
        async with live.running_hub(send_timeout=0.2, close_timeout=0.1) as hub:
            socket = live.FakeSocket(stuck_after=2)
            task = open_events(hub, socket, log)
            await asyncio.wait_for(task, 3)
            assert socket.closed_with is not None and socket.closed_with[0] == 1013
            assert event_seqs(socket) == [1, 2]

    live.run(scenario())


def test_a_resync_from_the_bus_reloads_events_from_the_last_sent_seq(live):
    async def scenario() -> None:
        log = EventLog(3)
        async with live.running_hub() as hub:
            socket = live.FakeSocket()
            open_events(hub, socket, log)
            await live.until(lambda: len(socket.sent) == 3)
            log.append()  # committed, but its notification was lost on the bus
            hub._on_resync()  # what a backend calls after it resubscribes
            await live.until(lambda: len(socket.sent) == 4)
            assert event_seqs(socket) == [1, 2, 3, 4]
            assert log.loads[-1] == (3, None)

    live.run(scenario())
