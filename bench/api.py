"""The JSON API calls the benchmark makes: create an assembly, join, facilitator changes,
answers to a round."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from time import perf_counter
from typing import Any, TypeVar

import httpx

from bench.phones import seq_of

AGENDA_KINDS = ("report", "proposal", "announcement", "discussion")
SESSION_COOKIE = "miccheck"  # app/web/sessions.py COOKIE
SEQ_HEADER = "MC-Seq"  # app/web/pages.py: the seq after a form post
LIVE_HEADER = "MC-Live"  # static/live.js: the last seq the page saw, while its socket is open
WORKING_GROUPS = ("Facilitation", "Kitchen", "Legal", "Outreach", "Sanitation", "Media")


class ApiFailed(Exception):
    """A call the benchmark depends on did not succeed."""


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one per client costs ~20 ms of CPU each."""
    return ssl.create_default_context()


def client(base_url: str, token: str | None = None) -> httpx.AsyncClient:
    """An HTTP client for 127.0.0.1 only (no proxies from the environment)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        base_url=base_url, headers=headers, trust_env=False, timeout=30.0, verify=_tls()
    )


def agenda_title(index: int) -> str:
    """A long, realistic agenda title (proposal titles run to a couple of lines)."""
    group = WORKING_GROUPS[index % len(WORKING_GROUPS)]
    text = (
        f"Item {index + 1}: the {group} working group proposes that the assembly adopt its "
        "revised plan for the winter encampment, with the amendments agreed at the last "
        "spokescouncil"
    )
    return text[:200]


@dataclass(frozen=True)
class Change:
    """One facilitator change: its seq and when the request was sent and answered."""

    seq: int
    sent_at: float
    replied_at: float


@dataclass(frozen=True)
class Reply:
    """A facilitator call's JSON reply and its timing."""

    data: dict[str, Any]
    change: Change


class Facilitator:
    """The facilitator's side: creates the assembly and makes changes over the JSON API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.assembly_id = ""
        self.join_code = ""
        self.token = ""  # the facilitator's bearer token
        self.projector_key = ""  # the wall's key (bench.twinkles watches the wall)
        self.item_ids: list[int] = []
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("create_assembly() first")
        return self._http

    async def _call(self, http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
        reply = await http.post(path, json=body)
        if reply.status_code >= 300:
            raise ApiFailed(f"POST {path} answered {reply.status_code}: {reply.text[:300]}")
        return reply.json()

    async def create_assembly(self, agenda_items: int) -> None:
        """Create an open assembly with an agenda, and open its first item."""
        async with client(self.base_url) as anonymous:
            made = await self._call(
                anonymous,
                "/api/assemblies",
                {
                    "title": "Benchmark general assembly",
                    "facilitator_name": "Bench facilitator",
                    "location": "Liberty Square, by the kitchen",
                },
            )
        self.assembly_id, self.join_code = made["id"], made["join_code"]
        self.token, self.projector_key = made["facilitator_token"], made["projector_key"]
        self._http = client(self.base_url, made["facilitator_token"])
        for index in range(agenda_items):
            added = await self._call(
                self.http,
                f"/api/assemblies/{self.assembly_id}/agenda",
                {
                    "title": agenda_title(index),
                    "kind": AGENDA_KINDS[index % len(AGENDA_KINDS)],
                    "time_box_minutes": 10 + index,
                    "working_group": WORKING_GROUPS[index % len(WORKING_GROUPS)],
                },
            )
            self.item_ids.append(int(added["item_id"]))
        if self.item_ids:
            await self.open_item(0)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Reply:
        """POST to `path` (from the root) as the facilitator and time it."""
        sent = perf_counter()
        data = await self._call(self.http, path, body or {})
        return Reply(data, Change(int(data["seq"]), sent, perf_counter()))

    async def change(self, path: str, body: dict[str, Any] | None = None) -> Change:
        """POST to the assembly's `path` and time it."""
        return (await self.post(f"/api/assemblies/{self.assembly_id}/{path}", body)).change

    async def set_headcount(self, count: int) -> Change:
        return await self.change("headcount", {"count": count})

    async def open_item(self, index: int) -> Change:
        """Open the agenda item at `index` (the one open before goes back to pending)."""
        return await self.change(f"agenda/{self.item_ids[index]}/open")

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


