"""Running commands: one transaction each, exactly once per request id, then fanout.

Both the REST API and the device sockets come through here, so a command has
the same checks, the same answer and the same events whichever way it came.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from antrean.protocol import (
    CallNextCommand,
    CallTicketCommand,
    Command,
    CounterStateCommand,
    CounterView,
    EventView,
    IssuedTicket,
    IssueTicketCommand,
    RateServiceCommand,
    TicketCommand,
    TransferCommand,
)
from antrean.vocabulary import Channel, DeviceKind
from server.auth import caller_in
from server.engine import commands as engine
from server.engine.clock import local_time
from server.engine.errors import QueueError
from server.engine.views import SiteIndex, WaitEstimator, event_view, make_ticket_view
from server.permissions import Action, Caller, authorize
from server.store.database import Database
from server.store.models import Event, RequestRecord, Ticket
from server.store.repository import SqlRepository

TRANSIENT_ATTEMPTS = 3
# PostgreSQL's deadlock_detected and serialization_failure.
TRANSIENT_SQLSTATES = {"40P01", "40001"}


def utc_now() -> datetime:
    return datetime.now(UTC)


class EventBus(Protocol):
    def publish(self, events: list[EventView]) -> None: ...


class CommandWatch(Protocol):
    """Told about every command: may refuse it before it changes anything, and
    hears how it ended (the clock check, the metrics, the storage watch)."""

    def check(self, now: datetime) -> None: ...

    def finished(self, command: str, result: str, seconds: float) -> None: ...


class Announcer(Protocol):
    """Tells other server processes about a command's events, inside its transaction."""

    def notices(self, events: list[EventView]) -> list[tuple[str, str]]:
        """(channel, payload) pairs for PostgreSQL's NOTIFY, sent at commit or never."""
        ...


class NoBus:
    def publish(self, events: list[EventView]) -> None:
        pass


@dataclass(frozen=True)
class Outcome:
    """An answer: HTTP-like status and a JSON body (None for 204)."""

    status: int
    body: dict[str, Any] | None


class RecordingRepository(SqlRepository):
    """Remembers the events a command appended, to publish after commit."""

    appended: list[Event]

    def _setup(self, connection: Any, dialect: str) -> None:
        super()._setup(connection, dialect)
        self.appended = []
        self.notices: list[tuple[str, str]] = []

    def add(self, item: Ticket | Event) -> None:
        super().add(item)
        if isinstance(item, Event):
            self.appended.append(item)

    def write_changes(self) -> None:
        super().write_changes()
        # With the last writes, in the same round trip; PostgreSQL delivers them at commit.
        for channel, payload in self.notices:
            self._execute("SELECT pg_notify(%s, %s)", (channel, payload))
        self.notices.clear()


Work = Callable[[RecordingRepository, datetime], Outcome]
CallerWork = Callable[[RecordingRepository, datetime, Caller], Outcome]
Identify = Callable[[RecordingRepository, datetime], Caller]


