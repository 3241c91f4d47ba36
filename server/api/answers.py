"""Turning an Outcome into an HTTP response."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import JSONResponse

from server.operations import Outcome


def respond(outcome: Outcome) -> Response:
    if outcome.body is None:
        return Response(status_code=outcome.status)
    return JSONResponse(outcome.body, status_code=outcome.status)
