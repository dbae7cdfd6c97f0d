"""The JSON body a change answers with, written once for every API handler.

A client sends a change, then waits on its live socket until it has seen the change's
`seq`; so every reply to a change carries the service's data plus that `seq`.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi.responses import JSONResponse


class Change(Protocol):
    """What a domain service returns after appending events (each package's `Changed`)."""

    @property
    def seq(self) -> int: ...

    @property
    def data(self) -> dict[str, Any]: ...


def reply(changed: Change) -> dict[str, Any]:
    """The service's data and the `seq` the client waits for on its socket."""
    return {**changed.data, "seq": changed.seq}


def created(body: dict[str, Any]) -> JSONResponse:
    """A 201 reply; handlers whose schema says `JSONResponse` return a response, not a dict."""
    return JSONResponse(body, status_code=201)
