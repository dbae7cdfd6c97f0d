"""How the minutes say things: one phrasing shared by the Markdown and the HTML (pure)."""

from __future__ import annotations

from app.blocks.logic import PASSES
from app.minutes import record as r

ROLE_WORDS = {
    "facilitator": ("Facilitator", "Facilitators"),
    "stack_keeper": ("Stack keeper", "Stack keepers"),
    "minute_taker": ("Minute taker", "Minute takers"),
    "greeter": ("Greeter", "Greeters"),
}
KIND_WORDS = {
    "report": "Report",
    "proposal": "Proposal",
    "announcement": "Announcement",
    "discussion": "Discussion",
}
DIFF_KEY = "[-removed-] {+added+}"


def upper_first(text: str) -> str:
    """Like str.capitalize, but names later in the text keep their capitals."""
    return text[:1].upper() + text[1:]


def duration(seconds: int | None) -> str:
    """ "45 s", "1 min 35 s", "1 h 05 min" — for time boxes, items and turns."""
    if seconds is None:
        return "still speaking"
    seconds = max(0, seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def span(start: r.Moment | None, end: r.Moment | None) -> str:
    """ "19:05–19:08", or "from 19:05" while it runs."""
    if start is None:
        return ""
    if end is None:
        return f"from {start.time}"
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
            when = [f"from {holder.since.time}"] if since and holder.since else []
            when += [f"until {holder.until.time}"] if holder.until else []
            names.append(holder.name + (f" ({', '.join(when)})" if when else ""))
        lines.append((many if len(holders) > 1 else one, ", ".join(names)))
    return lines


def removal_lines(header: r.Header) -> list[str]:
    """ "Ruth was removed by the facilitator Noor at 19:40", one a removal."""
    return [
        f"{gone.name} was removed by the facilitator{f' {gone.by}' if gone.by else ''} "
        f"at {gone.at.time}"
        for gone in header.removed
    ]


def headcount_line(header: r.Header) -> str:
    count = "not taken" if header.headcount is None else str(header.headcount)
    return f"{count} in the room; {header.phones_joined} phones joined"


def item_line(item: r.Item) -> str:
    """ "Report · Kitchen · time box 5 min · used 3 min 45 s · 19:05–19:08"."""
    parts = [KIND_WORDS.get(item.kind, item.kind)]
    if item.working_group:
        parts.append(f"{item.working_group} working group")
    box = item.time_box_minutes
    parts.append("time box not recorded" if box is None else f"time box {box} min")
    if item.status == "not taken up":
        parts.append("not taken up")
        return " · ".join(parts)
    over = box is not None and item.used_seconds > box * 60
    parts.append(f"used {duration(item.used_seconds)}" + (" (over time)" if over else ""))
    parts.append(span(item.opened, item.closed))
    if item.status == "put back":
        parts.append("put back, not finished")
    elif item.status == "open":
        parts.append("still open")
    for count, fate in ((item.hands_carried, "carried over"), (item.hands_cleared, "lowered")):
        if count:
            hands = "1 hand" if count == 1 else f"{count} hands"
            parts.append(f"{hands} still up {fate} when the next item opened")
    return " · ".join(parts)


def agenda_status(item: r.Item) -> str:
    """ "done; passed with stand-asides" — the item's state, and its decision if any."""
    parts = [item.status]
    for p in item.proposals:
        if p.outcome == "tabled" and p.tabled_to:
            parts.append(f"tabled to {p.tabled_to}")
        elif p.outcome_words:
            parts.append(p.outcome_words)
    return "; ".join(parts)


def speaker_line(speaker: r.Speaker) -> str:
    """ "19:05 Farah — speak, 1 min 35 s" (no name when the assembly leaves names out)."""
    who = f"{speaker.name} — " if speaker.name else ""
    kind = speaker.kind_words + (", speaking to their block" if speaker.to_a_block else "")
    return f"{speaker.started.time} {who}{kind}, {duration(speaker.seconds)}"


def label_text(label: str | None, words: str | None) -> str:
    return f"{label} ({words})" if label else ""


def action_line(action: r.ActionItem) -> tuple[str | None, str, str | None]:
    """Who, what by when, and who recorded it: ("Comfort working group", "Buy the six tents
    (by Friday 20 March)", "— recorded 19:24 by Ruth"); a derived action was recorded by nobody.
    """
    what = action.text + (f" (by {action.due})" if action.due else "")
    recorded = f"— recorded {action.at.time} by {action.by}" if action.by else None
    return action.who, what, recorded


def round_caption(row: r.Round) -> str:
    """ "Round 2 · call for consensus on version 2 · 19:18–19:19 · anonymous"."""
    parts = [f"Round {row.number} · {row.kind_words}"]
    if row.about_block:
        parts[0] += f" about {row.about_block}"
    if row.kind != "minutes":  # an approval is about the minutes, not a proposal's text
        parts.append(f"on version {row.version}")
    parts.append(span(row.opened, row.closed))
    if row.anonymous:
        parts.append("anonymous: names are not recorded")
    if row.by_deadline:
        parts.append("closed by its deadline")
    return " · ".join(parts)


def outcome_line(row: r.Round) -> str:
    if row.closed is None:
        return "Still open when these minutes were made."
    if row.kind == "temperature":
        return f"Result (not binding): {row.explanation}"
    return f"Outcome: {row.explanation}"


def block_line(block: r.Block) -> str:
    """ "Sipho: “reason”" or "(name not recorded): “reason”", with how it was counted."""
    who = block.name or "name not recorded"
    how = " (counted in the room)" if block.counted else ""
    verdict = ""
    if block.principled is not None:
        verdict = (
            " — accepted as principled"
            if block.principled
            else " — not accepted as principled: counted as a stand-aside"
        )
    return f"{who}{how}: “{block.reason}”{verdict}"


def stand_aside_line(row: r.Round) -> str | None:
    """ "Bianca (“reason”), Lena; 2 counted in the room, not named"."""
    named = [
        (s.name or "name not recorded") + (f" (“{s.reason}”)" if s.reason else "")
        for s in row.stand_asides
    ]
    text = ", ".join(named)
    if row.counted_stand_asides:
        counted = f"{row.counted_stand_asides} counted in the room, not named"
        text = f"{text}; {counted}" if text else counted
    return text or None


def amendment_line(a: r.Amendment) -> str:
    """ "By Emeka at 19:15, on version 1: accepted by Marisol at 19:16 → version 2"."""
    line = f"By {a.by} at {a.proposed.time}, on version {a.based_on_version}: "
    if a.fate == "open":
        return line + "never decided"
    line += a.fate
    if a.decided_by:
        line += f" by {a.decided_by}"
        if a.on_presenters_word:
            line += " on the presenter's word"
    if a.decided:
        line += f" at {a.decided.time}"
    if a.version:
        line += f" → version {a.version}"
    return line


def decision_line(p: r.Proposal) -> tuple[str, str | None]:
    """The outcome in words, and the arithmetic behind it when a round decided it:
    ("Passed with stand-asides (version 2, at 19:19)", "24 agree, 4 stand aside: … → …")."""
    if p.outcome is None:
        return f"Not decided (it stopped at: {p.stage.replace('_', ' ')})", None
    words, line = p.outcome_words or p.outcome, p.outcome_line
    by_hand = line is not None and line.startswith(words)
    head = upper_first(line if by_hand and line else words)
    when = [f"version {p.decided_version}"] if p.decided_version else []
    when += [f"at {p.decided.time}"] if p.decided else []
    detail = p.after_round if by_hand else (f"Arithmetic: {line}" if line else None)
    return f"{head} ({', '.join(when)})", detail


def text_heading(p: r.Proposal) -> str:
    """What the last text is: decided only when the proposal passed."""
    if p.outcome in PASSES:
        return f"Text as decided (version {p.decided_version})"
    if p.outcome is None:
        return "Text as it stands"
    return f"Text when {p.outcome_words} (version {p.decided_version})"


def grouped_hash(digest: str) -> str:
    """A hash in blocks of eight, to read aloud or compare by eye against `miccheck verify`."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))
