"""Simulated phones: websocket clients that timestamp every push they receive."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from time import perf_counter
from typing import NamedTuple

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

SEQ_RE = re.compile(r'id="mc-seq" data-seq="(\d+)"')  # not #mc-log's: the head when rendered
SEQ_TAIL = 400  # `#mc-seq` is the last element of every push: search the tail first
REGION_MARK = ' id="mc-'
ROUND_MARK = '<section id="mc-round"'  # templates/live/_round.html
ROUND_ATTRS_RE = re.compile(
    r'data-round-id="(?P<id>\d+)"[^>]*?data-status="(?P<status>\w+)"'
    r'[^>]*?data-outcome="(?P<outcome>\w*)"'
)
METER_RE = re.compile(
    r'<li class="meter-row answer-(?P<value>\w+)">.*?<span class="meter-n">(?P<n>\d+)</span>',
    re.DOTALL,
)
# templates/live/_tally.html's count line, read from its attributes (phones speak two languages)
ANSWERED_RE = re.compile(r'<p class="round-count" data-answers="(\d+)" data-eligible="(\d+)"')
# templates/live/_tally.html: the open round's count and meter, pushed alone while answers
# come in (inside #mc-round otherwise)
TALLY_MARK = '<div id="mc-tally"'
THE_OPEN_ROUND = -1  # a tally pushed alone names no round: the phone's open one


def seq_of(text: str) -> int | None:
    """The `data-seq` of a push's `#mc-seq` element, or None if it carries none."""
    match = SEQ_RE.search(text, max(0, len(text) - SEQ_TAIL)) or SEQ_RE.search(text)
    return int(match.group(1)) if match else None


class Received(NamedTuple):
    """One message as a phone saw it."""

    at: float  # perf_counter() when the client had it
    seq: int  # its data-seq (-1 when it had none)
    size: int  # characters
    content: bool  # carries a region, not just `#mc-seq` (a heartbeat)


class RoundSeen(NamedTuple):
    """The `#mc-round` region of one push, as a phone saw it."""

    at: float
    seq: int
    round_id: int
    status: str  # open, closed
    outcome: str  # "" while open
    counts: dict[str, int] | None  # the meter's numbers; None while results are hidden
    answered: int | None  # "N of M phones answered" while open


def round_of(text: str, at: float, seq: int) -> RoundSeen | None:
    """The round a push shows, if it carries `#mc-round` with a round in it."""
    start = text.find(ROUND_MARK)
    if start < 0:
        return _tally_of(text, at, seq)
    end = text.find("</section>", start)
    fragment = text[start : end if end >= 0 else len(text)]
    attrs = ROUND_ATTRS_RE.search(fragment, 0, fragment.find(">") + 1)
    if attrs is None:
        return None  # no round on the open proposal
    meter = {m["value"]: int(m["n"]) for m in METER_RE.finditer(fragment)}
    answered = ANSWERED_RE.search(fragment)
    return RoundSeen(
        at,
        seq,
        int(attrs["id"]),
        attrs["status"],
        attrs["outcome"],
        meter or None,
        int(answered.group(1)) if answered else None,
    )


def _tally_of(text: str, at: float, seq: int) -> RoundSeen | None:
    """The open round's counts from a push carrying `#mc-tally` alone."""
    start = text.find(TALLY_MARK)
    if start < 0:
        return None
    end = text.find("</div>", start)
    fragment = text[start : end if end >= 0 else len(text)]
    meter = {m["value"]: int(m["n"]) for m in METER_RE.finditer(fragment)}
    answered = ANSWERED_RE.search(fragment)
    return RoundSeen(
        at,
        seq,
        THE_OPEN_ROUND,
        "open",
        "",
        meter or None,
        int(answered.group(1)) if answered else None,
    )


class Parsed(NamedTuple):
    """What a phone reads from one message (the same for every phone it reaches)."""

    seq: int | None
    content: bool
    round: RoundSeen | None  # its `at` is filled in per phone


_PARSED: dict[str, Parsed] = {}
PARSED_KEPT = 64  # messages remembered: a push reaches every phone with the same text


def parse(text: str) -> Parsed:
    """Parse a message once for all the phones that receive it: the load generator's
    reading time is part of every delivery it measures."""
    parsed = _PARSED.get(text)
    if parsed is None:
        seq = seq_of(text)
        seen = (
            round_of(text, 0.0, -1 if seq is None else seq)
            if ROUND_MARK in text or TALLY_MARK in text
            else None
        )
        parsed = Parsed(seq, text.count(REGION_MARK) > 1, seen)
        if len(_PARSED) >= PARSED_KEPT:
            _PARSED.clear()
        _PARSED[text] = parsed
    return parsed


