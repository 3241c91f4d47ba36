"""Read models: the site snapshot, a ticket's public status, events as deltas."""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
from server.engine import estimate
from server.engine import schedule as opening_rules
from server.engine.clock import local_time
from server.engine.model import Counter, Event, Place, Service, Site, Ticket, TicketFacts
from server.engine.policy import call_order
from server.engine.repository import QueueRepository

RECENT_CALLS = 10
# Enough recent calls to find a paused counter's last citizen and the priority
# citizens lately called.
RECENT_CALLS_FOR_ESTIMATE = 10


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


class WaitEstimator:
    """People ahead and expected minutes for any ticket of one site right now.

    Gathers what `estimate` plays forward: who waits, when each counter will
    call again, each service's expected minutes, the office's breaks today.
    """

    def __init__(self, repo: QueueRepository, index: SiteIndex, now: datetime) -> None:
        site = index.site
        self.repo = repo
        self.index = index
        self.now = now
        self.today = local_time(site, now).date()
        # Filled on first need: one ticket's position looks at one service only.
        self._waiting: list[Ticket] | None = None
        self._places: list[Place] | None = None
        self._busy: set[int] | None = None
        self._mean: dict[int, float] = {}
        self._office: estimate.Office | None = None

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
        return call_order(
            [p for p in self.places() if p.service_id == service_id], {}, 0, 1_000_000
        )

    def places(self) -> list[Place]:
        """Everyone's place in line at the site today: four columns each, one read."""
        if self._places is None:
            services = [s for s in self.index.services if s is not None]
            self._places = self.repo.places(self.index.site.id, self.today, services)
        return self._places

    def is_busy(self, counter: Counter) -> bool:
        if self._busy is None:
            # Every counter of the site at once: one read, however many counters.
            self._busy = self.repo.busy_counters(self.index.site.id, self.today)
        return counter.id in self._busy

    def mean_minutes(self, service_id: int) -> float:
        if service_id not in self._mean:
            self._mean[service_id] = estimate.service_minutes(
                self.repo.service_durations(service_id, self.today, estimate.RECENT_LIMIT),
                self.index.services[service_id].default_service_minutes,
            )
        return self._mean[service_id]

    def office(self) -> estimate.Office:
        if self._office is None:
            self._office = self._gather()
        return self._office

    def _gather(self) -> estimate.Office:
        site = self.index.site
        calls = self.repo.recent_calls(site.id, self.today, RECENT_CALLS_FOR_ESTIMATE)
        desks = []
        for counter in sorted(self.index.counters.values(), key=lambda c: c.number):
            services = counter.service_ids
            if not services or counter.state == CounterState.CLOSED:
                continue
            if counter.state == CounterState.PAUSED:
                free_at = estimate.expected_return(_quiet_since(counter, calls), self.now)
            elif self.is_busy(counter):
                free_at = self._done_at(counter, calls)
            else:
                free_at = self.now
            desks.append(estimate.Desk(counter.number, services, free_at))
        # Places in line (four columns) unless whole tickets were read already.
        waiting: list[Ticket] | list[Place] = (
            self._waiting if self._waiting is not None else self.places()
        )
        places = [
            estimate.Place(t.id, t.service_id, t.priority.is_priority, t.queued_at)
            for t in waiting
        ]
        issued = [(p.service_id, p.priority, p.queued_at) for p in places]
        issued += [(t.service_id, t.priority.is_priority, t.issued_at) for t in calls]
        waited_for = {p.service_id for p in places}
        return estimate.Office(
            now=self.now,
            desks=desks,
            waiting=places,
            minutes=estimate.LazyMinutes(self.mean_minutes, waited_for),
            breaks=estimate.breaks_on(site.schedule, local_time(site, self.now)),
            priority_per_minute=estimate.priority_rate(issued, self.now),
        )

    def _done_at(self, counter: Counter, calls: list[Ticket]) -> datetime:
        """When the citizen at a busy counter is expected to be done."""
        # Usually among the latest calls, read already; else one more read.
        current = next(
            (t for t in calls if t.counter_id == counter.id and t.status.at_counter), None
        ) or _today_at(self.repo, counter.id, self.today)
        began = None if current is None else current.started_at or current.last_called_at
        if current is None or began is None:
            return self.now
        elapsed = (self.now - began).total_seconds() / 60
        left = estimate.minutes_left(elapsed, self.mean_minutes(current.service_id))
        return self.now + timedelta(minutes=left)

    def minutes_for_new(self, service_id: int) -> float | None:
        """The wait of a citizen taking a number for the service now."""
        wait = estimate.new_ticket_wait(self.office(), service_id)
        return None if wait is None else round(wait, 1)

    def for_ticket(self, ticket: Ticket) -> tuple[int, float | None]:
        queue = [t.id for t in self.queue_of(ticket.service_id)]
        if ticket.id not in queue:
            return 0, None
        wait = estimate.wait_minutes(self.office(), ticket.id)
        return queue.index(ticket.id), None if wait is None else round(wait, 1)


def _quiet_since(counter: Counter, calls: list[Ticket]) -> datetime | None:
    """When a paused counter's last citizen left it: when its officer went away."""
    for ticket in calls:
        if ticket.counter_id == counter.id:
            moments = [ticket.finished_at, ticket.no_show_at, ticket.last_called_at]
            return max(m for m in moments if m is not None)
    return None


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
        estimated_wait_minutes=estimator.minutes_for_new(service.id),
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
