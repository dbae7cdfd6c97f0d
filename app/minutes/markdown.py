"""The minutes as Markdown (`/minutes.md`, `miccheck export --format md`): pure text building."""

from __future__ import annotations

from collections.abc import Iterable

from app.events.chain import check_commands
from app.minutes import record as r
from app.minutes import words as w


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _quote(text: str) -> list[str]:
    """A proposal's text as a block quote, paragraphs kept."""
    return [f"> {line}".rstrip() for line in text.splitlines()] + [""]


def _indented(text: str, prefix: str = "   ") -> list[str]:
    return [f"{prefix}{line}".rstrip() for line in text.splitlines()]


def render_markdown(minutes: r.Minutes) -> str:
    """The whole minutes as one Markdown document."""
    lines = _header(minutes)
    for item in minutes.items:
        lines += _item(item)
    if minutes.floor.speakers or minutes.floor.notes:
        lines += ["## While no item was open", ""]
        lines += _speakers(minutes.floor.speakers) + _notes(minutes.floor.notes)
    lines += _closing(minutes)
    return "\n".join(lines).rstrip() + "\n"


def _header(minutes: r.Minutes) -> list[str]:
    h = minutes.header
    number = f" no. {h.number}" if h.number is not None else ""
    lines = [f"# Minutes: {h.title}{number}", ""]
    if h.group:
        lines += [f"{h.group}", ""]
    when = f"**{h.date}**, {w.span(h.opened, h.closed)} (times in {h.time_zone})"
    lines += [when + (f" · {h.place}" if h.place else ""), ""]
    if not h.final:
        lines += [
            "> **Draft.** The assembly is still open: these minutes grow until it closes.",
            "",
        ]
    lines += [f"- {role}: {names}" for role, names in w.role_lines(h)]
    lines += [
        f"- Headcount: {w.headcount_line(h)}",
        f"- Decision rule: {h.decision_rule_text}",
        *(f"- Removed: {line}" for line in w.removal_lines(h)),
        "",
        "Agenda:",
        "",
    ]
    # "4\." keeps Markdown from renumbering the agenda (or nesting a list under "12.4").
    lines += [
        f"- {item.number}\\. {item.title} — {w.agenda_status(item)}" for item in minutes.items
    ]
    return [*lines, ""]


def _item(item: r.Item) -> list[str]:
    lines = [f"## {item.number}. {item.title}", "", f"*{w.item_line(item)}*", ""]
    for proposal in item.proposals:
        lines += _proposal(proposal)
    if item.actions:
        lines += ["**Action items**", "", *_actions(item.actions), ""]
    lines += _speakers(item.speakers) + _notes(item.notes)
    return lines


def _actions(actions: Iterable[r.ActionItem]) -> list[str]:
    lines = []
    for action in actions:
        who, what, recorded = w.action_line(action)
        line = f"{who}: {what}" if who else what
        lines.append(f"- {line} {recorded}" if recorded else f"- {line}")
    return lines


def _speakers(speakers: Iterable[r.Speaker]) -> list[str]:
    listed = [f"{s.order}. {w.speaker_line(s)}" for s in speakers]
    return ["**Speakers**", "", *listed, ""] if listed else []


def _notes(notes: Iterable[r.Note]) -> list[str]:
    lines: list[str] = []
    for note in notes:
        label = w.label_text(note.label, note.label_words)
        text = "… (gap: not minuted)" if note.gap else note.text
        if note.corrections:
            text += " (corrected below)"
        first, *rest = text.splitlines() or [""]
        lines.append(
            f"- {note.at.time} {f'**{label}** ' if label else ''}{first} [note {note.note_id}]"
        )
        lines += _indented("\n".join(rest), "  ") if rest else []
        for c in note.corrections:
            fixed = "… (gap)" if c.gap else c.text
            lines.append(
                f"  - *Correction of {c.at.date} {c.at.time} by {c.by or 'the minute taker'}* "
                f"[note {c.note_id}]: {fixed}"
            )
    return ["**Notes**", "", *lines, ""] if lines else []


def _proposal(p: r.Proposal) -> list[str]:
    head, arithmetic = w.decision_line(p)
    group = f" for the {p.working_group} working group" if p.working_group else ""
    lines = [
        f"### Proposal: {p.title}",
        "",
        f"Presented by {p.presenter}{group} at {p.submitted.time}.",
        "",
        f"**Outcome: {head}**",
        "",
    ]
    if arithmetic:
        lines += [arithmetic, ""]
    if p.actions:
        lines += ["Action items:", "", *_actions(p.actions), ""]
    if p.text_decided is not None:
        lines += [
            f"#### {w.text_heading(p)}",
            "",
            *_quote(p.text_decided),
        ]
    if p.text_decided != p.text_presented:
        lines += ["#### Text as presented (version 1)", "", *_quote(p.text_presented)]
    if p.amendments:
        lines += [f"#### Friendly amendments (changes shown as {w.DIFF_KEY})", ""]
        for n, a in enumerate(p.amendments, start=1):
            lines.append(f"{n}. {w.amendment_line(a)} ({a.diff_summary})")
            if a.rationale:
                lines.append(f"   Rationale: {a.rationale}")
            lines += ["", *_indented(a.diff), ""]
    for row in p.rounds:
        lines += _round(row)
    lines += ["#### Way through the assembly", ""]
    lines += [f"- {step.at.time} {step.what}" for step in p.history]
    return [*lines, ""]


def _round(row: r.Round) -> list[str]:
    lines = [f"#### {w.round_caption(row)}", ""]
    if row.closed is not None:
        lines += [
            "| answer | phones | counted in the room | total |",
            "|---|--:|--:|--:|",
            *[f"| {_cell(c.word)} | {c.phones} | {c.counted} | {c.total} |" for c in row.counts],
            f"| all | {sum(c.phones for c in row.counts)} "
            f"| {sum(c.counted for c in row.counts)} | {row.total} |",
            "",
        ]
    lines += [w.outcome_line(row), ""]
    if row.blocks:
        lines += ["Blocks:", "", *[f"- {w.block_line(b)}" for b in row.blocks], ""]
    stand_asides = w.stand_aside_line(row)
    if stand_asides:
        lines += [f"Stand-asides: {stand_asides}", ""]
    return lines


def _closing(minutes: r.Minutes) -> list[str]:
    lines: list[str] = []
    if minutes.actions:
        lines += ["## Action items for the assembly as a whole", ""]
        lines += [*_actions(minutes.actions), ""]
    if minutes.approvals:
        lines += ["## Approval of the minutes", ""]
        for row in minutes.approvals:
            lines += _round(row)
    if minutes.speaking_time:
        lines += ["## Speaking time", "", "| speaker | turns | time |", "|---|--:|--:|"]
        lines += [
            f"| {_cell(t.name)} | {t.turns} | {w.duration(t.seconds)} |"
            for t in minutes.speaking_time
        ]
        lines.append("")
    if minutes.cannot_know:
        lines += ["## What these minutes cannot know", ""]
        lines += [f"- {fact}" for fact in minutes.cannot_know]
        lines.append("")
    return [*lines, "---", "", _head_line(minutes), ""]


def _head_line(minutes: r.Minutes) -> str:
    export, verify = check_commands(minutes.header.assembly_id, minutes.head.hash)
    return (
        f"Event log head: seq {minutes.head.seq}, hash `{minutes.head.hash}`. To check this copy, "
        f"export the events (`{export}`) and run `{verify}`: it must end at this seq and hash "
        "(without `--head`, `miccheck verify` checks the links only, and an export edited and "
        "re-hashed from there on passes that). Notes are numbered by their event in that log."
    )
