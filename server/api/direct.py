"""The kiosk's and the keypad's commands over REST, answered before FastAPI's routing.

A city's server spends more CPU on FastAPI's routing, dependencies and
response building for a ticket or a call than on the queue's rules and
storage together (docs/performance.md#city). The few commands that kiosks and
keypads send all day are answered here, on plain ASGI, by the same
`Operations.execute` as their FastAPI routes, with the same answers and the
same error bodies.

Only the well-formed case is handled here: a request whose path, token,
content type or body is anything unusual is handed, body and all, to the
FastAPI route of the same path, which answers it as it always has (a 422
naming the problem, a 401 asking for a token). The routes stay in FastAPI for
the API's documentation and for that fallback.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from pydantic import BaseModel

from antrean.protocol import CallNextCommand, Command, IssueTicketCommand, TicketCommand
from server.api.schemas import Retriable, TicketRequest
from server.engine.errors import QueueError, error_body
from server.operations import Operations, Outcome
from server.store.errors import DatabaseUnavailable, StorageUnavailable

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Count = Callable[[str, str, int, float], None]

MAX_BODY = 4096  # a command's body is a few dozen bytes; anything bigger goes the long way
SITE = r"(?P<site>[A-Za-z0-9_-]{1,40})"
STEP = r"(?P<step>recall|no-show|requeue|start|finish)"


@dataclass(frozen=True)
class Route:
    """One command route: its pattern as FastAPI names it (for the metrics), its body
    model, whether the body may be left out, and how a valid request becomes a command."""

    pattern: str
    regex: re.Pattern[str]
    body: type[Retriable]
    optional_body: bool
    command: Callable[[dict[str, str], BaseModel | None], Command]


def _issue(path: dict[str, str], body: BaseModel | None) -> Command:
    assert isinstance(body, TicketRequest)
    return IssueTicketCommand(site=path["site"], service=body.service, priority=body.priority)


def _call_next(path: dict[str, str], _body: BaseModel | None) -> Command:
    return CallNextCommand(site=path["site"], counter=int(path["number"]))


def _step(path: dict[str, str], _body: BaseModel | None) -> Command:
    step = path["step"].replace("-", "_")
    return TicketCommand(type=step, ticket_id=int(path["ticket_id"]))


ROUTES = (
    Route(
        "/api/v1/sites/{site}/tickets",
        re.compile(rf"/api/v1/sites/{SITE}/tickets"),
        TicketRequest, False, _issue,
    ),
    Route(
        "/api/v1/sites/{site}/counters/{number}/call-next",
        re.compile(rf"/api/v1/sites/{SITE}/counters/(?P<number>[1-9][0-9]{{0,2}})/call-next"),
        Retriable, True, _call_next,
    ),
    Route(
        "/api/v1/tickets/{ticket_id}/{step}",
        re.compile(rf"/api/v1/tickets/(?P<ticket_id>[1-9][0-9]{{0,17}})/{STEP}"),
        Retriable, True, _step,
    ),
)


class Fallback(Exception):
    """Not the plain case: the FastAPI route answers it."""


class DirectCommands:
    def __init__(self, operations: Operations, count: Count) -> None:
        self.operations = operations
        self.count = count

    @staticmethod
    def route_for(scope: Scope) -> tuple[Route, dict[str, str]] | None:
        """The command route this request is for, with its path's parts."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        for route in ROUTES:
            match = route.regex.fullmatch(path)
            if match is not None:
                return route, match.groupdict()
        return None

    async def serve(
        self,
        found: tuple[Route, dict[str, str]],
        scope: Scope,
        receive: Receive,
        send: Send,
        fallback: App,
    ) -> None:
        route, path = found
        started = time.perf_counter()
        body = b""
        more = True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
        try:
            if more or len(body) > MAX_BODY:
                raise Fallback
            token, command, request_id = _read(route, path, scope, body)
        except (Fallback, ValueError):  # pydantic's ValidationError is a ValueError
            await fallback(scope, _replay(body, more, receive), send)
            return
        status = 500
        try:
            status = await self._answer(send, token, command, request_id)
        finally:
            self.count("POST", route.pattern, status, time.perf_counter() - started)

    async def _answer(
        self, send: Send, token: str, command: Command, request_id: str | None
    ) -> int:
        try:
            outcome: Outcome = await anyio.to_thread.run_sync(
                self.operations.execute, token, command, request_id
            )
        except QueueError as refusal:
            headers = [(b"www-authenticate", b"Bearer")] if refusal.status == 401 else []
            return await _send_json(send, refusal.status, refusal.body(), headers)
        except DatabaseUnavailable as error:
            code = "storage_unavailable" if isinstance(error, StorageUnavailable) else (
                "database_unavailable"
            )
            log.warning("POST %s: %s", type(command).__name__, code)
            return await _send_json(send, 503, error_body(code))
        if outcome.body is None:
            await send({"type": "http.response.start", "status": outcome.status, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return outcome.status
        return await _send_json(send, outcome.status, outcome.body)


def _read(
    route: Route, path: dict[str, str], scope: Scope, raw: bytes
) -> tuple[str, Command, str | None]:
    """The token, the command and its request id, or Fallback/ValueError."""
    authorization = b""
    content_type = b""
    for key, value in scope["headers"]:
        name = key.lower()
        if name == b"authorization" and not authorization:
            authorization = value
        elif name == b"content-type" and not content_type:
            content_type = value
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token or token != token.strip() or " " in token:
        raise Fallback
    body: BaseModel | None = None
    if raw:
        media = content_type.split(b";")[0].strip().lower()
        if media not in (b"", b"application/json"):
            raise Fallback
        document = json.loads(raw)
        if not isinstance(document, dict):
            raise Fallback
        body = route.body.model_validate(document)
    elif not route.optional_body:
        raise Fallback
    command = route.command(path, body)
    request_id = body.request_id if isinstance(body, Retriable) else None
    return token, command, request_id


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """`receive` as if nothing had been read yet."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": more}

    return replayed


async def _send_json(
    send: Send, status: int, content: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> int:
    # As Starlette's JSONResponse renders it.
    payload = json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-length", str(len(payload)).encode("latin-1")),
            (b"content-type", b"application/json"),
            *(headers or []),
        ],
    })
    await send({"type": "http.response.body", "body": payload})
    return status

