"""The minutes speak the assembly's language (Assembly.language), not the reader's: the same
log folds to the same minutes in English and Spanish but for their words, dates, times and
numbers (Babel's Spanish forms, in the assembly's time zone), and the same bytes every time.

Spanish words wait for the catalogue: these tests check Babel's forms and the languages, and
translated words only through a tiny catalogue of their own."""

from __future__ import annotations

import io
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.numbers import format_decimal
from babel.support import Translations
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

import app.i18n
from app.assembly.models import Assembly
from app.events import export_events
from app.i18n import speaking
from app.i18n.formats import local_day, local_time, number
from app.minutes import record as r
from app.minutes import words
from app.minutes.logic import fold_minutes
from app.minutes.markdown import render_markdown
from app.minutes.state import load_minutes
from app.web.minutes_html import render_minutes_html
from app.web.render import make_environment
from tests.minutes.evening import START, Evening

NEW_YORK = ZoneInfo("America/New_York")  # the evening's time zone


def events_of(evening: Evening) -> list[dict[str, Any]]:
    with evening.db.read() as session:
        events: list[dict[str, Any]] = export_events(session, evening.assembly_id)["events"]
    return events


def speak_spanish(evening: Evening) -> None:
    with evening.db.write() as session:
        assembly = session.get(Assembly, evening.assembly_id)
        assert assembly is not None
        assembly.language = "es"
        session.add(assembly)


