"""Small in-process limits per client address: a sliding window, a token bucket for joins, and
the guard that stops an address guessing join codes."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from app.errors import NotFound, TooMany
from app.i18n import N_, _, translate

FORGET_AFTER = 50_000  # addresses kept before idle ones are forgotten


class RateLimiter:
    """At most `limit` hits per `window` seconds per key."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, what: str) -> None:
        """Count one hit, or raise 429 with the seconds to wait."""
        with self._lock:
            now = time.monotonic()
            self._refuse_when_full(key, now, what)
            self._record(key, now)

    def check(self, key: str, *, what: str) -> None:
        """Raise 429 when `key` is at its limit now, without counting anything."""
        with self._lock:
            self._refuse_when_full(key, time.monotonic(), what)

    def record(self, key: str) -> None:
        """Count one hit without refusing it (it has already happened)."""
        with self._lock:
            self._record(key, time.monotonic())

    def _refuse_when_full(self, key: str, now: float, what: str) -> None:
        hits = self._hits.get(key)
        if hits is None:
            return
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = max(1, math.ceil(hits[0] + self.window - now))
            raise TooMany(
                _("Too many {what} from this address; try again in {wait} s.").format(
                    what=translate(what), wait=wait
                ),
                retry_after=wait,
            )

    def _record(self, key: str, now: float) -> None:
        self._hits.setdefault(key, deque()).append(now)
        if len(self._hits) > FORGET_AFTER:  # forget idle addresses rather than grow forever
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}


class TokenBucket:
    """Up to `burst` hits at once per key, refilled at `per_minute` a minute: a venue whose
    phones all share one public address can fill up at once, a flood cannot go on. Keyed by
    address for joins, by (kind, assembly, participant) for what one person does."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key → (tokens, when counted)
        self._lock = threading.Lock()

    def hit(
        self, key: Hashable, *, what: str, by_person: bool = False, code: str | None = None
    ) -> None:
        """Take one token, or raise 429 with the seconds until one is back: "Too many {what}
        from this address (or from you); try again in N s." (`code` names the refusal,
        too_many_requests by default). `what` is marked with N_() and translated here."""
        with self._lock:
            now = time.monotonic()
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
            if tokens < 1:
                wait = max(1, math.ceil((1 - tokens) / self.per_second))
                raise TooMany(
                    (
                        _("Too many {what} from you; try again in {wait} s.")
                        if by_person
                        else _("Too many {what} from this address; try again in {wait} s.")
                    ).format(what=translate(what), wait=wait),
                    retry_after=wait,
                    code=code,
                )
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > FORGET_AFTER:  # a full bucket is the same as none
                refill = self.burst / self.per_second
                self._buckets = {k: v for k, v in self._buckets.items() if v[1] > now - refill}


class CodeGuard:
    """Lookups by join code: an address that tried `limit` codes matching no assembly within
    `window` seconds has every lookup refused (a right code too) until the oldest miss is
    `window` seconds old, so guessing cannot go on at the speed of joins."""

    def __init__(self, limit: int, window: float = 60) -> None:
        self.misses = RateLimiter(limit, window)

    @contextmanager
    def lookup(self, key: str) -> Iterator[None]:
        """Refuse while `key` is over its misses; count a miss when the code matched nothing."""
        self.misses.check(key, what=N_("unknown join codes"))
        try:
            yield
        except NotFound as exc:
            if exc.code == "join_code_unknown":
                self.misses.record(key)
            raise
