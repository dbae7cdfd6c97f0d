"""Messages made in Python speak the language of the moment: refusals, error replies, socket
close reasons and the CLI all look their words up in the catalogue.

The Spanish catalogue is filled later, so these tests put a tiny one of their own in its place:
what they prove is that the lookup happens, with the English text as the message id.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import app.i18n
from app.assembly.logic import clean_text
from app.cli import cli, environment_language
from app.errors import Conflict, DomainError, Invalid
from app.i18n import speaking
from app.stack import logic as stack
from app.web.sockets import MAX_REASON_BYTES, close_reason
from tests.conftest import error_of

SPANISH = {
    "Positions start at 1 (the head of the stack).": "Las posiciones empiezan en 1.",
    "The {field} cannot be empty.": "El campo {field} no puede estar vacío.",
    "You have a {kind} hand up already.": "Ya tienes una mano de {kind} levantada.",
    "direct response": "respuesta directa",
    "No assembly has this join code.": "Ninguna asamblea tiene este código.",
    "The field “{where}” is required.": "El campo «{where}» es obligatorio.",
    "cannot read {file}: {error}": "no se puede leer {file}: {error}",
    # Longer than a close frame holds, and every "á" takes two bytes of UTF-8.
    "view must be phone, projector or console": "la vista debe ser móvil, proyector o consola "
    + "á" * 100,
}
PLURALS = {
    (
        "{num} hand is up: carry it over to the next item, or clear it?",
        "{num} hands are up: carry them over to the next item, or clear them?",
    ): (
        "{num} mano levantada: ¿pasarla al siguiente punto o borrarla?",
        "{num} manos levantadas: ¿pasarlas al siguiente punto o borrarlas?",
        "{num} manos levantadas: ¿pasarlas al siguiente punto o borrarlas?",  # CLDR's "many"
    ),
}


def tiny_catalogue() -> Translations:
    catalog = Catalog(locale="es")
    for english, spanish in SPANISH.items():
        catalog.add(english, spanish)
    for (singular, plural), forms in PLURALS.items():
        catalog.add((singular, plural), forms)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


@pytest.fixture(autouse=True)
def spanish(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Spanish is the tiny catalogue; English holds no changes."""
    catalogue = tiny_catalogue()

    def translations(language: str) -> NullTranslations:
        return catalogue if language == "es" else NullTranslations()

    monkeypatch.setattr(app.i18n, "translations", translations)
    with speaking("en"):  # whatever a test sets (the CLI sets the language) ends with it
        yield


def test_a_refusal_raised_while_speaking_spanish_reads_from_the_catalogue() -> None:
    with speaking("es"), pytest.raises(Invalid) as info:
        stack.clamp_position(0, 3)
    assert info.value.message == "Las posiciones empiezan en 1."
    assert info.value.code == "invalid"  # codes never change


def test_the_same_refusal_in_english_keeps_its_english_text() -> None:
    with pytest.raises(Invalid) as info:
        stack.clamp_position(0, 3)
    assert info.value.message == "Positions start at 1 (the head of the stack)."


def test_a_message_with_a_value_is_translated_before_the_value_goes_in() -> None:
    with speaking("es"), pytest.raises(Invalid) as info:
        clean_text("  ", field="title", max_len=10)
    assert info.value.message == "El campo title no puede estar vacío."
    assert info.value.code == "title_required"


def test_a_word_from_a_table_is_translated_inside_the_message() -> None:
    with speaking("es"), pytest.raises(Conflict) as info:
        stack.check_can_raise(
            "direct_response", settings=stack.Settings(), open_kinds=["direct_response"]
        )
    assert info.value.message == "Ya tienes una mano de respuesta directa levantada."
    assert info.value.code == "hand_already_up"


