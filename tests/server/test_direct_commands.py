"""The kiosk's and the keypad's REST commands answered before FastAPI (server/api/direct.py)
give exactly the answers their FastAPI routes give, good requests and bad ones alike."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from antrean.vocabulary import DeviceKind
from server.api import direct
from server.app import create_app
from server.config import ServerSettings
from tests.conftest import Clock, make_demo_database
from tests.server.conftest import Api

Request = tuple[str, dict[str, Any]]


def _script(kiosk: str, keypad: str) -> list[Request]:
    """Requests as a kiosk and a keypad send them, and as they are sent wrong."""
    k = {"Authorization": f"Bearer {kiosk}"}
    c = {"Authorization": f"Bearer {keypad}"}
    tickets = "/api/v1/sites/demo/tickets"
    call = "/api/v1/sites/demo/counters/1/call-next"
    return [
        (call, {"headers": c}),  # nobody waiting: 204
        (tickets, {"json": {"service": "A", "request_id": "k-1"}, "headers": k}),
        (tickets, {"json": {"service": "A", "request_id": "k-1"}, "headers": k}),  # replayed
        (tickets, {"json": {"service": "A", "priority": "elderly"}, "headers": k}),
        (tickets, {"json": {"service": "ZZ"}, "headers": k}),  # no such service: 4xx
        (tickets, {"json": {"service": "A", "priority": "royal"}, "headers": k}),  # 422
        (tickets, {"json": {"service": "A"}}),  # no token: 401
        (tickets, {"json": {"service": "A"}, "headers": {"Authorization": "Bearer atd_no"}}),
        (tickets, {"json": {"service": "A"}, "headers": {"Authorization": "Basic abc"}}),
        (tickets, {"content": b"{not json", "headers": {**k, "Content-Type": "application/json"}}),
        (tickets, {"content": b'["A"]', "headers": {**k, "Content-Type": "application/json"}}),
        (tickets, {"content": b"service=A", "headers": {**k, "Content-Type": "text/plain"}}),
        (tickets, {"headers": k}),  # no body
        (tickets, {"json": {"service": "A"}, "headers": c}),  # a keypad cannot issue: 403
        ("/api/v1/sites/nowhere/tickets", {"json": {"service": "A"}, "headers": k}),
        ("/api/v1/sites/bad code/tickets", {"json": {"service": "A"}, "headers": k}),
        (call, {"json": {"request_id": "c-1"}, "headers": c}),
        (call, {"json": {"request_id": "c-1"}, "headers": c}),  # replayed
        ("/api/v1/tickets/2/recall", {"headers": c}),
        ("/api/v1/tickets/2/start", {"json": {}, "headers": c}),
        ("/api/v1/tickets/2/finish", {"json": {"request_id": "f-1"}, "headers": c}),
        ("/api/v1/tickets/2/finish", {"headers": c}),  # already finished: 409
        ("/api/v1/tickets/999/no-show", {"headers": c}),  # no such ticket
        ("/api/v1/sites/demo/counters/2/call-next", {"headers": c}),  # not this keypad's
        ("/api/v1/sites/demo/counters/0/call-next", {"headers": c}),  # 422
        ("/api/v1/sites/demo/counters/1/call-next", {"headers": k}),  # a kiosk cannot call
        (call, {"json": {"request_id": ""}, "headers": c}),
        (call, {"json": {"request_id": 7}, "headers": c}),
    ]


def _steady(body: Any) -> Any:
    """The body without the citizen's random ticket token."""
    if isinstance(body, dict):
        return {
            key: "<token>" if key in ("token", "status_path") else _steady(value)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [_steady(value) for value in body]
    return body


def _answers(tmp: Path, clock: Clock, direct_on: bool) -> list[tuple[int, str, str, Any]]:
    db = make_demo_database(f"sqlite:///{tmp / ('direct' if direct_on else 'fastapi')}.db")
    try:
        app = create_app(ServerSettings(database_url=db.url), clock=clock)
        if not direct_on:
            app.direct_commands = None  # type: ignore[attr-defined]
        with TestClient(app) as client:
            api = Api(client, db)
            kiosk = api.device(DeviceKind.KIOSK)["Authorization"].split()[1]
            keypad = api.device(DeviceKind.COUNTER, [1])["Authorization"].split()[1]
            answers = []
            for path, how in _script(kiosk, keypad):
                answer = client.post(path, **how)
                body = _steady(answer.json()) if answer.content else None
                answers.append((
                    answer.status_code,
                    answer.headers.get("content-type", ""),
                    answer.headers.get("www-authenticate", ""),
                    body,
                ))
            return answers
    finally:
        db.dispose()


def test_same_answers_with_and_without_the_direct_route(tmp_path: Path, clock: Clock) -> None:
    with_direct = _answers(tmp_path, clock, direct_on=True)
    through_fastapi = _answers(tmp_path, clock, direct_on=False)
    assert len(with_direct) == len(through_fastapi)
    for n, (mine, theirs) in enumerate(zip(with_direct, through_fastapi, strict=True)):
        assert mine == theirs, f"request {n}: {mine} != {theirs}"
    statuses = [status for status, *_ in with_direct]
    # The script covers what matters: answers, replays, refusals, bad input, nothing to do.
    assert {200, 201, 204, 401, 403, 404, 409, 422} <= set(statuses), statuses


def test_commands_skip_fastapi_and_still_count(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A well-formed command never reaches FastAPI's routing; its request is still
    counted in the metrics under its route."""
    kiosk = api.device(DeviceKind.KIOSK)
    keypad = api.device(DeviceKind.COUNTER, [1])
    routed: list[str] = []
    app = api.client.app
    fastapi_call = type(app).__mro__[1].__call__  # FastAPI's own

    async def counting(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            routed.append(scope["path"])
        await fastapi_call(self, scope, receive, send)

    monkeypatch.setattr(type(app).__mro__[1], "__call__", counting)
    api.issue(kiosk)
    called = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=keypad)
    assert called.status_code == 200
    assert routed == []
    # Anything unusual goes the long way, body and all, and gets FastAPI's answer.
    refused = api.client.post(
        "/api/v1/sites/demo/tickets", json={"service": "A", "priority": "royal"}, headers=kiosk
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_request"
    assert routed == ["/api/v1/sites/demo/tickets"]
    exposition = api.client.get("/metrics").text
    assert (
        'antrean_http_requests_total{method="POST",route="/api/v1/sites/{site}/tickets",'
        'status="201"} 1.0' in exposition
    )
    assert (
        'route="/api/v1/sites/{site}/counters/{number}/call-next",status="200"} 1.0'
        in exposition
    )


def test_a_large_body_goes_the_long_way(api: Api) -> None:
    kiosk = api.device(DeviceKind.KIOSK)
    padding = "x" * (direct.MAX_BODY + 10)
    answer = api.client.post(
        "/api/v1/sites/demo/tickets",
        json={"service": "A", "request_id": "r", "padding": padding},
        headers=kiosk,
    )
    # The long way reads the whole body the direct route began to read, and names
    # the field no command has.
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["problems"][0]["where"] == ["body", "padding"]


def test_a_body_in_pieces_reaches_the_long_way_whole() -> None:
    """The direct route reads at most a little more than `MAX_BODY`, then hands the
    request over; the long way then reads what was read and the rest, in order."""
    pieces = [b"{" + b" " * 3000, b" " * 3000, b'"service": "A"}']
    messages = [
        {"type": "http.request", "body": piece, "more_body": n < len(pieces) - 1}
        for n, piece in enumerate(pieces)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    heard: list[bytes] = []

    async def long_way(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            heard.append(message["body"])
            if not message.get("more_body"):
                return

    scope = {
        "type": "http", "method": "POST", "path": "/api/v1/sites/demo/tickets",
        "headers": [(b"authorization", b"Bearer atd_x")],
    }
    commands = direct.DirectCommands(None, lambda *_: None)  # type: ignore[arg-type]
    found = commands.route_for(scope)
    assert found is not None
    asyncio.run(commands.serve(found, scope, receive, None, long_way))  # type: ignore[arg-type]
    assert b"".join(heard) == b"".join(pieces)
    assert len(heard) == 2  # what the direct route had read, then the rest
