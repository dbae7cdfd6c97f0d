"""How the minutes say things: one phrasing shared by the Markdown and the HTML (pure).

Every phrase speaks the current language (app.i18n): the minutes are composed inside
`speaking(<the assembly's language>)`.
"""

from __future__ import annotations

from app.blocks.tally import PASSES
from app.i18n import N_, _, ngettext, translate
from app.i18n.formats import number
from app.minutes import record as r

ROLE_WORDS = {
    "facilitator": (N_("Facilitator"), N_("Facilitators")),
    "stack_keeper": (N_("Stack keeper"), N_("Stack keepers")),
    "minute_taker": (N_("Minute taker"), N_("Minute takers")),
    "greeter": (N_("Greeter"), N_("Greeters")),
}
KIND_WORDS = {
    "report": N_("Report"),
    "proposal": N_("Proposal"),
    "announcement": N_("Announcement"),
    "discussion": N_("Discussion"),
}
# An item's status and an amendment's fate are stored as English words (the JSON keeps them).
STATUS_WORDS = {
    "not taken up": N_("not taken up"),
    "open": N_("open"),
    "put back": N_("put back"),
    "done": N_("done"),
}
FATE_WORDS = {"accepted": N_("accepted"), "rejected": N_("rejected")}
# Where a proposal stopped, as its stage's name reads with spaces for underscores.
STOPPED_WORDS = {
    "presented": N_("presented"),
    "clarifying_questions": N_("clarifying questions"),
    "concerns": N_("concerns"),
    "amendments": N_("amendments"),
    "temperature_check": N_("temperature check"),
    "consensus_call": N_("consensus call"),
    "block_discussion": N_("block discussion"),
    "decided": N_("decided"),
}
DIFF_KEY = N_("[-removed-] {+added+}")


def word(table: dict[str, str], key: str) -> str:
    """A word of a table marked with N_(), in the current language; unknown keys as they are."""
    return translate(table[key]) if key in table else key


def upper_first(text: str) -> str:
    """Like str.capitalize, but names later in the text keep their capitals."""
    return text[:1].upper() + text[1:]


def duration(seconds: int | None) -> str:
    """ "45 s", "1 min 35 s", "1 h 05 min" — for time boxes, items and turns."""
    if seconds is None:
        return _("still speaking")
    seconds = max(0, seconds)
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        if secs:
            return _("{minutes} min {seconds} s").format(minutes=minutes, seconds=secs)
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    return _("{hours} h {minutes:02d} min").format(hours=number(hours), minutes=minutes)


def span(start: r.Moment | None, end: r.Moment | None) -> str:
    """ "19:05–19:08", or "from 19:05" while it runs."""
    if start is None:
        return ""
    if end is None:
        return _("from {time}").format(time=start.time)
    if end.date != start.date:
        return f"{start.time}–{end.date} {end.time}"
    return f"{start.time}–{end.time}"


def role_lines(header: r.Header) -> list[tuple[str, str]]:
    """("Facilitators", "Noor, Tomás (from 19:40)") per role, in the order of ROLE_WORDS."""
    lines = []
    for role, (one, many) in ROLE_WORDS.items():
        holders = [h for h in header.roles if h.role == role]
        if not holders:
            continue
        names = []
        for holder in holders:
            since = holder.since and header.opened and holder.since.time != header.opened.time
            when = (
                [_("from {time}").format(time=holder.since.time)] if since and holder.since else []
            )
            when += [_("until {time}").format(time=holder.until.time)] if holder.until else []
            names.append(holder.name + (f" ({', '.join(when)})" if when else ""))
        lines.append((translate(many if len(holders) > 1 else one), ", ".join(names)))
    return lines


def take_over_lines(header: r.Header) -> list[str]:
    """ "At 19:40 the facilitator Noor took over on a mirror of http://…: the record goes on
    there from event 211", one a take-over."""
    return [
        _(
            "At {time} the facilitator {by} took over on a mirror of {primary}: the record goes "
            "on there from event {seq}"
        ).format(time=taken.at.time, by=taken.by or "?", primary=taken.primary, seq=taken.at_seq)
        for taken in header.take_overs
    ]


def removal_lines(header: r.Header) -> list[str]:
    """ "Ruth was removed by the facilitator Noor at 19:40", one a removal."""
    return [
        _("{name} was removed by the facilitator {by} at {time}").format(
            name=gone.name, by=gone.by, time=gone.at.time
        )
        if gone.by
        else _("{name} was removed by the facilitator at {time}").format(
            name=gone.name, time=gone.at.time
        )
        for gone in header.removed
    ]


