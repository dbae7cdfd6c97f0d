"""An assembly's languages and its own words: which language the wall and the minutes speak
(and a second one the wall shows its main lines in), and what the assembly calls a hand kind
or an answer in each language. One transaction and one event each; the minutes fold them.
"""

from __future__ import annotations

from app.assembly import logic
from app.assembly.access import assembly_for_write, require_role
from app.assembly.models import AssemblyWord
from app.db import Database
from app.events import Changed, append_event, facts
from app.i18n import N_

SETTERS = ("facilitator",)


def set_languages(
    *, db: Database, assembly_id: str, actor_id: int, language: str, second_language: str | None
) -> Changed:
    """The language the wall and the minutes speak, and an optional second one for the wall."""
    first, second = logic.check_languages(language, second_language)
    with db.write() as session:
        assembly = assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, SETTERS, N_("set the assembly's languages"))
        assembly.language, assembly.second_language = first, second
        session.add(assembly)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "languages_set",
            {"language": first, "second_language": second},
        )
    db.announce(assembly_id, event.seq, {facts.WORDS})
    return Changed(event.seq, {"language": first, "second_language": second})


def rename_word(
    *, db: Database, assembly_id: str, actor_id: int, language: str, key: str, word: str | None
) -> Changed:
    """The assembly's own word for a hand kind or an answer in one language (blank: the usual)."""
    language = logic.check_language(language)
    cleaned = logic.check_word(key, word)
    with db.write() as session:
        assembly_for_write(session, assembly_id)
        require_role(session, assembly_id, actor_id, SETTERS, N_("rename the assembly's words"))
        row = session.get(AssemblyWord, (assembly_id, language, key))
        if cleaned is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                AssemblyWord(assembly_id=assembly_id, language=language, key=key, word=cleaned)
            )
        else:
            row.word = cleaned
            session.add(row)
        event = append_event(
            session,
            assembly_id,
            actor_id,
            "word_renamed",
            {"language": language, "key": key, "word": cleaned},
        )
    db.announce(assembly_id, event.seq, {facts.WORDS})
    return Changed(event.seq, {"language": language, "key": key, "word": cleaned})
