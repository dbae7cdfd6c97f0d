"""The Spanish walk-through (issue 13): a whole evening of a Spanish assembly, one English phone.

The assembly is made in Spanish; the console (1366x768) and two phones (390x844) ask for Spanish
(one by the mc_lang cookie, one by Accept-Language; Mateo's phone has no JavaScript and acts
through plain form posts and reloads), the wall (1920x1080) follows the assembly whatever its
browser asks for, and Sam's phone asks for English. The evening runs mostly through the JSON API
(which speaks no language) and a few real taps found by CSS selectors and data attributes, never
by words: joining by code, hands up, speakers called, a proposal, an amendment, a temperature
check, a call for consensus, its outcome, notes, the minutes approved, the assembly closed, the
minutes page and the archive.

At every moment every screen's visible text is scanned (language_checks.py): no English on the
Spanish screens, no Spanish on the English phone, and each page's <html lang> says which. What
is found is collected as "screen · moment · text" and asserted at the end, so one leak does not
hide the rest; every screen is saved as artifacts/screenshots/spanish-NN-<moment>-<screen>.png.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from babel.messages.catalog import Catalog
from harness import SCREENSHOT_DIR, free_port
from language_checks import (
    Typed,
    Vocabulary,
    bracketed,
    pseudo_translations,
    read_catalogue,
    screen_leaks,
    unmarked,
    vocabularies,
)
from playwright.sync_api import Browser, Page, ViewportSize, expect
from test_walkthrough import PHONE, WALL, Devices

CONSOLE: ViewportSize = {"width": 1366, "height": 768}
PATIENCE_MS = 20_000  # five browsers on two shared cores: a screen may take a while to follow

# The product's name is the same in every language, and so are the minutes' note labels: codes
# of docs/api.md ("CQ", "Crn"…) that the console shows beside their translated words.
NAMES_OF_THINGS = ("Mic Check", "CQ", "Crn", "FA", "R", "F", "PoP", "PoI")
# The evening's own words: what people typed, in their language (never scanned).
TITLE = "Asamblea General de Riverside Commons"
LOCATION = "Jardín norte, junto a la escalinata de la biblioteca"
FACILITATOR = "Noor"
LUCIA, MATEO, SAM = "Lucía", "Mateo", "Sam"
NO_PHONE = "Don Chema"
KITCHEN = "Informe de la cocina"
LEGAL = "Informe del grupo legal"
PROPOSAL = "Carpas de invierno"
GROUP = "Abrigo"
TEXT_V1 = (
    "El grupo de trabajo de Abrigo compra seis carpas aisladas para el jardín norte antes de "
    "la primera helada. Quien duerma fuera puede usarlas."
)
TEXT_V2 = TEXT_V1.replace("seis", "ocho")
RATIONALE = "Seis no alcanzan: la semana pasada durmieron fuera 31 personas."
STAND_ASIDE = "No podré ayudar a montarlas este mes."
NOTES = (
    "Lucía presentó la propuesta de Abrigo.",
    "Se aceptó la enmienda de Sam: ocho carpas en vez de seis.",
)


@pytest.fixture(autouse=True)
def patience() -> Iterator[None]:
    expect.set_options(timeout=PATIENCE_MS)
    yield
    expect.set_options(timeout=None)  # back to Playwright's default for other modules


@functools.cache
def languages() -> tuple[Vocabulary, Vocabulary]:
    """(English, Spanish) as the Spanish catalogue tells them apart."""
    return vocabularies(read_catalogue())


# ---- the scanner itself ----------------------------------------------------------------------


def little_catalogue() -> Catalog:
    catalog = Catalog(locale="es")
    for msgid, msgstr in (
        ("Raise my hand", "Levantar la mano"),
        ("Lower my hand", "Bajar la mano"),
        ("Next", "Siguiente"),
        ("More", "Más"),
        ("Mic Check", "Mic Check"),
        ("%(title)s — Mic Check", "%(title)s — Mic Check"),
        ("Presented by %(name)s", "Presentada por %(name)s"),
        ("You are <strong>%(name)s</strong>", "Eres <strong>%(name)s</strong>"),
        ("The stack is empty", ""),  # not translated yet: English on a Spanish screen
        ("(you)", "(tú)"),
    ):
        catalog.add(msgid, msgstr)
    return catalog


SPANISH_PAGE = """<!doctype html><html lang="es">
<head><title>Carpas de invierno — Mic Check</title></head><body><main>
  <h1>Carpas de invierno</h1>
  <p class="you">Eres <strong>Lucía</strong></p>
  <button type="submit" aria-label="Levantar la mano">✋</button>
  <p class="help">{english}</p>
  <p hidden>Raise my hand</p>
  <details><summary>Más</summary><p>Lower my hand</p></details>
  <form><button name="language" value="en" lang="en">English</button></form>
  <p class="by">{name}</p>
