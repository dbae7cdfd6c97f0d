"""The project's own documentation stays honest: every route the app serves is in docs/api.md,
the README and docs/ point only at files of the project, and no link leads nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import Settings
from app.db import Database
from app.web.app import create_app
from app.web.sockets import SOCKETS
from tests.routes import route_keys

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The team's specs live outside the project: a reader of the project cannot open them.
OUTSIDE = ("DESIGN.md", "PROCESS.md", "API.md", "STYLE.md")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def socket_paths() -> set[str]:
    """The websocket paths, served ahead of FastAPI's routing, as the doc writes them."""
    return {pattern.pattern.replace("([^/]+)", "{assembly_id}") for pattern, _ in SOCKETS}


def slug(heading: str) -> str:
    """A heading's anchor as Markdown renderers make it: lower case, no punctuation, dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {
        slug(line.lstrip("#"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_every_route_the_app_serves_is_in_the_api_doc(settings: Settings, db: Database) -> None:
    doc = API_DOC.read_text(encoding="utf-8")
    routes = route_keys(create_app(settings, db))
    assert len(routes) > 100  # the flattening found the routers' routes, not just the app's
    missing = sorted(route for route in routes if f"`{route}`" not in doc)
    assert not missing, f"routes missing from docs/api.md: {missing}"


def test_every_websocket_endpoint_is_in_the_api_doc() -> None:
    doc = API_DOC.read_text(encoding="utf-8")
    missing = sorted(path for path in socket_paths() if f"`{path}?" not in doc)
    assert not missing, f"websockets missing from docs/api.md: {missing}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_name_no_spec_outside_the_project(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = [name for name in OUTSIDE if re.search(rf"(?<![\w/.-]){re.escape(name)}", text)]
    assert not named, f"{path.name} names files outside the project: {named}"


def leads_nowhere(path: Path, target: str) -> bool:
    """Whether a relative link in `path` names a missing file, or a missing heading of one."""
    file, _, anchor = target.partition("#")
    linked = (path.parent / file).resolve() if file else path
    if not linked.exists():
        return True
    return bool(anchor) and linked.suffix == ".md" and anchor not in anchors(linked)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_points_to_a_file_and_heading_that_exist(path: Path) -> None:
    targets = LINK.findall(path.read_text(encoding="utf-8"))
    # https:, mailto: … are not the project's files
    broken = [t for t in targets if not re.match(r"[a-z]+:", t) and leads_nowhere(path, t)]
    assert not broken, f"{path.name} links to nothing: {broken}"
