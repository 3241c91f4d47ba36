"""Every kind of malformed frame gets its documented answer, before and after the hello.

Before the hello the answer is a `refused` frame and a close code; after it, an
`error` frame, and the same socket goes on working. Nothing a device sends may
make the server log a failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from antrean.messages import (
    CLOSE_BAD_HELLO,
    CLOSE_PROTOCOL_MISMATCH,
    HELLO_MAX_BYTES,
    MAX_FRAME_BYTES,
)
from antrean.protocol import PROTOCOL_VERSION
from tests.realtime.conftest import Office, command, greeted, next_frame

DEEP_ARRAY = "[" * 20_000 + "]" * 20_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000

# (what, frame, code, a word of the details) after the hello.
AFTER_HELLO: list[tuple[str, str | bytes, str, str]] = [
    ("not JSON", "this is not json", "bad_frame", "not JSON"),
    ("binary", b"\x00\x01binary", "bad_frame", "text frames only"),
    ("not an object", "[1, 2, 3]", "bad_frame", "not a JSON object"),
    ("a JSON string", '"ping"', "bad_frame", "not a JSON object"),
    ("nested arrays", DEEP_ARRAY, "bad_frame", "nested too deeply"),
    ("nested objects", DEEP_OBJECT, "bad_frame", "nested too deeply"),
    ("a number too long to read", '{"type": "ping", "nonce": ' + "9" * 5000 + "}", "bad_frame",
     "not JSON"),
    ("type is a list", json.dumps({"type": ["ping"]}), "bad_frame", "`type` must be a string"),
    ("type is an object", json.dumps({"type": {"a": 1}}), "bad_frame", "`type` must be"),
    ("type is missing", json.dumps({"nonce": "x"}), "bad_frame", "`type` must be"),
    ("type is a number", json.dumps({"type": 7}), "bad_frame", "`type` must be"),
    ("unknown type", json.dumps({"type": "launch_rockets"}), "unknown_type", "launch_rockets"),
    ("ping nonce a number", json.dumps({"type": "ping", "nonce": 12}), "bad_frame", "nonce"),
    ("ping nonce a list", json.dumps({"type": "ping", "nonce": ["a"]}), "bad_frame", "nonce"),
    ("ping nonce too long", json.dumps({"type": "ping", "nonce": "n" * 65}), "bad_frame", "nonce"),
    ("resync negative", json.dumps({"type": "resync", "last_seq": -1}), "bad_frame", "last_seq"),
    ("resync not a number", json.dumps({"type": "resync", "last_seq": "x"}), "bad_frame",
     "last_seq"),
    ("resync NaN", '{"type": "resync", "last_seq": NaN}', "bad_frame", "last_seq"),
    ("health empty", json.dumps({"type": "health", "health": {}}), "bad_frame", "health"),
    ("health a string", json.dumps({"type": "health", "health": "fine"}), "bad_frame", "health"),
    ("health missing", json.dumps({"type": "health"}), "bad_frame", "health"),
    ("extra field", json.dumps({"type": "ping", "nonce": "a", "x": 1}), "bad_frame", "x"),
    ("command missing fields", json.dumps({"type": "command", "request_id": "r1"}),
     "invalid_request", "command"),
    ("command not an object", json.dumps({"type": "command", "request_id": "r2", "command": 5}),
     "invalid_request", "command"),
    ("command unknown", json.dumps(
        {"type": "command", "request_id": "r3", "command": {"type": "self_destruct"}}),
     "invalid_request", "command"),
    ("request id too long", json.dumps({"type": "command", "request_id": "r" * 81,
                                        "command": {"type": "finish", "ticket_id": 1}}),
     "invalid_request", "request_id"),
    ("too large", json.dumps({"type": "ping", "nonce": "y" * (MAX_FRAME_BYTES + 10)}),
     "frame_too_large", "limit"),
    ("second hello", json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION}),
     "already_greeted", ""),
]


def test_after_the_hello_each_malformed_frame_gets_its_error_and_the_socket_goes_on(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["kiosk"])
        for number, (what, frame, code, word) in enumerate(AFTER_HELLO):
            await ws.send(frame)
            answer = await next_frame(ws)
            assert (answer["type"], answer["code"]) == ("error", code), what
            assert answer["message"]["id"] and answer["message"]["en"], what
            assert word in json.dumps(answer["details"]), (what, answer)
            # The same socket answers the next frame as if nothing happened.
            await ws.send(json.dumps({"type": "ping", "nonce": f"after-{number}"}))
            assert await next_frame(ws) == {"type": "pong", "nonce": f"after-{number}"}, what
        issue = {"type": "issue_ticket", "site": "demo", "service": "A"}
        done = await command(ws, "still-works", issue)
        assert (done["type"], done["status"]) == ("result", 201)
        await ws.close()

    asyncio.run(scenario())
    assert _failures(caplog) == []


def test_an_error_names_the_request_it_answers(office: Office) -> None:
    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["kiosk"])
        await ws.send(json.dumps({"type": "unheard_of", "request_id": "q-1"}))
        assert (await next_frame(ws))["request_id"] == "q-1"
        await ws.send(json.dumps({"type": ["x"], "request_id": "q-2"}))
        assert (await next_frame(ws))["request_id"] == "q-2"
        await ws.close()

    asyncio.run(scenario())


def hello(**fields: Any) -> str:
    return json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, **fields})


# (what, first frame, refusal code, close code) before the hello.
BEFORE_HELLO: list[tuple[str, str | bytes, str, int]] = [
    ("not JSON", "hello?", "bad_frame", CLOSE_BAD_HELLO),
    ("binary", b"\x00hello", "bad_frame", CLOSE_BAD_HELLO),
    ("not an object", "[1]", "bad_frame", CLOSE_BAD_HELLO),
    ("nested arrays", "[" * 2000 + "]" * 2000, "bad_frame", CLOSE_BAD_HELLO),
    ("type is a list", json.dumps({"type": ["hello"]}), "hello_first", CLOSE_BAD_HELLO),
    ("type is an object", json.dumps({"type": {"hello": 1}}), "hello_first", CLOSE_BAD_HELLO),
    ("another type first", json.dumps({"type": "ping"}), "hello_first", CLOSE_BAD_HELLO),
    ("protocol a word", json.dumps({"type": "hello", "protocol": "one"}), "bad_frame",
     CLOSE_BAD_HELLO),
    ("protocol missing", json.dumps({"type": "hello"}), "bad_frame", CLOSE_BAD_HELLO),
    ("token a number", hello(token=5), "bad_frame", CLOSE_BAD_HELLO),
    ("token too long", hello(token="atd_" + "x" * 300), "bad_frame", CLOSE_BAD_HELLO),
    ("last_seq negative", hello(last_seq=-4), "bad_frame", CLOSE_BAD_HELLO),
    ("unknown field", hello(colour="blue"), "bad_frame", CLOSE_BAD_HELLO),
    ("too large", hello(token="atd_" + "z" * HELLO_MAX_BYTES), "frame_too_large",
     CLOSE_BAD_HELLO),
    ("newer protocol", json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION + 1,
                                   "token": "atd_x", "features": ["new"]}),
     "protocol_mismatch", CLOSE_PROTOCOL_MISMATCH),
]


def test_before_the_hello_each_malformed_frame_is_refused_with_its_code(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    async def scenario() -> None:
        for what, frame, code, close in BEFORE_HELLO:
            ws = await connect(office.server.ws_url, compression=None, open_timeout=5)
            await ws.send(frame)
            refused = await next_frame(ws)
            assert (refused["type"], refused["code"]) == ("refused", code), (what, refused)
            assert refused["message"]["id"] and refused["message"]["en"]
            assert await closed(ws) == close, what

    asyncio.run(scenario())
    assert _failures(caplog) == []


def test_a_socket_that_never_says_hello_is_refused_in_time(make_office: Any) -> None:
    office: Office = make_office(ws_hello_timeout=0.3)

    async def scenario() -> None:
        ws = await connect(office.server.ws_url, compression=None, open_timeout=5)
        refused = await next_frame(ws)
        assert refused["code"] == "hello_timeout"
        assert await closed(ws) == CLOSE_BAD_HELLO

    asyncio.run(scenario())


def test_a_message_above_the_transport_limit_is_not_read(make_office: Any) -> None:
    office: Office = make_office(ws_max_frame_bytes=2048, ws_max_message_bytes=4096)

    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["display"])
        # Between the two limits: an error, and the socket goes on.
        await ws.send(json.dumps({"type": "ping", "nonce": "p" * 3000}))
        assert (await next_frame(ws))["code"] == "frame_too_large"
        # Above uvicorn's own limit: the message is never buffered; the socket closes.
        await ws.send("x" * 10_000)
        assert await closed(ws) == 1009  # "message too big"

    asyncio.run(scenario())


async def closed(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(5):
            while True:
                await ws.recv()
    return ws.close_code


def _failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or "Exception in ASGI" in r.getMessage()
    ]
