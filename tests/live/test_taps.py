"""The hub's taps: markers on the bus for news kept in memory (the room's hand signals), handed
to the web layer's listener in every process, with the regions it names rendered instead; and
ambient pushes, which a snapshot at the same seq does not cover."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from app.live import Rendered


def test_markers_go_to_the_tap_even_without_sockets_and_are_never_rendered(live):
    heard: list[tuple[str, frozenset[str]]] = []

    def tap(assembly_id: str, markers: frozenset[str]) -> tuple[str, ...]:
        heard.append((assembly_id, markers))
        return ("speaker",)

    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            hub.tap("signal:", tap)
            await live.notify_from_thread(hub, ("elsewhere", 0, ("signal:1:agree",)))
            await live.until(lambda: len(heard) == 1)  # no socket of that assembly here
            walls = await live.open_pages(hub, 2, view="projector")
            renderer.seq = 1
            await live.notify_from_thread(hub, ("a1", 1, ("signal:1:agree", "stack")))
            await live.until(lambda: all(len(s.sent) == 2 for s, _ in walls))
            assert heard[1] == ("a1", frozenset({"signal:1:agree"}))
            assert renderer.calls[-1][2] == frozenset({"speaker", "stack"})

    live.run(scenario())


def test_a_failing_tap_is_logged_and_the_rest_of_the_change_still_renders(live, caplog):
    def tap(assembly_id: str, markers: frozenset[str]) -> tuple[str, ...]:
        raise RuntimeError("board exploded")

    async def scenario() -> None:
        renderer = live.FakeRenderer()
        async with live.running_hub(renderer) as hub:
            hub.tap("signal:", tap)
            walls = await live.open_pages(hub, 1, view="projector")
            renderer.seq = 1
            await live.notify_from_thread(hub, ("a1", 1, ("signal:1:agree", "stack")))
            await live.until(lambda: len(walls[0][0].sent) == 2)
            assert set(live.elements(walls[0][0].sent[1])) == {"mc-stack", "mc-seq"}

    with caplog.at_level(logging.ERROR, logger="app.live.hub"):
        live.run(scenario())
    assert "the tap for 'signal:' failed" in caplog.text


@pytest.mark.parametrize("ambient", [True, False])
def test_only_an_ambient_push_at_the_snapshots_seq_reaches_the_socket(live, ambient):
    class Renderer(live.FakeRenderer):  # type: ignore[misc,name-defined]
        async def render(self, assembly_id, view, regions) -> Rendered:  # type: ignore[no-untyped-def]
            rendered = await super().render(assembly_id, view, regions)
            return dataclasses.replace(rendered, ambient=ambient and regions is not None)

    async def scenario() -> None:
        renderer = Renderer()
        async with live.running_hub(renderer) as hub:
            hub.tap("signal:", lambda assembly_id, markers: ("speaker",))
            [(wall, _task)] = await live.open_pages(hub, 1, view="projector")
            await live.notify_from_thread(hub, ("a1", 0, ("signal:1:agree",)))  # seq unchanged
            await live.until(lambda: len(renderer.calls) == 2)
            if ambient:
                await live.until(lambda: len(wall.sent) == 2)
                assert set(live.elements(wall.sent[1])) == {"mc-speaker", "mc-seq"}
            else:  # the push was offered as its render returned; a ping's answer follows it
                wall.frames.put_nowait(json.dumps({"type": "ping"}))
                await live.until(lambda: len(wall.sent) == 2)
                assert set(live.elements(wall.sent[1])) == {"mc-seq"}  # covered by the snapshot

    live.run(scenario())
