"""An office file applied to the database, and an office read back as one.

`apply_office` is the one way an office's set-up changes: the `antrean office`
command and the admin pages both call it (a page builds the office it wants
from the stored one and the form), so a file and the pages never disagree.
It compares the stored office with the wanted one (`changes`), writes only
what differs, writes one audit entry per difference, and checks that the
office now reads back as wanted: applying the same office twice changes
nothing.

What is never deleted: a service left out becomes inactive (no new numbers,
hidden from kiosks and walls) and keeps its tickets; a counter left out is
retired — closed, hidden from the walls, keypads and the console — and keeps
its tickets and events. Listing it again brings it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from antrean.vocabulary import CounterState
from server import audit
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.audit import Author
from server.engine.commands import Actor, set_counter_state
from server.engine.errors import QueueError
from server.engine.model import NEW, Counter, Service, Site
from server.office.changes import Change, changes
from server.office.file import CounterEntry, OfficeFile, ServiceEntry
from server.store import statements
from server.store.unit_of_work import UnitOfWork

RETIRED = "retired from the office"
"""The reason a retired counter's closing event gives."""


class OfficeChangeRefused(ValueError):
    """The office cannot be changed this way now; the message says why."""


def stored_office(work: UnitOfWork, site: Site) -> OfficeFile:
    """The office as stored, in the office file's form (`antrean office export`)."""
    services = sorted(work.services(site.id), key=lambda s: (s.sort_order, s.id))
    codes = {s.id: s.code for s in services}
    counters = sorted((c for c in work.counters(site.id) if c.active), key=lambda c: c.number)
    spec = SiteSpec(
        code=site.code,
        name=site.name,
        timezone=site.timezone,
        schedule=site.schedule,
        address_lines=list(site.address_lines),
        services=[
            ServiceSpec(
                code=s.code, name=s.name, requirements=s.requirements,
                daily_quota=s.daily_quota, first_number=s.first_number,
                default_service_minutes=s.default_service_minutes, active=s.active,
                schedule=s.schedule, wait_target_minutes=s.wait_target_minutes,
                notify_ahead=s.notify_ahead,
            )
            for s in services
        ],
        counters=[
            CounterSpec(c.number, c.name, [codes[i] for i in c.service_ids]) for c in counters
        ],
        announcements=list(site.announcements),
        public_url=site.public_url,
        priority_max_in_row=site.priority_max_in_row,
    )
    return OfficeFile.from_spec(spec)


def export_office(work: UnitOfWork, site_code: str) -> OfficeFile:
    site = work.site(site_code)
    if site is None:
        raise QueueError("site_not_found", {"site": site_code})
    return stored_office(work, site)


def planned_changes(work: UnitOfWork, wanted: OfficeFile) -> list[Change]:
    """What applying `wanted` would change (`--dry-run`): nothing is written."""
    site = work.site(wanted.site.code)
    return changes(stored_office(work, site) if site else None, wanted)


def apply_office(
    work: UnitOfWork,
    wanted: OfficeFile,
    author: Author,
    now: datetime,
    on_change: Callable[[Change], None] | None = None,
) -> list[Change]:
    """Create or update the office to be `wanted`; the changes made (none: it was).

    `on_change` hears each change as it is written. Raises OfficeChangeRefused
    when a counter to retire has a citizen at it.
    """
    site = work.site(wanted.site.code)
    if site is not None:
        work.connection.row(statements.lock_site, {"id": site.id})
    current = stored_office(work, site) if site is not None else None
    found = changes(current, wanted)
    if not found:
        return []
    if site is None:
        site = create_site(work, wanted.to_spec())
        for change in found:
            _audit(work, author, now, site, replace(change, after=_entry_after(change, wanted)))
            if on_change is not None:
                on_change(change)
    else:
        assert current is not None
        _update(work, site, wanted, author, now)
        for change in found:
            _audit(work, author, now, site, _whole(change, current, wanted))
            if on_change is not None:
                on_change(change)
    left = changes(stored_office(work, site), wanted)
    if left:
        raise AssertionError(
            "the office did not read back as applied: " + "; ".join(c.describe() for c in left)
        )
    return found


def _entry_after(change: Change, wanted: OfficeFile) -> object:
    """A new office's audit keeps each new service and counter whole."""
    if change.kind == "service":
        return next(s for s in wanted.services if s.code == change.key).model_dump(mode="json")
    if change.kind == "counter":
        return next(c for c in wanted.counters if c.number == change.key).model_dump(mode="json")
    return wanted.site.model_dump(mode="json")


