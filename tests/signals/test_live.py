"""Signals over sockets: the turn on the floor is read once per change, not once per signal
(`Floor`), and signals go to the bus in batches that say how many they carry (`Crier`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import pytest

from app.signals.board import Board, marker
from app.signals.live import Crier, Floor


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


class Reads:
    """A database stand-in: what the floor is, and how often it was read."""

    def __init__(self, seq: int = 4, turn_id: int | None = 7) -> None:
        self.seq, self.turn_id, self.count = seq, turn_id, 0
        self.gate: asyncio.Event | None = None

    async def __call__(self, assembly_id: str) -> tuple[int, int | None]:
        self.count += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.seq, self.turn_id


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_many_signals_at_once_share_one_read_of_the_floor() -> None:
    reads = Reads()

    async def scenario() -> list[tuple[int, int | None]]:
        floor = Floor(reads)
        reads.gate = asyncio.Event()
        asking = [asyncio.create_task(floor.turn("ga", 0)) for _ in range(200)]
        await asyncio.sleep(0)
        reads.gate.set()
        return [*await asyncio.gather(*asking), await floor.turn("ga", 4)]

    assert run(scenario()) == [(4, 7)] * 201
    assert reads.count == 1


def test_the_floor_is_read_again_when_a_newer_seq_is_heard() -> None:
    reads = Reads(seq=4, turn_id=None)

    async def scenario() -> tuple[Any, Any, Any]:
        floor = Floor(reads)
        before = await floor.turn("ga", 4)
        reads.seq, reads.turn_id = 5, 9  # someone was given the floor at seq 5
        same = await floor.turn("ga", 4)
        after = await floor.turn("ga", 5)
        return before, same, after

    assert run(scenario()) == ((4, None), (4, None), (5, 9))
    assert reads.count == 2


def test_a_floor_read_is_trusted_for_a_second_at_most() -> None:
    reads, clock = Reads(), Clock()

    async def scenario() -> None:
        floor = Floor(reads, clock=clock, max_age=1.0)
        await floor.turn("ga", 0)
        clock.now += 0.9
        await floor.turn("ga", 0)
        assert reads.count == 1
        clock.now += 0.2  # news of a change could have been lost: look again
        await floor.turn("ga", 0)

    run(scenario())
    assert reads.count == 2


def test_a_failed_read_fails_its_signals_and_the_next_one_reads_again() -> None:
    class Down(Reads):
        async def __call__(self, assembly_id: str) -> tuple[int, int | None]:
            self.count += 1
            if self.count == 1:
                raise ConnectionError("database gone")
            return await super().__call__(assembly_id)

    reads = Down()

    async def scenario() -> tuple[int, int | None]:
        floor = Floor(reads)
        with pytest.raises(ConnectionError):
            await floor.turn("ga", 0)
        return await floor.turn("ga", 0)

    assert run(scenario()) == (4, 7)


class Bus:
    def __init__(self) -> None:
        self.told: list[tuple[str, int, frozenset[str]]] = []

    async def __call__(self, assembly_id: str, seq: int, markers: frozenset[str]) -> None:
        self.told.append((assembly_id, seq, markers))


def test_signals_go_to_the_bus_in_one_batch_per_assembly_with_their_counts() -> None:
    bus = Bus()

    async def scenario() -> None:
        crier = Crier(bus, every=0.01)
        for _ in range(30):
            crier.cry("ga", 4, marker(7, "agree"))
        for _ in range(5):
            crier.cry("ga", 4, marker(7, "disagree"))
        crier.cry("other", 2, marker(1, "unsure"))
        await asyncio.sleep(0.05)

    run(scenario())
    assert sorted(bus.told) == [
        ("ga", 4, frozenset({marker(7, "agree", 30), marker(7, "disagree", 5)})),
        ("other", 2, frozenset({marker(1, "unsure")})),
    ]


def test_signals_cried_while_a_batch_goes_out_go_in_the_next() -> None:
    bus = Bus()

    async def scenario() -> None:
        gate = asyncio.Event()

        async def slow(assembly_id: str, seq: int, markers: frozenset[str]) -> None:
            await gate.wait()
            await bus(assembly_id, seq, markers)

        crier = Crier(slow, every=0.01)
        crier.cry("ga", 4, marker(7, "agree"))
        await asyncio.sleep(0.03)  # the first batch is on its way, held at the gate
        crier.cry("ga", 4, marker(7, "unsure"))
        gate.set()
        await asyncio.sleep(0.05)

    run(scenario())
    assert [markers for _aid, _seq, markers in bus.told] == [
        frozenset({marker(7, "agree")}),
        frozenset({marker(7, "unsure")}),
    ]


def test_a_batch_the_bus_refuses_is_logged_and_later_ones_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = Bus()
    failures = [ConnectionError("redis gone")]

    async def flaky(assembly_id: str, seq: int, markers: frozenset[str]) -> None:
        if failures:
            raise failures.pop()
        await bus(assembly_id, seq, markers)

    async def scenario() -> None:
        crier = Crier(flaky, every=0.01)
        crier.cry("ga", 4, marker(7, "agree"))
        await asyncio.sleep(0.04)
        crier.cry("ga", 4, marker(7, "disagree"))
        await asyncio.sleep(0.04)

    with caplog.at_level(logging.ERROR):
        run(scenario())
    assert "telling the bus of 1 signals failed" in caplog.text
    assert [markers for _aid, _seq, markers in bus.told] == [frozenset({marker(7, "disagree")})]


def test_a_batch_heard_on_the_board_counts_every_signal_in_it() -> None:
    board, bus = Board(), Bus()

    async def scenario() -> None:
        crier = Crier(bus, every=0.01)
        for kind in ["agree"] * 9 + ["unsure"] * 3:
            crier.cry("ga", 4, marker(7, kind))
        await asyncio.sleep(0.04)

    run(scenario())
    for assembly_id, _seq, markers in bus.told:
        for text in markers:
            board.hear(assembly_id, text)
    assert board.showing("ga", 7).level("agree") == pytest.approx(9 / 12)


def test_only_a_signal_marker_may_be_cried() -> None:
    async def scenario() -> None:
        with pytest.raises(ValueError, match="not a signal marker"):
            Crier(Bus()).cry("ga", 4, "seat:3")

    run(scenario())
