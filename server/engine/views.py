"""Read models: the site snapshot, a ticket's public status, events as deltas."""

from __future__ import annotations

from datetime import date, datetime

from antrean.protocol import (
    CallView,
    CounterView,
    EventView,
    QueueSnapshot,
    ServiceState,
    SiteInfo,
    TicketStatusView,
    TicketView,
)
from antrean.vocabulary import CounterState, Priority
from server.engine import schedule as opening_rules
from server.engine.clock import local_time
from server.engine.estimate import RECENT_LIMIT, expected_wait_minutes, mean_service_minutes
from server.engine.model import Counter, Event, Place, Service, Site, Ticket, TicketFacts
from server.engine.policy import call_order
from server.engine.repository import QueueRepository

RECENT_CALLS = 10


def make_ticket_view(ticket: Ticket, service_code: str, counter_number: int | None) -> TicketView:
    # Built from a loaded ticket whose fields already have the wire types:
    # validating them again costs more than everything else here.
    return TicketView.model_construct(
        id=ticket.id,
        code=ticket.code,
        service=service_code,
        priority=ticket.priority,
        status=ticket.status,
        counter=counter_number,
        issued_at=ticket.issued_at,
        called_at=ticket.last_called_at,
        call_count=ticket.call_count,
    )


class SiteIndex:
    """Services and counters of one site, looked up by id once per read."""

    def __init__(self, repo: QueueRepository, site: Site) -> None:
        self.site = site
        self.services = {s.id: s for s in repo.services(site.id)}
        self.counters = {c.id: c for c in repo.counters(site.id)}

    def ticket_view(self, ticket: Ticket) -> TicketView:
        counter = self.counters.get(ticket.counter_id) if ticket.counter_id else None
        return make_ticket_view(
            ticket, self.services[ticket.service_id].code, counter.number if counter else None
        )

    def open_counters_for(self, service_id: int) -> list[Counter]:
        return [
            c for c in self.counters.values()
            if c.state == CounterState.OPEN and c.active and service_id in c.service_ids
        ]


class WaitEstimator:
    """People ahead and expected minutes for any ticket of one site right now."""

    def __init__(self, repo: QueueRepository, index: SiteIndex, now: datetime) -> None:
        site = index.site
        self.repo = repo
        self.index = index
        self.today = local_time(site, now).date()
        # Filled on first need: one ticket's estimate looks at one service only.
        self._waiting: list[Ticket] | None = None
        self._waiting_for: dict[int, list[Place]] = {}
        self._busy: set[int] | None = None
        self._mean: dict[int, float] = {}
        state = opening_rules.opening(site.schedule, local_time(site, now))
        self.break_minutes = (
            (state.break_end - local_time(site, now)).total_seconds() / 60
            if state.on_break and state.break_end
            else 0.0
        )

    @property
    def waiting(self) -> list[Ticket]:
        """Everyone waiting at the site today, in arrival order."""
        if self._waiting is None:
            self._waiting = self.repo.waiting(self.index.site.id, self.today)
        return self._waiting

    def queue_of(self, service_id: int) -> list[Ticket] | list[Place]:
        if self._waiting is not None:
            return call_order(
                [t for t in self._waiting if t.service_id == service_id], {}, 0, 1_000_000
            )
        if service_id not in self._waiting_for:
            self._waiting_for[service_id] = self.repo.places(
                self.index.site.id, self.today, [service_id]
            )
        return call_order(self._waiting_for[service_id], {}, 0, 1_000_000)

    def is_busy(self, counter: Counter) -> bool:
        if self._busy is None:
            # Every counter of the site at once: one read, however many counters.
            self._busy = self.repo.busy_counters(self.index.site.id, self.today)
        return counter.id in self._busy

    def mean_minutes(self, service_id: int) -> float:
        if service_id not in self._mean:
            self._mean[service_id] = mean_service_minutes(
                self.repo.service_durations(service_id, self.today, RECENT_LIMIT),
                self.index.services[service_id].default_service_minutes,
            )
        return self._mean[service_id]

    def minutes(self, service_id: int, ahead: int) -> float | None:
        counters = self.index.open_counters_for(service_id)
        if not counters:
            return None
        busy = sum(1 for c in counters if self.is_busy(c))
        wait = expected_wait_minutes(ahead, busy, len(counters), self.mean_minutes(service_id))
        return None if wait is None else round(wait + self.break_minutes, 1)

    def for_ticket(self, ticket: Ticket) -> tuple[int, float | None]:
        queue = [t.id for t in self.queue_of(ticket.service_id)]
        if ticket.id not in queue:
            return 0, None
        ahead = queue.index(ticket.id)
        return ahead, self.minutes(ticket.service_id, ahead)


