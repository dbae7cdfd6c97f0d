"""A small in-process sliding-window limiter per client address."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from app.errors import TooMany


class RateLimiter:
    """At most `limit` hits per `window` seconds per key."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, what: str) -> None:
        """Count one hit, or raise 429 with the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window - now))
                raise TooMany(
                    f"Too many {what} from this address; try again in {wait} s.", retry_after=wait
                )
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle addresses rather than grow forever
                self._hits = {
                    k: v for k, v in self._hits.items() if v and v[-1] > now - self.window
                }
