"""Percentiles and the units the report prints them in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(ordered: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) of sorted values, interpolating between neighbours."""
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """The distribution of a set of measurements, in their own unit (seconds here)."""

    n: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    def ms(self) -> str:
        """`p50 / p95 / p99 / max` in milliseconds, as the report prints latencies."""
        return " / ".join(f"{v * 1000:.1f}" for v in (self.p50, self.p95, self.p99, self.max))


def summarize(values: Iterable[float]) -> Summary | None:
    """Percentiles of `values`, or None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return Summary(
        n=len(ordered),
        p50=percentile(ordered, 50),
        p95=percentile(ordered, 95),
        p99=percentile(ordered, 99),
        max=ordered[-1],
        mean=sum(ordered) / len(ordered),
    )


def latency_ms(summary: Summary | None) -> str:
    """A latency row's value: `p50 / p95 / p99 / max ms (n=…)`, or a dash."""
    if summary is None:
        return "-"
    return f"{summary.ms()} ms (n={summary.n})"


def spread(values: Iterable[float]) -> str:
    """`min / median / max` of small counts, such as pushes per socket."""
    ordered = sorted(values)
    if not ordered:
        return "-"
    median = percentile(ordered, 50)
    return f"{ordered[0]:g} / {median:g} / {ordered[-1]:g}"


def mebibytes(n_bytes: float) -> str:
    """Bytes as MiB with one decimal."""
    return f"{n_bytes / 2**20:.1f} MiB"
