"""The tables. Timestamps are UTC; `local_day` is the office's own date.

These SQLModel classes declare the schema (and Alembic compares the
migrations with them); the store's statements are built on their tables
(`statements.py`) and hand out the engine's own objects, not these.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from antrean.vocabulary import (
    Channel,
    CounterState,
    DeviceKind,
    EventType,
    Priority,
    Role,
    Satisfaction,
    TicketStatus,
)
from server.store.types import UTCDateTime


def _utc_column(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def _enum_column(kind: type[StrEnum], default: Any = ...) -> Any:
    """A short string column holding the enum's value (no database enum type to migrate)."""
    column_type = SAEnum(
        kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
    if default is ...:
        return Field(sa_type=column_type, nullable=False)
    return Field(default=default, sa_type=column_type, nullable=False)


def _optional_enum_column(kind: type[StrEnum]) -> Any:
    column_type = SAEnum(
        kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
    return Field(default=None, sa_type=column_type, nullable=True)


def _json_column(default_factory: Any) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Site(SQLModel, table=True):
    __tablename__ = "sites"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=200)
    address_lines: list[str] = _json_column(list)
    timezone: str = Field(default="Asia/Jakarta", max_length=40)
    schedule_plan: dict[str, Any] = _json_column(dict)
    priority_max_in_row: int = Field(default=3, ge=1)
    announcements: list[str] = _json_column(list)
    public_url: str | None = Field(default=None, max_length=300)
    last_seq: int = Field(default=0)


class Service(SQLModel, table=True):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    code: str = Field(max_length=3)
    name: str = Field(max_length=120)
    requirements: str = Field(default="")
    daily_quota: int | None = Field(default=None, ge=1)
    first_number: int = Field(default=1, ge=0)
    default_service_minutes: float = Field(default=10.0, gt=0)
    active: bool = Field(default=True)
    sort_order: int = Field(default=0)
    schedule_plan: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    wait_target_minutes: int | None = Field(default=None, ge=1)
    notify_ahead: int | None = Field(default=None, ge=1)


class Counter(SQLModel, table=True):
    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("site_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    number: int = Field(ge=1)
    name: str = Field(max_length=120)
    state: CounterState = _enum_column(CounterState, CounterState.OPEN)
    # Consecutive priority calls at this counter, for the fairness rule.
    priority_streak: int = Field(default=0)
    # False: retired (left out of the office file); kept for its tickets and events.
    active: bool = Field(default=True)


class CounterService(SQLModel, table=True):
    """A service a counter serves; lower `preference` is called first on ties."""

    __tablename__ = "counter_services"

    counter_id: int = Field(foreign_key="counters.id", primary_key=True)
    service_id: int = Field(foreign_key="services.id", primary_key=True)
    preference: int = Field(default=0)


class DailyNumber(SQLModel, table=True):
    """The last number handed out per service and local day: the allocation lock."""

    __tablename__ = "daily_numbers"

    service_id: int = Field(foreign_key="services.id", primary_key=True)
    local_day: date = Field(primary_key=True)
    last_number: int


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("origin_service_id", "local_day", "number"),
        Index("ix_tickets_queue", "site_id", "local_day", "status"),
        # The queries every command runs must not grow with the tickets behind
        # them: who is at a counter, a service's latest durations today, and
        # what is still open from earlier days.
        Index("ix_tickets_counter", "counter_id", "status"),
        Index("ix_tickets_service_day", "service_id", "local_day", "status", "finished_at"),
        Index("ix_tickets_open", "site_id", "status", "local_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id")
    service_id: int = Field(foreign_key="services.id")
    origin_service_id: int = Field(foreign_key="services.id")
    local_day: date
    number: int
    code: str = Field(max_length=8)
    priority: Priority = _enum_column(Priority, Priority.NONE)
    channel: Channel = _enum_column(Channel, Channel.KIOSK)
    status: TicketStatus = _enum_column(TicketStatus, TicketStatus.WAITING)
    token: str = Field(unique=True, max_length=64)
    # The place in line: the first arrival, kept across transfers.
    queued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    issued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    called_at: datetime | None = _utc_column()
    last_called_at: datetime | None = _utc_column()
    started_at: datetime | None = _utc_column()
    finished_at: datetime | None = _utc_column()
    no_show_at: datetime | None = _utc_column()
    cancelled_at: datetime | None = _utc_column()
    expired_at: datetime | None = _utc_column()
    call_count: int = Field(default=0)
    counter_id: int | None = Field(default=None, foreign_key="counters.id")
    officer_id: int | None = Field(default=None, foreign_key="users.id")
    device_id: int | None = Field(default=None, foreign_key="devices.id")
    cancel_reason: str | None = Field(default=None, max_length=300)
    history: list[dict[str, Any]] = _json_column(list)
    # The citizen's answer on the faces at the counter, at most one per ticket.
    satisfaction: Satisfaction | None = _optional_enum_column(Satisfaction)


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("site_id", "seq"),
        # Reports read an office's events by time (a day, a month, a year).
        Index("ix_events_site_at", "site_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id")
    seq: int
    type: EventType = _enum_column(EventType)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    counter_id: int | None = Field(default=None, foreign_key="counters.id")
    actor: str | None = Field(default=None, max_length=60)
    # The facts, in the layout `version` names (server/store/event_log.py).
    data: dict[str, Any] = _json_column(dict)
    version: int


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=60)
    full_name: str = Field(default="", max_length=120)
    role: Role = _enum_column(Role)
    password_hash: str
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    active: bool = Field(default=True)


class UserSite(SQLModel, table=True):
    """A further office a user may act at, besides their own (`users.site_id`).

    A supervisor of a kecamatan who oversees its kelurahan has the kecamatan
    as their site and each kelurahan here. A user without a site acts at
    every office and has no rows here.
    """

    __tablename__ = "user_sites"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    site_id: int = Field(foreign_key="sites.id", primary_key=True)


class UserToken(SQLModel, table=True):
    __tablename__ = "user_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked: bool = Field(default=False)


class Device(SQLModel, table=True):
    __tablename__ = "devices"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    kind: DeviceKind = _enum_column(DeviceKind)
    name: str = Field(max_length=120)
    token_hash: str = Field(unique=True, max_length=64)
    counter_numbers: list[int] = _json_column(list)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = _utc_column()
    last_seen_at: datetime | None = _utc_column()
    health: dict[str, Any] = _json_column(dict)


class RequestRecord(SQLModel, table=True):
    """The first answer to a request id, so a retry gets it back unchanged."""

    __tablename__ = "request_log"
    __table_args__ = (UniqueConstraint("caller", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=40)
    request_id: str = Field(max_length=80)
    status_code: int
    response: dict[str, Any] = _json_column(dict)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class DisplayPairing(SQLModel, table=True):
    """A one-time code that turns a browser (a smart TV) into a display device.

    Only the code's hash is kept. Claiming it creates the display device, whose
    token the browser keeps in a cookie; `options` (services, counters, sound,
    wording) say what that TV's wall shows and says.
    """

    __tablename__ = "display_pairings"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    code_hash: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=120)
    options: dict[str, Any] = _json_column(dict)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    claimed_at: datetime | None = _utc_column()
    device_id: int | None = Field(default=None, foreign_key="devices.id", index=True)


class SurveyResponse(SQLModel, table=True):
    """One citizen's answers to the satisfaction survey (SKM), at most one per ticket.

    The ticket is kept only to refuse a second answer; reports never show it.
    Each element's answer (1–4) has its own column, named as in server/skm.py.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_site_day", "site_id", "local_day"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id")
    service_id: int = Field(foreign_key="services.id")
    ticket_id: int = Field(foreign_key="tickets.id", unique=True)
    local_day: date
    submitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    requirements: int = Field(ge=1, le=4)
    procedure: int = Field(ge=1, le=4)
    time: int = Field(ge=1, le=4)
    cost: int = Field(ge=1, le=4)
    product: int = Field(ge=1, le=4)
    competence: int = Field(ge=1, le=4)
    behaviour: int = Field(ge=1, le=4)
    complaints: int = Field(ge=1, le=4)
    facilities: int = Field(ge=1, le=4)
    sex: str | None = Field(default=None, max_length=20)
    age_band: str | None = Field(default=None, max_length=20)
    education: str | None = Field(default=None, max_length=20)
    occupation: str | None = Field(default=None, max_length=20)
    suggestion: str | None = Field(default=None, max_length=1000)


class AuditEntry(SQLModel, table=True):
    """One change an administrator made (on the pages or with an office file).

    `subject` names what changed ("service A name", "user budi role"),
    `before` and `after` its values (None: it did not exist, or no longer does;
    a password is never written here, only that it changed).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_site", "site_id", "id"),
        Index("ix_audit_log_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=120)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    source: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    subject: str = Field(max_length=200)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class Slide(SQLModel, table=True):
    """A picture for the monitor walls (procedures, notices), kept in the database
    so every server process of a city serves the same ones."""

    __tablename__ = "slides"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True)
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=40)
    digest: str = Field(max_length=64)
    size: int
    width: int
    height: int
    position: int = Field(default=0)
    uploaded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ReportNote(SQLModel, table=True):
    """The daily report's own words: obstacles met and what follows, per office and day.

    Never changed in place: each save is a new row, so the latest row of a day is
    the note and the earlier ones are its history (who wrote what, when).
    """

    __tablename__ = "report_notes"
    __table_args__ = (Index("ix_report_notes_site_day", "site_id", "local_day"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id")
    local_day: date
    obstacles: str = Field(default="", max_length=4000)
    follow_up: str = Field(default="", max_length=4000)
    written_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    written_by: int | None = Field(default=None, foreign_key="users.id")


class TicketNotice(SQLModel, table=True):
    """A citizen's wish to be texted when their turn is near, and how sending went.

    One per ticket. `state` moves `waiting` → `due` (near the front: to send,
    and again after a failed try) → `sending` (claimed by a server process) →
    `sent`, or ends `failed` (given up) or `dropped` (the ticket left the
    line first). The phone number is erased when it ends, whichever way.
    """

    __tablename__ = "ticket_notices"
    __table_args__ = (
        Index("ix_ticket_notices_site_state", "site_id", "state"),
        Index("ix_ticket_notices_state_next_try", "state", "next_try_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", unique=True)
    site_id: int = Field(foreign_key="sites.id")
    phone: str | None = Field(default=None, max_length=20)
    state: str = Field(max_length=12)
    people_ahead: int | None = None
    attempts: int = Field(default=0)
    requested_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    next_try_at: datetime | None = _utc_column()
    claimed_at: datetime | None = _utc_column()
    ended_at: datetime | None = _utc_column()
    last_error: str | None = Field(default=None, max_length=200)
