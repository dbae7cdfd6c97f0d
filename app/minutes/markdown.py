"""The minutes as Markdown (`/minutes.md`, `miccheck export --format md`): pure text building."""

from __future__ import annotations

from collections.abc import Iterable

from app.events.chain import check_commands, fingerprint
from app.i18n import _, translate
from app.i18n.formats import number
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
    """The whole minutes as one Markdown document, in the current language (the caller speaks
    the assembly's)."""
    lines = _header(minutes)
    for item in minutes.items:
        lines += _item(item)
    if minutes.floor.speakers or minutes.floor.notes:
        lines += [f"## {_('While no item was open')}", ""]
        lines += _speakers(minutes.floor.speakers) + _notes(minutes.floor.notes)
    lines += _closing(minutes)
    return "\n".join(lines).rstrip() + "\n"


def _header(minutes: r.Minutes) -> list[str]:
    h = minutes.header
    if h.number is not None:
        title = _("Minutes: {title} no. {number}").format(title=h.title, number=h.number)
    else:
        title = _("Minutes: {title}").format(title=h.title)
    lines = [f"# {title}", ""]
    if h.group:
        lines += [f"{h.group}", ""]
    times = _("(times in {zone})").format(zone=h.time_zone)
    when = f"**{h.date}**, {w.span(h.opened, h.closed)} {times}"
    lines += [when + (f" · {h.place}" if h.place else ""), ""]
    if not h.final:
        lines += [
            f"> **{_('Draft.')}** "
            + _("The assembly is still open: these minutes grow until it closes."),
            "",
        ]
    lines += [f"- {role}: {names}" for role, names in w.role_lines(h)]
    lines += [
        f"- {_('Headcount')}: {w.headcount_line(h)}",
        f"- {_('Decision rule')}: {h.decision_rule_text}",
        *(f"- {_('Removed')}: {line}" for line in w.removal_lines(h)),
        *(f"- {_('Taken over')}: {line}" for line in w.take_over_lines(h)),
        "",
        f"{_('Agenda')}:",
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
        lines += [f"**{_('Action items')}**", "", *_actions(item.actions), ""]
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
    return [f"**{_('Speakers')}**", "", *listed, ""] if listed else []


def _notes(notes: Iterable[r.Note]) -> list[str]:
    lines: list[str] = []
    for note in notes:
        label = w.label_text(note.label, note.label_words)
        text = _("… (gap: not minuted)") if note.gap else note.text
        if note.corrections:
            text += " " + _("(corrected below)")
        first, *rest = text.splitlines() or [""]
        lines.append(
            f"- {note.at.time} {f'**{label}** ' if label else ''}{first} "
            f"[{_('note {number}').format(number=note.note_id)}]"
        )
        lines += _indented("\n".join(rest), "  ") if rest else []
        for c in note.corrections:
            fixed = _("… (gap)") if c.gap else c.text
            correction = _("Correction of {date} {time} by {name}").format(
                date=c.at.date, time=c.at.time, name=c.by or _("the minute taker")
            )
            note_id = _("note {number}").format(number=c.note_id)
            lines.append(f"  - *{correction}* [{note_id}]: {fixed}")
    return [f"**{_('Notes')}**", "", *lines, ""] if lines else []


def _proposal(p: r.Proposal) -> list[str]:
    head, arithmetic = w.decision_line(p)
    lines = [
        f"### {_('Proposal: {title}').format(title=p.title)}",
        "",
        _presented(p),
        "",
        f"**{_('Outcome: {explanation}').format(explanation=head)}**",
        "",
    ]
    if arithmetic:
        lines += [arithmetic, ""]
    if p.actions:
        lines += [f"{_('Action items')}:", "", *_actions(p.actions), ""]
    if p.text_decided is not None:
        lines += [
            f"#### {w.text_heading(p)}",
            "",
            *_quote(p.text_decided),
        ]
    if p.text_decided != p.text_presented:
        lines += [f"#### {_('Text as presented (version 1)')}", "", *_quote(p.text_presented)]
    if p.amendments:
        key = translate(w.DIFF_KEY)
        lines += [f"#### {_('Friendly amendments (changes shown as {key})').format(key=key)}", ""]
        for n, a in enumerate(p.amendments, start=1):
            lines.append(f"{n}. {w.amendment_line(a)} ({a.diff_summary})")
            if a.rationale:
                lines.append(f"   {_('Rationale: {text}').format(text=a.rationale)}")
            lines += ["", *_indented(a.diff), ""]
    for row in p.rounds:
        lines += _round(row)
    lines += [f"#### {_('Way through the assembly')}", ""]
    lines += [f"- {step.at.time} {step.what}" for step in p.history]
    return [*lines, ""]


def _presented(p: r.Proposal) -> str:
    if p.working_group:
        return _("Presented by {name} for the {group} working group at {time}.").format(
            name=p.presenter, group=p.working_group, time=p.submitted.time
        )
    return _("Presented by {name} at {time}.").format(name=p.presenter, time=p.submitted.time)


def _round(row: r.Round) -> list[str]:
    lines = [f"#### {w.round_caption(row)}", ""]
    if row.closed is not None:
        heads = (_("answer"), _("phones"), _("counted in the room"), _("total"))
        phones = number(sum(c.phones for c in row.counts))
        counted = number(sum(c.counted for c in row.counts))
        lines += [
            "| " + " | ".join(heads) + " |",
            "|---|--:|--:|--:|",
            *[
                f"| {_cell(c.word)} | {number(c.phones)} | {number(c.counted)} "
                f"| {number(c.total)} |"
                for c in row.counts
            ],
            f"| {_('all')} | {phones} | {counted} | {number(row.total)} |",
            "",
        ]
    lines += [w.outcome_line(row), ""]
    if row.blocks:
        lines += [f"{_('Blocks')}:", "", *[f"- {w.block_line(b)}" for b in row.blocks], ""]
    stand_asides = w.stand_aside_line(row)
    if stand_asides:
        lines += [f"{_('Stand-asides')}: {stand_asides}", ""]
    return lines


def _closing(minutes: r.Minutes) -> list[str]:
    lines: list[str] = []
    if minutes.actions:
        lines += [f"## {_('Action items for the assembly as a whole')}", ""]
        lines += [*_actions(minutes.actions), ""]
    if minutes.approvals:
        lines += [f"## {_('Approval of the minutes')}", ""]
        for row in minutes.approvals:
            lines += _round(row)
    if minutes.speaking_time:
        heads = (_("speaker"), _("turns"), _("time"))
        lines += [f"## {_('Speaking time')}", "", "| " + " | ".join(heads) + " |", "|---|--:|--:|"]
        lines += [
            f"| {_cell(t.name)} | {number(t.turns)} | {w.duration(t.seconds)} |"
            for t in minutes.speaking_time
        ]
        lines.append("")
    if minutes.cannot_know:
        lines += [f"## {_('What these minutes cannot know')}", ""]
        lines += [f"- {fact}" for fact in minutes.cannot_know]
        lines.append("")
    return [*lines, "---", "", _head_line(minutes), ""]


def _head_line(minutes: r.Minutes) -> str:
    export, verify = check_commands(minutes.header.assembly_id, minutes.head.hash)
    return _(
        "Event log head: seq {seq}, hash `{hash}` (fingerprint `{fingerprint}`). "
        "To check this copy, export the events "
        "(`{export}`) and run `{verify}`: it must end at this seq and hash (without `--head`, "
        "`miccheck verify` checks the links only, and an export edited and re-hashed from there "
        "on passes that). Notes are numbered by their event in that log."
    ).format(
        seq=minutes.head.seq,
        hash=minutes.head.hash,
        fingerprint=fingerprint(minutes.head.hash),
        export=export,
        verify=verify,
    )