def shape(value: Any) -> Any:
    """The minutes with every text left out: what must not change with the language."""
    if isinstance(value, dict):
        return {key: shape(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [shape(v) for v in value]
    return "text" if isinstance(value, str) else value


def moments(value: Any) -> list[dict[str, str]]:
    """Every Moment of the minutes, as asdict gives them."""
    if isinstance(value, dict):
        found = [value] if set(value) == {"utc", "date", "time"} else []
        return found + [m for v in value.values() for m in moments(v)]
    if isinstance(value, list):
        return [m for v in value for m in moments(v)]
    return []


def test_the_same_log_folds_to_the_same_minutes_in_english_and_spanish(evening: Evening) -> None:
    events = events_of(evening)
    english = asdict(fold_minutes(events, language="en"))
    spanish = asdict(fold_minutes(events, language="es"))
    assert shape(spanish) == shape(english)
    assert spanish["head"] == english["head"]
    assert [m["utc"] for m in moments(spanish)] == [m["utc"] for m in moments(english)]


def test_spanish_minutes_write_dates_and_times_as_babel_does_in_the_assembly_zone(
    evening: Evening,
) -> None:
    minutes = fold_minutes(events_of(evening), language="es")
    day = START.astimezone(NEW_YORK)  # 23:00 UTC is still Saturday the 14th in New York
    assert minutes.header.date == format_date(day, "full", locale="es")
    assert minutes.header.date == "sábado, 14 de marzo de 2026"
    found = moments(asdict(minutes))
    assert found
    for moment in found:
        at = datetime.fromisoformat(moment["utc"].replace("Z", "+00:00"))
        assert moment["time"] == format_time(at, "short", tzinfo=NEW_YORK, locale="es")
        assert moment["date"] == at.astimezone(NEW_YORK).strftime("%Y-%m-%d")  # as exported
    assert minutes.header.opened is not None and minutes.header.opened.time == "19:00"


def test_english_keeps_its_own_forms() -> None:
    moment = datetime(2026, 12, 3, 14, 5, tzinfo=ZoneInfo("UTC"))
    madrid = ZoneInfo("Europe/Madrid")
    assert local_day(moment, madrid, "en") == "Thursday 3 December 2026"
    assert local_time(moment, madrid, "en") == "15:05"
    assert number(12345, "en") == "12345"  # the minutes always wrote counts plainly
    early = datetime(2026, 12, 3, 7, 5, tzinfo=ZoneInfo("UTC"))
    assert local_time(early, madrid, "en") == "08:05"


@pytest.mark.parametrize(
    ("utc", "zone", "day", "time"),
    [
        (datetime(2026, 12, 3, 20, 5), "Europe/Madrid", "jueves, 3 de diciembre de 2026", "21:05"),
        (datetime(2026, 12, 3, 23, 30), "Europe/Madrid", "viernes, 4 de diciembre de 2026", "0:30"),
        (datetime(2026, 12, 3, 3, 0), "America/Mexico_City", "miércoles, 2 de diciembre de 2026",
         "21:00"),
    ],
)  # fmt: skip
def test_spanish_days_and_times_are_babels_in_the_zone(
    utc: datetime, zone: str, day: str, time: str
) -> None:
    moment = utc.replace(tzinfo=ZoneInfo("UTC"))
    assert local_day(moment, ZoneInfo(zone), "es") == day
    assert local_time(moment, ZoneInfo(zone), "es") == time


def test_spanish_numbers_are_babels() -> None:
    assert number(12345, "es") == format_decimal(12345, locale="es") == "12.345"
    header = r.Header("a", "GA", None, None, "", None, "UTC", None, None, False, "public")
    header = replace(header, headcount=12345, phones_joined=2000)
    with speaking("es"):
        line = words.headcount_line(header)
    assert format_decimal(12345, locale="es") in line
    assert format_decimal(2000, locale="es") in line
    with speaking("en"):
        assert words.headcount_line(header) == "12345 in the room; 2000 phones joined"


def tiny_catalogue(language: str) -> Translations:
    """A Spanish catalogue of three words (the lead fills the real one)."""
    catalog = Catalog(locale=language)
    if language == "es":
        catalog.add("Agenda", "Orden del día")
        catalog.add("call for consensus", "llamada al consenso")
        catalog.add("{seconds} s", "{seconds} s")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def test_the_minutes_take_their_words_from_the_assemblys_language(
    evening: Evening, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.i18n, "translations", tiny_catalogue)
    events = events_of(evening)
    with speaking("en"):  # the reader's language does not matter
        spanish = fold_minutes(events, language="es")
        english = fold_minutes(events, language="en")
    rounds = [row.kind_words for i in spanish.items for p in i.proposals for row in p.rounds]
    assert "llamada al consenso" in rounds
    assert "call for consensus" in [
        row.kind_words for i in english.items for p in i.proposals for row in p.rounds
    ]
    with speaking("es"):
        assert "\nOrden del día:\n" in render_markdown(spanish)
    with speaking("en"):
        assert "\nAgenda:\n" in render_markdown(english)


def test_the_minutes_stay_the_same_bytes_across_renders(evening: Evening) -> None:
    for language in ("en", "es"):
        first, second = (
            load_minutes(db=evening.db, assembly_id=evening.assembly_id) for _ in range(2)
        )
        assert asdict(first.minutes) == asdict(second.minutes)
        env = make_environment(language)
        pages = [
            render_minutes_html(env, read.minutes, seq=read.seq, language=language)
            for read in (first, second)
        ]
        assert pages[0] == pages[1]
        with speaking(language):
            assert render_markdown(first.minutes) == render_markdown(second.minutes)
        speak_spanish(evening)


def test_the_minutes_of_a_spanish_assembly_speak_spanish_to_an_english_reader(
    client: TestClient, evening: Evening
) -> None:
    speak_spanish(evening)
    read = load_minutes(db=evening.db, assembly_id=evening.assembly_id)
    assert read.language == "es"
    assert read.minutes.header.date == "sábado, 14 de marzo de 2026"
    for path in (f"/a/{evening.assembly_id}/minutes",
                 f"/api/assemblies/{evening.assembly_id}/minutes.html"):  # fmt: skip
        page = client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
        assert page.status_code == 200
        html = BeautifulSoup(page.text, "html.parser").html
        assert html is not None and html["lang"] == "es"
        assert "sábado, 14 de marzo de 2026" in page.text
    markdown = client.get(f"/api/assemblies/{evening.assembly_id}/minutes.md").text
    assert "**sábado, 14 de marzo de 2026**" in markdown
    data = client.get(f"/api/assemblies/{evening.assembly_id}/minutes").json()
    assert data["header"]["date"] == "sábado, 14 de marzo de 2026"


def test_the_minutes_of_an_english_assembly_stay_english_for_a_spanish_reader(
    client: TestClient, evening: Evening
) -> None:
    page = client.get(f"/a/{evening.assembly_id}/minutes", headers={"Accept-Language": "es"})
    html = BeautifulSoup(page.text, "html.parser").html
    assert html is not None and html["lang"] == "en"
    assert "Saturday 14 March 2026" in page.text
