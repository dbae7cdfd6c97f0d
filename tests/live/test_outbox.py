"""The per-socket outbox: eager inline sends, latest-wins merging, snapshots, closing."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest

from app.live.frames import parse_frame
from app.live.outbox import Outbox, Push, close_quietly, finish
from app.live.wire import abort_transport


def make_box(socket: Any, failures: list[BaseException] | None = None) -> Outbox:
    def on_failure(box: Outbox, exc: BaseException) -> None:
        if failures is not None:
            failures.append(exc)
        box.abandon()

    return Outbox(socket, stalled=set(), on_failure=on_failure)


def push(seq: int, **regions: str) -> Push:
    fragments = {f"mc-{key}": f'<div id="mc-{key}">{html}</div>' for key, html in regions.items()}
    return Push.build(seq, fragments, f'<div id="mc-seq" data-seq="{seq}"></div>')


def test_push_puts_the_seq_fragment_last(live):
    built = push(7, agenda="A", stack="S")
    assert [key for key, _ in built.parts] == ["mc-agenda", "mc-stack", "mc-seq"]
    assert live.seq_of(built.text) == 7
    assert built.has_regions


def test_eager_send_to_a_fast_socket_completes_inline_without_a_task(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        box = make_box(socket)
        first = push(1, agenda="A")
        with live.CountingTasks() as tasks:
            box.offer(first)
            assert socket.sent == [first.text]  # already sent: nothing was awaited
            assert socket.sent[0] is first.text  # the shared string itself
        assert tasks.created == 0
        assert not box.busy

    live.run(scenario())


def test_a_socket_that_has_to_wait_gets_one_task_that_finishes_the_send(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        socket.gate = asyncio.Event()
        box = make_box(socket)
        with live.CountingTasks() as tasks:
            box.offer(push(1, agenda="A"))
        assert tasks.created == 1 and box.busy and socket.sent == []
        socket.gate.set()
        await live.until(lambda: not box.busy)
        assert live.seq_of(socket.sent[0]) == 1

    live.run(scenario())


def test_pushes_merge_latest_wins_by_region_while_a_send_is_in_flight(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        socket.gate = asyncio.Event()
        box = make_box(socket)
        box.offer(push(1, agenda="A1"))  # in flight, blocked
        box.offer(push(2, agenda="A2", stack="S2"))
        box.offer(push(3, agenda="A3"))
        socket.gate.set()
        await live.until(lambda: len(socket.sent) == 2 and not box.busy)
        merged = live.elements(socket.sent[1])
        assert set(merged) == {"mc-agenda", "mc-stack", "mc-seq"}
        assert "A3" in socket.sent[1] and "A2" not in socket.sent[1]
        assert merged["mc-seq"]["data-seq"] == "3"
        assert socket.sent[1].endswith('<div id="mc-seq" data-seq="3"></div>')

    live.run(scenario())


def test_snapshot_release_drops_held_pushes_it_already_covers(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        box = make_box(socket)
        box.hold()
        box.offer(push(4, agenda="old"))
        box.offer(push(6, stack="new"))
        box.release(push(5, agenda="snap", stack="snap", round="snap"))
        assert len(socket.sent) == 1
        sent = socket.sent[0]
        assert "old" not in sent and "new" in sent and sent.count("snap") == 2
        assert live.seq_of(sent) == 6
        box.offer(push(5, agenda="stale"))  # at or below the snapshot's seq: skipped
        box.offer(push(7, agenda="fresh"))
        assert len(socket.sent) == 2 and "fresh" in socket.sent[1]

    live.run(scenario())


def test_a_seq_only_push_at_the_snapshot_seq_still_goes_out(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        box = make_box(socket)
        box.release(push(5, agenda="snap"))
        heartbeat = Push(5, (("mc-seq", "<i id='mc-seq' data-seq='5'></i>"),), "<i>")
        box.offer(heartbeat)
        box.offer(Push(4, heartbeat.parts, "<i>"))  # older than the snapshot: skipped
        assert len(socket.sent) == 2

    live.run(scenario())


def test_a_failing_send_reports_to_the_owner_and_stops_the_outbox(live):
    async def scenario() -> None:
        socket = live.FakeSocket()
        failures: list[BaseException] = []
        box = make_box(socket, failures)
        socket.closed_with = (1000, None)  # sends now raise
        box.offer(push(1, agenda="A"))
        assert len(failures) == 1 and box.closed and box.gone.done()
        box.offer(push(2, agenda="B"))
        assert socket.attempts == 1

    live.run(scenario())


def test_abandon_cancels_a_stuck_send(live):
    async def scenario() -> None:
        socket = live.FakeSocket(stuck_after=0)
        box = make_box(socket)
        box.offer(push(1, agenda="A"))
        await asyncio.sleep(0.01)
        assert box.busy and box.sending_since is not None
        box.abandon()
        await live.until(lambda: not box.busy)
        assert box.closed

    live.run(scenario())


class Yielder:
    """An awaitable that yields whatever it is given, as a low-level send might."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __await__(self) -> Any:
        return (yield self.value)