def headcount_line(header: r.Header) -> str:
    phones = number(header.phones_joined)
    if header.headcount is None:
        return _("not taken in the room; {phones} phones joined").format(phones=phones)
    return _("{count} in the room; {phones} phones joined").format(
        count=number(header.headcount), phones=phones
    )


def item_line(item: r.Item) -> str:
    """ "Report · Kitchen · time box 5 min · used 3 min 45 s · 19:05–19:08"."""
    parts = [word(KIND_WORDS, item.kind)]
    if item.working_group:
        parts.append(_("{name} working group").format(name=item.working_group))
    box = item.time_box_minutes
    if box is None:
        parts.append(_("time box not recorded"))
    else:
        parts.append(_("time box {minutes} min").format(minutes=number(box)))
    if item.status == "not taken up":
        parts.append(_("not taken up"))
        return " · ".join(parts)
    used = duration(item.used_seconds)
    if box is not None and item.used_seconds > box * 60:
        parts.append(_("used {duration} (over time)").format(duration=used))
    else:
        parts.append(_("used {duration}").format(duration=used))
    parts.append(span(item.opened, item.closed))
    if item.status == "put back":
        parts.append(_("put back, not finished"))
    elif item.status == "open":
        parts.append(_("still open"))
    if item.hands_carried:
        parts.append(
            ngettext(
                "{num} hand still up carried over when the next item opened",
                "{num} hands still up carried over when the next item opened",
                item.hands_carried,
            ).format(num=number(item.hands_carried))
        )
    if item.hands_cleared:
        parts.append(
            ngettext(
                "{num} hand still up lowered when the next item opened",
                "{num} hands still up lowered when the next item opened",
                item.hands_cleared,
            ).format(num=number(item.hands_cleared))
        )
    return " · ".join(parts)


def agenda_status(item: r.Item) -> str:
    """ "done; passed with stand-asides" — the item's state, and its decision if any."""
    parts = [word(STATUS_WORDS, item.status)]
    for p in item.proposals:
        if p.outcome == "tabled" and p.tabled_to:
            parts.append(_("tabled to {name}").format(name=p.tabled_to))
        elif p.outcome_words:
            parts.append(p.outcome_words)
    return "; ".join(parts)


# How the room took a turn, as app/signals/logic.turn_line says it in the event log.
SIGNAL_LINES = {
    "mostly agree": N_("signals: mostly agree"),
    "mostly unsure": N_("signals: mostly unsure"),
    "mostly disagree": N_("signals: mostly disagree"),
    "mixed": N_("signals: mixed"),
}


def speaker_line(speaker: r.Speaker) -> str:
    """ "19:05 Farah — speak, 1 min 35 s" (no name when the assembly leaves names out), and
    "; signals: mostly agree" when the assembly keeps how the room took each turn."""
    who = f"{speaker.name} — " if speaker.name else ""
    kind = speaker.kind_words
    if speaker.to_a_block:
        kind = _("{kind}, speaking to their block").format(kind=kind)
    line = f"{speaker.started.time} {who}{kind}, {duration(speaker.seconds)}"
    if speaker.signals in SIGNAL_LINES:
        line += "; " + translate(SIGNAL_LINES[speaker.signals])
    return line


def label_text(label: str | None, words: str | None) -> str:
    return f"{label} ({words})" if label else ""


def action_line(action: r.ActionItem) -> tuple[str | None, str, str | None]:
    """Who, what by when, and who recorded it: ("Comfort working group", "Buy the six tents
    (by Friday 20 March)", "— recorded 19:24 by Ruth"); a derived action was recorded by nobody.
    """
    what = action.text
    if action.due:
        what = _("{what} (by {due})").format(what=action.text, due=action.due)
    recorded = None
    if action.by:
        recorded = _("— recorded {time} by {name}").format(time=action.at.time, name=action.by)
    return action.who, what, recorded


