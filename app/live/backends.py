"""Broadcast backends: carry `(assembly_id, seq, regions)` from a commit to every hub.

The message is only a pointer; each process renders from the database for its own
sockets. `memory://` serves one process, `redis://` several processes or machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry as SyncRetry

logger = logging.getLogger(__name__)

Listener = Callable[[str, int, frozenset[str]], None]
"""Called on the hub's event loop with (assembly_id, seq, regions)."""

CHANNEL_PREFIX = "miccheck:assembly:"


class Backend(ABC):
    """Publishes change notifications and hands subscribed ones to the hub's listener."""

    @abstractmethod
    async def start(self, loop_listener: Listener, on_resync: Callable[[], None]) -> None:
        """Begin delivering notifications to `loop_listener` on the running loop."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop delivering and release connections."""

    @abstractmethod
    def publish_threadsafe(self, assembly_id: str, seq: int, regions: frozenset[str]) -> None:
        """Announce a committed change; callable from any thread, never raises."""

    @abstractmethod
    async def subscribe(self, assembly_id: str) -> None:
        """Start receiving an assembly's notifications (its first socket arrived)."""

    @abstractmethod
    async def unsubscribe(self, assembly_id: str) -> None:
        """Stop receiving an assembly's notifications (its last socket left)."""


class MemoryBackend(Backend):
    """One process: a publish is a callback scheduled on the hub's loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: Listener | None = None

    async def start(self, loop_listener: Listener, on_resync: Callable[[], None]) -> None:
        """Remember the running loop and the listener."""
        self._loop = asyncio.get_running_loop()
        self._listener = loop_listener

    async def stop(self) -> None:
        """Forget the loop: later publishes are ignored."""
        self._loop = None

    def publish_threadsafe(self, assembly_id: str, seq: int, regions: frozenset[str]) -> None:
        """Schedule the listener on the hub's loop; a no-op before start or after stop."""
        loop, listener = self._loop, self._listener
        if loop is None or listener is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody is listening
            loop.call_soon_threadsafe(listener, assembly_id, seq, regions)

    async def subscribe(self, assembly_id: str) -> None:
        """Nothing to do: every publish reaches this process's hub."""

    async def unsubscribe(self, assembly_id: str) -> None:
        """Nothing to do: the hub ignores assemblies it holds no sockets for."""


def encode_message(assembly_id: str, seq: int, regions: frozenset[str]) -> str:
    """The bus message: compact JSON `{"a": id, "s": seq, "r": [regions]}`."""
    return json.dumps({"a": assembly_id, "s": seq, "r": sorted(regions)}, separators=(",", ":"))


def decode_message(data: str) -> tuple[str, int, frozenset[str]] | None:
    """Parse a bus message, or None when it is not one of ours."""
    try:
        message = json.loads(data)
        assembly_id, seq, regions = message["a"], message["s"], message["r"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(assembly_id, str) and isinstance(seq, int) and isinstance(regions, list)):
        return None
    return assembly_id, seq, frozenset(str(r) for r in regions)


