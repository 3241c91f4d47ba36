"""Every error leaves the API as JSON with a code and messages in two languages."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from server.engine.errors import QueueError, error_body
from server.store.errors import DatabaseUnavailable, StorageUnavailable

log = logging.getLogger(__name__)

HTTP_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}


def install(app: FastAPI) -> None:
    @app.exception_handler(QueueError)
    async def _refused(request: Request, exc: QueueError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", {"problems": problems}), 422)

    app.add_exception_handler(DatabaseUnavailable, _database_down)

    app.add_exception_handler(HTTPException, http_error)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "invalid_request")
    body = error_body(code, {"status": exc.status_code, "detail": str(exc.detail)})
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    # A full or read-only card, or a database server that is away: a clear 503, not a 500.
    code = "storage_unavailable" if isinstance(exc, StorageUnavailable) else "database_unavailable"
    log.warning("%s %s: %s", request.method, request.url.path, code)
    return JSONResponse(error_body(code), status_code=503)


def _problem(error: Any) -> dict[str, Any]:
    return {
        "where": [str(part) for part in error.get("loc", ())],
        "what": str(error.get("msg", "")),
    }