def round_caption(row: r.Round) -> str:
    """ "Round 2 · call for consensus on version 2 · 19:18–19:19 · anonymous"."""
    if row.about_block:
        first = _("Round {number} · {kind} about {block}").format(
            number=row.number, kind=row.kind_words, block=row.about_block
        )
    else:
        first = _("Round {number} · {kind}").format(number=row.number, kind=row.kind_words)
    parts = [first]
    if row.kind != "minutes":  # an approval is about the minutes, not a proposal's text
        parts.append(_("on version {version}").format(version=row.version))
    parts.append(span(row.opened, row.closed))
    if row.anonymous:
        parts.append(_("anonymous: names are not recorded"))
    if row.by_deadline:
        parts.append(_("closed by its deadline"))
    return " · ".join(parts)


def outcome_line(row: r.Round) -> str:
    if row.closed is None:
        return _("Still open when these minutes were made.")
    if row.kind == "temperature":
        return _("Result (not binding): {explanation}").format(explanation=row.explanation)
    return _("Outcome: {explanation}").format(explanation=row.explanation)


def block_line(block: r.Block) -> str:
    """ "Sipho: “reason”" or "(name not recorded): “reason”", with how it was counted."""
    who = block.name or _("name not recorded")
    if block.counted:
        who = _("{name} (counted in the room)").format(name=who)
    line = _("{name}: “{reason}”").format(name=who, reason=block.reason)
    if block.principled is None:
        return line
    if block.principled:
        return _("{block} — accepted as principled").format(block=line)
    return _("{block} — not accepted as principled: counted as a stand-aside").format(block=line)


def stand_aside_line(row: r.Round) -> str | None:
    """ "Bianca (“reason”), Lena; 2 counted in the room, not named"."""
    named = []
    for s in row.stand_asides:
        name = s.name or _("name not recorded")
        named.append(
            _("{name} (“{reason}”)").format(name=name, reason=s.reason) if s.reason else name
        )
    text = ", ".join(named)
    if row.counted_stand_asides:
        counted = _("{count} counted in the room, not named").format(
            count=number(row.counted_stand_asides)
        )
        text = f"{text}; {counted}" if text else counted
    return text or None


def amendment_line(a: r.Amendment) -> str:
    """ "By Emeka at 19:15, on version 1: accepted by Marisol at 19:16 → version 2"."""
    line = _("By {name} at {time}, on version {version}:").format(
        name=a.by, time=a.proposed.time, version=a.based_on_version
    )
    if a.fate == "open":
        return f"{line} {_('never decided')}"
    fate = word(FATE_WORDS, a.fate)
    if a.decided_by and a.on_presenters_word:
        fate = _("{fate} by {name} on the presenter's word").format(fate=fate, name=a.decided_by)
    elif a.decided_by:
        fate = _("{fate} by {name}").format(fate=fate, name=a.decided_by)
    line += f" {fate}"
    if a.decided:
        line += " " + _("at {time}").format(time=a.decided.time)
    if a.version:
        line += " → " + _("version {version}").format(version=a.version)
    return line


def decision_line(p: r.Proposal) -> tuple[str, str | None]:
    """The outcome in words, and the arithmetic behind it when a round decided it:
    ("Passed with stand-asides (version 2, at 19:19)", "24 agree, 4 stand aside: … → …")."""
    if p.outcome is None:
        stage = (
            word(STOPPED_WORDS, p.stage) if p.stage in STOPPED_WORDS else p.stage.replace("_", " ")
        )
        return _("Not decided (it stopped at: {stage})").format(stage=stage), None
    words, line = p.outcome_words or p.outcome, p.outcome_line
    # Decided by hand (tabled, withdrawn, blocked): its line says so, with whom or to whom.
    by_hand = line is not None and p.outcome not in (*PASSES, "not_enough_support")
    head = upper_first(line if by_hand and line else words)
    when = [_("version {version}").format(version=p.decided_version)] if p.decided_version else []
    when += [_("at {time}").format(time=p.decided.time)] if p.decided else []
    detail = (
        p.after_round if by_hand else (_("Arithmetic: {line}").format(line=line) if line else None)
    )
    return f"{head} ({', '.join(when)})", detail


def text_heading(p: r.Proposal) -> str:
    """What the last text is: decided only when the proposal passed."""
    if p.outcome in PASSES:
        return _("Text as decided (version {version})").format(version=p.decided_version)
    if p.outcome is None:
        return _("Text as it stands")
    return _("Text when {outcome} (version {version})").format(
        outcome=p.outcome_words, version=p.decided_version
    )


def grouped_hash(digest: str) -> str:
    """A hash in blocks of eight, to read aloud or compare by eye against `miccheck verify`."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))
