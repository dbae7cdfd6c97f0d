"""The routes an app serves, as "METHOD /path", for the tests that hold every route to a list
(the authorization matrix, the API doc)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def route_keys(app: Any) -> set[str]:
    """ "METHOD /path" of every route the app serves (HEAD beside GET is implied)."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
                yield from route.effective_route_contexts()
            elif hasattr(route, "routes"):
                yield from flat(route.routes)
            else:
                yield route

    keys = set()
    for route in flat(app.routes):
        methods = set(getattr(route, "methods", None) or {"WEBSOCKET"})
        if "GET" in methods:
            methods.discard("HEAD")
        keys |= {f"{method} {route.path}" for method in methods}
    return keys
