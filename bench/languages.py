"""Half the room in Spanish: pushes are rendered once per view kind and language, never per
socket, so a second language costs one more render per change, not one per phone.

After the fan-out (every phone in English), every other phone reconnects speaking Spanish (its
page's language cookie, as the join page sets it) and the same headcount changes go out again.
The server's CPU per change is compared with the English-only fan-out of the same run; the
phases after this one keep the two languages, as a bilingual room would.
"""

from __future__ import annotations

import asyncio
import time
from time import perf_counter

from bench.phones import Phone, connect_phones, wait_for
from bench.run import (
    DELIVERY_TIMEOUT,
    Run,
    check_delivered,
    client_cpu_row,
    server_cpu_row,
)
from bench.stats import spread

LANGUAGE_COOKIE = "mc_lang"  # app.web.language.COOKIE
SECOND = "es"


def in_spanish(phone: Phone) -> Phone:
    """The same phone's page, reloaded after choosing Spanish (its cookie gains the choice)."""
    cookie = f"{phone.cookie}; {LANGUAGE_COOKIE}={SECOND}" if phone.cookie else None
    return Phone(phone.index, phone.token, cookie=cookie, origin=phone.origin)


async def two_languages(run: Run) -> None:
    """Every other phone switches to Spanish; the fan-out's changes again; CPU per change."""
    section, options = "two languages", run.options
    switching = [p for p in run.phones if p.index % 2 == 1 and p.live]
    for phone in switching:
        phone.abort()
    await asyncio.gather(*(p.finished(5.0) for p in switching))
    spanish = [in_spanish(p) for p in switching]
    by_index = {p.index: p for p in spanish}
    run.phones = [by_index.get(p.index, p) for p in run.phones]
    url = run.server.ws_url(f"/ws/assemblies/{run.facilitator.assembly_id}?view=phone&since=0")
    await connect_phones(
        spanish, url, concurrency=options.connect_concurrency, timeout=DELIVERY_TIMEOUT * 2
    )
    behind = await wait_for(spanish, 0, timeout=30.0)
    check_delivered(run, behind, 0, section)
    await asyncio.sleep(1.0)  # the reconnections settle before the measurement starts
    cpu0, own0, t0 = run.cpu(), time.process_time(), perf_counter()
    seqs: list[int] = []
    for index in range(options.changes):
        await asyncio.sleep(max(0.0, t0 + index * options.spacing - perf_counter()))
        seqs.append((await run.facilitator.set_headcount(1000 + index)).seq)
    behind = await wait_for(run.phones, seqs[-1], DELIVERY_TIMEOUT)
    cpu, wall, own = run.cpu() - cpu0, perf_counter() - t0, time.process_time() - own0
    check_delivered(run, behind, seqs[-1], section)
    english = len(run.phones) - len(spanish)
    run.report.add(
        section,
        "phones",
        f"{english} in English, {len(spanish)} in Spanish; {len(seqs)} headcount changes, "
        f"{options.spacing:g} s apart",
    )
    pushes = [p.pushes_between(t0, perf_counter()) for p in run.phones]
    run.report.add(
        section, "pushes per socket min / median / max", spread(len(got) for got in pushes)
    )
    server_cpu_row(run, section, cpu, wall, len(seqs))
    run.figures["fanout_cpu_two_languages"] = max(0.0, cpu - run.idle_cpu_rate * wall) / len(seqs)
    client_cpu_row(run, section, own, wall)
