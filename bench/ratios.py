"""Issue 11's targets: the app against the floors of the same run, each with its verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bench.report import Report

SECTION = "targets (issue 11)"
CPU_PER_ANSWER = 3.0  # at most this many times the floor's server CPU per answer
ANSWER_RATE = 0.5  # at least this share of the floor's answers/s
FINAL_COUNT = 0.5  # seconds from the last reply until every phone shows the final count
PUSH_CPU = 1.5  # at most this many times the raw broadcast's CPU per push
TWO_LANGUAGES = 2.0  # half the phones in a second language: at most this many times the CPU
KIB_PER_SOCKET = 30.0  # server memory per idle phone socket
STORM = 10.0  # seconds until every phone is resynced after they all dropped


def verdict(value: float, target: float, *, at_most: bool) -> str:
    """ "met", or "missed by N%" (how far past the target, relative to it)."""
    if math.isnan(value):
        return "not measured"
    if math.isinf(value):
        return "missed"
    if (value <= target) if at_most else (value >= target):
        return "met"
    missed = (value / target - 1) if at_most else (1 - value / target)
    return f"missed by {missed:.0%}"


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when either is missing or the denominator is 0."""
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return math.nan
    return numerator / denominator


def add_targets(
    report: Report,
    app: Mapping[str, float],
    floor: Mapping[str, float],
    raw: Mapping[str, float],
) -> None:
    """The target rows: the app's figures (`Run.figures`) against the floor's and the raw
    broadcast's; a missed target is reported, not failed (the run still measured)."""
    nan = math.nan

    def get(figures: Mapping[str, float], key: str) -> float:
        return figures.get(key, nan)

    cpu_app, cpu_floor = get(app, "answers_cpu"), get(floor, "cpu")
    cpu_ratio = ratio(cpu_app, cpu_floor)
    services = get(app, "answers_services_cpu")
    report.add(
        SECTION,
        "server CPU per answer (form path) vs the floor",
        f"{cpu_app * 1000:.2f} ms / {cpu_floor * 1000:.2f} ms = {cpu_ratio:.1f}× "
        f"(target ≤ {CPU_PER_ANSWER:g}×): {verdict(cpu_ratio, CPU_PER_ANSWER, at_most=True)}"
        + (
            ""
            if math.isnan(services)
            else f"; PostgreSQL and Redis took ≈ {services * 1000:.1f} ms more per answer"
        ),
    )
    rate_app, rate_floor = get(app, "answers_rate"), get(floor, "rate")
    rate_ratio = ratio(rate_app, rate_floor)
    report.add(
        SECTION,
        "answers/s (form path) vs the floor",
        f"{rate_app:.0f} / {rate_floor:.0f} = {rate_ratio:.2f}× "
        f"(target ≥ {ANSWER_RATE:g}×): {verdict(rate_ratio, ANSWER_RATE, at_most=False)}",
    )
    acknowledged, counted = get(app, "acknowledged"), get(app, "counted")
    same = acknowledged == counted and get(app, "acknowledged_matches") == 1.0
    report.add(
        SECTION,
        "acknowledged = counted",
        f"{acknowledged:.0f} phones' answers acknowledged (2xx), {counted:.0f} counted in the "
        f"closed round's tally, values as acknowledged: {'met' if same else 'missed'}",
    )
    final = get(app, "final_count_max")
    report.add(
        SECTION,
        "final count on every phone after the last reply",
        f"max {final * 1000:.0f} ms (target ≤ {FINAL_COUNT * 1000:.0f} ms): "
        f"{verdict(final, FINAL_COUNT, at_most=True)}",
    )
    push_app, push_raw = get(app, "fanout_cpu"), get(raw, "cpu")
    push_ratio = ratio(push_app, push_raw)
    report.add(
        SECTION,
        "server CPU per pushed change vs a raw websockets broadcast",
        f"{push_app * 1000:.1f} ms / {push_raw * 1000:.1f} ms = {push_ratio:.1f}× "
        f"(target ≤ {PUSH_CPU:g}×): {verdict(push_ratio, PUSH_CPU, at_most=True)}",
    )
    two = get(app, "fanout_cpu_two_languages")
    two_ratio = ratio(two, push_app)
    report.add(
        SECTION,
        "server CPU per pushed change, half the phones in Spanish vs all in English",
        f"{two * 1000:.1f} ms / {push_app * 1000:.1f} ms = {two_ratio:.2f}× "
        f"(target ≤ {TWO_LANGUAGES:g}×, issue 13): "
        f"{verdict(two_ratio, TWO_LANGUAGES, at_most=True)}",
    )
    kib = get(app, "kib_per_socket")
    report.add(
        SECTION,
        "server memory per idle phone socket",
        f"{kib:.1f} KiB (raw websockets: {get(raw, 'kib_per_socket'):.1f} KiB; target "
        f"≤ {KIB_PER_SOCKET:g} KiB): {verdict(kib, KIB_PER_SOCKET, at_most=True)}",
    )
    storm = get(app, "storm_seconds")
    report.add(
        SECTION,
        "reconnect storm: all resynced",
        f"{storm:.1f} s (target ≤ {STORM:g} s): {verdict(storm, STORM, at_most=True)}",
    )


def add_scaling(report: Report, one: Mapping[str, float], two: Mapping[str, float]) -> None:
    """The 2-worker (PostgreSQL + Redis) run against the 1-worker (SQLite) one."""
    nan = math.nan
    rate = ratio(two.get("answers_rate", nan), one.get("answers_rate", nan))
    cpu = ratio(two.get("answers_cpu", nan), one.get("answers_cpu", nan))
    report.add(
        "1 vs 2 workers",
        "answers/s (form path), 2 workers ÷ 1",
        f"{two.get('answers_rate', nan):.0f} / {one.get('answers_rate', nan):.0f} = {rate:.2f}×",
    )
    report.add(
        "1 vs 2 workers",
        "server CPU per answer, 2 workers ÷ 1",
        f"{two.get('answers_cpu', nan) * 1000:.2f} ms / {one.get('answers_cpu', nan) * 1000:.2f}"
        f" ms = {cpu:.2f}×",
    )