def _today_at(repo: QueueRepository, counter_id: int, today: date) -> Ticket | None:
    """The counter's ticket, unless it is left over from an earlier day (about to expire)."""
    current = repo.at_counter(counter_id)
    return current if current is not None and current.local_day == today else None


def snapshot(repo: QueueRepository, site: Site, now: datetime) -> QueueSnapshot:
    index = SiteIndex(repo, site)
    estimator = WaitEstimator(repo, index, now)
    here = local_time(site, now)
    site_state = opening_rules.opening(site.schedule, here)
    services = [
        _service_state(repo, index, estimator, service, here)
        for service in sorted(index.services.values(), key=lambda s: (s.sort_order, s.code))
    ]
    counters = []
    for counter in sorted(index.counters.values(), key=lambda c: c.number):
        if not counter.active:
            continue  # retired: its calls stay in the list below, the counter does not
        current = _today_at(repo, counter.id, estimator.today)
        counters.append(
            CounterView(
                number=counter.number,
                name=counter.name,
                state=counter.state,
                services=[index.services[s].code for s in counter.service_ids],
                current=index.ticket_view(current) if current else None,
            )
        )
    calls = [
        CallView(
            ticket_id=t.id,
            code=t.code,
            service=index.services[t.service_id].code,
            counter=index.counters[t.counter_id].number,
            at=t.last_called_at,
            call_count=t.call_count,
        )
        for t in repo.recent_calls(site.id, estimator.today, RECENT_CALLS)
        if t.counter_id is not None and t.last_called_at is not None
    ]
    return QueueSnapshot(
        seq=site.last_seq,
        site=SiteInfo(
            code=site.code,
            name=site.name,
            address_lines=list(site.address_lines),
            timezone=site.timezone,
            local_day=here.date(),
            local_time=here,
            on_break=site_state.on_break,
            public_url=site.public_url,
        ),
        services=services,
        counters=counters,
        waiting=[index.ticket_view(t) for t in estimator.waiting],
        recent_calls=calls,
        announcements=list(site.announcements),
    )


def _service_state(
    repo: QueueRepository,
    index: SiteIndex,
    estimator: WaitEstimator,
    service: Service,
    here: datetime,
) -> ServiceState:
    state = opening_rules.opening(
        opening_rules.effective(index.site.schedule, service.schedule), here
    )
    waiting = len(estimator.queue_of(service.id))
    return ServiceState(
        code=service.code,
        name=service.name,
        requirements=service.requirements,
        active=service.active,
        accepting=state.accepting and service.active,
        closed_reason=state.reason.value if state.reason else None,
        next_open=state.next_open,
        waiting=waiting,
        issued_today=repo.issued_count(service.id, here.date(), service.first_number),
        daily_quota=service.daily_quota,
        estimated_wait_minutes=estimator.minutes(service.id, waiting),
    )


def ticket_status(repo: QueueRepository, ticket: Ticket, now: datetime) -> TicketStatusView:
    site = repo.site_by_id(ticket.site_id)
    index = SiteIndex(repo, site)
    ahead, minutes = WaitEstimator(repo, index, now).for_ticket(ticket)
    view = index.ticket_view(ticket)
    service = index.services[ticket.service_id]
    waiting = ticket.status == "waiting"
    return TicketStatusView(
        id=view.id,
        code=view.code,
        site=site.code,
        site_name=site.name,
        site_timezone=site.timezone,
        service=service.code,
        service_name=service.name,
        priority=Priority(ticket.priority),
        status=ticket.status,
        counter=view.counter,
        people_ahead=ahead if waiting else None,
        estimated_wait_minutes=minutes if waiting else None,
        issued_at=ticket.issued_at,
        local_day=ticket.local_day,
    )


def event_view(site_code: str, event: Event) -> EventView:
    """An event as a delta; it carries the ticket as it was right after the change."""
    return EventView(
        seq=event.seq,
        site=site_code,
        type=event.type,
        at=event.at,
        ticket=_facts_view(event.ticket_id, event.ticket) if event.ticket else None,
        counter=event.counter,
        data=dict(event.details),
    )


def _facts_view(ticket_id: int | None, facts: TicketFacts) -> TicketView:
    # The facts are typed already, as make_ticket_view's ticket is.
    return TicketView.model_construct(
        id=ticket_id or 0,
        code=facts.code,
        service=facts.service,
        priority=facts.priority,
        status=facts.status,
        counter=facts.counter,
        issued_at=facts.issued_at,
        called_at=facts.last_called_at,
        call_count=facts.call_count,
    )