def test_finish_drives_a_coroutine_like_a_task_does(live):
    async def send(log: list[str]) -> str:
        await Yielder(None)  # bare yield: reschedule
        log.append("after bare yield")
        await asyncio.sleep(0.01)  # a real future
        log.append("after sleep")
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, future.set_exception, OSError("gone"))
        try:
            await future
        except OSError:
            log.append("saw error")
        return "done"

    async def scenario() -> None:
        log: list[str] = []
        coro = send(log)
        yielded = coro.send(None)
        await finish(coro, yielded)
        assert log == ["after bare yield", "after sleep", "saw error"]

    live.run(scenario())


def test_cancelling_the_driver_cancels_the_send_inside(live):
    async def scenario() -> None:
        cleaned = asyncio.Event()

        async def send() -> None:
            try:
                await asyncio.sleep(30)
            finally:
                cleaned.set()

        coro = send()
        driver = asyncio.ensure_future(finish(coro, coro.send(None)))
        await asyncio.sleep(0.01)
        driver.cancel()
        with pytest.raises(asyncio.CancelledError):
            await driver
        assert cleaned.is_set()

    live.run(scenario())


def test_close_quietly_aborts_the_transport_when_the_close_itself_hangs(live):
    class Transport:
        aborted = False

        def abort(self) -> None:
            self.aborted = True

    class Protocol:
        def __init__(self) -> None:
            self.transport = Transport()

        async def send(self, message: dict[str, Any]) -> None:
            await asyncio.sleep(30)

    async def scenario() -> None:
        protocol = Protocol()

        # Middleware wraps uvicorn's bound `send` in closures; the walk sees through them.
        def middleware(send: Any) -> Any:
            async def sender(message: dict[str, Any]) -> None:
                await send(message)

            return sender

        socket = live.FakeSocket(close_blocks=True)
        socket._send = middleware(middleware(protocol.send))  # where Starlette keeps it
        await close_quietly(socket, 1013, "too slow", timeout=0.05)
        assert protocol.transport.aborted

    live.run(scenario())


def test_abort_transport_reports_when_there_is_nothing_to_abort():
    assert abort_transport(types.SimpleNamespace()) is False
    assert abort_transport(types.SimpleNamespace(_send=print)) is False


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"type": "ping"}', ("ping", 0)),
        ('{"type": "resync", "since": 12}', ("resync", 12)),
        ('{"type": "resync", "since": 0}', ("resync", 0)),
    ],
)
def test_valid_client_frames_are_understood(frame, expected):
    assert parse_frame(frame) == expected


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '"ping"',
        '{"type": "dance"}',
        '{"type": "resync"}',
        '{"type": "resync", "since": "12"}',
        '{"type": "resync", "since": -1}',
        '{"type": "resync", "since": true}',
        '{"HEADERS": {"HX-Request": "true"}, "hand": "up"}',
    ],
)
def test_other_client_frames_are_refused_with_one_sentence(frame):
    reason = parse_frame(frame)
    assert isinstance(reason, str) and reason.endswith(".") and reason.count(". ") == 0
