"""The queue repository on SQL, inside one session's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from server.store import _queries as q
from server.store._queries import OPEN_STATUSES
from server.store.models import Counter, Event, RequestRecord, Service, Site, Ticket

__all__ = ["OPEN_STATUSES", "SqlRepository"]

ConfigRow = TypeVar("ConfigRow", Site, Service, Counter)


class SqlRepository:
    """Queue storage inside one transaction.

    A site's services, counters and which counter serves what are read once
    per transaction and kept: one command asks for them many times (every event
    names its service and counter), and the session alone would forget them,
    since it only holds rows that something else still refers to. Tickets this
    transaction has locked are kept too: nobody else can change them until it
    commits, so they need not be read twice.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._sites: dict[str, Site] = {}
        self._services: dict[int, list[Service]] = {}
        self._counters: dict[int, list[Counter]] = {}
        self._served_by: dict[int, list[int]] = {}
        self._held: dict[tuple[type, int], Site | Service | Counter] = {}
        self._locked: dict[int, Ticket] = {}
        self._bare: Connection | None = None

    @property
    def _locks_rows(self) -> bool:
        # SQLite serialises writers with BEGIN IMMEDIATE; it has no row locks.
        return self.dialect == "postgresql"

    def site(self, code: str) -> Site | None:
        if code not in self._sites:
            site = self.session.exec(q.site_by_code, params={"code": code}).first()
            if site is None:
                return None
            self._sites[code] = self._hold(site)
        return self._sites[code]

    def site_by_id(self, site_id: int) -> Site:
        return self._held_or_get(Site, site_id)

    def services(self, site_id: int) -> list[Service]:
        if site_id not in self._services:
            found = self.session.exec(q.services_of_site, params={"site_id": site_id})
            self._services[site_id] = [self._hold(service) for service in found]
        return list(self._services[site_id])

    def service(self, service_id: int) -> Service:
        return self._held_or_get(Service, service_id)

    def counters(self, site_id: int) -> list[Counter]:
        if site_id not in self._counters:
            found = self.session.exec(q.counters_of_site, params={"site_id": site_id})
            self._counters[site_id] = [self._hold(counter) for counter in found]
        return list(self._counters[site_id])

    def counter(self, counter_id: int) -> Counter:
        return self._held_or_get(Counter, counter_id)

    def counter_service_ids(self, counter_id: int) -> list[int]:
        if counter_id not in self._served_by:
            # All counters of the site at once: views ask for every one of them.
            site_id = self.counter(counter_id).site_id
            for counter in self.counters(site_id):
                self._served_by[counter.id or 0] = []
            rows = self.session.exec(q.services_per_counter, params={"site_id": site_id})
            for counter_of_row, service_id in rows:
                self._served_by.setdefault(counter_of_row, []).append(service_id)
        return list(self._served_by.get(counter_id, []))

    def _hold(self, row: ConfigRow) -> ConfigRow:
        self._held[(type(row), row.id or 0)] = row
        return row

    def _held_or_get(self, kind: type[ConfigRow], row_id: int) -> ConfigRow:
        held = self._held.get((kind, row_id))
        if held is None:
            held = self.session.exec(q.by_id[kind], params={"row_id": row_id}).first()
            assert held is not None, f"no {kind.__name__} {row_id}"
            self._hold(held)
        assert isinstance(held, kind)
        return held

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        statement = q.allocate_number[self.dialect]
        params = {"service_id": service_id, "local_day": local_day, "first_number": first_number}
        return int(self._connection.execute(statement, params).scalar_one())

    def issued_count(self, service_id: int, local_day: date, first_number: int) -> int:
        params = {"service_id": service_id, "local_day": local_day}
        last = self._connection.execute(q.issued_last, params).scalar()
        return 0 if last is None else last - first_number + 1

    def waiting(
        self, site_id: int, local_day: date, service_ids: Collection[int] | None = None
    ) -> list[Ticket]:
        params = {"site_id": site_id, "local_day": local_day}
        if service_ids is None:
            return list(self.session.exec(q.waiting, params=params))
        params["service_ids"] = list(service_ids)
        return list(self.session.exec(q.waiting_for_services, params=params))

    def claim(self, ticket_id: int) -> Ticket | None:
        statement = q.claim_skip_locked if self._locks_rows else q.claim
        found = self.session.exec(statement, params={"ticket_id": ticket_id}).first()
        return self._keep_locked(found)

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        if lock and ticket_id in self._locked:
            return self._locked[ticket_id]
        statement = q.ticket_locked if lock and self._locks_rows else q.ticket
        found = self.session.exec(statement, params={"ticket_id": ticket_id}).first()
        return self._keep_locked(found) if lock else found

    def _keep_locked(self, ticket: Ticket | None) -> Ticket | None:
        if ticket is not None and ticket.id is not None:
            self._locked[ticket.id] = ticket
        return ticket

    def at_counter(self, counter_id: int, lock: bool = False) -> Ticket | None:
        params = {"counter_id": counter_id}
        if not lock:
            return self.session.exec(q.at_counter, params=params).first()
        if not self._locks_rows:
            return self._keep_locked(self.session.exec(q.at_counter_fresh, params=params).first())
        # Without the counter's row, two NEXT presses at one counter would each
        # find it free and both call someone to it. Fresh: the counter read before
        # the wait may be stale.
        self.session.exec(q.lock_counter, params=params).one()
        return self._keep_locked(self.session.exec(q.at_counter_locked, params=params).first())

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        statement = q.unfinished_skip_locked if self._locks_rows else q.unfinished
        params = {"site_id": site_id, "local_day": local_day}
        return list(self.session.exec(statement, params=params))

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        params = {"service_id": service_id, "local_day": local_day, "limit": limit}
        durations = []
        for started_at, last_called_at, finished_at in self.session.exec(
            q.service_durations, params=params
        ):
            began = started_at or last_called_at
            if began is not None and finished_at is not None:
                durations.append((finished_at - began).total_seconds())
        return list(reversed(durations))

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Ticket]:
        params = {"site_id": site_id, "local_day": local_day, "limit": limit}
        return list(self.session.exec(q.recent_calls, params=params))

    @property
    def _connection(self) -> Connection:
        """The transaction's own connection, for statements on tables the ORM
        never holds changes for: no autoflush, no ORM bookkeeping."""
        if self._bare is None:
            self._bare = self.session.connection()
        return self._bare

    def add(self, item: Ticket | Event) -> None:
        if isinstance(item, Event):
            # Events are written once and never changed, so they skip the session.
            values = {key: getattr(item, key) for key in q.EVENT_COLUMNS}
            item.id = self._connection.execute(q.insert_event, values).scalar_one()
            return
        # A new ticket is inserted directly, then handed to the session as if it
        # had been read, so later changes in this transaction are still written.
        self.session.flush()
        values = {key: getattr(item, key) for key in q.TICKET_COLUMNS}
        item.id = self._connection.execute(q.insert_ticket, values).scalar_one()
        make_transient_to_detached(item)
        self.session.add(item)

    def next_seq(self, site: Site) -> int:
        seq = self._connection.execute(q.next_seq, {"site_id": site.id}).scalar_one()
        set_committed_value(site, "last_seq", seq)
        return int(seq)

    def events_since(self, site_id: int, seq: int, limit: int = 1000) -> list[Event]:
        params = {"site_id": site_id, "seq": seq, "limit": limit}
        return list(self.session.exec(q.events_since, params=params))

    # The request log: a command's answer kept under its request id.

    def claim_request(self, caller: str, request_id: str, now: datetime) -> int | None:
        """Record a new request id and return its record's id; None if it is known already.

        On PostgreSQL this waits while a concurrent transaction holds the same id.
        """
        params = {"caller": caller, "request_id": request_id, "created_at": now}
        claimed = self._connection.execute(q.claim_request[self.dialect], params).first()
        return None if claimed is None else int(claimed[0])

    def request_record(self, caller: str, request_id: str) -> RequestRecord:
        params = {"caller": caller, "request_id": request_id}
        return self.session.exec(q.earlier_request, params=params).one()

    def answer_request(self, record_id: int, status: int, body: dict[str, Any]) -> None:
        params = {"record_id": record_id, "answer_status": status, "answer_body": body}
        self._connection.execute(q.answer_request, params)
