"""An assembly's languages and its own words over HTTP: JSON, the console's forms, and what the
wall, the phones and the console show."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import GA, create_assembly, error_of, join, ok

ORIGIN = "http://testserver"


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def put(
    client: TestClient, ga: GA, path: str, body: dict[str, object], headers: dict[str, str]
) -> Response:
    return client.put(f"/api/assemblies/{ga.id}/{path}", json=body, headers=headers)


def wall(client: TestClient, ga: GA, accept_language: str = "en") -> BeautifulSoup:
    screen = TestClient(client.app, base_url=ORIGIN, headers={"Accept-Language": accept_language})
    screen.get(f"/a/{ga.id}/projector?key={ga.projector_key}")
    return soup(screen.get(f"/a/{ga.id}/projector"))


def test_the_facilitator_sets_the_languages_and_every_member_reads_them(
    client: TestClient, assembly: GA
) -> None:
    fac = assembly.facilitator.headers
    done = ok(put(client, assembly, "languages", {"language": "es", "second_language": "en"}, fac))
    assert (done["language"], done["second_language"]) == ("es", "en")
    ruth = join(client, assembly, "Ruth")
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=ruth.headers))
    assert (state["language"], state["second_language"], state["seq"]) == ("es", "en", state["seq"])
    assert state["seq"] >= done["seq"]


def test_only_a_facilitator_sets_languages_or_words_and_bad_ones_are_refused(
    client: TestClient, assembly: GA
) -> None:
    ruth = join(client, assembly, "Ruth")
    refused = put(client, assembly, "languages", {"language": "es"}, ruth.headers)
    assert refused.status_code == 403 and error_of(refused)["code"] == "role_required"
    refused = put(
        client, assembly, "words", {"language": "en", "key": "answer:block", "word": "x"},
        ruth.headers,
    )  # fmt: skip
    assert refused.status_code == 403
    fac = assembly.facilitator.headers
    bad = put(client, assembly, "languages", {"language": "klingon"}, fac)
    assert bad.status_code == 422 and error_of(bad)["code"] == "bad_language"
    bad = put(client, assembly, "words", {"language": "en", "key": "hand:yell", "word": "x"}, fac)
    assert bad.status_code == 422 and error_of(bad)["code"] == "bad_word_key"
    bad = put(client, assembly, "words", {"language": "en", "key": "answer:block"} | {"x": 1}, fac)
    assert bad.status_code == 422  # unknown fields are refused, as everywhere


def test_the_wall_speaks_the_assemblys_language_whatever_the_browser_says(
    client: TestClient,
) -> None:
    ga = create_assembly(client, language="es")
    assert wall(client, ga, accept_language="en-US,en").html["lang"] == "es"
    ok(put(client, ga, "languages", {"language": "en"}, ga.facilitator.headers))
    assert wall(client, ga, accept_language="es").html["lang"] == "en"


def test_a_phone_speaks_its_own_language_not_the_assemblys(client: TestClient) -> None:
    ga = create_assembly(client, language="es")
    phone = TestClient(client.app, base_url=ORIGIN, headers={"Accept-Language": "en-GB"})
    phone.post("/join", data={"join_code": ga.join_code, "name": "Chen"})
    page = soup(phone.get(f"/a/{ga.id}"))
    assert page.html["lang"] == "en"


def test_a_renamed_hand_kind_shows_on_the_phones_in_that_language_only(
    client: TestClient, assembly: GA
) -> None:
    fac = assembly.facilitator.headers
    body = {"language": "en", "key": "hand:clarifying_question", "word": "Quick question"}
    ok(put(client, assembly, "words", body, fac))
    english = TestClient(client.app, base_url=ORIGIN, headers={"Accept-Language": "en"})
    english.post("/join", data={"join_code": assembly.join_code, "name": "Chen"})
    assert "Quick question" in soup(english.get(f"/a/{assembly.id}")).get_text()
    spanish = TestClient(client.app, base_url=ORIGIN, headers={"Accept-Language": "es"})
    spanish.post("/join", data={"join_code": assembly.join_code, "name": "Lucía"})
    assert "Quick question" not in soup(spanish.get(f"/a/{assembly.id}")).get_text()
    events = ok(client.get(f"/api/assemblies/{assembly.id}/events", headers=fac))["events"]
    assert [e["payload"] for e in events if e["type"] == "word_renamed"] == [body]


def test_the_console_form_sets_the_languages_without_javascript(
    client: TestClient, assembly: GA
) -> None:
    console = TestClient(client.app, base_url=ORIGIN)
    console.get(assembly.created["urls"]["console"])
    page = soup(console.get(f"/a/{assembly.id}/console"))
    form = page.select_one(f'form[action="/a/{assembly.id}/languages"]')
    assert form is not None
    assert {o["value"] for o in form.select('select[name="language"] option')} == {"en", "es"}
    done = console.post(
        f"/a/{assembly.id}/languages",
        data={"language": "es", "second_language": "en"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert done.status_code == 303
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers))
    assert (state["language"], state["second_language"]) == ("es", "en")
    renamed = console.post(
        f"/a/{assembly.id}/words",
        data={"language": "es", "key": "answer:block", "word": "brazos cruzados"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    page = soup(console.get(f"/a/{assembly.id}/console"))
    assert "brazos cruzados" in page.select_one(".own-words").get_text()


def test_a_bilingual_wall_shows_its_main_lines_in_both_languages_and_phones_in_one(
    client: TestClient,
) -> None:
    ga = create_assembly(client, language="es")
    ok(
        put(
            client,
            ga,
            "languages",
            {"language": "es", "second_language": "en"},
            ga.facilitator.headers,
        )
    )
    page = wall(client, ga)
    lines = page.select(".mc-also")
    assert lines and all(line["lang"] == "en" for line in lines)
    heading = page.select_one("#mc-speaker-h")
    assert heading.select_one(".mc-also").get_text() == "Speaking now"
    assert heading.get_text() != "Speaking now"  # the first line is the Spanish one
    phone = TestClient(client.app, base_url=ORIGIN, headers={"Accept-Language": "es"})
    phone.post("/join", data={"join_code": ga.join_code, "name": "Lucía"})
    assert soup(phone.get(f"/a/{ga.id}")).select(".mc-also") == []
    ok(put(client, ga, "languages", {"language": "es"}, ga.facilitator.headers))
    assert wall(client, ga).select(".mc-also") == []


def test_the_minutes_use_the_assemblys_own_words_in_its_language(
    client: TestClient, assembly: GA
) -> None:
    fac = assembly.facilitator.headers
    body = {"language": "en", "key": "hand:speak", "word": "take the floor"}
    ok(put(client, assembly, "words", body, fac))
    ok(put(client, assembly, "words", body | {"language": "es", "word": "tomar la palabra"}, fac))
    ruth = join(client, assembly, "Ruth")
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/stack", json={"kind": "speak"}, headers=ruth.headers
        ),
        201,
    )
    ok(client.post(f"/api/assemblies/{assembly.id}/stack/next", headers=fac))
    minutes = client.get(f"/api/assemblies/{assembly.id}/minutes.md", headers=fac).text
    assert "Ruth — take the floor" in minutes
    ok(put(client, assembly, "words", body | {"word": ""}, fac))  # back to the usual word
    minutes = client.get(f"/api/assemblies/{assembly.id}/minutes.md", headers=fac).text
    assert "Ruth — speak" in minutes and "take the floor" not in minutes
