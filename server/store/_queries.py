"""The repository's statements, built once with bound parameters.

Building a statement and working out its cache key costs SQLAlchemy more than
running it against SQLite does; every command runs a dozen of these, so they
are made once here and only executed with new parameter values. Statements
that need no ORM objects back are written against the tables (Core), which
skips the ORM's bookkeeping: several times cheaper for an INSERT.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from antrean.vocabulary import TicketStatus
from server.store.models import (
    Counter,
    CounterService,
    DailyNumber,
    Event,
    RequestRecord,
    Service,
    Site,
    Ticket,
)

OPEN_STATUSES = (
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.NO_SHOW,
)
AT_COUNTER = (TicketStatus.CALLED, TicketStatus.SERVING)
FRESH = {"populate_existing": True}

site_by_code = select(Site).where(Site.code == bindparam("code"))
by_id: dict[type, Any] = {
    kind: select(kind).where(kind.id == bindparam("row_id"))  # type: ignore[attr-defined]
    for kind in (Site, Service, Counter)
}
services_of_site = select(Service).where(Service.site_id == bindparam("site_id"))
counters_of_site = select(Counter).where(Counter.site_id == bindparam("site_id"))
_counter_services = CounterService.__table__.c
_counters = Counter.__table__.c
services_per_counter = (
    select(_counter_services.counter_id, _counter_services.service_id)
    .join(Counter.__table__, _counters.id == _counter_services.counter_id)
    .where(_counters.site_id == bindparam("site_id"))
    .order_by(
        _counter_services.counter_id, _counter_services.preference, _counter_services.service_id
    )
)
# NO KEY UPDATE, not UPDATE: a plain FOR UPDATE would also block the foreign-key
# checks of events that name this counter, and their writers may hold the site
# row that the locking transaction is about to wait for.
lock_counter = (
    select(Counter)
    .where(Counter.id == bindparam("counter_id"))
    .with_for_update(key_share=True)
    .execution_options(**FRESH)
)

_daily = DailyNumber.__table__.c
issued_last = select(_daily.last_number).where(
    _daily.service_id == bindparam("service_id"), _daily.local_day == bindparam("local_day")
)

_waiting = select(Ticket).where(
    Ticket.site_id == bindparam("site_id"),
    Ticket.local_day == bindparam("local_day"),
    Ticket.status == TicketStatus.WAITING,
)
_arrival = (col(Ticket.queued_at), col(Ticket.id))
waiting = _waiting.order_by(*_arrival)
waiting_for_services = _waiting.where(
    col(Ticket.service_id).in_(bindparam("service_ids", expanding=True))
).order_by(*_arrival)

_claim = select(Ticket).where(
    Ticket.id == bindparam("ticket_id"), Ticket.status == TicketStatus.WAITING
)
claim = _claim.execution_options(**FRESH)
# Another counter holding this row is calling it: skip, try the next.
claim_skip_locked = _claim.with_for_update(skip_locked=True).execution_options(**FRESH)

_ticket = select(Ticket).where(Ticket.id == bindparam("ticket_id"))
ticket = _ticket.execution_options(**FRESH)
ticket_locked = _ticket.with_for_update().execution_options(**FRESH)

_at_counter = (
    select(Ticket)
    .where(Ticket.counter_id == bindparam("counter_id"), col(Ticket.status).in_(AT_COUNTER))
    .order_by(col(Ticket.id).desc())
)
at_counter = _at_counter
at_counter_fresh = _at_counter.execution_options(**FRESH)
at_counter_locked = _at_counter.with_for_update().execution_options(**FRESH)

_unfinished = (
    select(Ticket)
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.local_day < bindparam("local_day"),
        col(Ticket.status).in_(OPEN_STATUSES),
    )
    .order_by(col(Ticket.id))
)
unfinished = _unfinished
unfinished_skip_locked = _unfinished.with_for_update(skip_locked=True)

# Three timestamps, not whole tickets: this runs for every ticket issued.
_tickets = Ticket.__table__.c
service_durations = (
    select(_tickets.started_at, _tickets.last_called_at, _tickets.finished_at)
    .where(
        _tickets.service_id == bindparam("service_id"),
        _tickets.local_day == bindparam("local_day"),
        _tickets.status == TicketStatus.DONE,
        _tickets.finished_at.is_not(None),
    )
    .order_by(_tickets.finished_at.desc())
    .limit(bindparam("limit"))
)

recent_calls = (
    select(Ticket)
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.local_day == bindparam("local_day"),
        col(Ticket.last_called_at).is_not(None),
        # A requeued or transferred ticket left its counter: no longer a call to show.
        col(Ticket.counter_id).is_not(None),
    )
    .order_by(col(Ticket.last_called_at).desc())
    .limit(bindparam("limit"))
)

# The UPDATE holds the site row until commit, so events commit in seq order.
_sites = Site.__table__.c
next_seq = (
    update(Site.__table__)
    .where(_sites.id == bindparam("site_id"))
    .values(last_seq=_sites.last_seq + 1)
    .returning(_sites.last_seq)
)

# New rows straight into the tables: the ORM's unit of work costs several times
# the INSERT itself. Every column but the generated id, by attribute name.
_events = Event.__table__.c
EVENT_COLUMNS = tuple(c.key for c in Event.__table__.columns if c.key != "id")
insert_event = insert(Event.__table__).returning(_events.id)
TICKET_COLUMNS = tuple(c.key for c in Ticket.__table__.columns if c.key != "id")
insert_ticket = insert(Ticket.__table__).returning(_tickets.id)

events_since = (
    select(Event)
    .where(Event.site_id == bindparam("site_id"), Event.seq > bindparam("seq"))
    .order_by(col(Event.seq))
    .limit(bindparam("limit"))
)


def _allocate(insert: Any) -> Any:
    return (
        insert(DailyNumber.__table__)
        .values(
            service_id=bindparam("service_id"),
            local_day=bindparam("local_day"),
            last_number=bindparam("first_number"),
        )
        .on_conflict_do_update(
            index_elements=["service_id", "local_day"],
            set_={"last_number": _daily.last_number + 1},
        )
        .returning(_daily.last_number)
    )


allocate_number = {"postgresql": _allocate(postgresql.insert), "sqlite": _allocate(sqlite.insert)}


_requests = RequestRecord.__table__.c


def _claim_request(insert: Any) -> Any:
    return (
        insert(RequestRecord.__table__)
        .values(
            caller=bindparam("caller"),
            request_id=bindparam("request_id"),
            status_code=0,
            response={},
            created_at=bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=["caller", "request_id"])
        .returning(_requests.id)
    )


# Inserts the request id unless it is there already; on PostgreSQL a concurrent
# twin waits on it until the first commits.
claim_request = {
    "postgresql": _claim_request(postgresql.insert),
    "sqlite": _claim_request(sqlite.insert),
}
earlier_request = select(RequestRecord).where(
    RequestRecord.caller == bindparam("caller"),
    RequestRecord.request_id == bindparam("request_id"),
)
answer_request = (
    update(RequestRecord.__table__)
    .where(_requests.id == bindparam("record_id"))
    .values(status_code=bindparam("answer_status"), response=bindparam("answer_body"))
)