def _whole(change: Change, current: OfficeFile, wanted: OfficeFile) -> Change:
    """A service or counter added or removed is kept whole in the audit, not just its name."""
    if change.what != f"{change.kind} {change.key}":
        return change
    if change.before is None:
        return replace(change, after=_entry_after(change, wanted))
    if change.after is None:
        return replace(change, before=_entry_after(change, current))
    return change


def _audit(work: UnitOfWork, author: Author, now: datetime, site: Site, change: Change) -> None:
    audit.record(
        work, author, now, change.kind, f"{site.code}: {change.what}", change.before,
        change.after, site_id=site.id,
    )


def _update(
    work: UnitOfWork, site: Site, wanted: OfficeFile, author: Author, now: datetime
) -> None:
    spec = wanted.to_spec()
    site.name = spec.name
    site.timezone = spec.timezone
    site.schedule = spec.schedule
    site.address_lines = tuple(spec.address_lines)
    site.announcements = tuple(spec.announcements)
    site.public_url = spec.public_url
    site.priority_max_in_row = spec.priority_max_in_row
    work.save(site)

    stored = {s.code: s for s in work.services(site.id)}
    for order, entry in enumerate(spec.services):
        service = stored.get(entry.code)
        if service is None:
            work.add(entry.build(site.id, order))
        else:
            _set_service(service, entry, order)
            work.save(service)
    written = {s.code for s in spec.services}
    for code, service in stored.items():
        if code not in written and service.active:
            service.active = False
            work.save(service)

    ids = {s.code: s.id for s in work.services(site.id)}
    counters = {c.number: c for c in work.counters(site.id)}
    for desk in spec.counters:
        served = tuple(ids[code] for code in desk.services)
        counter = counters.get(desk.number)
        if counter is None:
            work.add(Counter(NEW, site.id, desk.number, desk.name, service_ids=served))
            continue
        counter.name = desk.name
        counter.service_ids = served
        counter.active = True
        work.save(counter)
    kept = {c.number for c in spec.counters}
    for number, counter in counters.items():
        if number not in kept and counter.active:
            _retire(work, site, counter, author, now)


def _set_service(service: Service, entry: ServiceSpec, order: int) -> None:
    built = entry.build(service.site_id, order)
    for name in (
        "name", "requirements", "daily_quota", "default_service_minutes", "active",
        "sort_order", "schedule", "wait_target_minutes", "notify_ahead",
    ):
        setattr(service, name, getattr(built, name))


def _retire(
    work: UnitOfWork, site: Site, counter: Counter, author: Author, now: datetime
) -> None:
    current = work.at_counter(counter.id)
    if current is not None:
        raise OfficeChangeRefused(
            f"counter {counter.number} has {current.code} at it now: finish, send back or "
            "transfer that citizen before removing the counter"
        )
    if counter.state is not CounterState.CLOSED:
        # Closed the way an officer closes it, so the event log says when it stopped.
        actor = Actor(f"user:{author.user_id}" if author.user_id else author.label[:60],
                      user_id=author.user_id)
        set_counter_state(work, site, counter.number, CounterState.CLOSED, now, actor, RETIRED)
    counter.active = False
    work.save(counter)


def with_service(office: OfficeFile, entry: ServiceEntry, replacing: str | None) -> OfficeFile:
    """The office with one service added (replacing None) or replaced by code."""
    services = list(office.services)
    if replacing is None:
        services.append(entry)
    else:
        services = [entry if s.code == replacing else s for s in services]
    return _rebuilt(office, services=services)


def with_counter(office: OfficeFile, entry: CounterEntry, replacing: int | None) -> OfficeFile:
    counters = list(office.counters)
    if replacing is None:
        counters.append(entry)
    else:
        counters = [entry if c.number == replacing else c for c in counters]
    return _rebuilt(office, counters=sorted(counters, key=lambda c: c.number))


def without_counter(office: OfficeFile, number: int) -> OfficeFile:
    return _rebuilt(office, counters=[c for c in office.counters if c.number != number])


def _rebuilt(
    office: OfficeFile,
    services: list[ServiceEntry] | None = None,
    counters: list[CounterEntry] | None = None,
) -> OfficeFile:
    """Validated again as a whole: what a file with these parts would have to pass."""
    data = office.model_dump(mode="json")
    if services is not None:
        data["services"] = [s.model_dump(mode="json") for s in services]
    if counters is not None:
        data["counters"] = [c.model_dump(mode="json") for c in counters]
    return OfficeFile.model_validate(data)
