"""A room of phones, as a process of its own (tests/copies/test_takeover.py runs it): each phone
opens its link, reads its phone page as a browser would (the answer form, the round's id, the
mirrors' addresses, its pass) and answers through that form, alternating agree and stand aside.
When the primary stops answering, each phone takes its pass to a mirror and answers there;
while the mirror has not taken over yet its answers are refused (409) and tried again.

Every answer that got a success reply is written to the ledger, one JSON line each:
{"participant_id", "value", "server", "seq"}. Writing `pause` beside the ledger stops the
phones after the answers in flight (they write `paused`); removing it lets them go on; `stop`
ends them.

    python -m tests.copies.phones PRIMARY ASSEMBLY_ID TOKENS_FILE LEDGER
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bs4 import BeautifulSoup

VALUES = ("agree", "stand_aside")
TIMEOUT = 15.0  # a slow reply is waited for; only a refused connection means the server is gone


@dataclass
class Phone:
    participant_id: int
    token: str
    server: str
    client: httpx.Client
    mirrors: list[str] = field(default_factory=list)
    pass_: str = ""
    round_id: str = ""
    action: str = ""
    answered: int = 0


def read_page(phone: Phone, html: str) -> None:
    """What live.js and the forms take from the phone page."""
    doc = BeautifulSoup(html, "html.parser")
    body = doc.find("body")
    header = doc.find(id="mc-header")
    form = doc.select_one("#mc-answers .for-consensus form") or doc.select_one("#mc-answers form")
    if body is not None and body.get("data-mirror-pass"):
        phone.pass_ = str(body["data-mirror-pass"])
    if header is not None and header.get("data-mirrors"):
        phone.mirrors = str(header["data-mirrors"]).split()
    if form is not None:
        phone.action = str(form["action"])
        phone.round_id = str(form.find("input", attrs={"name": "round_id"})["value"])


def open_link(phone: Phone, assembly_id: str) -> None:
    reply = phone.client.get(f"{phone.server}/a/{assembly_id}?key={phone.token}", timeout=60.0)
    reply.raise_for_status()
    read_page(phone, reply.text)


def go_to_mirror(phone: Phone, assembly_id: str) -> bool:
    """The phone's pass taken to the first mirror that lets it in (live.js does the same)."""
    for mirror in phone.mirrors:
        try:
            reply = phone.client.get(
                f"{mirror}/a/{assembly_id}/pass", params={"p": phone.pass_}, timeout=TIMEOUT
            )
        except httpx.HTTPError:
            continue
        if reply.status_code == 200 and "data-mirror-pass" in reply.text:
            phone.server = mirror
            read_page(phone, reply.text)
            return True
    return False


def answer(phone: Phone, ledger: Path) -> str:
    """One answer through the page's form: "ok", "refused" (a 4xx/5xx) or "down"."""
    value = VALUES[phone.answered % len(VALUES)]
    try:
        reply = phone.client.post(
            phone.server + phone.action,
            data={"round_id": phone.round_id, "value": value},
            # as live.js sends it with its socket open: the reply carries the seq, no regions
            headers={"origin": phone.server, "hx-request": "true", "mc-live": "0"},
            timeout=TIMEOUT,
        )
    except (httpx.ConnectError, httpx.RemoteProtocolError):
        return "down"
    except httpx.HTTPError:
        return "refused"  # no answer in time: tried again, on the same server
    if reply.status_code != 200:
        return "refused"
    phone.answered += 1
    line = {
        "participant_id": phone.participant_id,
        "value": value,
        "server": phone.server,
        "seq": int(reply.headers.get("mc-seq", "0")),
    }
    with ledger.open("a") as out:
        out.write(json.dumps(line) + "\n")
    return "ok"


def main(primary: str, assembly_id: str, tokens_file: str, ledger_path: str) -> None:
    ledger = Path(ledger_path)
    pause, paused, stop = (ledger.with_name(n) for n in ("pause", "paused", "stop"))
    tokens = json.loads(Path(tokens_file).read_text())
    phones = [
        Phone(int(pid), token, primary, httpx.Client(follow_redirects=True))
        for pid, token in tokens.items()
    ]
    for phone in phones:
        open_link(phone, assembly_id)
    (ledger.with_name("ready")).write_text("ready")
    while not stop.exists():
        if pause.exists():
            paused.write_text("paused")
            time.sleep(0.05)
            continue
        paused.unlink(missing_ok=True)
        for phone in phones:
            if answer(phone, ledger) == "down" and not go_to_mirror(phone, assembly_id):
                time.sleep(0.2)  # no mirror let it in yet: as a phone retrying
            if pause.exists() or stop.exists():
                break
        time.sleep(0.05)


if __name__ == "__main__":
    main(*sys.argv[1:5])