</main></body></html>"""


@pytest.mark.parametrize(
    ("english", "name", "leaks"),
    [
        ("Todo bien.", "Presentada por Lucía", []),
        ("Pasa si 9 de cada 10 están de acuerdo. Raise my hand", "Lucía", ["'Raise my hand'"]),
        # A person's English name, as typed, is theirs: no leak.
        ("Todo bien.", "Presentada por Sam the Drummer, your neighbour", []),
        ("Next", "Lucía", ["'Next'"]),
        ("Todo bien. The stack is empty", "Lucía", ["'The stack is empty'"]),
        # What a style sheet writes is read too.
        ('<b class="me">Lucía</b><style>.me::after { content: " (you)" }</style>', "", ["'you'"]),
    ],
)
def test_the_scanner_finds_english_on_a_spanish_page_and_nothing_typed(
    page: Page, english: str, name: str, leaks: list[str]
) -> None:
    en, _es = vocabularies(little_catalogue())
    typed = Typed()
    typed.add("Carpas de invierno", "Lucía", "Sam the Drummer, your neighbour")
    page.set_content(SPANISH_PAGE.format(english=english, name=name))
    found = screen_leaks(page, en, typed, lang="es", where="test")
    assert [line.split(": ", 1)[1].split(" in ")[0] for line in found] == leaks, found


def test_the_scanner_finds_spanish_on_an_english_page() -> None:
    en, es = vocabularies(little_catalogue())
    assert en.leaks("Por favor, Raise my hand ahora") == ["Raise my hand"]
    assert es.leaks("Please: levantar la mano") == ["levantar la mano"]
    assert es.leaks("Siguiente") == ["Siguiente"]
    assert es.leaks("Next speaker: Siguiente Gómez") == []  # a word inside a line is no leak
    assert en.leaks("Mic Check") == [] and es.leaks("Mic Check") == []  # the same in both
    # Text marked nowhere: two of the other language's small words give it away.
    assert en.leaks("Nadie ha hablado: the queue is over")[0].startswith("Nadie")
    assert es.leaks("Nobody spoke: la pila está vacía")[0].startswith("Nobody")


def test_the_pseudo_catalogue_brackets_each_literal_run_and_finds_the_bare_words(
    page: Page,
) -> None:
    assert bracketed("You are %(place)s in line") == "⟦You are ⟧%(place)s⟦ in line⟧"
    assert bracketed('Not live: <a href="">refresh</a>') == '⟦Not live: ⟧<a href="">⟦refresh⟧</a>'
    assert bracketed("{name} is not on the stack.") == "{name}⟦ is not on the stack.⟧"
    typed = Typed()
    typed.add("Lucía")
    page.set_content(
        '<html lang="es"><body><p>⟦Eres ⟧Lucía</p><p>⟦Estás ⟧2.º⟦ — ⟧first time speaking</p>'
        "<p>jueves, 3 de diciembre de 2026</p><code>miccheck verify</code>"
        '<p class="me">⟦Mateo⟧</p><style>.me::after { content: " (you)" }</style></body></html>'
    )
    found = unmarked(page, typed, where="test")
    assert [line.split(": ", 1)[1].split(" in ")[0] for line in found] == [
        "'first time speaking'",
        "'you'",
    ], found


# ---- the evening -----------------------------------------------------------------------------


class Api:
    """The JSON API, as each person's own client (bearer tokens)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def __call__(self, method: str, path: str, token: str | None = None, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.http.request(method, path, json=body or None, headers=headers)
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()


