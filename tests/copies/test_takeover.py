"""A second laptop takes over (the issue's test): three real processes — the primary
(`miccheck serve`), a mirror (`miccheck mirror`) and a room of phones (tests/copies/phones.py)
answering a consensus call through the phone page's own form. The primary is SIGKILLed in the
middle of the call; a facilitator takes over on the mirror's console; the phones go on there.

Then: with MICCHECK_ACK_AFTER_MIRROR every acknowledged answer is in the mirror's log; without
it, no more are lost than the console said a take-over would lose just before the kill. The
chain verifies across the take-over (`miccheck verify`), and the mirror's minutes hold the
round and the take-over. Every wait is bounded; every process is killed in a `finally`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import upgrade_database
from tests.e2e.harness import free_port

MICCHECK = str(Path(sys.executable).parent / "miccheck")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "takeover-test-secret-not-for-production"
WAIT = 60.0  # the longest any one wait may take before the test fails (a bound, not a measure)
PHONES = 30


def until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)
    return found


def answering(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def environment(database: str, port: int, ack: bool) -> dict[str, str]:
    return {
        **os.environ,
        "MICCHECK_DATABASE_URL": database,
        "MICCHECK_SECRET_KEY": SECRET,
        "MICCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MICCHECK_ACK_AFTER_MIRROR": "true" if ack else "false",
        "MICCHECK_PERSON_BURST": "10000",
        "MICCHECK_PERSON_ACTIONS_PER_MINUTE": "100000",
        "MICCHECK_JOINS_PER_MINUTE": "10000",
    }


def ledger_lines(ledger: Path) -> list[dict[str, Any]]:
    if not ledger.exists():
        return []
    return [json.loads(line) for line in ledger.read_text().splitlines() if line.strip()]


def open_call(primary: str) -> tuple[dict[str, Any], dict[str, str]]:
    """An assembly with PHONES people and a consensus call open: (made, their tokens)."""
    made = httpx.post(
        f"{primary}/api/assemblies", json={"title": "Riverside GA", "facilitator_name": "Noor"}
    ).json()
    fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
    tokens: dict[str, str] = {}
    for n in range(PHONES):
        joined = httpx.post(
            f"{primary}/api/join", json={"join_code": made["join_code"], "name": f"Phone {n}"}
        ).json()
        tokens[str(joined["participant_id"])] = joined["token"]
    base = f"{primary}/api/assemblies/{made['id']}"
    proposal = httpx.post(
        f"{base}/proposals", json={"title": "Winter tarps", "text": "Buy ten tarps."}, headers=fac
    ).json()
    httpx.post(f"{base}/agenda/{proposal['agenda_item_id']}/open", headers=fac).raise_for_status()
    pid = proposal["proposal_id"]
    httpx.post(
        f"{primary}/api/proposals/{pid}/stage", json={"stage": "consensus_call"}, headers=fac
    ).raise_for_status()
    opened = httpx.post(
        f"{primary}/api/proposals/{pid}/rounds", json={"kind": "consensus"}, headers=fac
    )
    opened.raise_for_status()
    return made, tokens


def export_of(database: str, assembly_id: str, out: Path, format: str) -> str:
    env = {**os.environ, "MICCHECK_DATABASE_URL": database, "MICCHECK_SECRET_KEY": SECRET}
    subprocess.run(
        [MICCHECK, "export", assembly_id, "--format", format, "-o", str(out)],
        env=env,
        check=True,
        timeout=WAIT,
    )
    return out.read_text()


@pytest.mark.parametrize("ack", [True, False], ids=["ack-after-mirror", "ack-at-once"])
def test_a_mirror_takes_over_mid_call_and_keeps_every_acknowledged_answer(
    tmp_path: Path, ack: bool
) -> None:
    primary_port, mirror_port = free_port(), free_port()
    primary, mirror = f"http://127.0.0.1:{primary_port}", f"http://127.0.0.1:{mirror_port}"
    primary_db = f"sqlite:///{tmp_path / 'primary.db'}"
    mirror_db = f"sqlite:///{tmp_path / 'mirror.db'}"
    ledger = tmp_path / "ledger.jsonl"
    upgrade_database(primary_db)
    logs = (tmp_path / "primary.log").open("wb"), (tmp_path / "mirror.log").open("wb")
    with processes() as started:
        started.append(
            subprocess.Popen(
                [MICCHECK, "serve", "--port", str(primary_port)],
                env=environment(primary_db, primary_port, ack),
                stdout=logs[0],
                stderr=subprocess.STDOUT,
            )
        )
        until(lambda: answering(primary + "/"), "the primary answers")
        made, tokens = open_call(primary)
        fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        aid = made["id"]

        started.append(
            subprocess.Popen(
                [
                    *(MICCHECK, "mirror", f"{primary}/a/{aid}/console"),
                    *("--key", made["facilitator_token"], "--host", "127.0.0.1"),
                    *("--port", str(mirror_port), "--database", mirror_db),
                    *("--announce", mirror),
                ],
                env=environment(mirror_db, mirror_port, False),
                stdout=logs[1],
                stderr=subprocess.STDOUT,
            )
        )
        panel_url = f"{primary}/a/{aid}/console/mirrors"

        def would_lose() -> int | None:
            found = re.search(r'data-would-lose="(\d+)"', httpx.get(panel_url, headers=fac).text)
            return int(found[1]) if found else None

        until(lambda: would_lose() == 0, "the mirror caught up with the primary")

        tokens_file = tmp_path / "tokens.json"
        tokens_file.write_text(json.dumps(tokens))
        started.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "tests.copies.phones"),
                    *(primary, aid, str(tokens_file), str(ledger)),
                ],
                cwd=ROOT,
                stdout=(tmp_path / "phones.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        until(lambda: len(ledger_lines(ledger)) >= 2 * PHONES, "the phones answering")

        shown = None
        if not ack:  # what the console says a take-over would lose, the moment of the kill
            (tmp_path / "pause").write_text("pause")
            until(lambda: (tmp_path / "paused").exists(), "the phones pausing")
            shown = would_lose()
        started[0].send_signal(signal.SIGKILL)
        started[0].wait(timeout=WAIT)
        (tmp_path / "pause").unlink(missing_ok=True)
        before = len(ledger_lines(ledger))

        # The facilitator takes over on the mirror's console: its own link works there.
        console = httpx.Client(base_url=mirror, follow_redirects=False)
        signed_in = console.get(f"/a/{aid}/console?key={made['facilitator_token']}")
        assert signed_in.status_code == 303, signed_in.text
        assert "Take over from" in console.get(f"/a/{aid}/console").text
        taken = console.post(f"/a/{aid}/take-over", headers={"origin": mirror})
        assert taken.status_code == 303, taken.text

        until(
            lambda: (
                sum(1 for line in ledger_lines(ledger)[before:] if line["server"] == mirror)
                >= PHONES
            ),
            "the phones answering on the mirror",
        )
        (tmp_path / "stop").write_text("stop")
        started[2].wait(timeout=WAIT)
        started[1].send_signal(signal.SIGTERM)
        started[1].wait(timeout=WAIT)

    events_file = tmp_path / "events.json"
    export = json.loads(export_of(mirror_db, aid, events_file, "events"))
    events = {e["seq"]: e for e in export["events"]}
    take_over = next(e for e in export["events"] if e["type"] == "taken_over")
    at_seq = take_over["payload"]["at_seq"]

    acknowledged = [line for line in ledger_lines(ledger) if line["server"] == primary]
    kept = [line for line in acknowledged if line["seq"] <= at_seq]
    for line in kept:  # the answer the primary acknowledged at that seq is the mirror's too
        event = events[line["seq"]]
        assert (event["actor_id"], event["payload"]["value"]) == (
            line["participant_id"],
            line["value"],
        ), event
    lost = len(acknowledged) - len(kept)
    if ack:
        assert lost == 0
    else:
        assert shown is not None and lost <= shown

    on_mirror = [line for line in ledger_lines(ledger) if line["server"] == mirror]
    assert on_mirror and all(line["seq"] > at_seq for line in on_mirror)
    for line in on_mirror:
        assert events[line["seq"]]["actor_id"] == line["participant_id"]

    verified = subprocess.run(
        [MICCHECK, "verify", str(events_file), "--head", export["head"]["hash"]],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert verified.returncode == 0, verified.stderr

    minutes = export_of(mirror_db, aid, tmp_path / "minutes.md", "md")
    assert "Winter tarps" in minutes
    assert f"took over on a mirror of {primary}: the record goes on there from event {at_seq}" in (
        minutes
    )
