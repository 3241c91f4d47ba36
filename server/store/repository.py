"""The queue repository on SQL, inside one transaction, straight on the driver.

Every command runs here, so this is the hot path: statements are plain SQL
written once (`statements.py`), rows become model objects without the ORM
(`rows.py`), and the changes the rules make to tickets and counters are
written back as one `UPDATE` of the changed columns. That keeps a command's
cost close to what the database itself spends (see docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import Any, Self, TypeVar

from sqlalchemy import event
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session

from antrean.vocabulary import Priority
from server.engine.repository import Place
from server.store.models import (
    Counter,
    Device,
    Event,
    RequestRecord,
    Service,
    Site,
    Ticket,
    User,
    UserToken,
)
from server.store.rows import Table
from server.store.statements import OPEN_STATUSES, STATEMENTS, Statements

__all__ = ["OPEN_STATUSES", "SqlRepository"]

Row = Sequence[Any]
Changed = TypeVar("Changed", Ticket, Counter)
_TABLES: dict[str, dict[type, Table[Any]]] = {}


def tables(dialect: str) -> dict[type, Table[Any]]:
    if dialect not in _TABLES:
        _TABLES[dialect] = {
            model: Table(model, dialect)
            for model in (
                Site, Service, Counter, Ticket, Event, RequestRecord, Device, User, UserToken,
            )
        }
    return _TABLES[dialect]


class SqlRepository:
    """Queue storage inside one transaction.

    A site's services, counters and which counter serves what are read once
    per transaction and kept: one command asks for them many times (every event
    names its service and counter). Each ticket is one object per transaction,
    as with an ORM session; what the rules change on it is written before the
    next read and before commit, so every statement sees the command's own
    changes.
    """

    def __init__(self, session: Session) -> None:
        """On a session's transaction; its commit writes the pending changes first."""
        self.session = session
        connection = session.connection().connection.driver_connection
        self._setup(connection, session.get_bind().dialect.name)
        event.listen(session, "before_commit", lambda _session: self.write_changes())

    @classmethod
    def over(cls, connection: Any, dialect: str) -> Self:
        """On a driver connection already in a transaction; the caller commits after
        `write_changes()`."""
        repo = cls.__new__(cls)
        repo._setup(connection, dialect)
        return repo

    def _setup(self, connection: Any, dialect: str) -> None:
        self._driver = connection
        self._execute: Callable[..., Any] = connection.execute
        self.dialect = dialect
        self.sql: Statements = STATEMENTS[dialect]
        self._tables = tables(dialect)
        self._ticket_table: Table[Ticket] = self._tables[Ticket]
        self._sites: dict[str, Site] = {}
        self._sites_by_id: dict[int, Site] = {}
        self._services: dict[int, list[Service]] = {}
        self._services_by_id: dict[int, Service] = {}
        self._counters: dict[int, list[Counter]] = {}
        self._counters_by_id: dict[int, Counter] = {}
        self._served_by: dict[int, list[int]] = {}
        self._tickets: dict[int, Ticket] = {}
        self._locked: set[int] = set()
        self._update_sql: dict[tuple[str, tuple[str, ...]], str] = {}
        self._answer: tuple[int, str | None, int] | None = None

    @property
    def _locks_rows(self) -> bool:
        # SQLite serialises writers with BEGIN IMMEDIATE; it has no row locks.
        return self.dialect == "postgresql"

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Row]:
        return list(self._execute(statement, params).fetchall())

    def _row(self, statement: str, params: Sequence[Any]) -> Row | None:
        row: Row | None = self._execute(statement, params).fetchone()
        return row

    # --- configuration: sites, services, counters ---------------------------------

    def _keep_site(self, row: Row | None) -> Site | None:
        if row is None:
            return None
        site: Site = self._tables[Site].load(row)
        self._sites[site.code] = self._sites_by_id[site.id or 0] = site
        return site

    def site(self, code: str) -> Site | None:
        if code not in self._sites:
            return self._keep_site(self._row(self.sql.site_by_code, (code,)))
        return self._sites[code]

    def site_by_id(self, site_id: int) -> Site:
        site = self._sites_by_id.get(site_id)
        if site is None:
            site = self._keep_site(self._row(self.sql.site_by_id, (site_id,)))
            assert site is not None, f"no site {site_id}"
        return site

    def services(self, site_id: int) -> list[Service]:
        if site_id not in self._services:
            table = self._tables[Service]
            found = [table.load(row) for row in self._rows(self.sql.services_of_site, (site_id,))]
            self._services[site_id] = found
            self._services_by_id.update((s.id, s) for s in found)
        return list(self._services[site_id])

    def service(self, service_id: int) -> Service:
        service = self._services_by_id.get(service_id)
        if service is None:
            row = self._row(self.sql.service_by_id, (service_id,))
            assert row is not None, f"no service {service_id}"
            service = self._services_by_id[service_id] = self._tables[Service].load(row)
        return service

    def counters(self, site_id: int) -> list[Counter]:
        if site_id not in self._counters:
            self.write_changes()
            rows = self._rows(self.sql.counters_of_site, (site_id,))
            self._counters[site_id] = [self._keep_counter(row) for row in rows]
        return list(self._counters[site_id])

    def counter(self, counter_id: int) -> Counter:
        counter = self._counters_by_id.get(counter_id)
        if counter is None:
            row = self._row(self.sql.counter_by_id, (counter_id,))
            assert row is not None, f"no counter {counter_id}"
            counter = self._keep_counter(row)
        return counter

    def _keep_counter(self, row: Row) -> Counter:
        counter = self._counters_by_id.get(row[0])
        if counter is None:
            counter = self._tables[Counter].load(row)
            self._counters_by_id[row[0]] = counter
        else:
            _refresh(counter, self._tables[Counter].load(row))
        return counter

    def counter_service_ids(self, counter_id: int) -> list[int]:
        if counter_id not in self._served_by:
            # All counters of the site at once: views ask for every one of them.
            site_id = self.counter(counter_id).site_id
            for counter in self.counters(site_id):
                self._served_by[counter.id or 0] = []
            for counter_of_row, service_id in self._rows(self.sql.services_per_counter, (site_id,)):
                self._served_by.setdefault(counter_of_row, []).append(service_id)
        return list(self._served_by.get(counter_id, []))

    # --- numbers ----------------------------------------------------------------------

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        day = self._ticket_table.param("local_day", local_day)
        row = self._row(self.sql.allocate_number, (service_id, day, first_number))
        assert row is not None
        return int(row[0])

    def issued_count(self, service_id: int, local_day: date, first_number: int) -> int:
        day = self._ticket_table.param("local_day", local_day)
        row = self._row(self.sql.issued_last, (service_id, day))
        return 0 if row is None else int(row[0]) - first_number + 1

    # --- tickets ----------------------------------------------------------------------

    def _ticket(self, row: Row | None) -> Ticket | None:
        """One object per ticket: a second read refreshes the first object."""
        if row is None:
            return None
        loaded = self._ticket_table.load(row)
        held = self._tickets.get(loaded.id or 0)
        if held is None:
            self._tickets[loaded.id or 0] = loaded
            return loaded
        _refresh(held, loaded)
        return held

    def _tickets_of(self, statement: str, params: Sequence[Any]) -> list[Ticket]:
        self.write_changes()
        found = []
        for row in self._rows(statement, params):
            ticket = self._ticket(row)
            assert ticket is not None
            found.append(ticket)
        return found

    def _one_ticket(self, statement: str, params: Sequence[Any]) -> Ticket | None:
        self.write_changes()
        return self._ticket(self._row(statement, params))

    def _day(self, local_day: date) -> Any:
        return self._ticket_table.param("local_day", local_day)

    def waiting(self, site_id: int, local_day: date) -> list[Ticket]:
        return self._tickets_of(self.sql.waiting, (site_id, self._day(local_day)))

    def places(self, site_id: int, local_day: date, service_ids: Collection[int]) -> list[Place]:
        if not service_ids:
            return []
        self.write_changes()
        mark = "%s" if self._locks_rows else "?"
        statement = self.sql.places.format(marks=", ".join(mark for _ in service_ids))
        read = self._ticket_table.load_value
        return [
            Place(ticket_id, service_id, Priority(priority), read("queued_at", queued_at))
            for ticket_id, service_id, priority, queued_at in self._rows(
                statement, [site_id, self._day(local_day), *service_ids]
            )
        ]

    def claim(self, ticket_id: int) -> Ticket | None:
        return self._keep_locked(self._one_ticket(self.sql.claim, (ticket_id,)))

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        if lock and ticket_id in self._locked:
            return self._tickets[ticket_id]
        statement = self.sql.ticket_locked if lock else self.sql.ticket
        found = self._one_ticket(statement, (ticket_id,))
        return self._keep_locked(found) if lock else found

    def _keep_locked(self, ticket: Ticket | None) -> Ticket | None:
        if ticket is not None and ticket.id is not None:
            self._locked.add(ticket.id)
        return ticket

    def at_counter(self, counter_id: int, lock: bool = False) -> Ticket | None:
        if not lock:
            return self._one_ticket(self.sql.at_counter, (counter_id,))
        if self._locks_rows:
            # Without the counter's row, two NEXT presses at one counter would each
            # find it free and both call someone to it. Read again: the counter
            # read before the wait may be stale.
            self.write_changes()
            row = self._row(self.sql.lock_counter, (counter_id,))
            assert row is not None, f"no counter {counter_id}"
            self._keep_counter(row)
        return self._keep_locked(self._one_ticket(self.sql.at_counter_locked, (counter_id,)))

    def busy_counters(self, site_id: int, local_day: date) -> set[int]:
        self.write_changes()
        rows = self._rows(self.sql.busy_counters, (site_id, self._day(local_day)))
        return {counter_id for (counter_id,) in rows}

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        return self._tickets_of(self.sql.unfinished, (site_id, self._day(local_day)))

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        self.write_changes()
        params = (service_id, self._day(local_day), limit)
        rows = self._rows(self.sql.service_durations, params)
        return [int(microseconds) / 1_000_000 for (microseconds,) in reversed(rows)]

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Ticket]:
        return self._tickets_of(self.sql.recent_calls, (site_id, self._day(local_day), limit))

    # --- writes -----------------------------------------------------------------------

    def add(self, item: Ticket | Event) -> None:
        """Store a new row and give it its id."""
        table = self._tables[type(item)]
        values = table.params(item, table.columns[1:])
        statement = self.sql.insert_event if isinstance(item, Event) else self.sql.insert_ticket
        row = self._row(statement, values)
        assert row is not None
        item.id = int(row[0])
        _mark_clean(item)
        if isinstance(item, Ticket):
            self._tickets[item.id] = item

    def next_seq(self, site: Site) -> int:
        row = self._row(self.sql.next_seq, (site.id,))
        assert row is not None
        # Already stored by the UPDATE: nothing to write back.
        site.__dict__["last_seq"] = int(row[0])
        return int(row[0])

    def commit(self) -> None:
        """Write what is pending and commit. On PostgreSQL the last writes and the
        commit go out together, one round trip instead of one each."""
        batch = self._driver.pipeline() if self._locks_rows else nullcontext()
        with batch:
            self.write_changes()
            self._driver.commit()

    def write_changes(self) -> None:
        """Write what the rules changed on tickets and counters since the last write."""
        if self._answer is not None:
            self._execute(self.sql.answer_request, self._answer)
            self._answer = None
        self._write(Ticket, self._tickets.values())
        self._write(Counter, self._counters_by_id.values())

    def _write(self, model: type[Changed], rows: Iterable[Changed]) -> None:
        table = self._tables[model]
        for row in rows:
            state = instance_state(row)
            if not state.modified:
                continue
            changed = tuple(
                key for key, before in state.committed_state.items()
                if row.__dict__.get(key) != before
            )
            if changed:
                key = (table.name, changed)
                statement = self._update_sql.get(key)
                if statement is None:
                    mark = "%s" if self._locks_rows else "?"
                    assignments = ", ".join(f"{column} = {mark}" for column in changed)
                    statement = f"UPDATE {table.name} SET {assignments} WHERE id = {mark}"
                    self._update_sql[key] = statement
                self._execute(statement, [*table.params(row, changed), row.id])
            _mark_clean(row)

    def events_since(self, site_id: int, seq: int, limit: int = 1000) -> list[Event]:
        table = self._tables[Event]
        return [
            table.load(row) for row in self._rows(self.sql.events_since, (site_id, seq, limit))
        ]

    # --- the request log: a command's answer kept under its request id --------------

    def claim_request(self, caller: str, request_id: str, now: datetime) -> int | None:
        """Record a new request id and return its record's id; None if it is known already.

        On PostgreSQL this waits while a concurrent transaction holds the same id.
        """
        created = self._tables[RequestRecord].param("created_at", now)
        row = self._row(self.sql.claim_request, (caller, request_id, created))
        return None if row is None else int(row[0])

    def request_record(self, caller: str, request_id: str) -> RequestRecord:
        row = self._row(self.sql.earlier_request, (caller, request_id))
        assert row is not None, f"no request {caller}/{request_id}"
        record: RequestRecord = self._tables[RequestRecord].load(row)
        return record

    # --- who is asking --------------------------------------------------------------

    def device_by_token(self, token_hash: str) -> Device | None:
        row = self._row(self.sql.device_by_token, (token_hash,))
        return None if row is None else self._tables[Device].load(row)

    def user_token(self, token_hash: str) -> UserToken | None:
        row = self._row(self.sql.user_token_by_token, (token_hash,))
        return None if row is None else self._tables[UserToken].load(row)

    def user(self, user_id: int) -> User | None:
        row = self._row(self.sql.user_by_id, (user_id,))
        return None if row is None else self._tables[User].load(row)

    def answer_request(self, record_id: int, status: int, body: dict[str, Any]) -> None:
        """Keep a command's answer under its request id; written with the last writes."""
        response = self._tables[RequestRecord].param("response", body)
        self._answer = (status, response, record_id)


def _mark_clean(row: Any) -> None:
    # What was just read or written is what the database holds: nothing to write.
    state = instance_state(row)
    if state.modified:
        state._commit_all(state.dict)


def _refresh(held: Any, loaded: Any) -> None:
    values = {key: value for key, value in loaded.__dict__.items() if key != "_sa_instance_state"}
    held.__dict__.update(values)
    _mark_clean(held)