@dataclass
class Evening:
    api: Api
    assembly: dict[str, Any]
    screens: dict[str, Page]  # console, wall, lucia, mateo (no JavaScript), sam (English)
    typed: Typed
    leaks: list[str] = field(default_factory=list)
    steps: int = 0
    ids: dict[str, Any] = field(default_factory=dict)

    # The language each screen speaks (the minutes speak the assembly's, even on Sam's phone).
    speaks: dict[str, str] = field(
        default_factory=lambda: {
            "console": "es",
            "wall": "es",
            "lucia": "es",
            "mateo": "es",
            "sam": "en",
        }
    )

    @property
    def id(self) -> str:
        return str(self.assembly["id"])

    @property
    def chair(self) -> str:
        return str(self.assembly["facilitator_token"])

    def call(self, method: str, path: str, token: str | None = None, **body: Any) -> Any:
        return self.api(method, path, token or self.chair, **body)

    pseudo: bool = False  # the screens speak the bracketed catalogue (every word marked?)

    def step(self, moment: str) -> None:
        """Scan every screen's words at this moment, then photograph it."""
        self.steps += 1
        name = f"spanish-{self.steps:02d}-{moment}"
        self.screens["mateo"].reload()  # what a phone without JavaScript does to see what is new
        english, spanish = languages()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        for who, screen in self.screens.items():
            lang = self.speaks[who]
            other = english if lang == "es" else spanish
            where = f"{who} · {moment}"
            if self.pseudo:
                if lang == "es":
                    self.leaks += unmarked(screen, self.typed, where=where)
                continue  # the bracketed screens are not worth keeping
            self.leaks += screen_leaks(screen, other, self.typed, lang=lang, where=where)
            screen.screenshot(
                path=str(SCREENSHOT_DIR / f"{name}-{who}.png"), full_page=who != "wall"
            )


def live(page: Page) -> Page:
    expect(page.locator("#mc-connection")).to_have_attribute("data-state", "live")
    return page


def join_by_code(phone: Page, code: str, name: str) -> None:
    """The join page's form, by its fields' names: a real tap (a plain post without JS)."""
    phone.goto("/join")
    form = phone.locator("form[action='/join']")
    form.locator("input[name=join_code]:not([type=hidden])").fill(code)
    form.locator("input[name=name]").fill(name)
    form.locator("button[type=submit]").click()
    expect(phone.locator("body[data-participant-id]")).to_have_count(1)


def raise_speak(phone: Page) -> None:
    phone.locator("#mc-stack form.raise:has(input[name=kind][value=speak]) button").click()


def answer_button(phone: Page, group: str, value: str) -> Any:
    return phone.locator(f"#mc-answers .answers.for-{group} button[data-value={value}]")


def queue(page: Page) -> Any:
    return page.locator("#mc-stack .queue .entry")


