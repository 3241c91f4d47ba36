"""Reading a device's frames: every way a frame can be wrong gets its own answer.

A frame from a device is untrusted text. Whatever it holds (not JSON, JSON
nested thousands deep, a `type` that is a list, a field of the wrong kind), the
reader returns either the message or the error to send back; it never raises.
Before the hello the answer is a refusal (the connection then closes); after
it, an error frame, and the connection goes on.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from antrean.messages import (
    CLIENT_MESSAGE_TYPES,
    HELLO_MAX_BYTES,
    ClientMessage,
    ErrorMessage,
    Hello,
    Refused,
    client_message,
    protocol_error,
    protocol_refusal,
)
from antrean.protocol import PROTOCOL_VERSION

PROBLEMS_SHOWN = 10


class Unreadable(Exception):
    """The frame is not one JSON object; `details` say why."""

    def __init__(self, code: str, details: dict[str, Any]) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def read_hello(text: str | None) -> Hello | Refused:
    """The device's first frame: its hello, or the refusal that ends the connection."""
    try:
        raw = _object(text, HELLO_MAX_BYTES)
    except Unreadable as wrong:
        return protocol_refusal(wrong.code, wrong.details)
    if raw.get("type") != "hello":
        return protocol_refusal("hello_first", {"type": _shown(raw.get("type"))})
    protocol = raw.get("protocol")
    if type(protocol) is int and protocol != PROTOCOL_VERSION:
        # Checked before the fields: a newer device's hello may carry fields this server
        # does not know, and what it must hear is "update", not "bad frame".
        return protocol_refusal(
            "protocol_mismatch", {"server": PROTOCOL_VERSION, "device": protocol}
        )
    try:
        return Hello.model_validate(raw)
    except ValidationError as error:
        return protocol_refusal("bad_frame", {"problems": problems(error)})


def read_frame(text: str | None, limit: int) -> ClientMessage | ErrorMessage:
    """A frame after the hello: the message, or the error to answer it with."""
    try:
        raw = _object(text, limit)
    except Unreadable as wrong:
        return protocol_error(wrong.code, details=wrong.details)
    request_id = raw.get("request_id")
    if not isinstance(request_id, str) or len(request_id) > 80:
        request_id = None
    kind = raw.get("type")
    if not isinstance(kind, str):
        return protocol_error("bad_frame", request_id, {"why": "`type` must be a string"})
    if kind not in CLIENT_MESSAGE_TYPES:
        return protocol_error("unknown_type", request_id, {"type": _shown(kind)})
    try:
        return client_message.validate_python(raw)
    except ValidationError as error:
        code = "invalid_request" if kind == "command" else "bad_frame"
        return protocol_error(code, request_id, {"problems": problems(error)})


def _object(text: str | None, limit: int) -> dict[str, Any]:
    if text is None:
        raise Unreadable("bad_frame", {"why": "text frames only"})
    # len() is the byte count for ASCII, which nearly every frame is; encode only otherwise.
    size = len(text) if text.isascii() else len(text.encode())
    if size > limit:
        raise Unreadable("frame_too_large", {"limit": limit})
    try:
        raw = json.loads(text)
    except RecursionError:
        raise Unreadable("bad_frame", {"why": "nested too deeply"}) from None
    except ValueError:
        raise Unreadable("bad_frame", {"why": "not JSON"}) from None
    if not isinstance(raw, dict):
        raise Unreadable("bad_frame", {"why": "not a JSON object"})
    return raw


def _shown(value: Any) -> str:
    """A device's `type`, short enough to quote back in an error (a JSON kind if not a string)."""
    if isinstance(value, str):
        return value[:40]
    kinds = {dict: "(object)", list: "(array)", bool: "(boolean)", type(None): "(missing)"}
    return kinds.get(type(value), "(number)")


def problems(error: ValidationError) -> list[dict[str, Any]]:
    return [
        {"where": [str(part) for part in e.get("loc", ())], "what": str(e.get("msg", ""))}
        for e in error.errors()[:PROBLEMS_SHOWN]
    ]
