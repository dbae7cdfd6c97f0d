"""Broadcast backends: choosing one, the memory bus, and Redis pub/sub between workers."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import redis

from app.live import Hub, MemoryBackend, RedisBackend, make_backend
from app.live.backends import decode_message, encode_message


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("memory://", MemoryBackend),
        ("redis://127.0.0.1:6379/0", RedisBackend),
        ("rediss://cache.example:6380/1", RedisBackend),
    ],
)
def test_the_broadcast_url_picks_the_backend(url, kind):
    assert isinstance(make_backend(url), kind)


@pytest.mark.parametrize("url", ["", "postgresql://db/x", "memory", "kafka://broker:9092"])
def test_an_unsupported_broadcast_url_is_refused_with_a_clear_message(url):
    with pytest.raises(ValueError, match=r"memory:// for one process or redis://"):
        make_backend(url)


def test_bus_messages_are_compact_json_and_round_trip():
    message = encode_message("a1", 42, frozenset({"stack", "agenda"}))
    assert message == '{"a":"a1","s":42,"r":["agenda","stack"]}'
    assert decode_message(message) == ("a1", 42, frozenset({"stack", "agenda"}))


@pytest.mark.parametrize("data", ["", "[]", '{"a": 1, "s": 2, "r": []}', '{"a": "x", "s": 1}'])
def test_malformed_bus_messages_are_ignored(data):
    assert decode_message(data) is None


def test_memory_backend_delivers_a_publish_from_any_thread_on_the_hub_loop(live):
    async def scenario() -> None:
        backend = MemoryBackend()
        backend.publish_threadsafe("a1", 1, frozenset({"stack"}))  # before start: ignored
        heard: list[tuple[str, int, frozenset[str], int]] = []
        await backend.start(
            lambda a, s, r: heard.append((a, s, r, threading.get_ident())), lambda: None
        )
        await asyncio.to_thread(backend.publish_threadsafe, "a1", 2, frozenset({"stack"}))
        await live.until(lambda: len(heard) == 1)
        assert heard == [("a1", 2, frozenset({"stack"}), threading.get_ident())]
        await backend.stop()

    live.run(scenario())


def kill_connection(url: str, client_name: str) -> int:
    """Make Redis drop the connection(s) of one named client; how many were killed."""
    admin = redis.Redis.from_url(url)
    try:
        ids = [c["id"] for c in admin.client_list() if c.get("name") == client_name]
        for client_id in ids:
            admin.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        admin.close()


@pytest.mark.redis
def test_a_notify_on_one_worker_reaches_sockets_on_both(live, redis_url):
    async def scenario() -> None:
        assembly_id = f"test-{uuid.uuid4().hex}"  # a channel no one else uses
        renderer = live.FakeRenderer()
        hubs = [
            Hub(renderer=renderer, backend=RedisBackend(redis_url, client_name=f"t-{n}"))
            for n in ("one", "two")
        ]
        for hub in hubs:
            await hub.start()
        try:
            pages = [(await live.open_pages(hub, 1, assembly_id=assembly_id))[0] for hub in hubs]
            renderer.seq = 5
            await live.notify_from_thread(hubs[0], (assembly_id, 5, ("stack",)))
            await live.until(lambda: all(len(s.sent) == 2 for s, _ in pages))
            for socket, _ in pages:
                assert set(live.elements(socket.sent[1])) == {"mc-stack", "mc-seq"}
                assert live.seq_of(socket.sent[1]) == 5
        finally:
            for hub in hubs:
                await hub.stop()

    live.run(scenario())


@pytest.mark.redis
def test_resubscribing_after_a_dropped_connection_triggers_a_resync(live, redis_url):
    async def scenario() -> None:
        name = f"miccheck-test-{uuid.uuid4().hex[:12]}"
        channel_id = f"test-{uuid.uuid4().hex}"
        heard: list[int] = []
        resyncs: list[float] = []
        backend = RedisBackend(redis_url, client_name=name)
        await backend.start(lambda a, s, r: heard.append(s), lambda: resyncs.append(1.0))
        try:
            await backend.subscribe(channel_id)
            await asyncio.to_thread(backend.publish_threadsafe, channel_id, 1, frozenset({"x"}))
            await live.until(lambda: heard == [1])
            assert resyncs == []
            assert await asyncio.to_thread(kill_connection, redis_url, name) == 1
            await live.until(lambda: len(resyncs) == 1, timeout=10)
            await asyncio.to_thread(backend.publish_threadsafe, channel_id, 2, frozenset({"x"}))
            await live.until(lambda: heard == [1, 2])  # subscribed again
        finally:
            await backend.stop()

    live.run(scenario())


@pytest.mark.redis
def test_after_a_bus_reconnect_every_page_gets_the_full_state_again(live, redis_url):
    async def scenario() -> None:
        name = f"miccheck-test-{uuid.uuid4().hex[:12]}"
        assembly_id = f"test-{uuid.uuid4().hex}"
        renderer = live.FakeRenderer()
        hub = Hub(renderer=renderer, backend=RedisBackend(redis_url, client_name=name))
        await hub.start()
        try:
            pages = await live.open_pages(hub, 2, assembly_id=assembly_id)
            renderer.seq = 3  # changed while the bus was down: the notification is lost
            assert await asyncio.to_thread(kill_connection, redis_url, name) == 1
            await live.until(lambda: all(len(s.sent) == 2 for s, _ in pages), timeout=10)
            for socket, _ in pages:
                again = live.elements(socket.sent[1])
                assert set(again) == {"mc-agenda", "mc-stack", "mc-round", "mc-seq"}
                assert again["mc-seq"]["data-seq"] == "3"
        finally:
            await hub.stop()

    live.run(scenario())


def test_publishing_with_redis_away_is_logged_not_raised(caplog):
    backend = RedisBackend("redis://127.0.0.1:1/0")  # nothing listens on port 1
    backend.publish_threadsafe("a1", 1, frozenset({"stack"}))
    assert "could not publish" in caplog.text


def test_a_hub_with_redis_away_keeps_serving_and_stops_cleanly(live, caplog):
    async def scenario() -> None:
        renderer = live.FakeRenderer()
        backend = RedisBackend("redis://127.0.0.1:1/0", max_backoff=0.2, confirm_timeout=0.2)
        hub = Hub(renderer=renderer, backend=backend)
        await hub.start()
        [(_, task)] = await live.open_pages(hub, 1)  # subscribe must not hang
        await asyncio.sleep(0.5)  # a few reconnect attempts
        assert not task.done() and hub.socket_count() == 1
        await hub.stop()
        await asyncio.wait_for(task, 2)

    live.run(scenario())
    assert "not reachable yet" in caplog.text and "reconnecting" in caplog.text
