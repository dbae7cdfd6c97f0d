"""The package graph points one way (docs/architecture.md, "Layers"): no package imports one in
a layer above it, and no two packages import each other, however indirectly.

Read from the source with `ast`, so a local import inside a function counts as much as one at
the top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

# Top to bottom. Entry points first: the web layer and the modules that start the app.
LAYERS: list[set[str]] = [
    {"web", "cli", "demo", "models"},  # handlers and screens; the command line; the schema list
    {"copies"},  # replay, import, mirror and take-over: an assembly carried to other servers
    {"agenda"},  # the evening's running order: coordinates the stack, the rounds, the archive
    {"archive", "groups", "mic", "minutes", "people", "signals"},
    {"blocks"},  # proposals and their rounds
    {"stack"},  # the speaking stack
    {"assembly"},  # the ground floor: assemblies, people, roles, the tables the rest refer to
    {"events", "live", "sessions"},  # the hash-chained log, the live hub, browser sessions
    {"clock", "config", "db", "errors", "i18n"},  # the base every layer may use
]
LAYER_OF = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def unit_of(path: Path) -> str:
    """The package (app/<name>/) or top-level module (app/<name>.py) a file belongs to."""
    first = path.relative_to(APP).parts[0]
    return first.removesuffix(".py")


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """The app units a file imports, with the line of each import."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "app":
                yield from ((alias.name, node.lineno) for alias in node.names)
            elif node.module.startswith("app."):
                yield node.module.split(".")[1], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app."):
                    yield alias.name.split(".")[1], node.lineno


def graph() -> dict[str, dict[str, str]]:
    """unit → {imported unit: where (file:line, the first seen)}."""
    edges: dict[str, dict[str, str]] = {}
    for path in sorted(APP.rglob("*.py")):
        source = unit_of(path)
        for target, line in imports(path):
            if target != source:
                edges.setdefault(source, {}).setdefault(target, f"{path.relative_to(APP)}:{line}")
    return edges


def test_every_unit_of_app_has_a_layer() -> None:
    units = {unit_of(p) for p in APP.rglob("*.py")} - {"__init__"}
    assert units - set(LAYER_OF) == set(), "add it to LAYERS (and docs/architecture.md)"
    assert set(LAYER_OF) - units == set(), "a layer names a unit that is gone"


def test_no_package_imports_one_in_a_layer_above_it() -> None:
    upward = [
        f"{source} → {target} ({where})"
        for source, targets in graph().items()
        for target, where in targets.items()
        if LAYER_OF[target] < LAYER_OF[source]
    ]
    assert upward == []


def test_no_import_circle_between_packages() -> None:
    edges = {source: set(targets) for source, targets in graph().items()}
    circles: list[list[str]] = []

    def visit(unit: str, trail: list[str]) -> None:
        for target in sorted(edges.get(unit, ())):
            if target in trail:
                circles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(unit)

    done: set[str] = set()
    for unit in sorted(edges):
        if unit not in done:
            visit(unit, [unit])
    assert circles == []