class RedisBackend(Backend):
    """Redis pub/sub, one channel per assembly; each worker subscribes only to its own.

    Pub/sub is at-most-once, so after every reconnect the hub's `on_resync` runs and the
    hub re-sends full state. The subscriber reconnects with backoff and never raises.
    `client_name` names the connections in `CLIENT LIST`; a silent link is detected by a
    PING after `ping_seconds` without traffic; `confirm_timeout` bounds the waits for
    Redis at start and on subscribe.
    """

    def __init__(
        self,
        url: str,
        *,
        client_name: str = "miccheck-live",
        ping_seconds: float = 5.0,
        confirm_timeout: float = 5.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._url = url
        self._client_name = client_name
        self._ping_seconds = ping_seconds
        self._confirm_timeout = confirm_timeout
        self._max_backoff = max_backoff
        # Sync client: the caller is a threadpool worker already, so one short round trip
        # there costs the event loop nothing; tight timeouts bound it if Redis is away.
        self._publisher = redis.Redis.from_url(
            url,
            socket_timeout=1.0,
            socket_connect_timeout=1.0,
            retry=SyncRetry(NoBackoff(), 1),
            client_name=f"{client_name}-pub",
        )
        self._quiet_until = 0.0  # monotonic time before which publishes are skipped
        self._wanted: set[str] = set()
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._listener: Listener | None = None
        self._on_resync: Callable[[], None] | None = None
        self._connected_before = False
        self._healthy = False
        self._up: asyncio.Event | None = None  # set once the subscriber has connected

    async def start(self, loop_listener: Listener, on_resync: Callable[[], None]) -> None:
        """Start the subscriber; wait (bounded) for its first connection, then keep it up."""
        self._listener, self._on_resync = loop_listener, on_resync
        self._up = up = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._listen_forever())
        try:
            async with asyncio.timeout(self._confirm_timeout):
                await up.wait()
        except TimeoutError:
            logger.warning("Redis is not reachable yet; live updates resync once it is")

    async def stop(self) -> None:
        """Stop the subscriber and close both connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._publisher.close)

    def publish_threadsafe(self, assembly_id: str, seq: int, regions: frozenset[str]) -> None:
        """Publish on the assembly's channel; a failure is logged, never raised."""
        if time.monotonic() < self._quiet_until:
            return  # Redis just failed: don't make each request wait (the bus is at-most-once)
        try:
            self._publisher.publish(
                CHANNEL_PREFIX + assembly_id, encode_message(assembly_id, seq, regions)
            )
        except (redis.RedisError, OSError) as exc:
            self._quiet_until = time.monotonic() + 1.0
            logger.warning("could not publish a change of %s to Redis: %s", assembly_id, exc)

    async def subscribe(self, assembly_id: str) -> None:
        """Subscribe and wait until Redis confirms, so no later publish can slip past."""
        channel = CHANNEL_PREFIX + assembly_id
        self._wanted.add(channel)
        pubsub = self._pubsub
        if pubsub is None:
            return  # the next (re)connect subscribes it and triggers a resync
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(channel, []).append(confirmed)
        try:
            await pubsub.subscribe(channel)
            async with asyncio.timeout(self._confirm_timeout):
                await confirmed
        except (redis.RedisError, OSError, TimeoutError) as exc:
            logger.warning("subscribing to %s failed for now: %s", channel, exc)
        finally:
            waiting = self._confirmations.get(channel, [])
            if confirmed in waiting:
                waiting.remove(confirmed)

    async def unsubscribe(self, assembly_id: str) -> None:
        """Unsubscribe; on a broken connection the reconnect simply leaves it out."""
        channel = CHANNEL_PREFIX + assembly_id
        self._wanted.discard(channel)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(channel)
            except (redis.RedisError, OSError) as exc:
                logger.warning("unsubscribing from %s failed: %s", channel, exc)

    async def _listen_forever(self) -> None:
        delay = 0.1
        while True:
            client = aioredis.Redis.from_url(
                self._url,
                decode_responses=True,
                socket_connect_timeout=5.0,
                retry=AsyncRetry(NoBackoff(), 0),  # we reconnect, and resync, ourselves
                client_name=self._client_name,
            )
            try:
                await self._listen(client)
            except (redis.RedisError, OSError, TimeoutError) as exc:
                logger.warning("Redis pub/sub lost (%s); reconnecting in %.1f s", exc, delay)
            except Exception:
                logger.exception("Redis subscriber failed; reconnecting in %.1f s", delay)
            finally:
                await self._disconnect(client)
            if self._healthy:
                delay, self._healthy = 0.1, False  # it had connected: start backing off afresh
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    async def _listen(self, client: aioredis.Redis) -> None:
        pubsub = client.pubsub()
        await pubsub.connect()
        self._pubsub, self._healthy = pubsub, True
        if self._up is not None:
            self._up.set()
        initial = set(self._wanted)  # no await since _pubsub was set: later ones subscribe too
        resync_due = bool(initial) or self._connected_before
        self._connected_before = True
        if initial:
            await pubsub.subscribe(*initial)
        elif resync_due:
            self._resync()
        awaiting_pong = False
        while True:
            message = await pubsub.get_message(timeout=self._ping_seconds)
            if message is None:
                if awaiting_pong:
                    raise redis.ConnectionError("no reply to PING")
                await pubsub.ping()
                awaiting_pong = True
                continue
            awaiting_pong = False
            kind = message.get("type")
            if kind == "message":
                self._deliver(message.get("data"))
            elif kind == "subscribe":
                channel = str(message.get("channel"))
                for waiter in self._confirmations.pop(channel, []):
                    if not waiter.done():
                        waiter.set_result(None)
                if initial and channel in initial:
                    initial.discard(channel)
                    if not initial and resync_due:
                        self._resync()

    def _deliver(self, data: Any) -> None:
        decoded = decode_message(data) if isinstance(data, str) else None
        if decoded is None:
            logger.warning("ignoring a malformed bus message: %r", data)
            return
        if self._listener is not None:
            try:
                self._listener(*decoded)
            except Exception:
                logger.exception("the hub failed to take a notification")

    def _resync(self) -> None:
        if self._on_resync is None:
            return
        try:
            self._on_resync()
        except Exception:
            logger.exception("the hub failed to resync")

    async def _disconnect(self, client: aioredis.Redis) -> None:
        pubsub, self._pubsub = self._pubsub, None
        for waiters in self._confirmations.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)  # don't keep sockets waiting: a resync follows
        self._confirmations.clear()
        with contextlib.suppress(Exception):
            if pubsub is not None:
                await pubsub.aclose()
            await client.aclose()


def make_backend(url: str) -> Backend:
    """The backend named by `MICCHECK_BROADCAST_URL`: `memory://` or `redis://host:port/db`."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "memory":
        return MemoryBackend()
    if scheme in ("redis", "rediss"):
        return RedisBackend(url)
    raise ValueError(
        f"Unsupported broadcast URL {url!r}: use memory:// for one process "
        "or redis://host:6379/0 for several."
    )
