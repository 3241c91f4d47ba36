"""Offices for engine tests: a SiteSpec laid out in a real database.

A `Desk` runs engine work against one office, one transaction at a time, as
server.operations runs a command. Offices are made once per spec and copied
from that template file for each test (or each generated example), so a
property test can open hundreds of them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from antrean.vocabulary import Priority
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.demo_office import demo_spec
from server.engine import commands as engine
from server.engine.errors import QueueError
from server.engine.model import Counter, Event, Service, Site, Ticket
from server.engine.repository import QueueRepository
from server.engine.schedule import Schedule
from server.store.database import Database
from server.store.migrate import upgrade
from server.store.unit_of_work import UnitOfWork

T = TypeVar("T")
Work = Callable[[QueueRepository, Site], T]
# Changes to apply to the stored office after it is created, as an admin page
# would: service hours, switched-off services, the fairness limit.
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
    """Runs engine work on one office stored in a database."""

    def __init__(self, db: Database, site_code: str) -> None:
        self.db = db
        self.site_code = site_code

    def run(self, work: Work[T]) -> T:
        """One write transaction per call, as server.operations runs a command."""
        with self.db.writing() as unit:
            site = unit.site(self.site_code)
            assert site is not None
            return work(unit, site)

    def read(self, work: Callable[[UnitOfWork, Site], T]) -> T:
        with self.db.reading() as unit:
            site = unit.site(self.site_code)
            assert site is not None
            return work(unit, site)

    def issue(self, code: str, now: datetime, priority: Priority = Priority.NONE) -> Ticket:
        return self.run(lambda repo, site: engine.issue_ticket(repo, site, code, now,
                                                               priority=priority))

    def call_next(self, counter: int, now: datetime) -> Ticket | None:
        return self.run(lambda repo, site: engine.call_next(repo, site, counter, now))

    def ticket(self, ticket_id: int) -> Ticket:
        return self.run(lambda repo, site: engine.find_ticket(repo, ticket_id, lock=False))

    def tickets(self) -> list[Ticket]:
        """Every ticket of the office, oldest first, as stored."""
        return self.read(lambda unit, site: unit.tickets_of_site(site.id))

    def events(self) -> list[Event]:
        """The office's whole event stream in seq order, as stored."""
        return self.read(lambda unit, site: unit.events_since(site.id, 0, limit=1_000_000))

    def site(self) -> Site:
        return self.read(lambda unit, site: site)

    def service(self, code: str) -> Service:
        return self.read(
            lambda unit, site: next(s for s in unit.services(site.id) if s.code == code)
        )

    def counter(self, number: int) -> Counter:
        return self.read(
            lambda unit, site: next(c for c in unit.counters(site.id) if c.number == number)
        )

    def refusal(self, work: Work[Any]) -> QueueError:
        """The QueueError the work raises; fails the test if it goes ahead."""
        try:
            self.run(work)
        except QueueError as error:
            return error
        raise AssertionError("the engine did not refuse")


def lay_out(db: Database, spec: SiteSpec, tweak: Tweak | None = None) -> None:
    """Create the office in a migrated database, then apply the tweak and save it."""
    with db.writing() as unit:
        site = create_site(unit, spec)
        if tweak is not None:
            services = {s.code: s for s in unit.services(site.id)}
            tweak(site, services)
            unit.save(site)
            for service in services.values():
                unit.save(service)


_TEMPLATES: dict[tuple[str, str], Path] = {}
_FOLDER = Path(tempfile.mkdtemp(prefix="antrean-offices-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)


def _template(spec: SiteSpec, tweak: Tweak | None) -> Path:
    """A database file holding the office, made once per spec and tweak."""
    # By content: tweaks are module-level functions, a spec's repr shows all of it.
    key = (repr(spec), f"{tweak.__module__}.{tweak.__qualname__}" if tweak else "")
    if key not in _TEMPLATES:
        path = _FOLDER / f"office{len(_TEMPLATES)}.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        lay_out(db, spec, tweak)
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        _TEMPLATES[key] = path
    return _TEMPLATES[key]


def sqlite_desk(path: Path, spec: SiteSpec, tweak: Tweak | None = None) -> Desk:
    """The office in a new SQLite file at `path`, copied from its template."""
    shutil.copyfile(_template(spec, tweak), path)
    return Desk(Database(f"sqlite:///{path}"), spec.code)


def database_desk(url: str, spec: SiteSpec, tweak: Tweak | None = None) -> Desk:
    """The office in a new database at `url` (any dialect), migrated and laid out."""
    db = Database(url)
    upgrade(db)
    lay_out(db, spec, tweak)
    return Desk(db, spec.code)


def at(text: str, zone: str) -> datetime:
    """A wall-clock time in an office's zone: at("2026-11-24 23:59", "Asia/Makassar")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
