"""Jinja2 rendering of pages and live regions (one partial per region, used both ways)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from app.assembly.logic import ROLE_WORDS, WORD_KEYS
from app.assembly.models import Assembly
from app.assembly.state import AssemblyState, load_state
from app.blocks.explain import say_explanation
from app.blocks.round_state import SHAPES, WORDS, RoundView, load_open_tally
from app.blocks.state import STAGE_WORDS, ItemOutcome, ProposalView, load_open_proposal
from app.blocks.tally import OUTCOME_WORDS
from app.copies.service import mirrors_since
from app.db import Database
from app.events import GENESIS_HASH, EventHead, hash_at, head_of
from app.events.chain import fingerprint
from app.i18n import DEFAULT, LANGUAGES, current, ordinal, speaking, translations
from app.live import Rendered
from app.mic.state import MicView, load_mic
from app.minutes.state import NoteLine, recent_notes
from app.signals.board import Board, Showing
from app.stack.logic import LABELS
from app.stack.queue import current_turn
from app.stack.state import Current, StackState, load_stack
from app.web.assets import static_files
from app.web.urls import Urls

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Region name -> element id; each has templates/live/_{name}.html.
REGION_IDS = {
    "header": "mc-header",
    "speaker": "mc-speaker",
    "stack": "mc-stack",
    "stats": "mc-stats",
    "agenda": "mc-agenda",
    "people": "mc-people",
    "admissions": "mc-admissions",
    "roles": "mc-roles",
    "proposal": "mc-proposal",
    "round": "mc-round",
    "tally": "mc-tally",
    "notes": "mc-notes",
    "mic": "mc-mic",
    "signals": "mc-signals",
    "log": "mc-log",
}
VIEW_REGIONS: dict[str, tuple[str, ...]] = {
    "phone": (
        "header", "proposal", "round", "speaker", "signals", "stack", "agenda", "people", "roles",
        "mic", "log",
    ),
    "projector": (
        "header", "proposal", "round", "speaker", "signals", "stack", "agenda", "people", "mic",
        "log",
    ),
    "console": (
        "header", "proposal", "round", "speaker", "stack", "stats", "agenda", "people",
        "admissions", "roles", "notes", "mic",
    ),
}  # fmt: skip
VIEWS = tuple(VIEW_REGIONS)
# The wall's and the phones' corner: the log head's fingerprint and seq, to compare by eye. Every
# fact is an event, so it comes with every push (app/web/facts.py), read once per render.
LOG = "log"
# Regions that are part of another one: pushed alone when only they changed (an answer changes
# the open round's tally, not its title, controls or the proposal), dropped when the whole is.
PART_OF = {"tally": "round"}
# Regions that show another region's facts in one view: the console's agenda asks what to do
# with the hands up before it opens the next item, so a change of the stack reaches it. The
# people's mic shows only while the assembly is open, so closing it (a header change) hides it.
# The hand signals show while someone speaks, so a new speaker changes them; a signal itself
# changes only the wall's meter (METER, a change no view shows alone: phones get no push).
METER = "meter"
ALSO_SHOWN_IN: dict[str, dict[str, tuple[str, ...]]] = {
    "console": {"stack": ("agenda",), "header": ("mic",)},
    "phone": {"header": ("mic",), "speaker": ("signals",)},
    "projector": {"header": ("mic",), "speaker": ("signals",), METER: ("signals",)},
}


def _minutes_seconds(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"


def _iso(moment: datetime | None) -> str:
    """UTC ISO 8601 with a Z, as browsers parse it."""
    if moment is None:
        return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _role_label(role: str) -> str:
    return role.replace("_", " ")


def make_environment(language: str = DEFAULT) -> Environment:
    """The templates, speaking `language` (its catalogue installed for `_()` and `{% trans %}`)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a deploy; no stat() per render
        extensions=["jinja2.ext.i18n"],
    )
    catalogue = translations(language)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_format_filters(language))
    env.filters.update(_word_filters(language, catalogue.gettext))
    env.globals.update(_globals(language))
    return env


def _format_filters(language: str) -> dict[str, Callable[..., Any]]:
    """Times, ordinals and numbers as `language` writes them."""
    return {
        "mmss": _minutes_seconds,
        "iso": _iso,
        "ordinal": lambda n: ordinal(n, language),
        "number": lambda n: format_decimal(n, locale=language),
    }


