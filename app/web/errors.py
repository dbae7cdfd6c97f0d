"""Every failure becomes docs/api.md's error shape (or a readable page): never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from app.errors import DomainError, TooMany
from app.i18n import N_, _, translate

log = logging.getLogger("miccheck.web")

HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
}


HEADINGS = {403: N_("Not allowed"), 404: N_("Not found"), 409: N_("Not now")}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def wants_html(request: Request) -> bool:
    """Pages and their forms get HTML back; /api, websockets and a client that asks for JSON
    alone (Accept: application/json, as a script posting to /language may) get JSON."""
    path = request.url.path
    if path.startswith("/api") or path.startswith("/ws"):
        return False
    accept = request.headers.get("accept", "")
    return "application/json" not in accept or "text/html" in accept


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    headers: dict[str, str] = {}
    if not wants_html(request):
        return JSONResponse(error_body(code, message), status_code=status, headers=headers)
    renderer = request.app.state.ctx.renderer
    if request.headers.get("hx-request"):
        return HTMLResponse(renderer.error_fragment(code, message), status_code=status)
    heading = translate(HEADINGS.get(status, N_("Sorry")))
    page = renderer.page(
        "message.html", heading=heading, message=message, link="/", link_text=_("Mic Check home")
    )
    return HTMLResponse(page, status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "malformed", _("The request body is not valid JSON.")
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    what = str(first.get("msg", "is not valid"))
    if first.get("type") == "missing":
        return 422, "invalid", _("The field “{where}” is required.").format(where=where)
    if first.get("type") == "extra_forbidden":
        return 422, "invalid", _("Unknown field “{where}”.").format(where=where)
    # pydantic's own words (`what`) stay in English: it has no catalogue of ours.
    return (
        422,
        "invalid",
        _("The field “{where}” is not valid: {what}.").format(where=where, what=what),
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        response = error_response(request, exc.status, exc.code, exc.message)
        if isinstance(exc, TooMany):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status, code, message = _validation_message(exc)
        return error_response(request, status, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else _("The request was refused.")
        if exc.status_code == 404 and message == "Not Found":
            message = _("There is nothing at this address.")
        if exc.status_code == 405:
            message = _("This address does not take that method.")
        response = error_response(request, exc.status_code, code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            request,
            500,
            "internal_error",
            _("Something went wrong on our side; nothing was saved."),
        )
