"""An assembly's languages and its own words, through the service layer."""

from __future__ import annotations

import json

import pytest

from app.assembly import languages, logic, service
from app.assembly.state import load_state
from app.blocks.round_state import WORDS
from app.db import Database
from app.errors import Forbidden, Invalid
from app.events import events_after
from app.stack.logic import KINDS


@pytest.fixture
def made(any_db: Database) -> service.Created:
    return service.create_assembly(db=any_db, title="Asamblea de la Plaza", facilitator_name="Noor")


def last_event(db: Database, aid: str) -> tuple[str, dict[str, object]]:
    with db.read() as session:
        event = list(events_after(session, aid, 0))[-1]
    return event.type, json.loads(event.payload_json)


def test_an_assembly_is_created_in_a_supported_language_and_refuses_another(
    any_db: Database,
) -> None:
    made = service.create_assembly(db=any_db, title="Asamblea", language="es-MX")
    assert load_state(db=any_db, assembly_id=made.assembly_id).language == "es"
    with pytest.raises(Invalid) as caught:
        service.create_assembly(db=any_db, title="Assemblée", language="tlh")
    assert caught.value.code == "bad_language"


def test_the_facilitator_sets_the_walls_languages_and_it_is_an_event(
    any_db: Database, made: service.Created
) -> None:
    changed = languages.set_languages(
        db=any_db,
        assembly_id=made.assembly_id,
        actor_id=made.participant_id,
        language="es",
        second_language="en",
    )
    state = load_state(db=any_db, assembly_id=made.assembly_id)
    assert (state.language, state.second_language) == ("es", "en")
    assert state.seq == changed.seq
    assert last_event(any_db, made.assembly_id) == (
        "languages_set",
        {"language": "es", "second_language": "en"},
    )


def test_the_same_language_twice_is_one_language(any_db: Database, made: service.Created) -> None:
    languages.set_languages(
        db=any_db,
        assembly_id=made.assembly_id,
        actor_id=made.participant_id,
        language="es",
        second_language="es",
    )
    assert load_state(db=any_db, assembly_id=made.assembly_id).second_language is None


def test_only_a_facilitator_sets_languages_or_renames_words(
    any_db: Database, made: service.Created
) -> None:
    ruth = service.join_assembly(db=any_db, join_code=made.join_code, name="Ruth")
    with pytest.raises(Forbidden):
        languages.set_languages(
            db=any_db,
            assembly_id=made.assembly_id,
            actor_id=ruth.participant_id,
            language="es",
            second_language=None,
        )
    with pytest.raises(Forbidden):
        languages.rename_word(
            db=any_db,
            assembly_id=made.assembly_id,
            actor_id=ruth.participant_id,
            language="en",
            key="answer:block",
            word="crossed arms",
        )


@pytest.mark.parametrize(
    ("language", "second", "code"),
    [("tlh", None, "bad_language"), ("en", "xx", "bad_language"), ("", None, "bad_language")],
)
def test_an_unsupported_language_is_refused(
    any_db: Database, made: service.Created, language: str, second: str | None, code: str
) -> None:
    with pytest.raises(Invalid) as caught:
        languages.set_languages(
            db=any_db,
            assembly_id=made.assembly_id,
            actor_id=made.participant_id,
            language=language,
            second_language=second,
        )
    assert caught.value.code == code


def test_a_renamed_word_is_kept_per_language_and_recorded(
    any_db: Database, made: service.Created
) -> None:
    aid, noor = made.assembly_id, made.participant_id
    languages.rename_word(
        db=any_db, assembly_id=aid, actor_id=noor, language="en", key="answer:block",
        word="  crossed   arms ",
    )  # fmt: skip
    languages.rename_word(
        db=any_db, assembly_id=aid, actor_id=noor, language="es", key="answer:block",
        word="brazos cruzados",
    )  # fmt: skip
    assert load_state(db=any_db, assembly_id=aid).words == {
        "en": {"answer:block": "crossed arms"},
        "es": {"answer:block": "brazos cruzados"},
    }
    assert last_event(any_db, aid) == (
        "word_renamed",
        {"language": "es", "key": "answer:block", "word": "brazos cruzados"},
    )


def test_a_blank_word_goes_back_to_the_usual_one(any_db: Database, made: service.Created) -> None:
    aid, noor = made.assembly_id, made.participant_id
    for word in ("PoP", "   "):
        languages.rename_word(
            db=any_db, assembly_id=aid, actor_id=noor, language="en",
            key="hand:point_of_process", word=word,
        )  # fmt: skip
    assert load_state(db=any_db, assembly_id=aid).words == {}
    assert last_event(any_db, aid)[1]["word"] is None


@pytest.mark.parametrize(
    ("key", "word", "code"),
    [("hand:shout", "yell", "bad_word_key"), ("answer:block", "x" * 61, "word_too_long")],
)
def test_a_word_that_cannot_be_renamed_is_refused(
    any_db: Database, made: service.Created, key: str, word: str, code: str
) -> None:
    with pytest.raises(Invalid) as caught:
        languages.rename_word(
            db=any_db, assembly_id=made.assembly_id, actor_id=made.participant_id,
            language="en", key=key, word=word,
        )  # fmt: skip
    assert caught.value.code == code


def test_the_renameable_words_are_every_hand_kind_and_every_answer() -> None:
    assert set(logic.WORD_KEYS) == {f"hand:{k}" for k in KINDS} | {f"answer:{v}" for v in WORDS}