T = TypeVar("T")


@dataclass
class Calls:
    """The outcome of many calls made from concurrent clients."""

    latencies: list[float] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0  # the load generator's CPU seconds meanwhile

    @property
    def rate(self) -> float:
        return len(self.changes) / self.seconds if self.seconds else 0.0

    def last(self) -> Change | None:
        """The call with the highest seq: the one that made the final state."""
        return max(self.changes, key=lambda c: c.seq, default=None)


@dataclass
class Joins(Calls):
    """The outcome of many `POST /api/join` calls."""

    tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """One phone's answer to a round: its credential (a bearer token on the JSON path, the
    session cookie on the form path), the value and maybe a reason."""

    token: str
    value: str
    reason: str | None = None


@dataclass
class Answers(Calls):
    """The outcome of many answers to a round, through the JSON API or the page form."""

    done: list[Answer] = field(default_factory=list)  # the answers the server acknowledged
    wrong: list[str] = field(default_factory=list)  # replies that did not echo the answer


async def _call_many(
    base_url: str,
    items: Sequence[T],
    concurrency: int,
    result: Calls,
    send: Callable[[httpx.AsyncClient, T], Awaitable[httpx.Response]],
    status: int,
    took: Callable[[T, httpx.Response], int],
) -> None:
    """`send` every item from `concurrency` clients, each with its own connection; time each
    call and hand every reply with the expected status to `took`, which returns its seq
    (-1 when it carries none)."""
    todo = iter(items)

    async def worker(http: httpx.AsyncClient) -> None:
        for item in todo:  # shared iterator: each item is taken once
            sent = perf_counter()
            try:
                reply = await send(http, item)
            except httpx.HTTPError as exc:
                took_s = perf_counter() - sent
                result.errors.append(f"{type(exc).__name__} after {took_s:.1f} s: {exc!r}")
                continue
            replied = perf_counter()
            if reply.status_code != status:
                result.errors.append(f"{reply.status_code}: {reply.text[:200]}")
                continue
            seq = took(item, reply)
            result.latencies.append(replied - sent)
            result.changes.append(Change(seq, sent, replied))

    clients = [client(base_url) for _ in range(min(concurrency, len(items)))]
    try:
        started, own = perf_counter(), time.process_time()
        await asyncio.gather(*(worker(http) for http in clients))
        result.seconds = perf_counter() - started
        result.client_cpu = time.process_time() - own
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))


async def join_many(base_url: str, join_code: str, names: list[str], concurrency: int) -> Joins:
    """Join every name through the JSON API, from `concurrency` clients each with its own
    connection."""
    result = Joins()

    def send(http: httpx.AsyncClient, name: str) -> Awaitable[httpx.Response]:
        return http.post("/api/join", json={"join_code": join_code, "name": name})

    def took(name: str, reply: httpx.Response) -> int:
        data = reply.json()
        result.tokens.append(data["token"])
        return int(data["seq"])

    await _call_many(base_url, names, concurrency, result, send, 201, took)
    return result


@dataclass
class FormJoins(Calls):
    """The outcome of many joins through the page form: each phone's session cookie and the
    phone page it was sent to."""

    joined: list[tuple[str, str]] = field(default_factory=list)  # (name, cookie)
    page_path: str = ""


async def join_many_form(
    base_url: str, join_code: str, names: list[str], concurrency: int
) -> FormJoins:
    """Join every name as a phone's browser does: `POST /join` with the form's fields; the
    server sets the signed session cookie and redirects (303) to the phone page."""
    result = FormJoins()
    origin = base_url.rstrip("/")

    def send(http: httpx.AsyncClient, name: str) -> Awaitable[httpx.Response]:
        http.cookies.clear()  # one client joins many phones: each must start without a cookie
        return http.post(
            "/join",
            data={"join_code": join_code, "name": name, "pronouns": ""},
            headers={"Origin": origin, "Referer": f"{origin}/j/{join_code}"},
        )

    def took(name: str, reply: httpx.Response) -> int:
        cookie = reply.cookies.get(SESSION_COOKIE)
        if not cookie:
            result.errors.append(f"{name}: the join set no {SESSION_COOKIE} cookie")
        else:
            result.joined.append((name, cookie))
            result.page_path = reply.headers.get("location", result.page_path)
        return -1

    await _call_many(base_url, names, concurrency, result, send, 303, took)
    return result


