"""Every event type the app can append, read from app/'s source: the guard that each one is
produced by a test's action and rebuilt by a projection."""

from __future__ import annotations

import ast
from pathlib import Path

import app


def appended_event_types() -> set[str]:
    """Every event type a call of `append_event` in app/ can pass: a literal, either side of a
    conditional, or the literals a local name is given in the calling function."""
    found: set[str] = set()
    for path in Path(app.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and _called(call) == "append_event"):
                    continue
                argument = call.args[3] if len(call.args) > 3 else _keyword(call, "type")
                kinds = _strings(argument, function)
                assert kinds, f"{path.name}:{call.lineno}: an event type this test cannot read"
                found |= kinds
    return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _strings(node: ast.expr | None, function: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, function) | _strings(node.orelse, function)
    if not isinstance(node, ast.Name):
        return set()
    given: set[str] = set()
    for assign in ast.walk(function):
        if not isinstance(assign, ast.Assign):
            continue
        for target in assign.targets:
            if isinstance(target, ast.Name) and target.id == node.id:
                given |= _strings(assign.value, function)
            elif isinstance(target, ast.Tuple) and isinstance(assign.value, ast.Tuple):
                for name, value in zip(target.elts, assign.value.elts, strict=False):
                    if isinstance(name, ast.Name) and name.id == node.id:
                        given |= _strings(value, function)
    return given
