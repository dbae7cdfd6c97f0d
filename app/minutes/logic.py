"""Pure rules of the minutes: what a note may be, and the fold of an assembly's events into
its minutes (no database, no clock, no I/O).

The minutes are derived from the event log only (docs/process.md "What the minutes record"): nothing
is typed twice, a note is its `note_taken` event (an action item its `action_item_recorded`, see
actions.py), a correction is a later note that names the one it corrects. Where the log does not
hold a fact, the minutes say so (`cannot_know`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.assembly.logic import parse_decision_rule
from app.errors import DomainError, Invalid
from app.i18n import N_, _, current, speaking, translate
from app.i18n.formats import local_day, local_time
from app.minutes import record as r
from app.minutes.actions import ActionFold
from app.minutes.agenda import AgendaFold, parse_utc, seconds_between
from app.minutes.decisions import DecisionFold

LABELS = {
    "CQ": N_("clarifying question"),
    "Crn": N_("concern"),
    "FA": N_("friendly amendment"),
    "R": N_("response"),
    "F": N_("facilitator"),
    "PoP": N_("point of process"),
    "PoI": N_("point of information"),
}
GAP = "…"
NOTE_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newlines and tabs are kept


# ---- notes -------------------------------------------------------------------------------


def clean_note(text: str, label: str | None) -> tuple[str, str | None]:
    """A note's text (1–2000 characters, or "…" alone for a gap) and label (422 otherwise)."""
    if label is not None and label not in LABELS:
        raise Invalid(
            _("A note's label is one of: {labels}.").format(labels=", ".join(LABELS)),
            code="bad_label",
        )
    body = text.replace("\r\n", "\n").strip()
    if body in ("...", GAP):
        return GAP, label
    if not body:
        raise Invalid(_('A note needs some text, or "…" to mark a gap.'), code="text_required")
    if len(body) > NOTE_MAX:
        raise Invalid(
            _("A note can be at most {count} characters.").format(count=f"{NOTE_MAX:,}"),
            code="text_too_long",
        )
    if _CONTROL.search(body):
        raise Invalid(_("The note contains characters that cannot be shown."), code="bad_text")
    return body, label


# ---- times -------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def own_words(events: Sequence[Mapping[str, Any]], language: str) -> dict[str, str]:
    """The assembly's own words in `language` as its last `word_renamed` events left them
    (a hand kind or an answer the room calls its own way): the minutes use them throughout."""
    words: dict[str, str] = {}
    for event in events:
        if event.get("type") == "word_renamed":
            p = event.get("payload") or {}
            if p.get("language") == language and isinstance(p.get("key"), str):
                if p.get("word"):
                    words[p["key"]] = str(p["word"])
                else:
                    words.pop(p["key"], None)
    return words


# ---- the fold ----------------------------------------------------------------------------


def fold_minutes(
    events: Sequence[Mapping[str, Any]],
    *,
    time_zone: str | None = None,
    speaker_names: bool | None = None,
    language: str | None = None,
) -> r.Minutes:
    """The minutes of one assembly from its events in seq order (as `export_events` gives them).

    `time_zone` (IANA) defaults to the one the assembly was created with. Speakers are named
    unless the assembly chose otherwise (`minutes_speaker_names` when created, or a later
    `minutes_settings_changed`; the last word counts for the whole minutes); `speaker_names`
    given here overrides that. The minutes speak `language` (the assembly's; None: the current
    one): the same events and language give the same minutes, byte for byte.
    """
    with speaking(language or current()) as spoken:
        fold = _Fold(time_zone, speaker_names)
        fold.own = own_words(events, spoken)
        for event in events:
            fold.apply(event)
        return fold.result()


