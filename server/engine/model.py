"""The queue's own objects: plain dataclasses the rules read and change.

The engine works on these and nothing else; `server/store/` maps them to
tables and back. A ticket, counter, service or site is loaded by the
repository, changed by a rule, and saved with the event that records the
change. Ids are given by the store: 0 means "not stored yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from antrean.vocabulary import (
    Channel,
    CounterState,
    EventType,
    Priority,
    Satisfaction,
    TicketStatus,
)
from server.engine.schedule import Schedule

NEW = 0
"""The id of an object the store has not stored yet."""

OPEN_STATUSES = frozenset(s for s in TicketStatus if not s.is_final)
"""A ticket in one of these is still someone's business; at day's end it expires."""
AT_COUNTER = frozenset(s for s in TicketStatus if s.at_counter)
"""A ticket in one of these occupies its counter."""


@dataclass
class Site:
    """An office, with its own time zone and opening hours."""

    id: int
    code: str
    name: str
    timezone: str = "Asia/Jakarta"
    schedule: Schedule = field(default_factory=Schedule)
    priority_max_in_row: int = 3
    address_lines: tuple[str, ...] = ()
    announcements: tuple[str, ...] = ()
    public_url: str | None = None
    # The number of the site's last event; the store moves it with each event.
    last_seq: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass
class Service:
    """A kind of errand with its own letter, numbers and (optionally) hours."""

    id: int
    site_id: int
    code: str
    name: str
    requirements: str = ""
    daily_quota: int | None = None
    first_number: int = 1
    default_service_minutes: float = 10.0
    active: bool = True
    sort_order: int = 0
    # None: the site's hours.
    schedule: Schedule | None = None
    # The longest wait the office means to keep to (the dashboard warns past it).
    wait_target_minutes: int | None = None
    # Tell a citizen (webhook, browser) when this many or fewer are ahead of them.
    notify_ahead: int | None = None


@dataclass
class Counter:
    """A desk (loket) where an officer calls and serves citizens."""

    id: int
    site_id: int
    number: int
    name: str
    state: CounterState = CounterState.OPEN
    # Consecutive priority calls at this counter, for the fairness rule.
    priority_streak: int = 0
    # False: retired (left out of the office file); kept for its tickets and events.
    active: bool = True
    # The services it serves, most preferred first.
    service_ids: tuple[int, ...] = ()


@dataclass
class Ticket:
    """One citizen's number for one day, and where it stands."""

    id: int
    site_id: int
    service_id: int
    origin_service_id: int
    local_day: date
    number: int
    code: str
    token: str
    # The place in line: the first arrival, kept across transfers.
    queued_at: datetime
    issued_at: datetime
    priority: Priority = Priority.NONE
    channel: Channel = Channel.KIOSK
    status: TicketStatus = TicketStatus.WAITING
    called_at: datetime | None = None
    last_called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    no_show_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    call_count: int = 0
    counter_id: int | None = None
    officer_id: int | None = None
    device_id: int | None = None
    cancel_reason: str | None = None
    # Each service the ticket was in, in order: {"service", "at", "from_counter"}.
    # A tuple, so a change is a new value the unit of work can see.
    history: tuple[Mapping[str, Any], ...] = ()
    # The citizen's answer on the faces at the counter, at most one per ticket.
    satisfaction: Satisfaction | None = None


class Place(NamedTuple):
    """A waiting ticket's place in line: all that the call order looks at."""

    id: int
    service_id: int
    priority: Priority
    queued_at: datetime


class Call(NamedTuple):
    """A ticket of today as seen at a counter: what the list of calls, the counters'
    tiles and the wait estimate read of it (no token, no history)."""

    id: int
    code: str
    service_id: int
    priority: Priority
    status: TicketStatus
    counter_id: int
    issued_at: datetime
    last_called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    no_show_at: datetime | None
    call_count: int


@dataclass(frozen=True)
class TicketFacts:
    """A ticket as it stood right after an event: what the event log keeps of it."""

    code: str
    service: str
    priority: Priority
    status: TicketStatus
    counter: int | None
    issued_at: datetime
    last_called_at: datetime | None
    call_count: int


@dataclass(frozen=True)
class Event:
    """One change, numbered per site: what happened, to which ticket, with which facts.

    `details` holds what a kind of event adds: `service` (issued),
    `from_service`, `to_service` and perhaps `note` (transferred), `reason`
    (cancelled), `state` and perhaps `reason` (counter_changed), `satisfaction`
    and `score` (rated).
    """

    site_id: int
    seq: int
    type: EventType
    at: datetime
    actor: str
    ticket_id: int | None = None
    counter_id: int | None = None
    ticket: TicketFacts | None = None
    # The number of the counter where it happened.
    counter: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
