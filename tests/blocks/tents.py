"""The demo's Winter tents proposal and the two amendments made to it (app/demo_assembly.json),
for the proposal tests of the services and of the API."""

from __future__ import annotations

from typing import Any

from app.demo import load_demo


def winter_tents() -> dict[str, Any]:
    item = next(i for i in load_demo()["agenda"] if i["title"] == "Winter tents")
    proposal: dict[str, Any] = item["proposal"]
    return proposal


TENTS = winter_tents()
TEXT: str = TENTS["text"]
EMEKA_TEXT: str = next(a["text"] for a in TENTS["amendments"] if a["by"] == "Emeka")
QUENTIN_TEXT: str = next(a["text"] for a in TENTS["amendments"] if a["by"] == "Quentin")
