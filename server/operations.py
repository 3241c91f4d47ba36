"""Running commands: one transaction each, exactly once per request id, then fanout.

Both the REST API and the device sockets come through here, so a command has
the same checks, the same answer and the same events whichever way it came.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

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
from server.auth import caller_for_token
from server.engine import commands as engine
from server.engine.clock import local_time
from server.engine.errors import QueueError
from server.engine.model import Ticket
from server.engine.views import SiteIndex, WaitEstimator, event_view, make_ticket_view
from server.permissions import Action, Caller, authorize
from server.store import notifications, requests
from server.store.database import Database
from server.store.errors import AlreadyKept, StorageUnavailable, TransientConflict
from server.store.unit_of_work import UnitOfWork

TRANSIENT_ATTEMPTS = 3


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


Work = Callable[[UnitOfWork, datetime], Outcome]
CallerWork = Callable[[UnitOfWork, datetime, Caller], Outcome]
Identify = Callable[[UnitOfWork, datetime], Caller]


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

        `work` runs only for a request id not seen before (it may do more than
        write to the database: fill in what its page shows, say). A deadlock or
        serialisation failure between two writers rolled back everything, so the
        work is simply run again.
        """
        return self._run(
            lambda _unit, _now: caller, request_id, lambda u, n, _c: work(u, n),
            claim_first=True,
        )

    def _run(
        self, identify: Identify, request_id: str | None, work: CallerWork, claim_first: bool
    ) -> Outcome:
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                return self._run_once(identify, request_id, work, claim_first)
            except TransientConflict:
                if attempt == TRANSIENT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _run_once(
        self, identify: Identify, request_id: str | None, work: CallerWork, claim_first: bool
    ) -> Outcome:
        caller: Caller | None = None
        try:
            with self.db.writing() as unit:
                now = self.clock()
                caller = identify(unit, now)
                record_id = None
                if request_id is not None and claim_first:
                    claim = self._claim_request(unit, caller, request_id, now)
                    if isinstance(claim, Outcome):
                        return claim
                    record_id = claim
                outcome = work(unit, now, caller)
                if record_id is not None:
                    requests.answer(unit, record_id, outcome.status, outcome.body or {})
                elif request_id is not None:
                    # Not claimed first: a command only writes to the database, so a
                    # repeat may run again and be rolled back when its commit meets the
                    # answer.
                    requests.keep(
                        unit, caller.label, request_id, now, outcome.status, outcome.body or {}
                    )
                site_codes = {e.site_id: unit.site_by_id(e.site_id).code for e in unit.appended}
                events = [event_view(site_codes[e.site_id], e) for e in unit.appended]
                if events and self.announcer is not None:
                    # With the commit, in its round trip; PostgreSQL delivers it at commit.
                    for channel, payload in self.announcer.notices(events):
                        notifications.announce(unit, channel, payload)
        except (AlreadyKept, QueueError):
            if claim_first or request_id is None or caller is None:
                raise  # claimed first, a twin was answered from the claim and never ran
            # A twin of this request was answered while it ran (its commit met the
            # twin's answer) or before (run again, it was refused).
            earlier = self._earlier_answer(caller.label, request_id)
            if earlier is None:
                raise
            return earlier
        if events:
            self.bus.publish(events)
        return outcome

    def _claim_request(
        self, unit: UnitOfWork, caller: Caller, request_id: str, now: datetime
    ) -> int | Outcome:
        """The new request record's id, or the answer a twin request already got."""
        # On PostgreSQL a concurrent twin waits here until the first commits.
        claimed = requests.claim(unit, caller.label, request_id, now)
        if claimed is not None:
            return claimed
        earlier = requests.earlier_answer(unit, caller.label, request_id)
        if earlier.status == requests.IN_PROGRESS:
            raise QueueError("request_in_progress", {"request_id": request_id})
        return Outcome(earlier.status, earlier.body or None)

    def _earlier_answer(self, caller: str, request_id: str) -> Outcome | None:
        """The answer kept for this caller's request id, if any."""
        with self.db.reading() as unit:
            try:
                earlier = requests.earlier_answer(unit, caller, request_id)
            except LookupError:
                return None
        if earlier.status == requests.IN_PROGRESS:
            return None
        return Outcome(earlier.status, earlier.body or None)

    def forget_old_requests(self) -> int:
        with self.db.writing() as unit:
            return requests.forget_before(unit, self.clock() - self.request_log_age)

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

            def identify(unit: UnitOfWork, now: datetime) -> Caller:
                return caller_for_token(unit, token, now)
        else:
            known = caller

            def identify(unit: UnitOfWork, now: datetime) -> Caller:
                return known

        def work(repo: UnitOfWork, now: datetime, who: Caller) -> Outcome:
            for watch in self.watches:
                watch.check(now)
            return handler(repo, now, who, command)

        started = time.perf_counter()
        result = "error"
        try:
            # A command's handler only writes to the database: no claim of its
            # request id first, one round trip less (`_run_once`).
            outcome = self._run(identify, request_id, work, claim_first=False)
            result = "ok" if outcome.status != 204 else "nothing"
            return outcome
        except QueueError as refusal:
            result = refusal.code
            raise
        except StorageUnavailable as error:
            result = "storage_unavailable"
            raise QueueError("storage_unavailable", {"detail": str(error)[:200]}) from error
        finally:
            seconds = time.perf_counter() - started
            for watch in self.watches:
                watch.finished(command.type, result, seconds)


