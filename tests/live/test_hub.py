"""The hub with page sockets: render once per view, coalesce, snapshots, frames, slow sockets."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from app.live import Hub, MemoryBackend
from app.live.hub import Asked

PING = json.dumps({"type": "ping"})


async def witness_asks(live, renderer, ask) -> None:
    """Have a projector socket ask for a snapshot (`ask`) and wait until its render starts.

    Its request takes the same steps, in the same loop passes, as the phone requests made
    before it: once its render has started, each of those has reached its channel (joined a
    batch or started a render). A marker instead of a sleep: no clock to outrun.
    """
    before = renderer.renders("projector", snapshots=True)
    ask()
    await live.until(lambda: renderer.renders("projector", snapshots=True) > before)


def test_a_change_is_rendered_once_per_view_and_the_same_string_goes_to_all(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            phones = await live.open_pages(hub, 50, view="phone")
            projectors = await live.open_pages(hub, 5, view="projector")
            renderer.seq = 1
            await live.notify_from_thread(hub, ("a1", 1, ("stack",)))
            everyone = phones + projectors
            await live.until(lambda: all(len(s.sent) == 2 for s, _ in everyone))
            assert renderer.renders("phone") == 1 and renderer.renders("projector") == 1
            assert renderer.renders("console") == 0  # no socket of that view: no render
            assert len({id(s.sent[1]) for s, _ in phones}) == 1  # one string object
            assert len({id(s.sent[1]) for s, _ in projectors}) == 1
            assert set(live.elements(phones[0][0].sent[1])) == {"mc-stack", "mc-seq"}
            assert live.seq_of(phones[0][0].sent[1]) == 1

    live.run(scenario())


def test_a_change_is_rendered_once_per_view_and_language_never_per_socket(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            english = await live.open_pages(hub, 30, view="phone:en")
            spanish = await live.open_pages(hub, 30, view="phone:es")
            wall = await live.open_pages(hub, 2, view="projector")
            renderer.seq = 1
            await live.notify_from_thread(hub, ("a1", 1, ("stack",)))
            everyone = english + spanish + wall
            await live.until(lambda: all(len(s.sent) == 2 for s, _ in everyone))
            assert renderer.renders("phone:en") == 1 and renderer.renders("phone:es") == 1
            assert renderer.renders("projector") == 1
            assert len({id(s.sent[1]) for s, _ in spanish}) == 1  # one string for them all
            assert {id(s.sent[1]) for s, _ in english}.isdisjoint(id(s.sent[1]) for s, _ in spanish)

    live.run(scenario())


def test_a_view_key_of_an_unknown_kind_is_refused(live):
    async def scenario() -> None:
        async with live.running_hub(live.FakeRenderer()) as hub:
            with pytest.raises(ValueError):
                await hub.serve_page(
                    live.FakeSocket(), assembly_id="a1", view="wall:es", since=None
                )

    live.run(scenario())


def test_a_change_to_many_fast_sockets_creates_no_task_beyond_its_render(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            pages = await live.open_pages(hub, 200, view="phone")
            renderer.seq = 1
            with live.CountingTasks() as tasks:
                hub.notify("a1", 1, ["stack"])
                await live.until(lambda: all(len(s.sent) == 2 for s, _ in pages))
            assert tasks.created == 1  # the render; every send finished inline

    live.run(scenario())


def test_sockets_connecting_together_share_one_snapshot_render(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            pages = await live.open_pages(hub, 100, view="phone")
            assert renderer.renders("phone", snapshots=True) == 1
            assert len({id(s.sent[0]) for s, _ in pages}) == 1

    live.run(scenario())


def test_a_connect_storm_shares_snapshot_renders_in_batches(live):
    render_seconds = 0.05

    class SlowSnapshots(live.FakeRenderer):
        """Snapshot renders take a while; each has its own seq, so a snapshot names its render."""

        def __init__(self) -> None:
            super().__init__()
            self.registered_at_start: list[int] = []  # per snapshot render, in start order
            self.count_sockets = lambda: 0
            self.in_flight = self.most_in_flight = 0

        async def render(self, assembly_id, view, regions):
            if regions is not None:
                return await super().render(assembly_id, view, regions)
            self.registered_at_start.append(self.count_sockets())
            self.seq = len(self.registered_at_start)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                rendered = await super().render(assembly_id, view, regions)  # reads seq now
                await asyncio.sleep(render_seconds)  # the DB read and template, in a thread
                return rendered
            finally:
                self.in_flight -= 1

    async def scenario() -> None:
        renderer = SlowSnapshots()
        async with live.running_hub(renderer) as hub:
            renderer.count_sockets = lambda: hub.socket_count("a1")
            loop = asyncio.get_running_loop()
            started = loop.time()
            pages = []
            for _ in range(50):  # 500 phones, 10 per loop pass, over several render times
                for _ in range(10):
                    socket = live.FakeSocket()
                    pages.append((socket, live.open_page(hub, socket)))
                await asyncio.sleep(0.004)
            await live.until(lambda: all(s.sent for s, _ in pages))
            elapsed = loop.time() - started
            renders = renderer.renders("phone", snapshots=True)
            marker = live.FakeSocket()  # its render starts after any render still on its way
            live.open_page(hub, marker)
            await live.until(lambda: bool(marker.sent))
            assert renderer.renders("phone", snapshots=True) == renders + 1  # nothing else
            assert renderer.most_in_flight == 1  # one snapshot render at a time
            assert renders <= 2 + elapsed / render_seconds  # back to back, no more
            assert renders <= 10  # a handful, not one per loop pass (50)
            # Pages register in the order they were opened (each in its task's first step).
            for index, (socket, _) in enumerate(pages):
                assert len(socket.sent) == 1  # exactly one snapshot
                render = live.seq_of(socket.sent[0])  # the render that made it
                assert index < renderer.registered_at_start[render - 1]  # registered before

    live.run(scenario())


def test_a_socket_registering_during_a_snapshot_render_waits_for_the_next_render(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        renderer.snapshot_gate = asyncio.Event()
        async with live.running_hub(renderer) as hub:
            first = live.FakeSocket()
            live.open_page(hub, first)
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 1)
            renderer.seq = 3  # a change commits while that render (of seq 0) is in flight
            late = [live.FakeSocket() for _ in range(20)]
            for socket in late:
                live.open_page(hub, socket)
                await asyncio.sleep(0)  # each registers in a loop pass of its own
            await live.until(lambda: hub.socket_count("a1") == 21)
            witness = live.FakeSocket()
            await witness_asks(
                live, renderer, lambda: live.open_page(hub, witness, view="projector")
            )
            assert renderer.renders("phone", snapshots=True) == 1  # they wait, no new render
            in_flight, renderer.snapshot_gate = renderer.snapshot_gate, asyncio.Event()
            in_flight.set()  # the first render ends; the late sockets' render starts, held
            await live.until(lambda: len(first.sent) == 1)
            assert live.seq_of(first.sent[0]) == 0
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 2)
            first.frames.put_nowait(PING)  # answered after the first render's waiters woke
            await live.until(lambda: len(first.sent) == 2)
            assert all(socket.sent == [] for socket in late)  # not the render begun before them
            renderer.snapshot_gate.set()
            await live.until(lambda: all(socket.sent for socket in late))
            assert renderer.renders("phone", snapshots=True) == 2
            assert {live.seq_of(socket.sent[0]) for socket in late} == {3}
            assert len({id(socket.sent[0]) for socket in late}) == 1  # one render, shared
            assert set(live.elements(first.sent[1])) == {"mc-seq"}  # the ping's answer alone
            assert len(first.sent) == 2

    live.run(scenario())


def test_a_resync_during_a_snapshot_render_gets_the_next_render(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _)] = await live.open_pages(hub, 1)
            [(wall, _)] = await live.open_pages(hub, 1, view="projector")
            renderer.snapshot_gate = asyncio.Event()
            newcomer = live.FakeSocket()
            live.open_page(hub, newcomer)
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 2)
            renderer.seq = 4
            resync = json.dumps({"type": "resync", "since": 0})
            page.frames.put_nowait(resync)
            await witness_asks(live, renderer, lambda: wall.frames.put_nowait(resync))
            assert renderer.renders("phone", snapshots=True) == 2
            in_flight, renderer.snapshot_gate = renderer.snapshot_gate, asyncio.Event()
            in_flight.set()
            await live.until(lambda: len(newcomer.sent) == 1)
            assert live.seq_of(newcomer.sent[0]) == 0
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 3)
            newcomer.frames.put_nowait(PING)  # answered after that render's waiters woke
            await live.until(lambda: len(newcomer.sent) == 2)
            assert len(page.sent) == 1  # still waiting for a render begun after its frame
            renderer.snapshot_gate.set()
            await live.until(lambda: len(page.sent) == 2)
            assert live.seq_of(page.sent[1]) == 4

    live.run(scenario())


def test_a_failed_snapshot_batch_gets_an_error_and_the_next_batch_renders_afresh(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        renderer.snapshot_gate = asyncio.Event()
        async with live.running_hub(renderer) as hub:
            doomed = live.FakeSocket()
            task = live.open_page(hub, doomed)
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 1)
            renderer.fail, renderer.seq = True, 2
            later = live.FakeSocket()
            live.open_page(hub, later)
            await live.until(lambda: hub.socket_count("a1") == 2)
            witness = live.FakeSocket()  # once its render starts, `later` waits for the next
            await witness_asks(
                live, renderer, lambda: live.open_page(hub, witness, view="projector")
            )
            in_flight, renderer.snapshot_gate = renderer.snapshot_gate, asyncio.Event()
            in_flight.set()  # fails
            await live.until(lambda: len(doomed.sent) == 1)
            assert live.elements(doomed.sent[0])["mc-error"]["data-code"] == "render_failed"
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 2)
            renderer.fail = False
            renderer.snapshot_gate.set()
            await live.until(lambda: len(later.sent) == 1)
            assert live.seq_of(later.sent[0]) == 2
            assert not task.done() and hub.socket_count("a1") == 3  # the witness is still here

    live.run(scenario())


def test_stopping_during_a_snapshot_render_with_a_batch_waiting_closes_every_socket(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        renderer.snapshot_gate = asyncio.Event()
        hub = Hub(renderer=renderer, backend=MemoryBackend())
        await hub.start()
        first = live.FakeSocket()
        tasks = [live.open_page(hub, first)]
        await live.until(lambda: renderer.renders("phone", snapshots=True) == 1)
        waiting = [live.FakeSocket() for _ in range(5)]
        tasks += [live.open_page(hub, socket) for socket in waiting]
        await live.until(lambda: hub.socket_count("a1") == 6)
        witness = live.FakeSocket()  # once its render starts, the five wait in a batch
        await witness_asks(
            live, renderer, lambda: tasks.append(live.open_page(hub, witness, view="projector"))
        )
        await hub.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 2)
        everyone = [first, *waiting, witness]
        assert all(s.closed_with == (1012, "server restarting") for s in everyone)
        assert renderer.renders("phone", snapshots=True) == 1  # the waiting batch never ran

    live.run(scenario())


def test_burst_of_notifications_is_coalesced_into_few_renders(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            pages = await live.open_pages(hub, 20, view="phone")
            renderer.seq = 2000
            loop = asyncio.get_running_loop()
            started = loop.time()
            burst = [("a1", seq, ("round",)) for seq in range(1, 2001)]
            await live.notify_from_thread(hub, *burst)
            await live.until(lambda: all(live.seq_of(s.sent[-1]) == 2000 for s, _ in pages))
            elapsed = loop.time() - started
            renders = renderer.renders("phone")
            # 4 a second: the leading edge, then at most one per window that passed.
            assert renders <= 2 + elapsed * 4
            assert renders <= 20  # a handful, not one per notification
            assert all(len(s.sent) <= 1 + renders for s, _ in pages)

    live.run(scenario())


def test_each_view_is_held_to_its_own_push_rate(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        rates = {"phone": 5.0, "projector": 20.0}
        async with live.running_hub(renderer, push_rates=rates) as hub:
            pages = await live.open_pages(hub, 3, view="phone")
            pages += await live.open_pages(hub, 3, view="projector")
            loop = asyncio.get_running_loop()
            started = loop.time()
            for seq in range(1, 61):
                renderer.seq = seq
                hub.notify("a1", seq, ["stack"])
                await asyncio.sleep(0.01)
            # The trailing edges fire: every page ends at the last change.
            await live.until(lambda: all(live.seq_of(s.sent[-1]) == 60 for s, _ in pages))
            elapsed = loop.time() - started
            for view, rate in rates.items():
                assert 1 <= renderer.renders(view) <= 2 + elapsed * rate

    live.run(scenario())


def test_first_change_after_quiet_goes_out_at_once_and_later_ones_at_the_window_end(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        # One push per 10 s: the leading edge must not wait for the window.
        async with live.running_hub(renderer, push_rates={"phone": 0.1}) as hub:
            [(page, _)] = await live.open_pages(hub, 1)
            renderer.seq = 1
            hub.notify("a1", 1, ["stack"])
            await live.until(lambda: len(page.sent) == 2, timeout=5)
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer, push_rates={"phone": 5}) as hub:
            [(page, _)] = await live.open_pages(hub, 1)
            renderer.seq = 2
            hub.notify("a1", 1, ["stack"])
            hub.notify("a1", 2, ["agenda"])
            await live.until(lambda: len(page.sent) == 3)
            assert set(live.elements(page.sent[1])) == {"mc-stack", "mc-seq"}
            assert set(live.elements(page.sent[2])) == {"mc-agenda", "mc-seq"}
            assert renderer.renders("phone") == 2

    live.run(scenario())


def test_a_change_to_regions_a_view_does_not_show_sends_nothing(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _)] = await live.open_pages(hub, 1, view="phone")
            renderer.seq = 1
            hub.notify("a1", 1, ["people"])  # a console-only region
            await live.until(lambda: renderer.renders("phone") == 1)
            renderer.seq = 2
            hub.notify("a1", 2, ["stack"])
            await live.until(lambda: len(page.sent) == 2)
            assert live.seq_of(page.sent[1]) == 2

    live.run(scenario())


def test_assemblies_without_sockets_here_are_not_rendered(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _)] = await live.open_pages(hub, 1, assembly_id="a1")
            renderer.seq = 1
            hub.notify("elsewhere", 9, ["stack"])
            hub.notify("a1", 1, ["stack"])
            await live.until(lambda: len(page.sent) == 2)
            assert {call[0] for call in renderer.calls} == {"a1"}

    live.run(scenario())


def test_a_stuck_socket_is_closed_with_1013_while_the_others_keep_receiving(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        options = {"send_timeout": 0.3, "close_timeout": 0.1, "push_rates": {"phone": 50}}
        async with live.running_hub(renderer, **options) as hub:
            healthy = await live.open_pages(hub, 3)
            stuck = live.FakeSocket(stuck_after=1)  # takes the snapshot, then stops reading
            stuck_task = live.open_page(hub, stuck)
            await live.until(lambda: len(stuck.sent) == 1)
            for seq in range(1, 41):
                renderer.seq = seq
                hub.notify("a1", seq, ["stack"])
                await asyncio.sleep(0.02)
            await live.until(lambda: stuck.closed_with is not None)
            assert stuck.closed_with is not None and stuck.closed_with[0] == 1013
            await asyncio.wait_for(stuck_task, 2)  # its endpoint returned
            assert hub.socket_count("a1") == 3
            await live.until(lambda: all(live.seq_of(s.sent[-1]) == 40 for s, _ in healthy))

    live.run(scenario())


def test_a_stuck_socket_whose_close_also_hangs_is_still_let_go(live, caplog):
    async def scenario() -> None:
        options = {"send_timeout": 0.2, "close_timeout": 0.1, "push_rates": {"phone": 50}}
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer, **options) as hub:
            stuck = live.FakeSocket(stuck_after=1, close_blocks=True)
            task = live.open_page(hub, stuck)
            await live.until(lambda: len(stuck.sent) == 1)
            renderer.seq = 1
            hub.notify("a1", 1, ["stack"])
            await asyncio.wait_for(task, 3)
            assert hub.socket_count() == 0

    with caplog.at_level(logging.WARNING, logger="app.live"):
        live.run(scenario())
    assert "could not abort" in caplog.text


def test_connect_registers_before_the_snapshot_and_skips_older_pushes(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(early, _)] = await live.open_pages(hub, 1)
            renderer.seq = 6
            renderer.push_gate = asyncio.Event()
            hub.notify("a1", 6, ["stack"])  # rendered at seq 6, held at the gate
            await live.until(lambda: renderer.renders("phone") == 1)
            renderer.seq = 7
            late = live.FakeSocket()
            live.open_page(hub, late)
            await live.until(lambda: len(late.sent) == 1)
            assert hub.socket_count("a1") == 2
            assert live.seq_of(late.sent[0]) == 7
            renderer.push_gate.set()
            await live.until(lambda: len(early.sent) == 2)
            assert live.seq_of(early.sent[1]) == 6  # offered to `late` in the same pass
            late.frames.put_nowait(PING)  # its answer follows anything offered before
            await live.until(lambda: len(late.sent) == 2)
            assert set(live.elements(late.sent[1])) == {"mc-seq"}  # no seq-6 push, alone or merged

    live.run(scenario())


def test_a_page_just_rendered_at_the_current_seq_gets_only_the_seq_then_pushes(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            renderer.seq = 5
            page = live.FakeSocket()
            live.open_page(hub, page, since=5, whole=True)
            await live.until(lambda: len(page.sent) == 1)
            assert set(live.elements(page.sent[0])) == {"mc-seq"}
            assert live.seq_of(page.sent[0]) == 5
            assert renderer.renders("phone", snapshots=True) == 0  # nothing downloaded twice
            renderer.seq = 6
            hub.notify("a1", 6, ["stack"])
            await live.until(lambda: len(page.sent) == 2)
            assert set(live.elements(page.sent[1])) == {"mc-stack", "mc-seq"}

    live.run(scenario())


@pytest.mark.parametrize(
    ("since", "whole"),
    [
        (4, True),  # the page was rendered before a change: it needs the snapshot
        (5, False),  # a seq from pushes (they may have come out of order) proves nothing
        (None, True),
    ],
)
def test_a_page_that_may_be_behind_gets_the_whole_snapshot(live, since, whole):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            renderer.seq = 5
            page = live.FakeSocket()
            live.open_page(hub, page, since=since, whole=whole)
            await live.until(lambda: len(page.sent) == 1)
            assert "mc-stack" in live.elements(page.sent[0])
            assert live.seq_of(page.sent[0]) == 5

    live.run(scenario())


def test_pushes_arriving_during_the_snapshot_render_are_held_then_merged(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(other, _)] = await live.open_pages(hub, 1)  # so pushes get rendered for this view
            renderer.seq = 4
            renderer.snapshot_gate = asyncio.Event()
            page = live.FakeSocket()
            live.open_page(hub, page)
            await live.until(lambda: renderer.renders("phone", snapshots=True) == 2)
            assert hub.socket_count("a1") == 2  # registered while its snapshot renders
            renderer.seq = 5
            hub.notify("a1", 5, ["stack"])  # newer than the snapshot being rendered
            await live.until(lambda: len(other.sent) == 2)  # offered to `page` in the same pass
            assert page.sent == []  # nothing before the snapshot
            renderer.snapshot_gate.set()
            await live.until(lambda: len(page.sent) == 1)
            first = live.elements(page.sent[0])
            assert set(first) == {"mc-agenda", "mc-stack", "mc-round", "mc-seq"}
            assert first["mc-stack"]["data-seq"] == "5" and first["mc-agenda"]["data-seq"] == "4"
            assert first["mc-seq"]["data-seq"] == "5"

    live.run(scenario())


def test_ping_answers_with_the_current_seq(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _)] = await live.open_pages(hub, 1)
            renderer.seq = 3
            hub.notify("a1", 3, ["stack"])
            await live.until(lambda: len(page.sent) == 2)
            page.frames.put_nowait(json.dumps({"type": "ping"}))
            await live.until(lambda: len(page.sent) == 3)
            assert set(live.elements(page.sent[2])) == {"mc-seq"}
            assert live.seq_of(page.sent[2]) == 3

    live.run(scenario())


def test_resync_sends_a_full_snapshot_again(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _)] = await live.open_pages(hub, 1)
            renderer.seq = 8
            page.frames.put_nowait(json.dumps({"type": "resync", "since": 2}))
            await live.until(lambda: len(page.sent) == 2)
            again = live.elements(page.sent[1])
            assert set(again) == {"mc-agenda", "mc-stack", "mc-round", "mc-seq"}
            assert again["mc-seq"]["data-seq"] == "8"

    live.run(scenario())


@pytest.mark.parametrize(
    "frame",
    [
        "{oops",
        '{"type": "vote"}',
        '{"type": "resync"}',
        '{"HEADERS": {"HX-Trigger": "raise-hand"}, "note": "me"}',
    ],
)
def test_a_bad_frame_gets_an_error_fragment_and_the_socket_stays_open(live, frame):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, task)] = await live.open_pages(hub, 1)
            page.frames.put_nowait(frame)
            await live.until(lambda: len(page.sent) == 2)
            error = live.elements(page.sent[1])["mc-error"]
            assert error["data-code"] == "bad_frame"
            renderer.seq = 1
            hub.notify("a1", 1, ["stack"])
            await live.until(lambda: len(page.sent) == 3)
            assert not task.done() and hub.socket_count() == 1

    live.run(scenario())


def test_heartbeat_sends_the_seq_to_every_page(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        renderer.seq = 4
        async with live.running_hub(renderer, heartbeat_seconds=0.1) as hub:
            pages = await live.open_pages(hub, 3)
            seen = {id(s): len(s.sent) for s, _ in pages}  # one pass: no beat in between
            await live.until(lambda: all(len(s.sent) > seen[id(s)] for s, _ in pages))
            beats = [s.sent[seen[id(s)]] for s, _ in pages]
            for beat in beats:
                assert set(live.elements(beat)) == {"mc-seq"} and live.seq_of(beat) == 4
            assert len({id(beat) for beat in beats}) == 1  # one string for all

    live.run(scenario())


def test_a_renderer_failure_is_logged_and_the_hub_keeps_going(live, caplog):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, task)] = await live.open_pages(hub, 1)
            renderer.fail = True
            hub.notify("a1", 1, ["stack"])
            await live.until(lambda: renderer.renders("phone") == 1)
            page.frames.put_nowait(json.dumps({"type": "resync", "since": 0}))
            await live.until(lambda: len(page.sent) == 2)
            assert live.elements(page.sent[1])["mc-error"]["data-code"] == "render_failed"
            renderer.fail = False
            renderer.seq = 2
            hub.notify("a1", 2, ["stack"])  # rendered at the phone window's end
            await live.until(lambda: len(page.sent) == 3)
            assert live.seq_of(page.sent[2]) == 2 and not task.done()

    with caplog.at_level(logging.ERROR, logger="app.live"):
        live.run(scenario())
    assert "template exploded" in caplog.text


def test_a_disconnected_socket_is_unregistered(live):
    async def scenario() -> None:
        async with live.running_hub() as hub:
            [(page, task), _] = await live.open_pages(hub, 2)
            page.disconnect()
            await asyncio.wait_for(task, 2)
            assert hub.socket_count("a1") == 1 and hub.socket_count() == 1

    live.run(scenario())


def test_stop_closes_every_socket_with_1012(live):
    async def scenario() -> None:
        hub = Hub(renderer=live.FakeRenderer(), backend=MemoryBackend())
        await hub.start()
        pages = await live.open_pages(hub, 3)
        await hub.stop()
        await asyncio.wait_for(asyncio.gather(*(task for _, task in pages)), 2)
        assert all(s.closed_with and s.closed_with[0] == 1012 for s, _ in pages)
        assert hub.socket_count() == 0

    live.run(scenario())


def test_notify_before_start_is_harmless(live):
    hub = Hub(renderer=live.FakeRenderer(), backend=MemoryBackend())
    hub.notify("a1", 1, ["stack"])
    assert hub.socket_count() == 0


def test_an_unknown_view_is_refused(live):
    async def scenario() -> None:
        async with live.running_hub() as hub:
            with pytest.raises(ValueError, match="unknown view"):
                await hub.serve_page(live.FakeSocket(), assembly_id="a1", view="tv", since=0)

    live.run(scenario())


def test_a_stopped_hub_serves_again_after_a_new_start(live):
    hub = Hub(renderer=live.FakeRenderer(), backend=MemoryBackend())

    async def lifespan() -> None:
        await hub.start()
        [(page, task)] = await live.open_pages(hub, 1)
        await hub.stop()
        await asyncio.wait_for(task, 2)
        assert page.closed_with is not None and page.closed_with[0] == 1012

    live.run(lifespan())
    live.run(lifespan())  # a second app lifespan, on a new loop


def test_a_frame_the_web_layer_answers_is_answered_to_that_socket_alone(live):
    asked: list[Asked] = []

    async def answer(question: Asked) -> tuple[str, str]:
        asked.append(question)
        return "mc-note", '<p id="mc-note" hx-swap-oob="true">heard</p>'

    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            hub.answer("signal", answer)
            asker, other = live.FakeSocket(), live.FakeSocket()
            live.open_page(hub, asker, view="phone:es", who=12)
            live.open_page(hub, other, who=13)
            await live.until(lambda: bool(asker.sent and other.sent))
            renderer.seq = 3
            hub.notify("a1", 3, ["stack"])
            await live.until(lambda: len(asker.sent) == 2 and len(other.sent) == 2)
            asker.frames.put_nowait(json.dumps({"type": "signal", "kind": "agree"}))
            await live.until(lambda: len(asker.sent) == 3)
            assert "mc-note" in live.elements(asker.sent[2])
            renderer.seq = 4
            hub.notify("a1", 4, ["stack"])  # the next push: the other phone never got the note
            await live.until(lambda: len(other.sent) == 3)
            assert all("mc-note" not in live.elements(text) for text in other.sent)

    live.run(scenario())
    [question] = asked
    assert (question.assembly_id, question.view, question.who, question.seq) == (
        "a1",
        "phone:es",
        12,
        3,
    )
    assert question.data == {"type": "signal", "kind": "agree"}


def test_an_answer_that_fails_is_an_error_fragment_and_the_socket_stays_open(live, caplog):
    async def broken(question: Asked) -> tuple[str, str]:
        raise RuntimeError("the answer exploded")

    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            hub.answer("signal", broken)
            [(page, task)] = await live.open_pages(hub, 1)
            page.frames.put_nowait(json.dumps({"type": "signal", "kind": "agree"}))
            await live.until(lambda: len(page.sent) == 2)
            assert live.elements(page.sent[1])["mc-error"]["data-code"] == "failed"
            page.frames.put_nowait(json.dumps({"type": "ping"}))
            await live.until(lambda: len(page.sent) == 3)
            assert not task.done()

    live.run(scenario())
    assert "answering a 'signal' frame failed" in caplog.text


def test_a_frame_type_nobody_answers_is_still_a_bad_frame(live):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            [(page, _task)] = await live.open_pages(hub, 1)
            page.frames.put_nowait(json.dumps({"type": "signal", "kind": "agree"}))
            await live.until(lambda: len(page.sent) == 2)
            assert live.elements(page.sent[1])["mc-error"]["data-code"] == "bad_frame"

    live.run(scenario())
