"""The device socket's envelopes: every frame either side may send.

A frame is one JSON text message with a `type`. The device speaks first with
`hello`; the server answers `welcome` then a `snapshot` (or `refused` and
closes). After that the server sends `event` deltas in `seq` order, answers each
`command` with a `result` or an `error` carrying the same `request_id`, and
sends a fresh `snapshot` whenever the device asks with `resync`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter

from antrean.health import DeviceHealth
from antrean.protocol import PROTOCOL_VERSION, Command, EventView, QueueSnapshot, WireModel
from antrean.refusals import REASONS
from antrean.vocabulary import DeviceKind, Role

WEBSOCKET_PATH = "/ws"
MAX_FRAME_BYTES = 64 * 1024
"""The largest frame a device may send by default; bigger ones get an error and are skipped."""
HELLO_MAX_BYTES = 4096
"""The largest hello: a token, an office code and a version fit in a few hundred bytes."""

RequestId = Annotated[
    str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
]

# Close codes the server uses when it ends a connection on purpose. The 44xx
# codes mean "don't hurry back": the device shows the reason and retries slowly.
CLOSE_BAD_HELLO = 4400
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_PROTOCOL_MISMATCH = 4426
REFUSAL_CLOSE_CODES = frozenset(
    {
        CLOSE_BAD_HELLO,
        CLOSE_NOT_AUTHENTICATED,
        CLOSE_FORBIDDEN,
        CLOSE_NOT_FOUND,
        CLOSE_PROTOCOL_MISMATCH,
    }
)


class Text(WireModel):
    """A message for people: Indonesian first, English for integrators."""

    id: str
    en: str


# Refusals that belong to the socket itself rather than to the queue rules.
PROTOCOL_ERRORS: dict[str, Text] = {
    "bad_frame": Text(
        id="Pesan tidak dapat dibaca.", en="The message could not be read."
    ),
    "frame_too_large": Text(
        id="Pesan terlalu besar.", en="The message is too large."
    ),
    "unknown_type": Text(
        id="Jenis pesan tidak dikenal.", en="Unknown message type."
    ),
    "hello_first": Text(
        id="Perangkat harus menyapa (hello) lebih dahulu.",
        en="The first message must be a hello.",
    ),
    "hello_timeout": Text(
        id="Perangkat tidak menyapa tepat waktu.", en="No hello arrived in time."
    ),
    "already_greeted": Text(
        id="Sapaan sudah diterima.", en="The hello was already received."
    ),
    "protocol_mismatch": Text(
        id="Versi protokol perangkat tidak cocok dengan server; perbarui perangkat.",
        en="The device's protocol version does not match the server's; update the device.",
    ),
    "site_required": Text(
        id="Sebutkan kantor yang ingin dipantau.", en="Name the office to watch."
    ),
    "not_a_device": Text(
        id="Hanya perangkat yang melaporkan kondisi.", en="Only devices report health."
    ),
    "internal_error": Text(
        id="Terjadi kesalahan di server; coba lagi.",
        en="The server failed; please try again.",
    ),
    "server_busy": Text(
        id="Server sedang sibuk menerima sambungan; mencoba lagi sebentar.",
        en="The server is busy accepting connections; trying again shortly.",
    ),
}


def protocol_error_text(code: str) -> Text:
    """The words for a socket error: the socket's own codes, else the queue's refusals."""
    if code in PROTOCOL_ERRORS:
        return PROTOCOL_ERRORS[code]
    reason = REASONS.get(code)
    if reason is not None:
        return Text(id=reason.id, en=reason.en)
    return PROTOCOL_ERRORS["internal_error"]


# From the device.


class Hello(WireModel):
    type: Literal["hello"] = "hello"
    protocol: int
    token: str | None = Field(default=None, max_length=200)
    site: str | None = Field(default=None, max_length=40)
    """Only for callers not bound to one office (an administrator)."""
    last_seq: int | None = Field(default=None, ge=0)
    """Where the device's picture stood; the server answers with a full snapshot anyway."""
    version: str | None = Field(default=None, max_length=40)


class CommandMessage(WireModel):
    type: Literal["command"] = "command"
    request_id: RequestId
    command: Command


class HealthReport(WireModel):
    type: Literal["health"] = "health"
    health: DeviceHealth


class ResyncRequest(WireModel):
    type: Literal["resync"] = "resync"
    last_seq: int | None = Field(default=None, ge=0)


class Ping(WireModel):
    type: Literal["ping"] = "ping"
    nonce: str | None = Field(default=None, max_length=64)


ClientMessage = Annotated[
    Hello | CommandMessage | HealthReport | ResyncRequest | Ping, Field(discriminator="type")
]
CLIENT_MESSAGE_TYPES = frozenset({"hello", "command", "health", "resync", "ping"})
client_message: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# From the server.


class CallerInfo(WireModel):
    label: str
    device_kind: DeviceKind | None = None
    role: Role | None = None
    counters: list[int] = Field(default_factory=list)


class Welcome(WireModel):
    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    server_version: str
    site: str
    caller: CallerInfo


class Refused(WireModel):
    """The connection is not accepted; the server closes it right after."""

    type: Literal["refused"] = "refused"
    protocol: int = PROTOCOL_VERSION
    code: str
    message: Text
    details: dict[str, Any] = Field(default_factory=dict)


SnapshotReason = Literal["hello", "resync", "behind", "refresh"]


class SnapshotMessage(WireModel):
    type: Literal["snapshot"] = "snapshot"
    reason: SnapshotReason = "hello"
    snapshot: QueueSnapshot


class EventMessage(WireModel):
    type: Literal["event"] = "event"
    event: EventView


class Result(WireModel):
    """A command's answer: the same status and body the REST API gives."""

    type: Literal["result"] = "result"
    request_id: str
    status: int
    body: dict[str, Any] | None = None


class ErrorMessage(WireModel):
    """A refusal of one message; the connection goes on."""

    type: Literal["error"] = "error"
    request_id: str | None = None
    code: str
    message: Text
    details: dict[str, Any] = Field(default_factory=dict)


class Pong(WireModel):
    type: Literal["pong"] = "pong"
    nonce: str | None = None


ServerMessage = Annotated[
    Welcome | Refused | SnapshotMessage | EventMessage | Result | ErrorMessage | Pong,
    Field(discriminator="type"),
]
server_message: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)


def protocol_error(
    code: str, request_id: str | None = None, details: dict[str, Any] | None = None
) -> ErrorMessage:
    return ErrorMessage(
        request_id=request_id, code=code, message=protocol_error_text(code), details=details or {}
    )


def protocol_refusal(code: str, details: dict[str, Any] | None = None) -> Refused:
    return Refused(code=code, message=protocol_error_text(code), details=details or {})