def reply_seq(reply: httpx.Response) -> int | None:
    """The seq after a form post: the `MC-Seq` header, else the reply's `#mc-seq` (a reply
    to a page without a socket carries every region and `#mc-seq`)."""
    header = reply.headers.get(SEQ_HEADER, "")
    if header.isdigit():
        return int(header)
    return seq_of(reply.text)


def _echoed(text: str, round_id: int, value: str) -> bool:
    """Whether a form reply's `#mc-mine` shows this answer to this round."""
    return f'data-round-id="{round_id}"' in text and f'data-value="{value}"' in text


async def answer_many(
    base_url: str, round_id: int, answers: Sequence[Answer], concurrency: int
) -> Answers:
    """Each phone answers with its own token through the JSON API, `concurrency` at once."""
    result, path = Answers(), f"/api/rounds/{round_id}/response"

    def send(http: httpx.AsyncClient, answer: Answer) -> Awaitable[httpx.Response]:
        body: dict[str, Any] = {"value": answer.value}
        if answer.reason is not None:
            body["reason"] = answer.reason
        headers = {"Authorization": f"Bearer {answer.token}"}
        return http.put(path, json=body, headers=headers)

    def took(answer: Answer, reply: httpx.Response) -> int:
        data = reply.json()
        if data.get("value") != answer.value or data.get("round_id") != round_id:
            result.wrong.append(f"sent {answer.value}, the reply said {data}")
        else:
            result.done.append(answer)
        return int(data["seq"])

    await _call_many(base_url, answers, concurrency, result, send, 200, took)
    return result


@dataclass(frozen=True)
class FormTarget:
    """Where a phone's form posts go: the action's path, the page it was posted from, and
    the cookie's name (the app's session cookie, or the floor's)."""

    path: str
    page_url: str
    cookie_name: str = SESSION_COOKIE


async def answer_many_form(
    base_url: str,
    target: FormTarget,
    round_id: int,
    answers: Sequence[Answer],
    concurrency: int,
    live_seq: Callable[[str], int | None] = lambda _cookie: None,
) -> Answers:
    """Each phone answers as its page does: an htmx form post with its session cookie.

    The headers are htmx's (`HX-Request`, `HX-Current-URL`), the browser's (`Origin`, the
    cookie, the form's content type) and live.js's `MC-Live: <last seq seen>`, sent only
    while the phone's socket is open (`live_seq` returns None otherwise): the server then
    replies with only the phone's own answer and the seq, not every region of the page.
    Acknowledged = a 200 whose `#mc-mine` echoes the answer.
    """
    result = Answers()
    origin = base_url.rstrip("/")

    def send(http: httpx.AsyncClient, answer: Answer) -> Awaitable[httpx.Response]:
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": target.page_url,
            "Origin": origin,
            "Cookie": f"{target.cookie_name}={answer.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        seen = live_seq(answer.token)
        if seen is not None:
            headers[LIVE_HEADER] = str(seen)
        form = {"round_id": str(round_id), "value": answer.value, "reason": answer.reason or ""}
        return http.post(target.path, data=form, headers=headers)

    def took(answer: Answer, reply: httpx.Response) -> int:
        text = reply.text
        if _echoed(text, round_id, answer.value):
            result.done.append(answer)
        else:
            result.wrong.append(f"sent {answer.value}, the reply said {text[:200]!r}")
        seq = reply_seq(reply)
        if seq is None:
            result.wrong.append(f"the reply carried no seq (no {SEQ_HEADER}, no #mc-seq)")
            return -1
        return seq

    await _call_many(base_url, answers, concurrency, result, send, 200, took)
    return result