class Phone:
    """One phone page's websocket: connects as the browser does (the session cookie and the
    page's Origin) or, without a cookie, with a bearer token; records every push."""

    def __init__(
        self,
        index: int,
        token: str,
        *,
        cookie: str | None = None,
        origin: str | None = None,
        keep_texts: bool = False,
    ) -> None:
        self.index = index
        self.token = token  # the bearer token, or the session cookie's value on the form path
        self.cookie = cookie  # "name=value" as the browser sends it
        self.origin = origin
        self.texts: list[str] | None = [] if keep_texts else None  # every message, if kept
        self.received: list[Received] = []
        self.rounds: list[RoundSeen] = []  # every push that carried a round
        self.max_seq = -1
        self.started_at: float | None = None
        self.opened_at: float | None = None
        self.snapshot_at: float | None = None
        self.closed_at: float | None = None
        self.close_code: int | None = None
        self.error: str | None = None
        self.notes: list[tuple[float, bool]] = []  # answers to its hand signals: when, and
        # whether it was told to wait (one signal every 5 s)
        self.noted = asyncio.Event()  # set at each such answer
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def live(self) -> bool:
        """The socket is open (live.js sends `MC-Live` only then)."""
        return self.opened_at is not None and self.closed_at is None

    def again(self) -> Phone:
        """The same phone's page after a reconnect: a fresh socket, nothing received yet."""
        return Phone(self.index, self.token, cookie=self.cookie, origin=self.origin)

    async def connect(self, url: str, timeout: float) -> None:
        """Open the socket and start reading; failures are recorded, never raised."""
        self.started_at = perf_counter()
        try:
            headers = (
                {"Cookie": self.cookie}
                if self.cookie is not None
                else {"Authorization": f"Bearer {self.token}"}
            )
            self._ws = await connect(
                url,
                additional_headers=headers,
                origin=Origin(self.origin) if self.origin else None,
                compression=None,
                proxy=None,
                open_timeout=timeout,
                ping_interval=None,  # the server pings; the client answers on its own
                ping_timeout=None,
                close_timeout=2,
                max_size=None,
                user_agent_header="miccheck-bench",
            )
        except Exception as exc:
            self.error = f"connect: {exc!r}"
            self.closed_at = perf_counter()
            return
        self.opened_at = perf_counter()
        self._reader = asyncio.create_task(self._read(self._ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                now = perf_counter()
                text = data if isinstance(data, str) else data.decode("utf-8", "replace")
                seq, content, seen = parse(text)
                if self.texts is not None:
                    self.texts.append(text)
                if 'id="mc-signal-note"' in text:
                    self.notes.append((now, "signal-note-wait" in text))
                    self.noted.set()
                self.received.append(Received(now, -1 if seq is None else seq, len(text), content))
                if seen is not None:
                    if seen.round_id == THE_OPEN_ROUND:
                        shown = self.rounds[-1].round_id if self.rounds else THE_OPEN_ROUND
                        seen = seen._replace(round_id=shown)
                    self.rounds.append(seen._replace(at=now))
                if seq is not None:
                    if self.snapshot_at is None:
                        self.snapshot_at = now
                    if seq > self.max_seq:
                        self.max_seq = seq
        except ConnectionClosed:
            pass
        except Exception as exc:
            self.error = f"read: {exc!r}"
        finally:
            self.closed_at = perf_counter()
            self.close_code = ws.close_code

    def first_at_or_after(self, seq: int, cursor: int = 0) -> tuple[float | None, int]:
        """When this phone first had a push with data-seq >= `seq`, scanning from `cursor`.

        Returns (time or None, the cursor to pass for a later, larger seq).
        """
        received = self.received
        while cursor < len(received) and received[cursor].seq < seq:
            cursor += 1
        return (received[cursor].at if cursor < len(received) else None), cursor

    def round_at_or_after(self, seq: int, round_id: int) -> RoundSeen | None:
        """The first push showing round `round_id` at data-seq >= `seq`."""
        return next((r for r in self.rounds if r.round_id == round_id and r.seq >= seq), None)

    def round_closed(self, round_id: int) -> RoundSeen | None:
        """The first push showing round `round_id` closed."""
        return next(
            (r for r in self.rounds if r.round_id == round_id and r.status == "closed"), None
        )

    def pushes_between(self, start: float, end: float) -> list[Received]:
        """Content pushes (not heartbeats) received in [start, end]."""
        return [r for r in self.received if r.content and start <= r.at <= end]

    async def send(self, frame: str) -> bool:
        """Send a frame on the open socket, as live.js does; False when it is not open."""
        if self._ws is None or self.closed:
            return False
        try:
            await self._ws.send(frame)
        except ConnectionClosed:
            return False
        return True

    def abort(self) -> None:
        """Cut the connection at once (teardown)."""
        if self._ws is not None and not self.closed:
            self._ws.transport.abort()

    async def finished(self, timeout: float) -> None:
        """Wait for the reader to end (the server closed us), at most `timeout` seconds."""
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=timeout)


async def connect_phones(
    phones: Sequence[Phone], url: str, *, concurrency: int, timeout: float
) -> None:
    """Connect every phone, at most `concurrency` handshakes at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(phone: Phone) -> None:
        async with gate:
            await phone.connect(url, timeout)

    await asyncio.gather(*(one(p) for p in phones))


async def wait_for(phones: Sequence[Phone], seq: int, timeout: float) -> list[Phone]:
    """Wait until every phone had data-seq >= `seq`; return those that did not in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        behind = [p for p in phones if p.max_seq < seq]
        if not behind or all(p.closed for p in behind) or loop.time() > deadline:
            return behind
        await asyncio.sleep(0.01)
