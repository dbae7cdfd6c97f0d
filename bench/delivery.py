"""When each change reached each phone, and the latencies that follow from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.api import Change
from bench.phones import Phone
from bench.stats import summarize


@dataclass
class Delivery:
    """When each change reached each phone (perf_counter times)."""

    changes: Sequence[Change]
    arrivals: list[list[float]]  # per change, one time per phone that had it

    @classmethod
    def measure(cls, phones: Sequence[Phone], changes: Sequence[Change]) -> Delivery:
        """Find, for each phone and change, its first push with data-seq >= the change's."""
        arrivals: list[list[float]] = [[] for _ in changes]
        for phone in phones:
            cursor = 0
            for index, change in enumerate(changes):
                at, cursor = phone.first_at_or_after(change.seq, cursor)
                if at is not None:
                    arrivals[index].append(at)
        return cls(changes, arrivals)

    def after_reply(self) -> list[float]:
        """Seconds from each change's HTTP reply to each push (0 when the push came first)."""
        return [
            max(0.0, at - change.replied_at)
            for change, times in zip(self.changes, self.arrivals, strict=True)
            for at in times
        ]

    def after_request(self) -> list[float]:
        """Seconds from sending each change's request to each push."""
        return [
            at - change.sent_at
            for change, times in zip(self.changes, self.arrivals, strict=True)
            for at in times
        ]

    def reach_all(self) -> list[float]:
        """Per change: seconds from its HTTP reply until the last socket had it."""
        return [
            max(times) - change.replied_at
            for change, times in zip(self.changes, self.arrivals, strict=True)
            if times
        ]

    def early(self) -> int:
        """Pushes that arrived before their change's HTTP reply did."""
        return sum(
            at < change.replied_at
            for change, times in zip(self.changes, self.arrivals, strict=True)
            for at in times
        )

    def lines(self, phase: str, origin: float) -> list[str]:
        """One line per change, for --details."""
        out = []
        for change, times in zip(self.changes, self.arrivals, strict=True):
            got = summarize(at - change.replied_at for at in times)
            out.append(
                f"{phase:<11} seq {change.seq:>5}  sent {change.sent_at - origin:8.3f} s  "
                f"reply {(change.replied_at - change.sent_at) * 1000:6.1f} ms  after reply "
                + (f"p50 {got.p50 * 1000:6.1f}  max {got.max * 1000:6.1f} ms" if got else "-")
                + f"  ({len(times)} sockets)"
            )
        return out
