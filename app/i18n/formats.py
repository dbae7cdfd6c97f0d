"""Dates, times and numbers as a language writes them (Babel), in a given time zone.

English keeps the minutes' own forms ("Saturday 14 March 2026", "19:05", "1234"): Babel
writes the dates and times from explicit patterns that give exactly those, and numbers stay
plain. Other languages use their locale's standard forms ("jueves, 3 de diciembre de 2026",
"19:05", "12.345").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from app.i18n import current, normal

DAY_PATTERNS = {"en": "EEEE d MMMM y"}  # other languages: Babel's "full" date
TIME_PATTERNS = {"en": "HH:mm"}  # other languages: Babel's "short" time
SHORT_DAY_PATTERNS = {"en": "y-MM-dd"}  # other languages: Babel's "long" date


def _language(language: str | None) -> str:
    return normal(language) or current()


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone or UTC)


def local_day(moment: datetime, zone: tzinfo | None = None, language: str | None = None) -> str:
    """The day of `moment` in `zone`: "Thursday 3 December 2026", "jueves, 3 de diciembre de
    2026"."""
    chosen = _language(language)
    return format_date(_local(moment, zone), DAY_PATTERNS.get(chosen, "full"), locale=chosen)


def local_time(moment: datetime, zone: tzinfo | None = None, language: str | None = None) -> str:
    """The clock time of `moment` in `zone`: "19:05"."""
    chosen = _language(language)
    local = _local(moment, zone)
    return format_time(
        local, TIME_PATTERNS.get(chosen, "short"), tzinfo=local.tzinfo, locale=chosen
    )


def number(n: int, language: str | None = None) -> str:
    """A count: "1234" in English (as the minutes always wrote it), "1234"/"12.345" in Spanish."""
    chosen = _language(language)
    return str(n) if chosen == "en" else format_decimal(n, locale=chosen)


def day_words(day: date, language: str | None = None) -> str:
    """A calendar day in words: "Saturday 28 November 2026", "sábado, 28 de noviembre de 2026"."""
    chosen = _language(language)
    return format_date(day, DAY_PATTERNS.get(chosen, "full"), locale=chosen)


def short_day(day: date, language: str | None = None) -> str:
    """A calendar day in a line of text: "2026-11-28" in English (as feeds always wrote it),
    "28 de noviembre de 2026" in Spanish."""
    chosen = _language(language)
    return format_date(day, SHORT_DAY_PATTERNS.get(chosen, "long"), locale=chosen)
