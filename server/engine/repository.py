"""What the queue rules need from storage, and nothing more.

One repository lives inside one transaction (the store's unit of work). It
hands out engine objects, one object per row for the whole transaction, and
takes the locks that make number allocation and call-next safe under races.
A rule changes objects in memory and then saves them: `save` writes the
columns that changed since the object was loaded or last saved, at once, so
every later read in the transaction sees them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from server.engine.model import Call, Counter, Event, Place, Service, Site, Ticket


class QueueRepository(Protocol):
    def site(self, code: str) -> Site | None: ...

    def site_by_id(self, site_id: int) -> Site: ...

    def services(self, site_id: int) -> list[Service]: ...

    def service(self, service_id: int) -> Service: ...

    def counters(self, site_id: int) -> list[Counter]:
        """The site's counters, each with the services it serves."""
        ...

    def counter(self, counter_id: int) -> Counter: ...

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        """Take the next number of a service's day; holds that row until commit."""
        ...

    def last_numbers(self, site_id: int, local_day: date) -> dict[int, int]:
        """The last number each service of the site took that day, by service id
        (services that took none are left out)."""
        ...

    def waiting(self, site_id: int, local_day: date) -> list[Ticket]:
        """Waiting tickets of one day, in arrival order."""
        ...

    def places(self, site_id: int, local_day: date, service_ids: Collection[int]) -> list[Place]:
        """The places in line of the waiting tickets of some services, in arrival order.

        Deciding who is next needs only these four columns; the one ticket
        chosen is then claimed whole.
        """
        ...

    def claim(self, ticket_id: int) -> Ticket | None:
        """Lock a waiting ticket for calling; None if another caller has it."""
        ...

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None: ...

    def at_counter(self, counter_id: int, lock: bool = False) -> Ticket | None:
        """The ticket called to or being served at a counter, if any.

        `lock=True` when the caller is about to change the counter's ticket: it
        holds the counter (so two calls at one counter go one after the other)
        and that ticket until commit. Views read without locks.
        """
        ...

    def busy_counters(self, site_id: int, local_day: date) -> set[int]:
        """Counters with a ticket of that day called to them or being served."""
        ...

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        """Tickets of earlier days still open, oldest first."""
        ...

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        """Seconds spent at the counter by the latest finished tickets, oldest first."""
        ...

    def services_durations(
        self, service_ids: Collection[int], local_day: date, limit: int
    ) -> dict[int, list[float]]:
        """The latest durations of several services in one read, by service id, in no
        particular order."""
        ...

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Call]:
        """Tickets of that day still at or last seen at a counter, latest call first."""
        ...

    def at_counters(self, site_id: int, local_day: date) -> dict[int, Call]:
        """The ticket of that day called to or being served at each busy counter, by
        counter id: one read for every counter of the site."""
        ...

    def add(self, item: Ticket) -> None:
        """Store a new ticket, which gets its id."""
        ...

    def save(self, item: Site | Service | Counter | Ticket) -> None:
        """Write what changed on a loaded object since it was loaded or last saved."""
        ...

    def append(self, site: Site, event: Event) -> Event:
        """Store the event numbered with the site's next seq, and return it so numbered;
        holds the site row until commit, so events commit in seq order."""
        ...
