"""Server-rendered SVG bar charts of rounds, for the printable minutes (pure: text in, text out).

Readable in black and white: every bar has its answer written beside it and its number at
its end, phones are solid and hands counted in the room hatched (a legend says so), so
nothing depends on colour.
"""

from __future__ import annotations

from html import escape

from app.i18n import _, ngettext
from app.i18n.formats import number
from app.minutes import record as r

WIDTH = 640
LABEL_WIDTH = 110  # the answer, right-aligned before the bar
BAR_MAX = 270  # leaves room for the longest number label within WIDTH
ROW = 26
BAR = 18
TOP = 6
FONT = 'font-size="13"'  # the family is the page's: inline SVG text inherits it


def _number(count: r.Count) -> str:
    total, counted = number(count.total), number(count.counted)
    if count.counted and count.phones:
        return ngettext(
            "{total} = {num} phone + {counted} counted",
            "{total} = {num} phones + {counted} counted",
            count.phones,
        ).format(total=total, num=number(count.phones), counted=counted)
    if count.counted:
        return _("{total}, all counted in the room").format(total=total)
    return total


def round_chart(row: r.Round) -> str:
    """One horizontal bar per answer of a closed round; "" for a round still open."""
    if row.closed is None or not row.counts:
        return ""
    uid = f"r{row.round_id}"
    top = max((c.total for c in row.counts), default=0) or 1
    counted = any(c.counted for c in row.counts)
    height = TOP + ROW * len(row.counts) + (ROW if counted else 0) + 4
    summary = ", ".join(f"{number(c.total)} {c.word}" for c in row.counts)
    title = _("Round {number}: {summary}").format(number=row.number, summary=summary)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{uid}-title">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        "<defs>"
        f'<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.2"/>'
        "</pattern></defs>",
    ]
    for n, count in enumerate(row.counts):
        parts.extend(_bar(uid, TOP + n * ROW, count, top))
    if counted:
        parts.append(_legend(uid, TOP + ROW * len(row.counts) + 4))
    parts.append("</svg>")
    return "".join(parts)


def _bar(uid: str, y: int, count: r.Count, top: int) -> list[str]:
    """One answer's row at height `y`: its word, the axis, phones solid, hands hatched, the sum."""
    mid = y + BAR / 2 + 4.5
    phones = round(BAR_MAX * count.phones / top)
    hands = round(BAR_MAX * count.total / top) - phones
    x = LABEL_WIDTH + 10
    word = escape(count.word)
    parts = [f'<text x="{LABEL_WIDTH}" y="{mid}" text-anchor="end" {FONT}>{word}</text>']
    # The axis: even a zero shows where its bar would start.
    parts.append(
        f'<line x1="{x}" y1="{y - 2}" x2="{x}" y2="{y + BAR + 2}" stroke="#000" stroke-width="1"/>'
    )
    if phones:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{phones}" height="{BAR}" fill="#555" '
            'stroke="#000" stroke-width="1"/>'
        )
    if hands:
        parts.append(
            f'<rect x="{x + phones}" y="{y}" width="{hands}" height="{BAR}" '
            f'fill="url(#{uid}-hatch)" stroke="#000" stroke-width="1"/>'
        )
    parts.append(
        f'<text x="{x + phones + hands + 6}" y="{mid}" {FONT} font-weight="bold">'
        f"{escape(_number(count))}</text>"
    )
    return parts


def _legend(uid: str, y: int) -> str:
    """Which fill is phones and which hands counted in the room, under the bars."""
    return (
        f'<rect x="{LABEL_WIDTH + 10}" y="{y}" width="14" height="12" fill="#555" '
        'stroke="#000"/>'
        f'<text x="{LABEL_WIDTH + 30}" y="{y + 11}" {FONT}>{escape(_("phones"))}</text>'
        f'<rect x="{LABEL_WIDTH + 100}" y="{y}" width="14" height="12" '
        f'fill="url(#{uid}-hatch)" stroke="#000"/>'
        f'<text x="{LABEL_WIDTH + 120}" y="{y + 11}" {FONT}>'
        f"{escape(_('counted in the room'))}</text>"
    )
