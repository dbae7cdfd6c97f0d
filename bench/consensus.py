"""Phase 6: a call for consensus answered by every phone, with live results, then closed.

The facilitator puts a proposal forward, opens its item, calls for consensus and opens a
consensus round with `results: live`, so every push of the round carries the counts. Then
every phone answers in one burst through its page's form (a few stand aside, fewer block,
with a reason), a tenth of them change their answer in a second burst, the burst's joiners
(no socket, bearer tokens) answer through the JSON API, and the facilitator closes the round.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from statistics import median
from time import perf_counter

from app.config import Settings
from bench.api import Answer, Answers, Change, FormTarget, answer_many, answer_many_form
from bench.closing import gc_pauses
from bench.phones import Phone, RoundSeen, wait_for
from bench.process import ServiceSampler
from bench.run import (
    DELIVERY_TIMEOUT,
    BenchFailed,
    Run,
    check_delivered,
    client_cpu_row,
    server_cpu_row,
)
from bench.stats import latency_ms, spread, summarize

SECTION = "consensus call"
VALUES = ("agree", "stand_aside", "block")
# The facilitator's pause before opening and before closing the round: without it the call
# falls in the coalescing window of the push before and reads ~0.25 s slower.
PAUSE = 1.0
PROPOSAL_TEXT = (
    "The kitchen moves to the north side of the square for the winter, next to the "
    "medical tent, and serves two hot meals a day; the Sanitation working group keeps a "
    "path clear between them. Amended at the spokescouncil: no generator within ten metres."
)


def first_answer(index: int) -> tuple[str, str | None]:
    """Phone `index`'s first answer: 1% block (with a reason), 5% stand aside, the rest agree."""
    if index % 100 == 99:
        return "block", f"Phone {index:04d}: the generator fumes reach the medical tent."
    if index % 20 == 10:
        return "stand_aside", None
    return "agree", None


def changes_mind(index: int) -> bool:
    """A tenth of the phones, all of them agreeing at first, then stand aside."""
    return index % 10 == 5


@dataclass(frozen=True)
class Plan:
    """Who answers what, in each burst."""

    first: list[Answer]
    second: list[Answer]

    @classmethod
    def of(cls, phones: Sequence[Phone]) -> Plan:
        first, second = [], []
        for phone in phones:
            value, reason = first_answer(phone.index)
            first.append(Answer(phone.token, value, reason))
            if changes_mind(phone.index):
                second.append(Answer(phone.token, "stand_aside", "Not convinced about the path."))
        return cls(first, second)


def tally_of(answered: dict[str, str]) -> dict[str, int]:
    """The counts the round must show: each phone's last answer the server acknowledged."""
    counts = Counter(answered.values())
    return {value: counts.get(value, 0) for value in VALUES}


