"""Exception handlers: every store error becomes a clear 4xx, as JSON for the API, HTML for pages.

Input the API cannot use is answered 4xx with a message naming the problem; only a real bug
answers 500 (with no internals in the body; the traceback goes to the server log).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from preprints import (
    Conflict,
    EmbeddingsUnavailable,
    Forbidden,
    Invalid,
    NotFound,
    StoreError,
    TooLarge,
    Unauthorized,
    UnsupportedMedia,
)

log = logging.getLogger(__name__)

STATUS: dict[type[StoreError], int] = {
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Invalid: 422,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMedia: 415,
    EmbeddingsUnavailable: 400,
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def error_page(request: Request, status: int, message: str) -> Response:
    templates = request.app.state.templates
    context = {"status": status, "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _respond(request: Request, status: int, detail: Any, headers: Any = None) -> Response:
    if is_api(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    message = detail if isinstance(detail, str) else "; ".join(d.get("msg", "") for d in detail)
    return error_page(request, status, message)


async def on_store_error(request: Request, exc: Exception) -> Response:
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    detail: Any = str(exc)
    if status == 422:  # same shape as FastAPI's own validation errors
        detail = [{"loc": ["body"], "msg": str(exc), "type": "invalid"}]
    return _respond(request, status, detail)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _respond(request, exc.status_code, exc.detail, getattr(exc, "headers", None))


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        detail = _json_safe(jsonable_encoder(exc.errors()))
        return JSONResponse({"detail": detail}, status_code=422)
    messages = [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors()]
    return error_page(request, 422, "; ".join(messages))


def _json_safe(value: Any) -> Any:
    """Errors echo the input; NaN or infinity in it would make the error itself unsendable."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if is_api(request):
        return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)
    return HTMLResponse("<h1>500</h1><p>internal error; see the server log</p>", status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StoreError, on_store_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
