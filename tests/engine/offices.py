"""Offices for engine tests: a SiteSpec laid out in memory or in a real database.

A `Desk` runs engine work against one office, either on a MemoryRepository or
one transaction at a time on a real database, so a scenario can be written once
and run on both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from antrean.vocabulary import Priority
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.demo_office import demo_spec
from server.engine import commands as engine
from server.engine.errors import QueueError
from server.engine.repository import QueueRepository
from server.engine.schedule import Schedule
from server.store.database import Database
from server.store.memory import MemoryRepository
from server.store.migrate import upgrade
from server.store.models import Counter, CounterService, Event, Service, Site, Ticket
from server.store.repository import SqlRepository

T = TypeVar("T")
Work = Callable[[QueueRepository, Site], T]
# Changes to apply to the stored rows after the office is created: service
# hours, switched-off services, the fairness limit.
Tweak = Callable[[Site, dict[str, Service]], None]
# The `open_desk` fixture: open_desk(spec=None, tweak=None) -> Desk.
OpenDesk = Callable[..., "Desk"]


def office_spec(
    timezone: str = "Asia/Makassar",
    schedule: Schedule | None = None,
    services: list[ServiceSpec] | None = None,
    counters: list[CounterSpec] | None = None,
) -> SiteSpec:
    """The demo office, optionally moved to another zone or given other hours."""
    spec = demo_spec()
    return replace(
        spec,
        timezone=timezone,
        schedule=schedule or spec.schedule,
        services=services if services is not None else spec.services,
        counters=counters if counters is not None else spec.counters,
    )


class Desk:
    """Runs engine work on one office; subclasses decide where the rows live."""

    site_code: str

    def run(self, work: Work[T]) -> T:
        raise NotImplementedError

    def issue(self, code: str, now: datetime, priority: Priority = Priority.NONE) -> Ticket:
        return self.run(lambda repo, site: engine.issue_ticket(repo, site, code, now,
                                                               priority=priority))

    def call_next(self, counter: int, now: datetime) -> Ticket | None:
        return self.run(lambda repo, site: engine.call_next(repo, site, counter, now))

    def ticket(self, ticket_id: int) -> Ticket:
        return self.run(lambda repo, site: engine.find_ticket(repo, ticket_id, lock=False))

    def tickets(self) -> list[Ticket]:
        """Every ticket of the office, oldest first, as stored."""
        raise NotImplementedError

    def events(self) -> list[Event]:
        """The office's whole event stream in seq order, as stored."""
        raise NotImplementedError

    def refusal(self, work: Work[Any]) -> QueueError:
        """The QueueError the work raises; fails the test if it goes ahead."""
        try:
            self.run(work)
        except QueueError as error:
            return error
        raise AssertionError("the engine did not refuse")


@dataclass
class MemoryDesk(Desk):
    repo: MemoryRepository
    site: Site

    def __post_init__(self) -> None:
        self.site_code = self.site.code

    def run(self, work: Work[T]) -> T:
        return work(self.repo, self.site)

    def tickets(self) -> list[Ticket]:
        return sorted(self.repo.tickets.values(), key=lambda t: t.id or 0)

    def events(self) -> list[Event]:
        return list(self.repo.events)

    def service(self, code: str) -> Service:
        return next(s for s in self.repo.services(self.site.id or 0) if s.code == code)

    def counter(self, number: int) -> Counter:
        return next(c for c in self.repo.counters(self.site.id or 0) if c.number == number)


class SqlDesk(Desk):
    def __init__(self, db: Database, site_code: str) -> None:
        self.db = db
        self.site_code = site_code

    def run(self, work: Work[T]) -> T:
        """One write transaction per call, as server.operations runs a command."""
        with self.db.transaction() as session:
            repo = SqlRepository(session)
            site = repo.site(self.site_code)
            assert site is not None
            return work(repo, site)

    def tickets(self) -> list[Ticket]:
        # A fresh transaction: what was committed, read back from the file.
        with self.db.reading() as session:
            tickets = list(session.exec(select(Ticket).order_by(col(Ticket.id))))
            session.expunge_all()  # keep them loaded past the read's rollback
            return tickets

    def events(self) -> list[Event]:
        with self.db.reading() as session:
            events = list(session.exec(select(Event).order_by(col(Event.seq))))
            session.expunge_all()
            return events


def memory_desk(spec: SiteSpec, tweak: Tweak | None = None) -> MemoryDesk:
    """The same rows create_site() would store, held by a MemoryRepository."""
    site = Site(
        id=1,
        code=spec.code,
        name=spec.name,
        timezone=spec.timezone,
        schedule_plan=spec.schedule.model_dump(mode="json"),
        address_lines=list(spec.address_lines),
        announcements=list(spec.announcements),
    )
    services = {}
    for order, s in enumerate(spec.services):
        service = s.build(site_id=1, order=order)
        service.id = 100 + order
        services[service.code] = service
    counters = [
        Counter(id=200 + c.number, site_id=1, number=c.number, name=c.name)
        for c in spec.counters
    ]
    links = [
        CounterService(
            counter_id=200 + c.number, service_id=services[code].id or 0, preference=preference
        )
        for c in spec.counters
        for preference, code in enumerate(c.services)
    ]
    if tweak is not None:
        tweak(site, services)
    return MemoryDesk(MemoryRepository([site], services.values(), counters, links), site)


def sql_desk(url: str, spec: SiteSpec, tweak: Tweak | None = None) -> SqlDesk:
    db = Database(url)
    upgrade(db)
    with db.transaction() as session:
        site = create_site(session, spec)
        if tweak is not None:
            # Edited as an admin page does: through the session, which writes them.
            stored = session.exec(select(Service).where(Service.site_id == site.id))
            services = {s.code: s for s in stored}
            tweak(site, services)
    return SqlDesk(db, spec.code)


def make_desk(
    backend: str, spec: SiteSpec, url: str | None = None, tweak: Tweak | None = None
) -> Desk:
    if backend == "memory":
        return memory_desk(spec, tweak)
    assert url is not None, "a database desk needs a URL"
    return sql_desk(url, spec, tweak)


def at(text: str, zone: str) -> datetime:
    """A wall-clock time in an office's zone: at("2026-11-24 23:59", "Asia/Makassar")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