def _own_word(context: Context, language: str, key: str) -> str | None:
    """The assembly's own word in this language (events `word_renamed`), if it has one."""
    words = context.get("words")
    if words is None and (state := context.get("s")) is not None:
        words = getattr(state, "words", None)
    return (words or {}).get(language, {}).get(key)


def _word_filters(language: str, word: Callable[[str], str]) -> dict[str, Callable[..., Any]]:
    """The process's words (roles, hands, answers, stages, outcomes) in `language`; for hands
    and answers the assembly's own word first."""

    @pass_context
    def hand_label(context: Context, kind: str) -> str:
        own = _own_word(context, language, f"hand:{kind}")
        return own or (word(LABELS[kind]) if kind in LABELS else kind)

    @pass_context
    def answer_word(context: Context, value: str) -> str:
        own = _own_word(context, language, f"answer:{value}")
        return own or (word(WORDS[value]) if value in WORDS else value)

    return {
        "role_label": lambda role: word(ROLE_WORDS.get(role, _role_label(role))),
        "hand_label": hand_label,
        "answer_word": answer_word,
        "answer_shape": lambda value: SHAPES.get(value, ""),
        "outcome_word": lambda value: (
            word(OUTCOME_WORDS[value]) if value in OUTCOME_WORDS else value
        ),
        "stage_word": lambda stage: word(STAGE_WORDS[stage]) if stage in STAGE_WORDS else stage,
        "explained": lambda text: say_explanation(text, language),
    }


def _globals(language: str) -> dict[str, Any]:
    """What every template may name: the wall's second-language line, the word tables, the
    language, the server's clock and the static files' URLs."""

    @pass_context
    def also(context: Context, message: str) -> Markup:
        """On a bilingual assembly's wall, a main line's text in its second language."""
        state = context.get("s")
        second = getattr(state, "second_language", None)
        if context.get("view") != "projector" or not second or second == language:
            return Markup("")
        text = translations(second).gettext(message)
        return Markup('<span class="mc-also" lang="{}">{}</span>').format(second, text)

    return {
        "also": also,
        "STAGE_WORDS": STAGE_WORDS,
        "LANGUAGES": LANGUAGES,
        "WORD_KEYS": WORD_KEYS,
        "lang": language,
        "server_now": lambda: _iso(datetime.now(UTC)),
        # Hashed, cacheable URLs, static('app.css'): static/ is read and hashed here, at startup.
        "static": static_files().url,
    }


@dataclass(frozen=True)
class LogHead:
    """The event log's head as the log corner shows it."""

    seq: int
    hash: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.hash)


def read_log_at(db: Database, assembly_id: str, seq: int) -> LogHead:
    """The log as it stood at `seq`, the seq a push's regions show: the head read a moment
    later can be a change further on, which the regions do not show yet."""
    with db.read() as session:
        return LogHead(seq, hash_at(session, assembly_id, seq))


@dataclass(frozen=True)
class Snapshot:
    """What a page shows: the assembly and its stack (each read at its own seq)."""

    state: AssemblyState
    stack: StackState
    proposal: ProposalView | None
    proposal_seq: int
    notes: tuple[NoteLine, ...] = ()  # the console's alone: the minute taker's latest notes
    approval: RoundView | None = None  # the latest "approve the minutes" round
    outcomes: dict[int, ItemOutcome] = field(default_factory=dict)  # decided items, by item id
    mic: MicView | None = None  # the people's mic, while it is on
    mic_seq: int | None = None
    head: LogHead | None = None  # the event log's head, for the log corner
    mirrors: tuple[str, ...] = ()  # the mirrors' addresses phones go to when this server stops

    @property
    def round(self) -> RoundView | None:
        """The round the screens show: an open one, else the one opened last (the proposal's
        or the assembly's approval of the minutes; only one is ever open)."""
        mine = self.proposal.round if self.proposal else None
        approval = self.approval
        if approval is None or (mine is not None and mine.is_open):
            return mine
        if approval.is_open or mine is None:
            return approval
        return approval if approval.opened_at >= mine.opened_at else mine

    @property
    def seq(self) -> int:
        # Every read happens after the change; the oldest seq is the one every region reflects.
        seqs = (self.state.seq, self.stack.seq, self.proposal_seq, self.mic_seq)
        return min(s for s in seqs if s is not None)

    def context(self) -> dict[str, Any]:
        """What templates call the snapshot's parts: s, k, p, rnd (the round on screen)."""
        return {
            "s": self.state,
            "k": self.stack,
            "p": self.proposal,
            "rnd": self.round,
            "notes": self.notes,
            "outcomes": self.outcomes,
            "mic": self.mic,
            "log_head": self.head,
            "mirrors": self.mirrors,
        }


