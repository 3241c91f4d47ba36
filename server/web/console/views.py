"""What the console shows, read from the database in one read transaction.

The counter with its ticket, the waiting list of the counter's services in
the order NEXT would call them (the engine's own call order), today's
no-shows that may come back, and the services a citizen can be sent on to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from antrean.protocol import CounterView, TicketView
from antrean.vocabulary import CounterState, EventType
from server.engine.clock import local_day
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.model import Counter, Service, Site
from server.engine.policy import call_order
from server.engine.views import snapshot
from server.store.unit_of_work import UnitOfWork

NO_SHOWS_SHOWN = 20


@dataclass(frozen=True)
class WaitingRow:
    ticket: TicketView
    service_name: str
    waited_minutes: int
    next_up: bool


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name: str


@dataclass(frozen=True)
class ConsoleView:
    site_code: str
    site_name: str
    counter: CounterView
    counter_name: str
    pause_reason: str | None
    current_service_name: str | None
    waiting: list[WaitingRow]
    waiting_elsewhere: int  # waiting for the site's other services
    no_shows: list[TicketView]
    services: list[ServiceChoice]
    seq: int
    now: datetime

    @property
    def current(self) -> TicketView | None:
        return self.counter.current

    @property
    def is_open(self) -> bool:
        return self.counter.state is CounterState.OPEN


@dataclass(frozen=True)
class CounterChoice:
    site_code: str
    site_name: str
    number: int
    name: str
    state: CounterState
    services: list[str]
    current: str | None


def counter_choices(work: UnitOfWork, site_ids: list[int] | None) -> list[CounterChoice]:
    """Counters of the given sites (None: every site), for the picker."""
    choices = []
    for site in work.sites():
        if site_ids is not None and site.id not in site_ids:
            continue
        services = {s.id: s.code for s in work.services(site.id)}
        for counter in sorted(work.counters(site.id), key=lambda c: c.number):
            if not counter.active:
                continue
            current = work.at_counter(counter.id)
            choices.append(CounterChoice(
                site.code, site.name, counter.number, counter.name, counter.state,
                [services[s] for s in counter.service_ids],
                current.code if current is not None else None,
            ))
    return choices


def console_view(work: UnitOfWork, site_code: str, number: int, now: datetime) -> ConsoleView:
    site = find_site(work, site_code)
    state = snapshot(work, site, now)
    counter = next((c for c in state.counters if c.number == number), None)
    if counter is None:
        raise QueueError("counter_not_found", {"counter": number})
    row = next(c for c in work.counters(site.id) if c.number == number)
    services = {s.id: s for s in work.services(site.id)}
    by_code = {s.code: s for s in services.values()}
    served = list(row.service_ids)
    preference = {service_id: rank for rank, service_id in enumerate(served)}
    today = local_day(site, now)
    places = work.places(site.id, today, served)
    ordered = call_order(places, preference, row.priority_streak, site.priority_max_in_row)
    views = {t.id: t for t in state.waiting}
    waiting = [
        WaitingRow(
            views[place.id],
            by_code[views[place.id].service].name,
            max(0, int((now - place.queued_at).total_seconds() // 60)),
            next_up=position == 0,
        )
        for position, place in enumerate(ordered)
        if place.id in views
    ]
    current = counter.current
    return ConsoleView(
        site_code=site.code,
        site_name=site.name,
        counter=counter,
        counter_name=row.name,
        pause_reason=None if counter.state is CounterState.OPEN else _pause_reason(work, row),
        current_service_name=by_code[current.service].name if current is not None else None,
        waiting=waiting,
        waiting_elsewhere=len(state.waiting) - len(waiting),
        no_shows=_no_shows(work, site, served, today, services),
        services=[
            ServiceChoice(s.code, s.name)
            for s in sorted(services.values(), key=lambda s: (s.sort_order, s.code)) if s.active
        ],
        seq=state.seq,
        now=now,
    )


def _pause_reason(work: UnitOfWork, counter: Counter) -> str | None:
    event = work.latest_counter_event(counter, EventType.COUNTER_CHANGED)
    reason = event.details.get("reason") if event is not None else None
    return str(reason) if reason else None


def _no_shows(
    work: UnitOfWork, site: Site, served: list[int], today: date, services: dict[int, Service]
) -> list[TicketView]:
    return [
        TicketView(
            id=t.id, code=t.code, service=services[t.service_id].code, priority=t.priority,
            status=t.status, issued_at=t.issued_at, called_at=t.last_called_at,
            call_count=t.call_count,
        )
        for t in work.no_shows(site.id, today, served, NO_SHOWS_SHOWN)
    ]
