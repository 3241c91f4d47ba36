"""The queue repository in memory: the rules without a database.

Used by the property tests to run thousands of command sequences a second,
and handy for trying the rules out in a shell. It keeps the same promises as
the SQL repository, minus durability.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from itertools import count

from antrean.vocabulary import TicketStatus
from server.engine.repository import Place
from server.store.models import Counter, CounterService, Event, Service, Site, Ticket
from server.store.repository import OPEN_STATUSES


class MemoryRepository:
    def __init__(
        self,
        sites: Iterable[Site] = (),
        services: Iterable[Service] = (),
        counters: Iterable[Counter] = (),
        links: Iterable[CounterService] = (),
    ) -> None:
        self._ids = count(1)
        self.sites = {self._keep(s).id: s for s in sites}
        self._services = {self._keep(s).id: s for s in services}
        self._counters = {self._keep(c).id: c for c in counters}
        self.links = list(links)
        self.tickets: dict[int, Ticket] = {}
        self.events: list[Event] = []
        self.numbers: dict[tuple[int, date], int] = {}

    def _keep(self, row: Site | Service | Counter) -> Site | Service | Counter:
        if row.id is None:
            row.id = next(self._ids)
        return row

    def site(self, code: str) -> Site | None:
        return next((s for s in self.sites.values() if s.code == code), None)

    def site_by_id(self, site_id: int) -> Site:
        return self.sites[site_id]

    def services(self, site_id: int) -> list[Service]:
        return [s for s in self._services.values() if s.site_id == site_id]

    def service(self, service_id: int) -> Service:
        return self._services[service_id]

    def counters(self, site_id: int) -> list[Counter]:
        return [c for c in self._counters.values() if c.site_id == site_id]

    def counter(self, counter_id: int) -> Counter:
        return self._counters[counter_id]

    def counter_service_ids(self, counter_id: int) -> list[int]:
        links = sorted(
            (link for link in self.links if link.counter_id == counter_id),
            key=lambda link: (link.preference, link.service_id),
        )
        return [link.service_id for link in links]

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        key = (service_id, local_day)
        self.numbers[key] = self.numbers[key] + 1 if key in self.numbers else first_number
        return self.numbers[key]

    def issued_count(self, service_id: int, local_day: date, first_number: int) -> int:
        last = self.numbers.get((service_id, local_day))
        return 0 if last is None else last - first_number + 1

    def waiting(self, site_id: int, local_day: date) -> list[Ticket]:
        found = [
            t for t in self.tickets.values()
            if t.site_id == site_id and t.local_day == local_day
            and t.status == TicketStatus.WAITING
        ]
        return sorted(found, key=lambda t: (t.queued_at, t.id))

    def places(self, site_id: int, local_day: date, service_ids: Collection[int]) -> list[Place]:
        return [
            Place(t.id or 0, t.service_id, t.priority, t.queued_at)
            for t in self.waiting(site_id, local_day) if t.service_id in service_ids
        ]

    def claim(self, ticket_id: int) -> Ticket | None:
        ticket = self.tickets.get(ticket_id)
        return ticket if ticket and ticket.status == TicketStatus.WAITING else None

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def at_counter(self, counter_id: int, lock: bool = False) -> Ticket | None:
        held = [
            t for t in self.tickets.values()
            if t.counter_id == counter_id and t.status.at_counter
        ]
        return max(held, key=lambda t: t.id or 0) if held else None

    def busy_counters(self, site_id: int, local_day: date) -> set[int]:
        return {
            t.counter_id for t in self.tickets.values()
            if t.site_id == site_id and t.local_day == local_day and t.counter_id is not None
            and t.status in (TicketStatus.CALLED, TicketStatus.SERVING)
        }

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        return sorted(
            (
                t for t in self.tickets.values()
                if t.site_id == site_id and t.local_day < local_day and t.status in OPEN_STATUSES
            ),
            key=lambda t: t.id or 0,
        )

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        done = sorted(
            (
                t for t in self.tickets.values()
                if t.service_id == service_id and t.local_day == local_day
                and t.status == TicketStatus.DONE and t.finished_at is not None
            ),
            key=lambda t: t.finished_at,  # type: ignore[arg-type, return-value]
        )[-limit:]
        durations = []
        for t in done:
            began = t.started_at or t.last_called_at
            if began is not None and t.finished_at is not None:
                durations.append((t.finished_at - began).total_seconds())
        return durations

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Ticket]:
        called = [
            t for t in self.tickets.values()
            if t.site_id == site_id and t.local_day == local_day
            and t.last_called_at is not None and t.counter_id is not None
        ]
        return sorted(called, key=lambda t: t.last_called_at, reverse=True)[:limit]  # type: ignore[arg-type, return-value]

    def add(self, item: Ticket | Event) -> None:
        if isinstance(item, Ticket):
            if item.id is None:
                item.id = next(self._ids)
            self.tickets[item.id] = item
        else:
            item.id = len(self.events) + 1
            self.events.append(item)

    def next_seq(self, site: Site) -> int:
        site.last_seq += 1
        return site.last_seq