def split_view(key: str) -> tuple[str, str | None]:
    """A view key ("phone:es") as its kind and language (None: the assembly's own)."""
    kind, _sep, language = key.partition(":")
    return kind, language or None


def view_key(kind: str, language: str | None = None) -> str:
    """The key sockets of one kind and language share: each is rendered once per change."""
    return f"{kind}:{language}" if language else kind


class Renderer:
    """Renders pages and live regions; implements app.live's PageRenderer."""

    def __init__(self, *, db: Database, urls: Urls, board: Board | None = None) -> None:
        self.db = db
        self.urls = urls
        self.board = board or Board()  # the room's recent hand signals, in this process
        # The mirrors each assembly announced, as of a seq: a snapshot reads only what is newer.
        self._mirrors: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.envs = {language: make_environment(language) for language in LANGUAGES}
        for env in self.envs.values():
            env.globals["signals_of"] = self.signals_of  # live/_signals.html, inside a page

    @property
    def env(self) -> Environment:
        """The environment of the current language (the request's)."""
        return self.envs[current()]

    def env_for(self, language: str | None) -> Environment:
        """The environment of `language` (a supported one; else the current language's)."""
        return self.envs.get(language or "", self.env)

    def page(self, name: str, *, language: str | None = None, **context: Any) -> str:
        """A whole page, in `language` (default: the request's)."""
        env = self.env_for(language)
        with speaking(language or current()):  # words made in Python speak it too
            return env.get_template(name).render(urls=self.urls, **context)

    def region(
        self, name: str, snap: Snapshot, view: str, *, oob: bool, language: str | None = None
    ) -> str:
        template = self.env_for(language).get_template(f"live/_{name}.html")
        with speaking(language or current()):  # words made in Python speak it too
            return template.render(
                **snap.context(), headcount=snap.state.headcount, view=view, oob=oob, urls=self.urls
            )

    def regions(
        self,
        snap: Snapshot,
        view: str,
        names: frozenset[str] | None,
        *,
        oob: bool = True,
        language: str | None = None,
    ) -> dict[str, str]:
        """Fragments of the given regions that the view shows (all of them for None)."""
        wanted = self.wanted(view, names)
        return {
            REGION_IDS[n]: self.region(n, snap, view, oob=oob, language=language) for n in wanted
        }

    @staticmethod
    def wanted(view: str, names: frozenset[str] | None) -> list[str]:
        """The regions of `view` to render for a change of `names` (None: all of them)."""
        shown = VIEW_REGIONS[view]
        if names is None:
            return list(shown)
        also = ALSO_SHOWN_IN.get(view, {})
        names = names.union(*(also.get(n, ()) for n in names))
        wholes = [n for n in shown if n in names]
        parts = [n for n, whole in PART_OF.items() if n in names and whole in shown]
        return wholes + [n for n in parts if PART_OF[n] not in wholes]

    def snapshot(self, assembly_id: str, *, people_lists: bool = True) -> Snapshot:
        """The assembly, its stack and proposal, as the screens show them.

        `people_lists` is the console's: with it come the lists of people and the notes.
        """
        state = load_state(db=self.db, assembly_id=assembly_id, people_lists=people_lists)
        stack = load_stack(db=self.db, assembly_id=assembly_id)
        proposal, approval, proposal_seq, outcomes = load_open_proposal(
            db=self.db, assembly_id=assembly_id, rule=state.rule
        )
        notes = recent_notes(db=self.db, assembly_id=assembly_id) if people_lists else ()
        mic, mic_seq = load_mic(db=self.db, assembly_id=assembly_id)
        snap = Snapshot(
            state, stack, proposal, proposal_seq, notes, approval, outcomes, mic, mic_seq
        )
        with self.db.read() as session:
            seen = mirrors_since(session, assembly_id, self._mirrors.get(assembly_id))
            head = LogHead(snap.seq, hash_at(session, assembly_id, snap.seq))  # the corner's
        self._mirrors[assembly_id] = seen
        return replace(snap, head=head, mirrors=seen[1])

    def render_sync(self, assembly_id: str, key: str, regions: frozenset[str] | None) -> Rendered:
        """Regions of a view key ("phone:es"; a key without a language speaks the assembly's)."""
        view, language = split_view(key)
        wanted = self.wanted(view, regions)
        log = LOG in wanted  # comes with every fact: the rest decides how much to read
        rest = [n for n in wanted if n != LOG]
        if rest == ["tally"] and (tally := load_open_tally(db=self.db, assembly_id=assembly_id)):
            # During a round most pushes are this: read and render the tally alone.
            template = self.env_for(language or tally.language).get_template("live/_tally.html")
            fragment = template.render(
                rnd=tally.round, headcount=tally.headcount, words=tally.words, oob=True
            )
            fragments = {REGION_IDS["tally"]: fragment}
            if log:
                at = read_log_at(self.db, assembly_id, tally.seq)
                fragments |= self._log_fragment(language or tally.language, at)
            return Rendered(seq=tally.seq, fragments=fragments)
        if log and not rest:  # a change this view shows nothing of but the log's head
            with self.db.read() as session:
                found = session.get(EventHead, assembly_id)
                assembly = session.get(Assembly, assembly_id) if language is None else None
            head = LogHead(found.seq, found.hash) if found else LogHead(0, GENESIS_HASH)
            own = language or (assembly.language if assembly is not None else DEFAULT)
            return Rendered(seq=head.seq, fragments=self._log_fragment(own, head))
        if wanted == ["signals"] or not wanted:
            # While someone speaks most pushes are this: the wall's meter alone (or for a phone,
            # a signal: nothing it shows).
            return self._render_signals(assembly_id, view, language, bool(wanted))
        if "tally" in wanted and regions is not None:
            regions = regions | {"round"}  # no open round on screen: the whole round is due
        snap = self.snapshot(assembly_id, people_lists=view == "console")
        fragments = self.regions(snap, view, regions, language=language or snap.state.language)
        ambient = REGION_IDS["signals"] in fragments  # the meter changes without the seq
        return Rendered(seq=snap.seq, fragments=fragments, ambient=ambient)

    def _log_fragment(self, language: str | None, head: LogHead) -> dict[str, str]:
        """The log corner alone, out of band."""
        template = self.env_for(language).get_template("live/_log.html")
        with speaking(language or current()):
            return {REGION_IDS[LOG]: template.render(log_head=head, oob=True)}

    def signals_of(self, assembly_id: str, current: Current | None) -> Showing:
        """The wall's signal meter for the speaker on the floor (`k.current`)."""
        return self.board.showing(assembly_id, current.turn_id if current else None)

    def _render_signals(
        self, assembly_id: str, view: str, language: str | None, wanted: bool
    ) -> Rendered:
        with self.db.read() as session:
            seq = head_of(session, assembly_id)
            if not wanted:
                return Rendered(seq=seq, fragments={})
            turn = current_turn(session, assembly_id)
            assembly = session.get(Assembly, assembly_id)
        own = assembly.language if assembly is not None else DEFAULT
        template = self.env_for(language or own).get_template("live/_signals.html")
        fragment = template.render(
            signals=self.board.showing(assembly_id, turn.id if turn else None),
            assembly_id=assembly_id,
            view=view,
            oob=True,
            urls=self.urls,
        )
        return Rendered(seq=seq, fragments={REGION_IDS["signals"]: fragment}, ambient=True)

    async def render(self, assembly_id: str, view: str, regions: frozenset[str] | None) -> Rendered:
        # Database reads and Jinja are synchronous: keep them off the event loop.
        return await asyncio.to_thread(self.render_sync, assembly_id, view, regions)

    async def current_seq(self, assembly_id: str) -> int:
        def read() -> int:
            with self.db.read() as session:
                return head_of(session, assembly_id)

        return await asyncio.to_thread(read)

    def seq_fragment(self, seq: int) -> str:
        return self.env.get_template("live/_seq.html").render(seq=seq, oob=True)

    def error_fragment(self, code: str, message: str) -> str:
        return self.env.get_template("live/_error.html").render(
            code=code, message=message, oob=True
        )

    @staticmethod
    def qr_svg(data: str) -> Markup:
        """A QR code as inline SVG (dark on light, quiet zone kept for phone cameras)."""
        qr = segno.make(data, error="m")
        svg = qr.svg_inline(scale=8, border=2, dark="#000", light="#fff", omitsize=True)
        return Markup(svg)
