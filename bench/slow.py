"""Phase 4: one phone stops reading while the room carries on."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from statistics import median
from time import perf_counter

from bench.api import Change
from bench.delivery import Delivery
from bench.phones import wait_for
from bench.run import (
    DELIVERY_TIMEOUT,
    BenchFailed,
    Run,
    check_delivered,
    client_cpu_row,
    server_cpu_row,
)
from bench.slowphone import SlowPhone
from bench.stats import latency_ms, summarize

HUB_CLOSE_RE = re.compile(
    r"^(?P<at>\d+\.\d+) INFO app\.live\.hub: closing a websocket stuck sending for "
    r"(?P<stuck>[\d.]+) s",
    re.MULTILINE,
)
SLOW_SPACING = 0.3  # just over the phones' 0.25 s coalescing window: one push per change


async def connect_slow_phone(run: Run) -> None:
    """Connect the phone that never reads (before the fan-out, so it lives through it)."""
    slow = SlowPhone(run.slow_token)
    path = f"/ws/assemblies/{run.facilitator.assembly_id}?view=phone&since=0"
    try:
        await slow.connect("127.0.0.1", run.server.port, path)
    except (OSError, TimeoutError) as exc:
        raise BenchFailed(f"the slow phone could not connect: {exc!r}") from exc
    run.slow = slow


async def slow_phone(run: Run) -> None:
    """Open agenda items in turn (~5 KB pushes) until the slow phone's sends stall and the
    server lets it go; meanwhile every other socket must keep its latency."""
    slow, section, phones = run.slow, "slow phone", run.phones
    if slow is None:
        return
    options, items = run.options, len(run.facilitator.item_ids)
    if items < 2:
        run.report.add(section, "skipped", "needs at least two agenda items")
        return
    slow.watch(run.server.port)
    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    deadline = t0 + options.slow_seconds
    changes: list[Change] = []
    while perf_counter() < deadline:
        if slow.released_at is not None and perf_counter() - slow.released_at > 2.0:
            break  # a few more changes after the close, to compare
        run.open_item = (run.open_item + 1) % items
        changes.append(await run.facilitator.open_item(run.open_item))
        await asyncio.sleep(max(0.0, t0 + len(changes) * SLOW_SPACING - perf_counter()))
    behind = await wait_for(phones, changes[-1].seq, DELIVERY_TIMEOUT)
    t_end = perf_counter()
    cpu, wall, own = run.cpu() - cpu0, t_end - t0, time.process_time() - own0
    check_delivered(run, behind, changes[-1].seq, section)
    sizes = [r.size for r in phones[0].pushes_between(t0, t_end)]
    if sizes:
        run.report.add(
            section,
            "load",
            f"{len(changes)} agenda changes {SLOW_SPACING:g} s apart, "
            f"{median(sizes) / 1024:.1f} KB pushes, "
            f"to {len(phones)} sockets plus one that never reads",
        )
    stuck = _hub_closed_stuck_socket(run)
    stuck_from = stuck[0] if stuck else None
    released = slow.released_at
    if released is None:
        queued = slow.server_queued(run.server.port)
        run.report.add(section, "closed by the server", "no")
        run.report.fail(
            f"the slow phone was still open {options.slow_seconds:.0f} s into the slow-phone "
            f"phase (the server's kernel holds {(queued or 0) / 1024:.0f} KB for it)"
        )
    else:
        since_open = released - (slow.opened_at or released)
        how = (
            f"the hub dropped it after a send hung {stuck[1]:.1f} s; the connection was cut "
            f"{released - stuck[0] - stuck[1]:.1f} s later"
            if stuck is not None
            else "no 'stuck sending' line in the server log: not the hub's send timeout"
        )
        run.report.add(
            section,
            "closed by the server",
            f"yes, {since_open:.1f} s after it connected ({how}); server end {slow.released_state}",
        )
        drained = await slow.drain()
        ending = (
            f"close frame {drained.close_code}"
            if drained.close_code is not None
            else "no close frame (connection cut after the close grace)"
        )
        run.report.add(
            section,
            "what it then read",
            f"{drained.size / 1024:.0f} KB, {drained.messages} messages, {ending}"
            + (f"; {drained.error}" if drained.error else ""),
        )
    run.report.details += Delivery.measure(phones, changes).lines(section, run.started)
    for label, group in _split_changes(changes, stuck_from, released):
        delivery = Delivery.measure(phones, group)
        run.report.add(
            section, f"others' delivery {label}", latency_ms(summarize(delivery.after_reply()))
        )
    server_cpu_row(run, section, cpu, wall, len(changes))
    client_cpu_row(run, section, own, wall)


def _hub_closed_stuck_socket(run: Run) -> tuple[float, float] | None:
    """When (perf_counter) the send the hub gave up on began, and how long it hung: from the
    hub's log line, if it logged one."""
    match = HUB_CLOSE_RE.search(run.server.log_text())
    if match is None:
        return None
    stuck_for = float(match["stuck"])
    return float(match["at"]) - stuck_for - run.wall_offset, stuck_for


def _split_changes(
    changes: Iterable[Change], stuck_from: float | None, released: float | None
) -> list[tuple[str, list[Change]]]:
    before, during, after = [], [], []
    for change in changes:
        if released is not None and change.sent_at >= released:
            after.append(change)
        elif stuck_from is not None and change.sent_at >= stuck_from:
            during.append(change)
        else:
            before.append(change)
    labels = ("before its send stalled", "while its send was stuck", "after it was closed")
    groups = zip(labels, (before, during, after), strict=True)
    return [(label, group) for label, group in groups if group]