def counts_text(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "hidden"
    return ", ".join(f"{value.replace('_', ' ')} {counts.get(value, 0)}" for value in VALUES)


async def consensus_call(run: Run) -> None:
    """Put a proposal to a call for consensus, every phone answers, some change, close."""
    phones = run.phones
    plan = Plan.of(phones)
    round_id, opened = await _open_round(run)
    reach, live = _reach(phones, round_id, opened)
    run.report.add(
        SECTION,
        "round opened",
        f"proposal put forward, its item opened, moved to consensus_call, consensus round "
        f"opened with results live (reply {_ms(opened)}); on every phone {reach}",
    )
    if live < len(phones):
        run.report.fail(f"not every phone showed the round open with live counts at 0: {reach}")
    answered: dict[str, str] = {}  # credential -> the value the server acknowledged last
    form = _form_path(run)
    await _burst(run, round_id, "answers", plan.first, answered, form, headline=True)
    await _burst(run, round_id, "changed answers", plan.second, answered, form)
    if run.burst_tokens:
        json_answers = [Answer(token, "agree") for token in run.burst_tokens]
        await _burst(run, round_id, JSON_LABEL, json_answers, answered, answer_many)
    await _close(run, round_id, tally_of(answered), len(answered))


JSON_LABEL = "JSON-path answers"
Send = Callable[[str, int, Sequence[Answer], int], Awaitable[Answers]]


def _form_path(run: Run) -> Send:
    """Answers as the phone page sends them: `POST /a/{id}/rounds/respond`, htmx's headers,
    the session cookie, and `MC-Live` while the phone's socket is open."""
    target = FormTarget(f"/a/{run.facilitator.assembly_id}/rounds/respond", run.page_url)
    by_cookie = {phone.token: phone for phone in run.phones}

    def live_seq(cookie: str) -> int | None:
        phone = by_cookie.get(cookie)
        return phone.max_seq if phone is not None and phone.live else None

    async def send(
        base_url: str, round_id: int, answers: Sequence[Answer], concurrency: int
    ) -> Answers:
        return await answer_many_form(base_url, target, round_id, answers, concurrency, live_seq)

    return send


async def _open_round(run: Run) -> tuple[int, Change]:
    """Proposal, its item opened, consensus_call, a live consensus round seen by every phone."""
    facilitator = run.facilitator
    submitted = await facilitator.post(
        f"/api/assemblies/{facilitator.assembly_id}/proposals",
        {
            "title": "Winter kitchen on the north side",
            "text": PROPOSAL_TEXT,
            "presenter_name": "Kitchen working group",
        },
    )
    proposal_id = int(submitted.data["proposal_id"])
    await facilitator.change(f"agenda/{submitted.data['agenda_item_id']}/open")
    await facilitator.post(f"/api/proposals/{proposal_id}/stage", {"stage": "consensus_call"})
    await asyncio.sleep(PAUSE)
    opened = await facilitator.post(
        f"/api/proposals/{proposal_id}/rounds", {"kind": "consensus", "results": "live"}
    )
    round_id = int(opened.data["round_id"])
    behind = await wait_for(run.phones, opened.change.seq, DELIVERY_TIMEOUT)
    check_delivered(run, behind, opened.change.seq, f"{SECTION} (round opened)")
    if behind:
        raise BenchFailed(f"{len(behind)} phones never saw the round open")
    return round_id, opened.change


def _ms(change: Change) -> str:
    return f"{(change.replied_at - change.sent_at) * 1000:.0f} ms"


def _reach(phones: Sequence[Phone], round_id: int, change: Change) -> tuple[str, int]:
    """When each phone first showed the round at the change's seq, after its HTTP reply;
    and how many showed it open with live counts at 0."""
    seen = [p.round_at_or_after(change.seq, round_id) for p in phones]
    after = [max(0.0, s.at - change.replied_at) for s in seen if s is not None]
    got = summarize(after)
    if got is None:
        return "never", 0
    zero = {v: 0 for v in VALUES}
    live = sum(s is not None and s.status == "open" and s.counts == zero for s in seen)
    text = (
        f"p50 {got.p50 * 1000:.0f} ms, max {got.max * 1000:.0f} ms after the reply; "
        f"{live} of {len(phones)} showed it open with its counts at 0"
    )
    return text, live


async def _burst(
    run: Run,
    round_id: int,
    label: str,
    answers: list[Answer],
    answered: dict[str, str],
    send: Send,
    *,
    headline: bool = False,
) -> None:
    """Send `answers` from concurrent clients; every phone must then show the counts of
    every answer acknowledged so far (`answered`, updated here). The `headline` burst's
    figures are the ones compared with the floor."""
    phones, n = run.phones, len(answers)
    # PostgreSQL's and Redis's CPU is not the server's: sampled on the side when they are used
    services = ServiceSampler(run.services).start() if run.services is not None else None
    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    result = await send(run.server.base_url, round_id, answers, run.options.concurrency)
    answered.update((a.token, a.value) for a in result.done)
    expected = tally_of(answered)
    last = result.last()
    if last is None:
        raise BenchFailed(f"{label}: no answer succeeded: {result.errors[:1]}")
    behind = await wait_for(phones, last.seq, DELIVERY_TIMEOUT)
    t_end = perf_counter()
    cpu, wall, own = run.cpu() - cpu0, t_end - t0, time.process_time() - own0
    if services is not None:
        services.stop()
    check_delivered(run, behind, last.seq, f"{SECTION} ({label})")
    final: list[float] = []
    pushes: list[int] = []
    wrong: list[RoundSeen] = []
    for phone in phones:
        seen = phone.round_at_or_after(last.seq, round_id)
        if seen is None:
            continue
        final.append(max(0.0, seen.at - last.replied_at))
        pushes.append(len(phone.pushes_between(t0, seen.at)))
        if seen.counts != expected:
            wrong.append(seen)
    until = summarize(final)
    how = "through the JSON API, bearer tokens" if send is answer_many else "through the form"
    run.report.add(
        SECTION,
        label,
        f"{len(result.changes)} of {n} {how} in {result.seconds:.1f} s ({result.rate:.0f}/s, "
        f"{run.options.concurrency} concurrent clients) while {len(phones)} sockets listen",
    )
    if headline:
        # From the first request until every phone had the final count: the pushes the
        # answers caused are part of what an answer costs the app.
        run.figures["answers_rate"] = len(result.done) / max(result.seconds, 1e-9)
        run.figures["answers_cpu"] = cpu / max(len(result.done), 1)
        if until is not None:
            run.figures["final_count_max"] = until.max
    run.report.add(
        SECTION, f"{label}: latency p50 / p95 / p99 / max", latency_ms(summarize(result.latencies))
    )
    rate = Settings(environment="development").phone_pushes_per_second  # as the server reads it
    span = (until.max + last.replied_at - t0) if until else wall
    run.report.add(
        SECTION,
        f"{label}: pushes per socket min / median / max",
        f"{spread(pushes)} (coalesced: at most {rate:g}/s × {span:.1f} s ≈ {rate * span:.0f})",
    )
    sizes = [r.size for r in phones[0].pushes_between(t0, t_end)]
    shown = (
        f"; every phone showed {counts_text(expected)}"
        if not wrong
        else f"; {len(wrong)} phones showed other counts, e.g. {counts_text(wrong[0].counts)}"
    )
    run.report.add(
        SECTION,
        f"{label}: final count on phones after the last answer's reply p50 / p95 / p99 / max",
        latency_ms(until) + shown + (f" ({median(sizes) / 1024:.1f} KB pushes)" if sizes else ""),
    )
    server_cpu_row(run, SECTION, cpu, wall, len(result.changes), unit="answer", label=label)
    if services is not None:
        used = services.used()
        per = max(len(result.changes), 1)
        run.report.add(
            SECTION,
            f"{label}: services' CPU (not in the server's)",
            "; ".join(
                f"{k} {v:.2f} s, ≈ {v / per * 1000:.1f} ms per answer" for k, v in used.items()
            )
            + (" (redis-server is shared: others' use counts)" if "redis-server" in used else ""),
        )
        if headline:
            run.figures["answers_services_cpu"] = sum(used.values()) / per
    pauses = [ms for _, ms in gc_pauses(run, t0, t_end)]
    run.report.add(
        SECTION,
        f"{label}: server full GC pauses",
        f"{len(pauses)}, {sum(pauses):.0f} ms in all, longest {max(pauses):.0f} ms"
        if pauses
        else "none",
    )
    client_cpu_row(run, SECTION, own, wall, label=label)
    _check(run, label, result, wrong, expected)


def _check(
    run: Run, label: str, result: Answers, wrong: list[RoundSeen], expected: dict[str, int]
) -> None:
    if result.errors:
        run.report.fail(f"{len(result.errors)} {label} failed, first: {result.errors[0]}")
    if result.wrong:
        run.report.fail(f"{len(result.wrong)} {label} replies were wrong, first: {result.wrong[0]}")
    if wrong:
        run.report.fail(
            f"{label}: {len(wrong)} phones showed {counts_text(wrong[0].counts)} at the last "
            f"answer's seq, not {counts_text(expected)}"
        )


async def _close(run: Run, round_id: int, expected: dict[str, int], answered: int) -> None:
    """Close the round: the reply's tally must sum to the phones that answered, as planned;
    every phone must then show the round closed with that tally."""
    phones = run.phones
    await asyncio.sleep(PAUSE)
    cpu0, t0 = run.cpu(), perf_counter()
    closed = await run.facilitator.post(f"/api/rounds/{round_id}/close")
    change = closed.change
    behind = await wait_for(phones, change.seq, DELIVERY_TIMEOUT)
    cpu, wall = run.cpu() - cpu0, perf_counter() - t0
    check_delivered(run, behind, change.seq, f"{SECTION} (close)")
    tally = {str(k): int(v) for k, v in closed.data.get("tally", {}).items()}
    outcome, stage = closed.data.get("outcome"), closed.data.get("stage")
    seen = [p.round_closed(round_id) for p in phones]
    after = [max(0.0, s.at - change.replied_at) for s in seen if s is not None]
    showing = [s for s in seen if s is not None and (s.counts != tally or s.outcome != outcome)]
    run.report.add(
        SECTION,
        "close: facilitator's HTTP reply",
        f"{_ms(change)}; server CPU {cpu * 1000:.0f} ms over the {wall:.2f} s until every "
        f"phone had it ({max(0.0, cpu - run.idle_cpu_rate * wall) * 1000:.0f} ms above idle)",
    )
    run.report.add(
        SECTION,
        "close: outcome on every phone after the reply p50 / p95 / p99 / max",
        latency_ms(summarize(after)) + f"; {len(after)} of {len(phones)} phones showed it closed",
    )
    total = sum(tally.values())
    run.figures["acknowledged"] = answered
    run.figures["counted"] = total
    run.figures["acknowledged_matches"] = float(tally == expected)
    run.report.add(
        SECTION,
        "close: tally",
        " + ".join(f"{k} {v}" for k, v in tally.items())
        + f" = {total} (phones that answered: {answered}; expected {counts_text(expected)}); "
        f"outcome {outcome}, proposal now {stage}",
    )
    if total != answered or tally != expected:
        run.report.fail(
            f"the close's tally {tally} sums to {total}, not the {answered} phones that "
            f"answered, or differs from the expected {expected}"
        )
    if len(after) < len(phones):
        run.report.fail(f"{len(phones) - len(after)} phones never showed the round closed")
    if showing:
        first = showing[0]
        run.report.fail(
            f"{len(showing)} phones showed the closed round with {counts_text(first.counts)}, "
            f"outcome {first.outcome!r}, not the close's reply"
        )