def the_room_gathers(room: Devices, api: Api, *, pseudo: bool = False) -> Evening:
    typed = Typed()
    typed.add(*NAMES_OF_THINGS)
    typed.add(TITLE, LOCATION, FACILITATOR, LUCIA, MATEO, SAM, NO_PHONE, KITCHEN, LEGAL)
    typed.add(PROPOSAL, GROUP, TEXT_V1, TEXT_V2, RATIONALE, STAND_ASIDE, *NOTES)
    made = api(
        "POST",
        "/api/assemblies",
        title=TITLE,
        facilitator_name=FACILITATOR,
        location=LOCATION,
        language="es",
    )
    typed.add(made["join_code"])
    # Links the screens print (the wall's join and minutes addresses, cut at each "/").
    typed.add(*made["urls"].values(), *(url.split("://")[-1] for url in made["urls"].values()))
    console = room.context(CONSOLE, extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    console_page = console.new_page()
    console_page.goto(made["urls"]["console"])
    # The wall's browser asks for English: the wall speaks the assembly's language all the same.
    wall = room.context(WALL, extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    wall.goto(made["urls"]["projector"])
    screens = {"console": live(console_page), "wall": live(wall)}
    ev = Evening(api, made, screens, typed, pseudo=pseudo)
    for title in (KITCHEN, LEGAL):
        item = ev.call("POST", f"/api/assemblies/{ev.id}/agenda", title=title, kind="report")
        ev.ids[title] = item["id"] if "id" in item else item["item_id"]
    ev.call("POST", f"/api/assemblies/{ev.id}/agenda/{ev.ids[KITCHEN]}/open")
    ev.call("POST", f"/api/assemblies/{ev.id}/headcount", count=26)

    # Lucía asks for Spanish by her browser's language and joins by code on the join page.
    lucia = room.context(
        PHONE, is_mobile=True, has_touch=True, extra_http_headers={"Accept-Language": "es"}
    ).new_page()
    join_by_code(lucia, made["join_code"], LUCIA)
    # Mateo's browser asks for English, but he chose Spanish (the cookie wins); no JavaScript.
    mateo_context = room.context(
        PHONE,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.8"},
    )
    mateo_context.add_cookies([{"name": "mc_lang", "value": "es", "url": room.base_url}])
    mateo = mateo_context.new_page()
    join_by_code(mateo, made["join_code"], MATEO)
    # Sam joins through the API and opens his phone link; his browser speaks English.
    sam_seat = api("POST", "/api/join", join_code=made["join_code"], name=SAM, language="en")
    ev.ids["sam"] = sam_seat["token"]
    sam = room.context(
        PHONE, is_mobile=True, has_touch=True, extra_http_headers={"Accept-Language": "en-US,en"}
    ).new_page()
    sam.goto(f"/a/{ev.id}?key={sam_seat['token']}")
    ev.screens.update(lucia=live(lucia), mateo=mateo, sam=live(sam))
    ev.ids["lucia"] = lucia.locator("body").get_attribute("data-participant-id")
    for name in ("console", "wall", "lucia", "sam"):
        expect(ev.screens[name].locator("#mc-people .joined")).to_have_text("4")
    ev.step("la-sala-se-reune")
    return ev


def the_stack(ev: Evening) -> None:
    screens = ev.screens
    raise_speak(screens["lucia"])
    raise_speak(screens["mateo"])  # a plain form post; the page comes back
    ev.call("POST", f"/api/assemblies/{ev.id}/stack", ev.ids["sam"], kind="point_of_information")
    ev.call("POST", f"/api/assemblies/{ev.id}/stack", kind="speak", name=NO_PHONE)
    for name in ("console", "wall", "lucia", "sam"):
        expect(queue(screens[name])).to_have_count(4)
    ev.step("manos-arriba")

    # A real tap on the console's "call next" (its first in line is Sam's point of information).
    screens["console"].locator("#mc-stack .call-next").click()
    expect(screens["wall"].locator("#mc-speaker .speaker-name")).to_have_text(SAM)
    ev.call("POST", f"/api/assemblies/{ev.id}/stack/timer", action="pause")
    expect(screens["wall"].locator("#mc-speaker")).to_have_class(re.compile(r"\bpaused\b"))
    ev.step("habla-sam-en-pausa")

    ev.call("POST", f"/api/assemblies/{ev.id}/stack/timer", action="resume")
    for _ in range(3):
        ev.call("POST", f"/api/assemblies/{ev.id}/stack/next")
    expect(screens["wall"].locator("#mc-speaker .speaker-name")).to_have_text(NO_PHONE)
    ev.step("habla-don-chema")
    ev.call("POST", f"/api/assemblies/{ev.id}/stack/timer", action="end")
    expect(queue(screens["console"])).to_have_count(0)
    expect(screens["console"].locator("#mc-stats tbody tr")).to_have_count(4)


def the_proposal(ev: Evening) -> None:
    screens = ev.screens
    made = ev.call(
        "POST",
        f"/api/assemblies/{ev.id}/proposals",
        title=PROPOSAL,
        text=TEXT_V1,
        presenter_id=int(ev.ids["lucia"]),
        working_group=GROUP,
    )
    ev.ids["proposal"] = proposal = made.get("proposal_id", made.get("id"))
    item = made.get("agenda_item_id") or made.get("proposal", {}).get("agenda_item_id")
    ev.call("POST", f"/api/assemblies/{ev.id}/agenda/{item}/open")
    for name in ("console", "wall", "lucia", "sam"):
        expect(screens[name].locator("#mc-proposal .proposal-title")).to_have_text(PROPOSAL)
    expect(screens["lucia"].locator("body")).to_have_class(re.compile(r"\bis-presenter\b"))
    ev.step("propuesta-presentada")

    ev.call("POST", f"/api/proposals/{proposal}/stage", stage="amendments")
    amendment = ev.call(
        "POST",
        f"/api/proposals/{proposal}/amendments",
        ev.ids["sam"],
        text=TEXT_V2,
        rationale=RATIONALE,
    )
    for name in ("console", "lucia"):
        expect(screens[name].locator("#mc-proposal .amendment")).to_have_count(1)
    expect(screens["wall"].locator("#mc-proposal ins")).to_have_text("ocho")
    ev.step("enmienda-en-espera")

    amendment_id = amendment.get("amendment_id", amendment.get("id"))
    ev.call("POST", f"/api/amendments/{amendment_id}/accept")
    for name in ("console", "wall", "lucia", "sam"):
        expect(screens[name].locator("#mc-proposal .proposal-text")).to_have_attribute(
            "data-version", "2"
        )
    ev.step("enmienda-aceptada")


def open_round(ev: Evening, kind: str, state: str) -> int:
    made = ev.call("POST", f"/api/proposals/{ev.ids['proposal']}/rounds", kind=kind)
    round_id = int(made.get("round_id", made.get("id")))
    ev.screens["mateo"].reload()
    for name in ("lucia", "mateo", "sam"):
        expect(ev.screens[name].locator("body")).to_have_attribute("data-round-state", state)
    return round_id


def respond(ev: Evening, round_id: int, value: str) -> None:
    ev.call("PUT", f"/api/rounds/{round_id}/response", ev.ids["sam"], value=value)


def the_temperature(ev: Evening) -> None:
    screens = ev.screens
    ev.call("POST", f"/api/proposals/{ev.ids['proposal']}/stage", stage="temperature_check")
    round_id = open_round(ev, "temperature", "temperature-open")
    ev.step("temperatura-abierta")
    answer_button(screens["lucia"], "temperature", "up").click()
    expect(screens["lucia"].locator("#mc-mine")).to_have_attribute("data-value", "up")
    answer_button(screens["mateo"], "temperature", "down").click()
    expect(screens["mateo"].locator("#mc-mine")).to_have_attribute("data-value", "down")
    respond(ev, round_id, "sideways")
    ev.call("POST", f"/api/rounds/{round_id}/analog", counts={"up": 1})
    for value, n in (("up", "2"), ("sideways", "1"), ("down", "1")):
        expect(
            screens["wall"].locator(f"#mc-round .meter-row.answer-{value} .meter-n")
        ).to_have_text(n)
    ev.step("temperatura-respondida")
    ev.call("POST", f"/api/rounds/{round_id}/close")
    expect(screens["wall"].locator("#mc-round .outcome-line")).to_be_visible()
    ev.step("temperatura-cerrada")


def the_call_for_consensus(ev: Evening) -> None:
    screens = ev.screens
    ev.call("POST", f"/api/proposals/{ev.ids['proposal']}/stage", stage="consensus_call")
    round_id = open_round(ev, "consensus", "consensus-open")
    ev.step("llamado-al-consenso")
    answer_button(screens["lucia"], "consensus", "agree").click()
    expect(screens["lucia"].locator("#mc-mine")).to_have_attribute("data-value", "agree")
    respond(ev, round_id, "agree")
    # Mateo stands aside with a reason: the "Stand aside…" box opens, and its form posts.
    mateo = screens["mateo"]
    mateo.locator("#mc-answers .for-consensus summary[data-value=stand_aside]").click()
    box = mateo.locator("#mc-answers form:has(input[name=value][value=stand_aside])")
    box.locator("textarea[name=reason]").fill(STAND_ASIDE)
    box.locator("button[type=submit]").click()
    expect(mateo.locator("#mc-mine")).to_have_attribute("data-value", "stand_aside")
    ev.call("POST", f"/api/rounds/{round_id}/analog", counts={"agree": 20})
    ev.step("consenso-respondido")
    ev.call("POST", f"/api/rounds/{round_id}/close")
    for name in ("console", "wall", "lucia", "sam"):
        expect(screens[name].locator("#mc-round .outcome-line")).to_be_visible()
    ev.step("el-resultado")


def the_notes_and_the_minutes(ev: Evening) -> None:
    screens = ev.screens
    for text in NOTES:
        ev.call("POST", f"/api/assemblies/{ev.id}/notes", text=text, label="F")
    ev.call("POST", f"/api/assemblies/{ev.id}/agenda/{ev.ids[LEGAL]}/open")
    ev.step("notas-y-siguiente-punto")

    made = ev.call("POST", f"/api/assemblies/{ev.id}/minutes/approval")
    round_id = int(made.get("round_id", made.get("id")))
    ev.screens["mateo"].reload()
    for name in ("lucia", "mateo", "sam"):
        expect(screens[name].locator("body")).to_have_attribute("data-round-state", "minutes-open")
    answer_button(screens["lucia"], "minutes", "up").click()
    expect(screens["lucia"].locator("#mc-mine")).to_have_attribute("data-value", "up")
    answer_button(screens["mateo"], "minutes", "sideways").click()
    respond(ev, round_id, "up")
    ev.step("aprobacion-del-acta")
    ev.call("POST", f"/api/rounds/{round_id}/close")
    expect(screens["wall"].locator("#mc-round .outcome-line")).to_be_visible()
    ev.step("acta-aprobada")


def the_assembly_closes(ev: Evening) -> None:
    ev.call("POST", f"/api/assemblies/{ev.id}/close")
    for name in ("console", "wall", "lucia", "sam"):
        expect(ev.screens[name].locator("#mc-header .badge-closed")).to_be_visible()
    ev.step("cerrada")


def the_minutes_and_the_archive(ev: Evening) -> None:
    for name in ("console", "lucia", "mateo", "sam"):
        page = ev.screens[name]
        page.goto(f"/a/{ev.id}/minutes")
        expect(page.locator("article.proposal")).to_have_count(1)
    ev.speaks["sam"] = "es"  # the assembly's record, in the assembly's language
    ev.step("el-acta")
    ev.speaks["sam"] = "en"

    for name in ("lucia", "mateo", "sam"):
        page = ev.screens[name]
        page.goto("/archive")
        page.locator("#f-q").fill("carpas")
        page.locator("form:has(#f-q) button[type=submit]").first.click()
        expect(page.locator(".decision-title")).to_have_count(1)
    ev.step("el-archivo")


def test_a_spanish_evening_with_one_english_phone(browser: Browser, base_url: str) -> None:
    leaks = the_evening(browser, base_url)
    if leaks:
        pytest.fail(wrong_language_report(leaks), pytrace=False)


@pytest.fixture
def pseudo_spanish_url(
    monkeypatch: pytest.MonkeyPatch, settings: Any, db: Any, live_server: Callable[..., str]
) -> str:
    """The real app on a real server, its Spanish the bracketed catalogue (in this process:
    the server runs in a thread, so patching the catalogues reaches its pages)."""
    import app.blocks.explain
    import app.i18n
    import app.web.render
    from app.web.app import create_app

    pseudo = pseudo_translations(read_catalogue())
    real = app.i18n.translations

    def catalogue(language: str) -> Any:
        return pseudo if language == "es" else real(language)

    monkeypatch.setattr(app.i18n, "translations", catalogue)
    monkeypatch.setattr(app.web.render, "translations", catalogue)
    monkeypatch.setattr(app.blocks.explain, "translations", catalogue)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    made = create_app(settings.model_copy(update={"public_url": base}), db)
    assert live_server(made, port=port) == base
    return base


def test_every_word_on_the_spanish_screens_goes_through_the_catalogue(
    browser: Browser, pseudo_spanish_url: str
) -> None:
    """The same evening, its Spanish screens speaking a catalogue that brackets every message:
    a word outside the brackets (and not typed) is a string the catalogue can never translate."""
    leaks = the_evening(browser, pseudo_spanish_url, pseudo=True)
    if leaks:
        pytest.fail("Never through gettext: " + wrong_language_report(leaks), pytrace=False)


def the_evening(browser: Browser, base_url: str, *, pseudo: bool = False) -> list[str]:
    room = Devices(browser, base_url)
    api = Api(base_url)
    try:
        ev = the_room_gathers(room, api, pseudo=pseudo)
        the_stack(ev)
        the_proposal(ev)
        the_temperature(ev)
        the_call_for_consensus(ev)
        the_notes_and_the_minutes(ev)
        the_assembly_closes(ev)
        the_minutes_and_the_archive(ev)
    finally:
        room.close()
        api.http.close()
    return ev.leaks


def wrong_language_report(leaks: list[str]) -> str:
    """Each "screen · moment · text" once per screen and text, with the moments it was seen."""
    moments: dict[tuple[str, str], list[str]] = {}
    for leak in leaks:
        screen, moment, text = leak.split(" · ", 2)
        moments.setdefault((screen, text), []).append(moment)
    lines = [
        f"{screen} · {', '.join(seen) if len(seen) < 4 else f'{len(seen)} moments from {seen[0]}'}"
        f" · {text}"
        for (screen, text), seen in moments.items()
    ]
    texts = {text.split(": ", 1)[-1] for _screen, text in moments}
    return (
        f"{len(leaks)} texts in the wrong language at screen-moments ({len(moments)} on a "
        f"screen, {len(texts)} different):\n" + "\n".join(lines)
    )