def _issue(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    authorize(caller, Action.ISSUE, site.id)
    if caller.device_kind is not None:
        channel = Channel.KIOSK if caller.device_kind is DeviceKind.KIOSK else Channel.COUNTER
    else:
        channel = Channel.COUNTER if caller.role else Channel.WEB
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


def _call_next(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    authorize(caller, Action.OPERATE, site.id, counter=cmd.counter)
    ticket = engine.call_next(repo, site, cmd.counter, now, caller.actor)
    if ticket is None:
        return Outcome(204, None)
    return _ticket_outcome(repo, ticket)


def _call_ticket(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    site = repo.site_by_id(ticket.site_id)
    authorize(caller, Action.OPERATE, ticket.site_id, counter=cmd.counter)
    engine.call_ticket(repo, site, ticket.id, cmd.counter, now, caller.actor)
    return _ticket_outcome(repo, ticket)


_TICKET_STEPS = {
    "recall": engine.recall,
    "start": engine.start,
    "finish": engine.finish,
    "no_show": engine.no_show,
    "requeue": engine.requeue,
}


def _ticket_step(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    action = Action.CANCEL if cmd.type == "cancel" else Action.OPERATE
    authorize(caller, action, ticket.site_id, counter=counter, ticket=ticket, now=now)
    if cmd.type == "cancel":
        engine.cancel(repo, ticket.id, now, caller.actor, reason=cmd.reason)
    else:
        _TICKET_STEPS[cmd.type](repo, ticket.id, now, caller.actor)
    return _ticket_outcome(repo, ticket)


def _transfer(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    authorize(caller, Action.OPERATE, ticket.site_id, counter=counter, ticket=ticket)
    engine.transfer(repo, ticket.id, cmd.service, now, caller.actor, note=cmd.note)
    return _ticket_outcome(repo, ticket)


def _rate(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    ticket = engine.find_ticket(repo, cmd.ticket_id)
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    authorize(caller, Action.RATE, ticket.site_id, counter=counter, ticket=ticket)
    engine.rate(repo, ticket.id, cmd.satisfaction, now, caller.actor)
    return _ticket_outcome(repo, ticket)


def _counter_state(repo: UnitOfWork, now: datetime, caller: Caller, cmd: Any) -> Outcome:
    site = engine.find_site(repo, cmd.site)
    authorize(caller, Action.MANAGE_COUNTER, site.id, counter=cmd.counter)
    counter = engine.set_counter_state(
        repo, site, cmd.counter, cmd.state, now, caller.actor, reason=cmd.reason
    )
    index = SiteIndex(repo, site)
    current = repo.at_counter(counter.id)
    view = CounterView(
        number=counter.number,
        name=counter.name,
        state=counter.state,
        services=[index.services[s].code for s in counter.service_ids],
        current=index.ticket_view(current) if current else None,
    )
    return Outcome(200, view.model_dump(mode="json"))


def _ticket_outcome(repo: UnitOfWork, ticket: Ticket) -> Outcome:
    counter = repo.counter(ticket.counter_id).number if ticket.counter_id else None
    view = make_ticket_view(ticket, repo.service(ticket.service_id).code, counter)
    return Outcome(200, view.model_dump(mode="json"))


def status_path(ticket: Ticket) -> str:
    return f"/t/{ticket.id}?token={ticket.token}"


_HANDLERS: dict[type, Callable[[UnitOfWork, datetime, Caller, Any], Outcome]] = {
    IssueTicketCommand: _issue,
    CallNextCommand: _call_next,
    CallTicketCommand: _call_ticket,
    TicketCommand: _ticket_step,
    TransferCommand: _transfer,
    CounterStateCommand: _counter_state,
    RateServiceCommand: _rate,
}