class _Fold(DecisionFold, ActionFold, AgendaFold):
    """One pass over the log; each `on_<type>` handles one event type, others are skipped."""

    def __init__(self, time_zone: str | None, speaker_names: bool | None) -> None:
        self.zone = _zone(time_zone) if time_zone else None
        self.time_zone = time_zone
        self.forced_names = speaker_names  # None: as the assembly's events say
        self.speaker_names = True
        self.signal_lines = False  # the turns' lines on the room's signals, where recorded
        self.header: r.Header | None = None
        self.names: dict[int, str] = {}
        self.admitted: set[int] = set()
        self.items: dict[int, r.Item] = {}
        self.running: dict[int, r.Moment] = {}  # open item -> when this opening began
        self.proposals: dict[int, r.Proposal] = {}
        self.amendments: dict[int, r.Amendment] = {}
        self.rounds: dict[int, r.Round] = {}
        self.blocks: dict[int, r.Block] = {}
        self.last_round: dict[int, r.Round] = {}  # proposal -> the round closed last
        self.turns: dict[int, r.Speaker] = {}
        self.block_hands: set[int] = set()
        self.notes: dict[int, r.Note] = {}
        self.actions: list[r.ActionItem] = []
        self.floor = r.Floor()
        self.approvals: list[r.Round] = []
        self.own: dict[str, str] = {}  # set by fold_minutes before the first event
        self.cannot_know: list[str] = []
        self.head = r.Head(0, "0" * 64)
        self.at: r.Moment = r.Moment("", "", "")
        self.actor: int | None = None
        self.assembly_id = ""

    # -- plumbing --

    def moment(self, at: str) -> r.Moment:
        local = parse_utc(at).astimezone(self.zone or ZoneInfo("UTC"))
        return r.Moment(utc=at, date=local.strftime("%Y-%m-%d"), time=local_time(local, self.zone))

    def apply(self, event: Mapping[str, Any]) -> None:
        if self.zone is None and event["type"] == "assembly_created":
            self.time_zone = str(event["payload"].get("time_zone") or "UTC")
            self.zone = _zone(self.time_zone)
        self.at, self.actor = self.moment(str(event["at"])), event.get("actor_id")
        self.head = r.Head(int(event["seq"]), str(event["hash"]))
        self.assembly_id = str(event.get("assembly_id") or "")
        handler = getattr(self, f"on_{event['type']}", None)
        if handler is not None:
            handler(int(event["seq"]), event["payload"])

    # -- the assembly and its people --

    def on_assembly_created(self, _seq: int, p: Mapping[str, Any]) -> None:
        facilitator = p.get("facilitator") or {}
        if facilitator.get("participant_id") is not None:
            self.names[facilitator["participant_id"]] = facilitator.get("name", "")
            self.admitted.add(facilitator["participant_id"])
        rule = p.get("decision_rule") or {}
        try:
            rule_text = parse_decision_rule(dict(rule)).describe()
        except DomainError:
            rule_text = _("as recorded in the event log")
        starts = p.get("starts_at")
        day = parse_utc(starts) if starts else parse_utc(self.at.utc)
        local_day_text = local_day(day, self.zone or ZoneInfo("UTC"))
        # A group's assembly carries {"slug", "name", "number"}: numbered within its group.
        group = p.get("group")
        number = group.get("number") if isinstance(group, Mapping) else p.get("number")
        self.header = r.Header(
            assembly_id=self.assembly_id,
            title=str(p.get("title", "")),
            number=number,
            group=group.get("name") if isinstance(group, Mapping) else group,
            date=local_day_text,
            place=p.get("location"),
            time_zone=self.time_zone or "UTC",
            opened=self.at,
            closed=None,
            final=False,
            visibility=str(p.get("visibility", "public")),
            decision_rule=dict(rule),
            decision_rule_text=rule_text,
        )
        if facilitator.get("name"):
            self.header.roles.append(r.RoleHolder("facilitator", facilitator["name"]))
        self.speaker_names = bool(p.get("minutes_speaker_names", True))

    def on_minutes_settings_changed(self, _seq: int, p: Mapping[str, Any]) -> None:
        if "speaker_names" in p:
            self.speaker_names = bool(p["speaker_names"])
        if "signals" in p:
            self.signal_lines = bool(p["signals"])

    def on_participant_joined(self, _seq: int, p: Mapping[str, Any]) -> None:
        self.names[p["participant_id"]] = p["name"]
        if p.get("status") == "admitted":
            self.admitted.add(p["participant_id"])

    def on_participant_admitted(self, _seq: int, p: Mapping[str, Any]) -> None:
        self.admitted.add(p["participant_id"])

    def on_participant_removed(self, _seq: int, p: Mapping[str, Any]) -> None:
        # Still among the phones joined: they did join; the line below says they left.
        if self.header is not None:
            by = self.name_of(self.actor)
            self.header.removed.append(r.Removal(str(p.get("name", "")), by, self.at))

    def on_taken_over(self, _seq: int, p: Mapping[str, Any]) -> None:
        if self.header is not None:
            self.header.take_overs.append(
                r.TakeOver(
                    str(p.get("from", "")),
                    int(p.get("at_seq", 0)),
                    self.name_of(self.actor),
                    self.at,
                )
            )

    def on_role_granted(self, _seq: int, p: Mapping[str, Any]) -> None:
        if self.header is not None:
            self.header.roles.append(r.RoleHolder(p["role"], p["name"], since=self.at))

    def on_role_revoked(self, _seq: int, p: Mapping[str, Any]) -> None:
        if self.header is None:
            return
        for holder in self.header.roles:
            if holder.role == p["role"] and holder.name == p["name"] and holder.until is None:
                holder.until = self.at

    def on_headcount_set(self, _seq: int, p: Mapping[str, Any]) -> None:
        if self.header is not None:
            self.header.headcount, self.header.headcount_set = int(p["count"]), self.at

    def on_assembly_closed(self, _seq: int, p: Mapping[str, Any]) -> None:
        for item_id in list(self.running):
            self.stop_clock(item_id, closed=True)
        closed = self.items.get(p.get("closed_item_id") or 0)
        if closed is not None and p.get("used_seconds") is not None:
            closed.used_seconds = int(p["used_seconds"])  # the service's own count wins
        if self.header is not None:
            self.header.closed, self.header.final = self.at, True

    # -- notes --

    def on_note_taken(self, seq: int, p: Mapping[str, Any]) -> None:
        text, label = str(p.get("text", "")), p.get("label")
        by = p.get("by") or self.name_of(self.actor)
        corrects = p.get("corrects")
        if corrects is not None:
            root = self.notes.get(corrects)
            if root is not None:
                correction = r.Correction(seq, corrects, self.at, by, label, text, text == GAP)
                root.corrections.append(correction)
                self.notes[seq] = root  # a correction of this correction lands on the same note
                return
        words = translate(LABELS[label]) if label in LABELS else None
        note = r.Note(seq, self.at, by, label, words, text, text == GAP)
        self.notes[seq] = note
        item = self.item(p.get("agenda_item_id"))
        (item.notes if item is not None else self.floor.notes).append(note)

    # -- the result --

    def result(self) -> r.Minutes:
        header = self.header or r.Header(
            assembly_id=self.assembly_id,
            title="",
            number=None,
            group=None,
            date="",
            place=None,
            time_zone=self.time_zone or "UTC",
            opened=None,
            closed=None,
            final=False,
            visibility="public",
        )
        header.phones_joined = len(self.admitted)
        items = sorted(self.items.values(), key=lambda i: i.position)
        for item in items:
            if header.number is not None:
                item.number = f"{header.number}.{item.position}"
            if item.item_id in self.running:  # still open: counted up to the last event
                item.used_seconds += seconds_between(self.running[item.item_id], self.at)
            if item.time_box_minutes is None:
                self.cannot_know.append(
                    _(
                        "The time box of item {number} (“{title}”) is not in the event log: "
                        "the item was made together with its proposal."
                    ).format(number=item.number, title=item.title)
                )
        for row in self.rounds.values():
            if row.closed is None:
                self.cannot_know.append(
                    _(
                        "The {round} opened at {time} had not closed: its answers are not part "
                        "of the minutes."
                    ).format(round=row.kind_words, time=row.opened.time)
                )
        names = self.speaker_names if self.forced_names is None else self.forced_names
        speaking_time = self.speaking_time(items) if names else []
        speakers = [*self.floor.speakers, *(s for i in items for s in i.speakers)]
        for speaker in speakers:
            if not names:
                speaker.name = None
            if not self.signal_lines:
                speaker.signals = None  # the last word: the assembly left them out after all
        return r.Minutes(
            header=header,
            items=items,
            floor=self.floor,
            approvals=self.approvals,
            speaking_time=speaking_time,
            speaker_names=names,
            cannot_know=self.cannot_know,
            head=self.head,
            actions=self.actions,
        )