@pytest.mark.parametrize(
    ("waiting", "message"),
    [
        (1, "1 mano levantada: ¿pasarla al siguiente punto o borrarla?"),
        (3, "3 manos levantadas: ¿pasarlas al siguiente punto o borrarlas?"),
    ],
)
def test_a_count_picks_its_plural_form_from_the_catalogue(waiting: int, message: str) -> None:
    with speaking("es"), pytest.raises(Conflict) as info:
        stack.check_hands_choice(waiting, None)
    assert info.value.message == message


def test_a_stack_reason_is_kept_in_english_and_said_in_each_language() -> None:
    entry = stack.Entry(id=1, speaker="p:1", name="Abebe", kind="direct_response", raised=1)
    [placed] = stack.order_queue([entry], mode="progressive", turns={})
    assert placed.reason == "direct response"  # as the event log keeps it
    assert placed.because is not None
    assert placed.because.say("es") == "respuesta directa"
    with speaking("es"):
        assert placed.because.say() == "respuesta directa"


def test_an_api_error_speaks_the_accept_language_of_its_request(client: TestClient) -> None:
    body = {"join_code": "K7P2QX", "name": "Abebe"}
    response = client.post("/api/join", json=body, headers={"Accept-Language": "es"})
    assert response.status_code == 404
    error = error_of(response)
    assert error == {"code": "join_code_unknown", "message": "Ninguna asamblea tiene este código."}
    english = client.post("/api/join", json=body, headers={"Accept-Language": "en"})
    assert error_of(english)["message"] == "No assembly has this join code."


def test_a_validation_error_speaks_the_accept_language_of_its_request(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/assemblies", json={"facilitator_name": "Noor"}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": "El campo «title» es obligatorio."}


@pytest.mark.parametrize(
    "reason",
    ["short", "á" * 200, "x" + "á" * 200, "€" * 100, "🙂" * 50, "a" * MAX_REASON_BYTES],
)
def test_a_close_reason_is_cut_to_123_bytes_at_a_character_boundary(reason: str) -> None:
    cut = close_reason(reason)
    assert len(cut.encode("utf-8")) <= MAX_REASON_BYTES == 123
    assert reason.startswith(cut)
    assert cut == reason or len(cut.encode("utf-8")) > MAX_REASON_BYTES - 4  # no more cut


def test_a_refused_socket_closes_with_its_translated_reason_cut_to_fit(
    client: TestClient,
) -> None:
    url = "/ws/assemblies/nowhere?view=wall"
    with client.websocket_connect(url, headers={"Accept-Language": "es"}) as socket:
        message = socket.receive()
    assert message["type"] == "websocket.close"
    assert message["code"] == 1008
    reason = message["reason"]
    assert reason.startswith("la vista debe ser móvil, proyector o consola á")
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "es_ES.UTF-8"}, "es"),
        ({"LANG": "es_MX"}, "es"),
        ({"LANG": "es.UTF-8"}, "es"),
        ({"LANG": "ca_ES@valencia"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({}, None),
        ({"LANG": "es_ES.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "es_ES.UTF-8"}, "es"),
        ({"LANG": "es_ES.UTF-8", "LC_ALL": ""}, "es"),
    ],
)
def test_the_cli_reads_its_language_as_posix_does(
    environ: dict[str, str], language: str | None
) -> None:
    assert environment_language(environ) == language


def test_the_cli_speaks_the_language_of_lang(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    missing = f"{tmp_path}/missing.json"
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    spanish = CliRunner().invoke(cli, ["verify", missing])
    assert spanish.exit_code == 2
    assert spanish.output.startswith(f"no se puede leer {missing}: ")
    monkeypatch.setenv("LANG", "C.UTF-8")
    english = CliRunner().invoke(cli, ["verify", missing])
    assert english.output.startswith(f"cannot read {missing}: ")


def test_domain_errors_keep_their_codes_whatever_the_language() -> None:
    with speaking("es"):
        error = DomainError(app.i18n._("No assembly has this join code."), code="x")
    assert (error.code, error.message) == ("x", "Ninguna asamblea tiene este código.")
