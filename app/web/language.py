"""Which language a request speaks, and the switch that changes it for a browser.

A person's choice is a cookie (set on the join page or by the phone's switch), kept for a
year; without one the browser's Accept-Language decides, and English without either.
Projector and minutes speak the assembly's language instead: their handlers say so.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from starlette.types import Scope

from app.errors import Invalid
from app.i18n import DEFAULT, LANGUAGES, _, normal
from app.web.accept import weighted

COOKIE = "mc_lang"
COOKIE_SECONDS = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


def request_language(scope: Scope) -> str:
    """The language of an HTTP request or websocket upgrade: cookie, Accept-Language, English."""
    cookie_header = accept = None
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            cookie_header = value.decode("latin-1")
        elif name == b"accept-language":
            accept = value.decode("latin-1")
    if cookie_header and COOKIE in cookie_header:
        try:
            chosen = SimpleCookie(cookie_header).get(COOKIE)
        except Exception:  # a malformed Cookie header speaks no language
            chosen = None
        if chosen is not None and (language := normal(chosen.value)) is not None:
            return language
    return from_accept_language(accept) or DEFAULT


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an Accept-Language header, or None."""
    ranked = [
        (-quality, index, language)
        for index, (code, quality) in enumerate(weighted(header or ""))
        if quality > 0 and (language := normal(code)) is not None
    ]
    return min(ranked)[2] if ranked else None


def _local(path: str) -> str:
    # Only a path on this site: never a redirect elsewhere ("//host" is another site).
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


@router.post("/language")
def choose_language(
    language: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Remember a browser's language and go back to the page it was chosen on."""
    chosen = normal(language)
    if chosen is None:
        raise Invalid(
            _("Choose one of the languages offered: {languages}.").format(
                languages=", ".join(LANGUAGES.values())
            ),
            code="bad_language",
        )
    response = RedirectResponse(_local(next), status_code=303)
    remember_language(response, chosen)
    return response


def remember_language(response: Response, language: str) -> None:
    """Have this browser speak `language` (a supported code) from its next request on."""
    response.set_cookie(
        COOKIE, language, max_age=COOKIE_SECONDS, httponly=True, samesite="lax", path="/"
    )
