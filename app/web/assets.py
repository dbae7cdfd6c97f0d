"""Routes for files the browser asks for by itself: the API docs on a vendored Swagger UI (no
CDN, so /docs works in a room without internet) and /favicon.ico."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse

# static/vendor/swagger-ui-<version>/: swagger-ui-dist's bundle and stylesheet, with its licences.
SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
FAVICON = "/static/favicon.svg"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, every asset served from here."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        # Swagger UI would otherwise send the schema to an online validator for its badge.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the printable minutes)."""
    return RedirectResponse(FAVICON, status_code=308)