class Operations:
    def __init__(
        self,
        db: Database,
        bus: EventBus | None = None,
        clock: Callable[[], datetime] = utc_now,
        request_log_hours: float = 48,
    ) -> None:
        self.db = db
        self.bus: EventBus = bus or NoBus()
        self.clock = clock
        self.request_log_age = timedelta(hours=request_log_hours)
        self.watches: list[CommandWatch] = []
        self.announcer: Announcer | None = None

    def run(self, caller: Caller, request_id: str | None, work: Work) -> Outcome:
        """Run `work` in one write transaction; a repeated request id replays its answer.

        A deadlock or serialisation failure between two writers rolled back
        everything, so the command is simply run again.
        """
        return self._run(lambda _repo, _now: caller, request_id, lambda r, n, _c: work(r, n))

    def _run(self, identify: Identify, request_id: str | None, work: CallerWork) -> Outcome:
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                return self._run_once(identify, request_id, work)
            except (OperationalError, sqlite3.OperationalError, psycopg.OperationalError) as error:
                if attempt == TRANSIENT_ATTEMPTS or not _transient(error):
                    raise
        raise AssertionError("unreachable")

    def _run_once(self, identify: Identify, request_id: str | None, work: CallerWork) -> Outcome:
        with self.db.driver_transaction() as connection:
            repo = RecordingRepository.over(connection, self.db.dialect)
            now = self.clock()
            caller = identify(repo, now)
            record_id = None
            if request_id is not None:
                claim = self._claim_request(repo, caller, request_id, now)
                if isinstance(claim, Outcome):
                    return claim
                record_id = claim
            outcome = work(repo, now, caller)
            if record_id is not None:
                repo.answer_request(record_id, outcome.status, outcome.body or {})
            site_codes = {e.site_id: repo.site_by_id(e.site_id).code for e in repo.appended}
            events = [event_view(site_codes[e.site_id], e) for e in repo.appended]
            if events and self.announcer is not None:
                repo.notices = self.announcer.notices(events)
            repo.commit()
        if events:
            self.bus.publish(events)
        return outcome

    def _claim_request(
        self, repo: SqlRepository, caller: Caller, request_id: str, now: datetime
    ) -> int | Outcome:
        """The new request record's id, or the answer a twin request already got."""
        # On PostgreSQL a concurrent twin waits here until the first commits.
        claimed = repo.claim_request(caller.label, request_id, now)
        if claimed is not None:
            return claimed
        record = repo.request_record(caller.label, request_id)
        if record.status_code == 0:
            raise QueueError("request_in_progress", {"request_id": request_id})
        return Outcome(record.status_code, record.response or None)

    def forget_old_requests(self) -> int:
        with self.db.transaction() as session:
            result = session.execute(
                delete(RequestRecord).where(
                    col(RequestRecord.created_at) < self.clock() - self.request_log_age
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def execute(
        self, caller: Caller | str, command: Command, request_id: str | None = None
    ) -> Outcome:
        """Check permission and carry out one command from the wire contract.

        `caller` is who sends it, or the bearer token they sent: then who that is
        is read inside the command's own transaction (a REST request costs no
        transaction, connection or thread of its own to find out).
        """
        handler = _HANDLERS[type(command)]
        identify: Identify
        if isinstance(caller, str):
            token = caller

            def identify(repo: RecordingRepository, now: datetime) -> Caller:
                return caller_in(repo, token, now)
        else:
            known = caller

            def identify(repo: RecordingRepository, now: datetime) -> Caller:
                return known

        def work(repo: RecordingRepository, now: datetime, who: Caller) -> Outcome:
            for watch in self.watches:
                watch.check(now)
            return handler(repo, now, who, command)

        started = time.perf_counter()
        result = "error"
        try:
            outcome = self._run(identify, request_id, work)
            result = "ok" if outcome.status != 204 else "nothing"
            return outcome
        except QueueError as refusal:
            result = refusal.code
            raise
        except (OperationalError, sqlite3.OperationalError, psycopg.OperationalError) as error:
            if not storage_failure(error):
                raise
            result = "storage_unavailable"
            raise QueueError("storage_unavailable", {"detail": str(error)[:200]}) from error
        finally:
            seconds = time.perf_counter() - started
            for watch in self.watches:
                watch.finished(command.type, result, seconds)


# SQLite's FULL, READONLY, IOERR and CANTOPEN (the low byte of an extended code);
# PostgreSQL's disk_full and io_error.
STORAGE_SQLITE_CODES = {13, 8, 10, 14}
STORAGE_SQLSTATES = {"53100", "58030"}


def storage_failure(error: Exception) -> bool:
    """The database could not write: a full disk, a read-only or failing card."""
    cause = getattr(error, "orig", None) or error
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in STORAGE_SQLITE_CODES
    return getattr(cause, "sqlstate", None) in STORAGE_SQLSTATES


def _transient(error: Exception) -> bool:
    # Raised by the driver directly, or wrapped by SQLAlchemy.
    cause = getattr(error, "orig", None) or error
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate in TRANSIENT_SQLSTATES or "database is locked" in str(cause)


def _issue(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    assert site.id is not None
    authorize(caller, Action.ISSUE, site.id)
    channel = {
        DeviceKind.KIOSK: Channel.KIOSK, DeviceKind.COUNTER: Channel.COUNTER,
    }.get(caller.device_kind, Channel.COUNTER if caller.role else Channel.WEB)  # type: ignore[arg-type]
    ticket = engine.issue_ticket(
        repo, site, cmd.service, now, caller.actor, priority=cmd.priority, channel=channel
    )
    index = SiteIndex(repo, site)
    ahead, minutes = WaitEstimator(repo, index, now).for_ticket(ticket)
    issued = IssuedTicket(
        ticket=index.ticket_view(ticket),
        token=ticket.token,
        status_path=status_path(ticket),
        service_name=index.services[ticket.service_id].name,
        people_ahead=ahead,
        estimated_wait_minutes=minutes,
        local_time=local_time(site, ticket.issued_at),
    )
    return Outcome(201, issued.model_dump(mode="json"))


def _call_next(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    assert site.id is not None
    authorize(caller, Action.OPERATE, site.id, counter=cmd.counter)
    ticket = engine.call_next(repo, site, cmd.counter, now, caller.actor)
    if ticket is None:
        return Outcome(204, None)
    return _ticket_outcome(repo, ticket)


def _call_ticket(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    site = repo.site_by_id(ticket.site_id)
    authorize(caller, Action.OPERATE, ticket.site_id, counter=cmd.counter)
    engine.call_ticket(repo, site, ticket.id or 0, cmd.counter, now, caller.actor)
    return _ticket_outcome(repo, ticket)


_TICKET_STEPS = {
    "recall": engine.recall,
    "start": engine.start,
    "finish": engine.finish,
    "no_show": engine.no_show,
    "requeue": engine.requeue,
}


def _ticket_step(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    action = Action.CANCEL if cmd.type == "cancel" else Action.OPERATE
    authorize(caller, action, ticket.site_id, counter=counter, ticket=ticket, now=now)
    if cmd.type == "cancel":
        engine.cancel(repo, ticket.id or 0, now, caller.actor, reason=cmd.reason)
    else:
        _TICKET_STEPS[cmd.type](repo, ticket.id or 0, now, caller.actor)
    return _ticket_outcome(repo, ticket)


def _transfer(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    authorize(caller, Action.OPERATE, ticket.site_id, counter=counter, ticket=ticket)
    engine.transfer(repo, ticket.id or 0, cmd.service, now, caller.actor, note=cmd.note)
    return _ticket_outcome(repo, ticket)


def _rate(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    authorize(caller, Action.RATE, ticket.site_id, counter=counter, ticket=ticket)
    engine.rate(repo, ticket.id or 0, cmd.satisfaction, now, caller.actor)
    return _ticket_outcome(repo, ticket)


def _counter_state(repo: SqlRepository, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    assert site.id is not None
    authorize(caller, Action.MANAGE_COUNTER, site.id, counter=cmd.counter)
    counter = engine.set_counter_state(
        repo, site, cmd.counter, cmd.state, now, caller.actor, reason=cmd.reason
    )
    index = SiteIndex(repo, site)
    current = repo.at_counter(counter.id or 0)
    view = CounterView(
        number=counter.number,
        name=counter.name,
        state=counter.state,
        services=[index.services[s].code for s in index.served_by.get(counter.id, [])],
        current=index.ticket_view(current) if current else None,
    )
    return Outcome(200, view.model_dump(mode="json"))


def _ticket_outcome(repo: SqlRepository, ticket: Ticket) -> Outcome:
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    view = make_ticket_view(ticket, repo.service(ticket.service_id).code, counter)
    return Outcome(200, view.model_dump(mode="json"))


def status_path(ticket: Ticket) -> str:
    return f"/t/{ticket.id}?token={ticket.token}"


_HANDLERS: dict[type, Callable[[SqlRepository, datetime, Caller, Any], Outcome]] = {
    IssueTicketCommand: _issue,
    CallNextCommand: _call_next,
    CallTicketCommand: _call_ticket,
    TicketCommand: _ticket_step,
    TransferCommand: _transfer,
    CounterStateCommand: _counter_state,
    RateServiceCommand: _rate,
}
