"""What the queue rules need from storage, and nothing more.

One repository instance lives inside one transaction. The SQL implementation
takes the locks that make number allocation and call-next safe under races;
the in-memory one serves property tests of the rules themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import NamedTuple, Protocol

from antrean.vocabulary import Priority
from server.store.models import Counter, Event, Service, Site, Ticket


class Place(NamedTuple):
    """A waiting ticket's place in line: all that the call order looks at."""

    id: int
    service_id: int
    priority: Priority
    queued_at: datetime


class QueueRepository(Protocol):
    def site(self, code: str) -> Site | None: ...

    def site_by_id(self, site_id: int) -> Site: ...

    def services(self, site_id: int) -> list[Service]: ...

    def service(self, service_id: int) -> Service: ...

    def counters(self, site_id: int) -> list[Counter]: ...

    def counter(self, counter_id: int) -> Counter: ...

    def counter_service_ids(self, counter_id: int) -> list[int]:
        """Service ids this counter serves, most preferred first."""
        ...

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        """Take the next number of a service's day; holds that row until commit."""
        ...

    def issued_count(self, service_id: int, local_day: date, first_number: int) -> int: ...

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

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]: ...

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        """Seconds spent at the counter by finished tickets, oldest first."""
        ...

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Ticket]: ...

    def add(self, item: Ticket | Event) -> None:
        """Store a new row and give it its id."""
        ...

    def next_seq(self, site: Site) -> int:
        """The site's next event number; holds the site row until commit."""
        ...
