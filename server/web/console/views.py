"""What the console shows, read from the database in one read transaction.

The counter with its ticket, the waiting list of the counter's services in
the order NEXT would call them (the engine's own call order), today's
no-shows that may come back, and the services a citizen can be sent on to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from antrean.protocol import CounterView, TicketView
from antrean.vocabulary import CounterState, EventType, TicketStatus
from server.engine.clock import local_day
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.policy import call_order
from server.engine.views import snapshot
from server.store.models import Counter, Event, Service, Site, Ticket
from server.store.repository import SqlRepository


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


def counter_choices(session: Session, site_ids: list[int] | None) -> list[CounterChoice]:
    """Counters of the given sites (None: every site), for the picker."""
    query = select(Counter, Site).join(Site, col(Site.id) == col(Counter.site_id))
    if site_ids is not None:
        query = query.where(col(Counter.site_id).in_(site_ids))
    rows = session.exec(query.order_by(col(Site.code), col(Counter.number))).all()
    repo = SqlRepository(session)
    choices = []
    for counter, site in rows:
        codes = [repo.service(s).code for s in repo.counter_service_ids(counter.id or 0)]
        current = repo.at_counter(counter.id or 0)
        choices.append(CounterChoice(
            site.code, site.name, counter.number, counter.name, counter.state, codes,
            current.code if current is not None else None,
        ))
    return choices


def console_view(session: Session, site_code: str, number: int, now: datetime) -> ConsoleView:
    repo = SqlRepository(session)
    site = find_site(repo, site_code)
    assert site.id is not None
    state = snapshot(repo, site, now)
    counter = next((c for c in state.counters if c.number == number), None)
    if counter is None:
        raise QueueError("counter_not_found", {"counter": number})
    row = next(c for c in repo.counters(site.id) if c.number == number)
    services = {s.id: s for s in repo.services(site.id)}
    by_code = {s.code: s for s in services.values()}
    served = repo.counter_service_ids(row.id or 0)
    preference = {service_id: rank for rank, service_id in enumerate(served)}
    today = local_day(site, now)
    places = repo.places(site.id, today, served)
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
        pause_reason=None if counter.state is CounterState.OPEN else _pause_reason(session, row),
        current_service_name=by_code[current.service].name if current is not None else None,
        waiting=waiting,
        waiting_elsewhere=len(state.waiting) - len(waiting),
        no_shows=_no_shows(session, site, served, today, by_code),
        services=[
            ServiceChoice(s.code, s.name)
            for s in sorted(services.values(), key=lambda s: (s.sort_order, s.code)) if s.active
        ],
        seq=state.seq,
        now=now,
    )


def _pause_reason(session: Session, counter: Counter) -> str | None:
    event = session.exec(
        select(Event)
        .where(Event.counter_id == counter.id, Event.type == EventType.COUNTER_CHANGED)
        .order_by(col(Event.seq).desc())
        .limit(1)
    ).first()
    reason = event.data.get("reason") if event is not None else None
    return str(reason) if reason else None


def _no_shows(
    session: Session, site: Site, served: list[int], today: date, by_code: dict[str, Service]
) -> list[TicketView]:
    codes = {s.id: s.code for s in by_code.values()}
    rows = session.exec(
        select(Ticket)
        .where(
            Ticket.site_id == site.id,
            Ticket.local_day == today,
            Ticket.status == TicketStatus.NO_SHOW,
            col(Ticket.service_id).in_(served),
        )
        .order_by(col(Ticket.no_show_at).desc())
        .limit(20)
    ).all()
    return [
        TicketView(
            id=t.id or 0, code=t.code, service=codes[t.service_id], priority=t.priority,
            status=t.status, issued_at=t.issued_at, called_at=t.last_called_at,
            call_count=t.call_count,
        )
        for t in rows
    ]
