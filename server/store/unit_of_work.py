"""The unit of work: one transaction's engine objects, and the one place they are written.

A command loads what it needs through these reads, the rules change the
engine's objects, and `save` writes exactly the columns that changed since the
object was loaded (or last saved), at once, so every later read in the
transaction already sees it. Nothing is written behind the rules' back: at
commit, an object changed but never saved is an error (`UnsavedChanges`),
not a silent loss. Within one transaction each row is one object.

Open one with `Database.writing()` or `Database.reading()`; that is its only
lifecycle.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Table

from antrean.vocabulary import EventType
from server.engine.model import Call, Counter, Event, Place, Service, Site, Ticket
from server.store import event_log, statements
from server.store.compiled import Statement
from server.store.connection import Connection, Params
from server.store.errors import StoreError, UnsavedChanges
from server.store.rows import COUNTER, SERVICE, SITE, TICKET, Shape

Obj = TypeVar("Obj", Site, Service, Counter, Ticket)
_SHAPES: dict[type, Shape[Any]] = {Site: SITE, Service: SERVICE, Counter: COUNTER, Ticket: TICKET}


class DaysTidied:
    """Per office, the latest local day before which no ticket is left unfinished, as
    this process's own committed transactions found (and made) it.

    Every ticket and every call first closes what earlier days left open; once a
    transaction has done so and committed, nothing can reopen a ticket of an
    earlier day (commands act on the day's tickets only), so the same day's later
    commands skip the read. Kept per process, which is why a backup is restored
    only with the server stopped (`antrean restore` refuses otherwise).
    """

    def __init__(self) -> None:
        self._through: dict[int, date] = {}

    def covers(self, site_id: int, day: date) -> bool:
        through = self._through.get(site_id)
        return through is not None and day <= through

    def record(self, tidied: dict[int, date]) -> None:
        for site_id, day in tidied.items():
            if not self.covers(site_id, day):
                self._through[site_id] = day


class UnitOfWork:
    """The engine's repository inside one transaction (`QueueRepository`)."""

    def __init__(
        self, connection: Connection, writable: bool, days_tidied: DaysTidied | None = None
    ) -> None:
        self.connection = connection
        self.writable = writable
        self._days_tidied = days_tidied
        self._tidied: dict[int, date] = {}
        # Row locks exist only on PostgreSQL; SQLite's write lock is the whole file.
        self._locks_rows = connection.is_postgres
        self._held: dict[tuple[type, int], Any] = {}
        self._as_saved: dict[tuple[type, int], tuple[Any, ...]] = {}
        self._site_codes: dict[str, Site] = {}
        self._services_of: dict[int, list[Service]] = {}
        self._counters_of: dict[int, list[Counter]] = {}
        self._locked: set[int] = set()
        self._last: list[tuple[Statement, Params]] = []
        self.appended: list[Event] = []
        """Events appended in this transaction, in order: published after commit."""

    # --- keeping objects ----------------------------------------------------------

    def _keep(self, kind: type[Obj], row: Sequence[Any]) -> Obj:
        """The one object for this row: a new one, or the one held, brought up to date."""
        shape: Shape[Obj] = _SHAPES[kind]
        loaded = shape.load(row)
        key = (kind, loaded.id)
        held: Obj | None = self._held.get(key)
        if held is None:
            self._held[key] = loaded
            self._as_saved[key] = shape.values(loaded)
            return loaded
        changed = shape.changed(self._as_saved[key], held)
        if changed:
            raise UnsavedChanges(
                f"{kind.__name__} {loaded.id} read again with unsaved changes to {changed}"
            )
        for name in shape.fields:  # not what is kept elsewhere (a counter's services)
            setattr(held, name, getattr(loaded, name))
        self._as_saved[key] = shape.values(held)
        return held

    def _ticket(self, row: Sequence[Any] | None) -> Ticket | None:
        return None if row is None else self._keep(Ticket, row)

    def _tickets(self, statement: Statement, params: Params) -> list[Ticket]:
        return [self._keep(Ticket, row) for row in self.connection.rows(statement, params)]

    # --- sites, services, counters --------------------------------------------------

    def _keep_site(self, row: Sequence[Any] | None) -> Site | None:
        if row is None:
            return None
        site = self._keep(Site, row)
        self._site_codes[site.code] = site
        return site

    def keep_site(self, row: Sequence[Any]) -> Site:
        """A site read along with something else (a device and its office)."""
        site = self._keep_site(row)
        assert site is not None
        return site

    def site(self, code: str) -> Site | None:
        if code in self._site_codes:
            return self._site_codes[code]
        return self._keep_site(self.connection.row(statements.site_by_code, {"code": code}))

    def site_by_id(self, site_id: int) -> Site:
        site = self._held.get((Site, site_id))
        if site is None:
            site = self._keep_site(self.connection.row(statements.site_by_id, {"id": site_id}))
            if site is None:
                raise LookupError(f"no site {site_id}")
        return site

    def sites(self) -> list[Site]:
        """Every office, by code."""
        found = []
        for row in self.connection.rows(statements.all_sites, {}):
            site = self._keep_site(row)
            assert site is not None
            found.append(site)
        return found

    def services(self, site_id: int) -> list[Service]:
        if site_id not in self._services_of:
            rows = self.connection.rows(statements.services_of_site, {"site_id": site_id})
            self._services_of[site_id] = [self._keep(Service, row) for row in rows]
        return list(self._services_of[site_id])

    def service(self, service_id: int) -> Service:
        service = self._held.get((Service, service_id))
        if service is None:
            row = self.connection.row(statements.service_by_id, {"id": service_id})
            if row is None:
                raise LookupError(f"no service {service_id}")
            service = self._keep(Service, row)
        return service

    def counters(self, site_id: int) -> list[Counter]:
        if site_id not in self._counters_of:
            rows = self.connection.rows(statements.counters_of_site, {"site_id": site_id})
            self._counters_of[site_id] = self._keep_counters(rows)
        return list(self._counters_of[site_id])

    def counter(self, counter_id: int) -> Counter:
        counter = self._held.get((Counter, counter_id))
        if counter is None:
            rows = self.connection.rows(statements.counter_by_id, {"id": counter_id})
            if not rows:
                raise LookupError(f"no counter {counter_id}")
            (counter,) = self._keep_counters(rows)
        return counter

    def _keep_counters(self, rows: list[list[Any]]) -> list[Counter]:
        """Counters from rows of their columns and one service each (see statements)."""
        served: dict[int, list[int]] = {}
        first_rows: dict[int, list[Any]] = {}
        for row in rows:
            *columns, service_id = row
            first_rows.setdefault(columns[0], columns)
            services = served.setdefault(columns[0], [])
            if service_id is not None:
                services.append(service_id)
        counters = []
        for counter_id, columns in first_rows.items():
            counter = self._keep(Counter, columns)
            if counter.service_ids != tuple(served[counter_id]):
                counter.service_ids = tuple(served[counter_id])
                self._as_saved[(Counter, counter_id)] = COUNTER.values(counter)
            counters.append(counter)
        return counters

    # --- numbers ----------------------------------------------------------------------

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        row = self.connection.row(
            statements.allocate_number,
            {"service": service_id, "day": local_day, "first_number": first_number},
        )
        assert row is not None
        return int(row[0])

    def last_numbers(self, site_id: int, local_day: date) -> dict[int, int]:
        params = {"site_id": site_id, "local_day": local_day}
        rows = self.connection.rows(statements.last_numbers, params)
        return {int(service_id): int(last) for service_id, last in rows}

    # --- tickets ----------------------------------------------------------------------

    def waiting(self, site_id: int, local_day: date) -> list[Ticket]:
        return self._tickets(statements.waiting, {"site_id": site_id, "local_day": local_day})

    def places(self, site_id: int, local_day: date, service_ids: Collection[int]) -> list[Place]:
        if not service_ids:
            return []
        params: dict[str, Any] = {"site_id": site_id, "local_day": local_day}
        params.update((f"service_{n}", s) for n, s in enumerate(service_ids))
        rows = self.connection.rows(statements.places(len(service_ids)), params)
        return [Place(*row) for row in rows]

    def claim(self, ticket_id: int) -> Ticket | None:
        return self._locking(self._ticket(self.connection.row(statements.claim, {"id": ticket_id})))

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        if lock and ticket_id in self._locked:
            return self._held.get((Ticket, ticket_id))
        statement = statements.ticket_locked if lock else statements.ticket
        found = self._ticket(self.connection.row(statement, {"id": ticket_id}))
        return self._locking(found) if lock else found

    def _locking(self, ticket: Ticket | None) -> Ticket | None:
        if ticket is not None:
            self._locked.add(ticket.id)
        return ticket

    def at_counter(self, counter_id: int, lock: bool = False) -> Ticket | None:
        params = {"counter_id": counter_id}
        if not lock:
            return self._ticket(self.connection.row(statements.at_counter, params))
        if self._locks_rows:
            # Without the counter's row, two NEXT presses at one counter would each
            # find it free and both call someone to it. Read again: the counter
            # read before the wait may be stale.
            row = self.connection.row(statements.lock_counter, {"id": counter_id})
            if row is None:
                raise LookupError(f"no counter {counter_id}")
            self._keep(Counter, row)
        held = self.connection.row(statements.at_counter_locked, params)
        return self._locking(self._ticket(held))

    def busy_counters(self, site_id: int, local_day: date) -> set[int]:
        params = {"site_id": site_id, "local_day": local_day}
        rows = self.connection.rows(statements.busy_counters, params)
        return {counter_id for (counter_id,) in rows}

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        """Tickets of earlier days still open. Asked by a write transaction, so that
        it closes them: once it has committed, the day needs no second look."""
        tidied = self._days_tidied
        if self.writable and tidied is not None and tidied.covers(site_id, local_day):
            return []
        found = self._tickets(statements.unfinished, {"site_id": site_id, "local_day": local_day})
        if self.writable:
            self._tidied[site_id] = max(local_day, self._tidied.get(site_id, local_day))
        return found

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        params = {"service_id": service_id, "local_day": local_day, "limit": limit}
        rows = self.connection.rows(statements.service_durations, params)
        return [int(microseconds) / 1_000_000 for (microseconds,) in reversed(rows)]

    def services_durations(
        self, service_ids: Collection[int], local_day: date, limit: int
    ) -> dict[int, list[float]]:
        found: dict[int, list[float]] = {service_id: [] for service_id in service_ids}
        if not found:
            return found
        params: dict[str, Any] = {"local_day": local_day, "limit": limit}
        params.update((f"service_{n}", s) for n, s in enumerate(found))
        for service_id, microseconds in self.connection.rows(
            statements.services_durations(len(found)), params
        ):
            found[service_id].append(int(microseconds) / 1_000_000)
        return found

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Call]:
        params = {"site_id": site_id, "local_day": local_day, "limit": limit}
        return [Call(*row) for row in self.connection.rows(statements.recent_calls, params)]

    def at_counters(self, site_id: int, local_day: date) -> dict[int, Call]:
        params = {"site_id": site_id, "local_day": local_day}
        found: dict[int, Call] = {}
        for row in self.connection.rows(statements.at_counters, params):
            call = Call(*row)
            found.setdefault(call.counter_id, call)
        return found

    def no_shows(
        self, site_id: int, local_day: date, service_ids: Collection[int], limit: int
    ) -> list[Ticket]:
        """A day's no-shows of some services, latest first: those who may yet come back."""
        if not service_ids:
            return []
        params: dict[str, Any] = {"site_id": site_id, "local_day": local_day, "limit": limit}
        params.update((f"service_{n}", s) for n, s in enumerate(service_ids))
        return self._tickets(statements.no_shows(len(service_ids)), params)

    def tickets_of_site(self, site_id: int) -> list[Ticket]:
        """Every ticket an office ever issued, oldest first (for audits and tests)."""
        return self._tickets(statements.tickets_of_site, {"site_id": site_id})

    # --- events -------------------------------------------------------------------------

    def append(self, site: Site, event: Event) -> Event:
        """Number the event with the site's next seq and store it; the site's row is
        held until commit, so the site's events commit in the order of their seq."""
        self.require_writable()
        values = statements.new_values(event_log.row(event))
        if self.connection.is_postgres:
            del values[statements.new("seq")]
            values["key"] = site.id
            row = self.connection.row(statements.append_event, values)
        else:
            row = self.connection.row(statements.next_seq, {"key": site.id})
            assert row is not None
            values[statements.new("seq")] = int(row[0])
            self.connection.run(statements.insert_row(statements.EVENTS, False), values)
        assert row is not None
        numbered = replace(event, seq=int(row[0]))
        # Stored already: the site is as saved.
        site.last_seq = numbered.seq
        self._as_saved[(Site, site.id)] = SITE.values(site)
        self.appended.append(numbered)
        return numbered

    def events_since(self, site_id: int, seq: int, limit: int = 1000) -> list[Event]:
        params = {"site_id": site_id, "seq": seq, "limit": limit}
        rows = self.connection.rows(statements.events_since, params)
        return [event_log.load(row) for row in rows]

    def latest_counter_event(self, counter: Counter, kind: EventType) -> Event | None:
        """The counter's latest event of one kind (e.g. why it was last paused)."""
        params = {"site_id": counter.site_id, "counter_id": counter.id, "type": kind}
        row = self.connection.row(statements.latest_counter_event, params)
        return None if row is None else event_log.load(row)

    # --- writing ------------------------------------------------------------------------

    def add(self, item: Site | Service | Counter | Ticket) -> None:
        """Store a new object: it gets its id."""
        self.require_writable()
        shape = _SHAPES[type(item)]
        values = shape.columns(item)
        del values["id"]
        row = self.connection.row(
            statements.insert_row(shape.table, True), statements.new_values(values)
        )
        assert row is not None
        item.id = int(row[0])
        key = (type(item), item.id)
        self._held[key] = item
        self._as_saved[key] = shape.values(item)
        if isinstance(item, Service):
            self._services_of.pop(item.site_id, None)  # read again when next asked for
        elif isinstance(item, Counter):
            self._link(item)
            self._counters_of.pop(item.site_id, None)

    def save(self, item: Site | Service | Counter | Ticket) -> None:
        """Write the columns that changed on a loaded object, now."""
        self.require_writable()
        key = (type(item), item.id)
        if self._held.get(key) is not item:
            raise ValueError(f"{key[0].__name__} {item.id} was not loaded in this unit of work")
        shape = _SHAPES[type(item)]
        changed = shape.changed(self._as_saved[key], item)
        if not changed:
            return
        if isinstance(item, Counter) and "service_ids" in changed:
            self._link(item)
            changed = tuple(name for name in changed if name != "service_ids")
        if changed:
            values = statements.new_values(shape.columns(item, changed))
            values["key"] = item.id
            columns = shape.column_names(changed)
            self.connection.run(statements.update_columns(shape.table, columns), values)
        self._as_saved[key] = shape.values(item)

    def require_writable(self) -> None:
        if not self.writable:
            raise StoreError("a reading transaction writes nothing")

    def _link(self, counter: Counter) -> None:
        """Write which services a counter serves, in order of preference."""
        self.connection.run(statements.delete_counter_services, {"counter_id": counter.id})
        links = [
            {"counter_id": counter.id, "service_id": service_id, "preference": preference}
            for preference, service_id in enumerate(counter.service_ids)
        ]
        insert = statements.insert_row(statements.COUNTER_SERVICES, False)
        for link in links:
            self.connection.run(insert, statements.new_values(link))

    def insert(self, table: Table, values: Params) -> int:
        """Insert a row that is no engine object (a user, a device); its new id."""
        self.require_writable()
        row = self.connection.row(statements.insert_row(table, True), statements.new_values(values))
        assert row is not None
        return int(row[0])

    def update(self, table: Table, key: int, values: Params) -> None:
        """Change some columns of a row that is no engine object, by id."""
        self.require_writable()
        params = {**statements.new_values(values), "key": key}
        self.connection.run(statements.update_columns(table, tuple(values)), params)

    def with_commit(self, statement: Statement, params: Params) -> None:
        """Run a write the transaction will not read back, together with the commit
        (one round trip on PostgreSQL), e.g. a command's stored answer."""
        self._last.append((statement, params))

    def unsaved(self) -> list[str]:
        """What was changed and never saved, described."""
        found = []
        for key, held in self._held.items():
            changed = _SHAPES[key[0]].changed(self._as_saved[key], held)
            if changed:
                found.append(f"{key[0].__name__} {key[1]}: {', '.join(changed)}")
        return found

    def commit(self) -> None:
        """End the transaction (`Database.writing()` does, when its block ends well)."""
        unsaved = self.unsaved()
        if unsaved:
            raise UnsavedChanges("changed but never saved: " + "; ".join(unsaved))
        self.connection.commit(self._last)
        self._last = []

    def committed(self) -> None:
        """After the commit: what this transaction found out for later ones."""
        if self._days_tidied is not None and self._tidied:
            self._days_tidied.record(self._tidied)
