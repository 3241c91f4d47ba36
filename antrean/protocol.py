"""The wire contract: what the server tells devices and pages about a site.

The same models serve the REST snapshot and the device sockets, so a screen
reads one shape whichever way it learned the state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from antrean.vocabulary import CounterState, EventType, Priority, Satisfaction, TicketStatus

PROTOCOL_VERSION = 1


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TicketView(WireModel):
    """A ticket as anyone in the room may see it (no token, no personal data)."""

    id: int
    code: str
    service: str
    priority: Priority
    status: TicketStatus
    counter: int | None = None
    issued_at: datetime
    called_at: datetime | None = None
    call_count: int = 0


class ServiceState(WireModel):
    code: str
    name: str
    requirements: str = ""
    active: bool
    accepting: bool
    closed_reason: str | None = None
    next_open: datetime | None = None
    waiting: int
    issued_today: int
    daily_quota: int | None = None
    estimated_wait_minutes: float | None = None


class CounterView(WireModel):
    number: int
    name: str
    state: CounterState
    services: list[str]
    current: TicketView | None = None


class CallView(WireModel):
    ticket_id: int
    code: str
    service: str
    counter: int
    at: datetime
    call_count: int


class SiteInfo(WireModel):
    code: str
    name: str
    address_lines: list[str] = Field(default_factory=list)
    timezone: str
    local_day: date
    local_time: datetime
    on_break: bool = False
    public_url: str | None = None


class QueueSnapshot(WireModel):
    protocol: int = PROTOCOL_VERSION
    seq: int
    site: SiteInfo
    services: list[ServiceState]
    counters: list[CounterView]
    waiting: list[TicketView]
    recent_calls: list[CallView]
    announcements: list[str] = Field(default_factory=list)


class EventView(WireModel):
    """One change, as a delta: apply in `seq` order; a gap means resnapshot."""

    seq: int
    site: str
    type: EventType
    at: datetime
    ticket: TicketView | None = None
    counter: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class TicketStatusView(WireModel):
    """What a citizen sees after scanning the QR code on their ticket."""

    id: int
    code: str
    site: str
    site_name: str
    site_timezone: str
    service: str
    service_name: str
    priority: Priority
    status: TicketStatus
    counter: int | None = None
    people_ahead: int | None = None
    estimated_wait_minutes: float | None = None
    issued_at: datetime
    local_day: date


class IssuedTicket(WireModel):
    """The answer to issuing: everything a kiosk prints on the paper."""

    ticket: TicketView
    token: str
    status_path: str
    service_name: str
    people_ahead: int
    estimated_wait_minutes: float | None = None
    local_time: datetime


# Commands: the same models arrive over REST and over the device socket.

ReasonText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
ServiceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{1,3}$")
]
SiteCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
CounterNumber = Annotated[int, Field(ge=1, le=999)]
TicketId = Annotated[int, Field(ge=1, le=2**62)]


class IssueTicketCommand(WireModel):
    type: Literal["issue_ticket"] = "issue_ticket"
    site: SiteCode
    service: ServiceCode
    priority: Priority = Priority.NONE


class CallNextCommand(WireModel):
    type: Literal["call_next"] = "call_next"
    site: SiteCode
    counter: CounterNumber


class CallTicketCommand(WireModel):
    type: Literal["call_ticket"] = "call_ticket"
    ticket_id: TicketId
    counter: CounterNumber


class TicketCommand(WireModel):
    """A step in one ticket's life, taken at the counter that holds it."""

    type: Literal["recall", "start", "finish", "no_show", "requeue", "cancel"]
    ticket_id: TicketId
    reason: ReasonText | None = None


class TransferCommand(WireModel):
    type: Literal["transfer"] = "transfer"
    ticket_id: TicketId
    service: ServiceCode
    note: ReasonText | None = None
    """For the next counter: what was already checked, what is missing."""


class CounterStateCommand(WireModel):
    type: Literal["set_counter_state"] = "set_counter_state"
    site: SiteCode
    counter: CounterNumber
    state: CounterState
    reason: ReasonText | None = None
    """Why the counter pauses or closes (a break, prayer); kept in the event."""


class RateServiceCommand(WireModel):
    """The citizen's satisfaction with a ticket just served, from the faces at the counter."""

    type: Literal["rate_service"] = "rate_service"
    ticket_id: TicketId
    satisfaction: Satisfaction


Command = Annotated[
    IssueTicketCommand
    | CallNextCommand
    | CallTicketCommand
    | TicketCommand
    | TransferCommand
    | CounterStateCommand
    | RateServiceCommand,
    Field(discriminator="type"),
]
