"""A mirror following its primary (`miccheck mirror`): the copy stream read over a websocket,
every link checked before anything is stored, one write transaction per batch, then the local
screens told and the primary told what is stored. Reconnects from its own head."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from sqlmodel import select

from app.copies import logic
from app.copies.service import (
    BrokenLink,
    Secrets,
    not_following,
    secrets_from,
    store_copied,
    store_secrets,
)
from app.db import Database
from app.errors import Conflict, DomainError
from app.events import facts
from app.events.models import EventHead

log = logging.getLogger(__name__)

BATCH = 500  # events stored in one transaction at most


class Follower:
    """Keeps this server's copy of one assembly up to date with its primary."""

    def __init__(
        self,
        *,
        db: Database,
        primary: str,
        assembly_id: str,
        key: str,
        ping_seconds: float = 1.0,
        silence_seconds: float = 4.0,
    ) -> None:
        self.db, self.primary, self.assembly_id, self.key = db, primary, assembly_id, key
        self.ping_seconds = ping_seconds  # how often it asks the primary for its head
        self.silence_seconds = silence_seconds  # a primary this quiet is gone: reconnect
        self.held = 0  # the newest seq stored here
        self.primary_head = 0  # the newest seq the primary said it had
        self.heard_at: float | None = None  # when the primary last spoke (monotonic)
        self.connected = False
        self.stopped: str | None = None  # why it stopped for good (a broken link), if it did
        self._secrets: Secrets | None = None  # written again while some rows were missing
        self._task: asyncio.Task[None] | None = None

    def lag(self) -> logic.Lag:
        """How far this copy is behind, as its console shows it."""
        return logic.lag_of(
            held=self.held,
            primary_head=self.primary_head,
            heard_at=self.heard_at,
            now=time.monotonic(),
        )

    def start(self) -> None:
        """Follow in the background (from the app's lifespan)."""
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop following (a take-over, or the server stopping); what is stored stays."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.connected = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        """Follow until stopped; a broken link (or a copy that is not this primary's) stops it
        loudly, with nothing of it stored."""
        backoff = 0.2
        try:
            self.held = await asyncio.to_thread(self._own_head)
            while True:
                try:
                    await self._follow_once()
                    backoff = 0.2
                except (OSError, TimeoutError, ValueError) as exc:
                    log.info("mirror: the primary %s is not answering (%s)", self.primary, exc)
                except Exception as exc:
                    if isinstance(exc, DomainError):
                        raise
                    log.warning("mirror: the copy stream from %s failed: %r", self.primary, exc)
                self.connected = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 3.0)
        except DomainError as exc:  # a broken link, a copy not this primary's, an unreplayable log
            self.stopped = exc.message
            self.connected = False
            log.error("mirror stopped: %s", exc.message)

    def _own_head(self) -> int:
        with self.db.read() as session:
            head = session.exec(
                select(EventHead).where(EventHead.assembly_id == self.assembly_id)
            ).first()
        if head is None:
            return 0
        if head.follows != self.primary:
            raise not_following(head.follows, self.primary)
        return head.seq

    def stream_url(self) -> str:
        base = "ws" + self.primary.removeprefix("http")  # http→ws, https→wss
        return f"{base}/ws/assemblies/{self.assembly_id}/events?since={self.held}&copy=1"

    async def _follow_once(self) -> None:
        from websockets.asyncio.client import connect

        headers = {"Authorization": f"Bearer {self.key}"}
        async with connect(
            self.stream_url(), additional_headers=headers, open_timeout=5, max_size=2**24
        ) as socket:
            self.connected = True
            self.heard_at = time.monotonic()
            frames: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
            reader = asyncio.get_running_loop().create_task(_read(socket, frames))
            try:
                while True:
                    try:
                        frame = await asyncio.wait_for(frames.get(), self.ping_seconds)
                    except TimeoutError:
                        if time.monotonic() - (self.heard_at or 0) > self.silence_seconds:
                            raise TimeoutError("the primary went quiet") from None
                        await socket.send(json.dumps({"type": "ping"}))
                        continue
                    if frame is None:
                        closed = socket.close_reason or ""
                        if socket.close_code == 1008:  # refused: the key, or not a facilitator
                            raise Conflict(closed or "refused", code="mirror_refused")
                        return
                    batch = [frame]
                    while not frames.empty() and len(batch) < BATCH:
                        following = frames.get_nowait()
                        if following is None:  # closed: taken after this batch
                            frames.put_nowait(None)
                            break
                        batch.append(following)
                    await self._take(socket, batch)
            finally:
                reader.cancel()

    async def _take(self, socket: Any, batch: list[dict[str, Any]]) -> None:
        self.heard_at = time.monotonic()
        records: list[Mapping[str, Any]] = []
        owners: dict[int, int] = {}  # who gave the open anonymous answers among them
        for frame in batch:
            kind = frame.get("type")
            if kind == "event" and isinstance(frame.get("event"), dict):
                records.append(frame["event"])
                self.primary_head = max(self.primary_head, int(frame["event"]["seq"]))
                owner = frame.get("owner")
                if isinstance(owner, int) and not isinstance(owner, bool):
                    owners[int(frame["event"]["seq"])] = owner
            elif kind == "secrets":
                self._secrets = secrets_from(frame)
            elif kind in ("pong", "heartbeat") and isinstance(frame.get("head"), int):
                self.primary_head = max(self.primary_head, frame["head"])
            elif kind == "error":
                log.warning("mirror: the primary says %s", frame.get("message"))
        if not records and self._secrets is None:
            return
        held = await asyncio.to_thread(self._store, records, owners)
        if records:
            self.held = held
            await socket.send(json.dumps({"type": "stored", "seq": held}))
            self.primary_head = max(self.primary_head, held)

    def _store(self, records: list[Mapping[str, Any]], owners: Mapping[int, int]) -> int:
        """One write transaction: the events (each link checked first), then the secrets."""
        with self.db.write() as session:
            held = (
                store_copied(
                    session, self.assembly_id, records, primary=self.primary, owners=owners
                )
                if records
                else self.held
            )
            if self._secrets is not None and store_secrets(
                session, self.assembly_id, self._secrets
            ):
                self._secrets = None  # every row was there: nothing to write again
        if records:  # the walls and consoles of this server show the copy
            self.db.announce(self.assembly_id, held, facts.ALL)
        return held


def announce_to_primary(*, primary: str, assembly_id: str, key: str, address: str) -> str:
    """Tell the primary, on the facilitator's word (their key), that a mirror runs at `address`
    (POST /api/assemblies/{id}/mirrors): phones learn it. What the primary answered, in words;
    OSError when it could not be reached."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{primary}/api/assemblies/{assembly_id}/mirrors",
        data=json.dumps({"address": address}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return str(json.loads(reply.read()).get("address", address))
    except urllib.error.HTTPError as refused:
        try:
            error = json.loads(refused.read()).get("error", {})
        except ValueError:
            error = {}
        if error.get("code") == "not_mirrored":  # kept there; this mirror is about to store it
            return address
        raise OSError(error.get("message") or f"HTTP {refused.code}") from None


async def _read(socket: Any, frames: asyncio.Queue[dict[str, Any] | None]) -> None:
    """Every frame as a dict, in order; None once the socket closed."""
    try:
        async for message in socket:
            try:
                frame = json.loads(message)
            except ValueError:
                continue
            if isinstance(frame, dict):
                frames.put_nowait(frame)
    except Exception as exc:
        log.debug("mirror: reading the copy stream ended: %r", exc)
    finally:
        frames.put_nowait(None)


__all__ = ["BrokenLink", "Follower"]
