"""Read models: the site snapshot, a ticket's public status, events as deltas."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

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
from server.engine.model import Call, Counter, Event, Place, Service, Site, Ticket, TicketFacts
from server.engine.repository import QueueRepository

# The calls a snapshot lists; also enough to find a paused counter's last citizen
# and the priority citizens lately called, for the estimate.
RECENT_CALLS = 10


def make_ticket_view(
    ticket: Ticket | Call, service_code: str, counter_number: int | None
) -> TicketView:
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

    def ticket_view(self, ticket: Ticket | Call) -> TicketView:
        counter = self.counters.get(ticket.counter_id) if ticket.counter_id else None
        return make_ticket_view(
            ticket, self.services[ticket.service_id].code, counter.number if counter else None
        )


class WaitEstimator:
    """People ahead and expected minutes for any ticket of one site right now.

    Gathers what `estimate` plays forward (who waits, when each counter will
    call again, each service's expected minutes, the office's breaks today)
    in a few narrow reads, and plays it forward once: every ticket and every
    service asked about in the same read (a snapshot, a command) shares it.
    """

    def __init__(self, repo: QueueRepository, index: SiteIndex, now: datetime) -> None:
        site = index.site
        self.repo = repo
        self.index = index
        self.now = now
        self.today = local_time(site, now).date()
        # Each read on first need: a ticket no longer waiting needs none of them.
        self._waiting: list[Ticket] | None = None
        self._places: list[Place] | None = None
        self._calls: list[Call] | None = None
        self._at_counters: dict[int, Call] | None = None
        self._mean: dict[int, float] = {}
        self._projection: estimate.Projection | None = None

    @property
    def waiting(self) -> list[Ticket]:
        """Everyone waiting at the site today, in arrival order, whole."""
        if self._waiting is None:
            self._waiting = self.repo.waiting(self.index.site.id, self.today)
        return self._waiting

    def places(self) -> list[Place]:
        """Everyone's place in line at the site today: four columns each, one read
        (unless whole tickets were read already)."""
        if self._places is None:
            if self._waiting is not None:
                self._places = [
                    Place(t.id, t.service_id, t.priority, t.queued_at) for t in self._waiting
                ]
            else:
                self._places = self.repo.places(
                    self.index.site.id, self.today, list(self.index.services)
                )
        return self._places

    def waiting_for(self, service_id: int) -> int:
        return sum(1 for p in self.places() if p.service_id == service_id)

    @property
    def calls(self) -> list[Call]:
        """The latest calls of the day, latest first."""
        if self._calls is None:
            self._calls = self.repo.recent_calls(self.index.site.id, self.today, RECENT_CALLS)
        return self._calls

    @property
    def at_counters(self) -> dict[int, Call]:
        """Today's ticket at each busy counter: one read for every counter."""
        if self._at_counters is None:
            self._at_counters = self.repo.at_counters(self.index.site.id, self.today)
        return self._at_counters

    def mean_minutes(self, service_id: int) -> float:
        """A service's expected minutes at the counter."""
        if service_id not in self._mean:
            # Every service the estimate may ask about, in one read.
            self.read_means({service_id, *self._in_play()})
        return self._mean[service_id]

    def read_means(self, service_ids: Collection[int]) -> None:
        """The expected minutes of these services, in one read (a snapshot shows all)."""
        wanted = set(service_ids) - self._mean.keys()
        if not wanted:
            return
        durations = self.repo.services_durations(wanted, self.today, estimate.RECENT_LIMIT)
        for wanted_id, seconds in durations.items():
            self._mean[wanted_id] = estimate.service_minutes(
                seconds, self.index.services[wanted_id].default_service_minutes
            )

    def _in_play(self) -> set[int]:
        """Services with someone waiting and a counter that will call them, and those
        of the citizens at the counters."""
        served = {
            s for c in self.index.counters.values()
            if c.state != CounterState.CLOSED and c.active
            for s in c.service_ids
        }
        waited = {p.service_id for p in self.places()} & served
        return waited | {c.service_id for c in self.at_counters.values()}

    def projection(self) -> estimate.Projection:
        if self._projection is None:
            self._projection = estimate.Projection(self.office())
        return self._projection

    def office(self) -> estimate.Office:
        site = self.index.site
        calls = self.calls
        desks = []
        for counter in sorted(self.index.counters.values(), key=lambda c: c.number):
            services = counter.service_ids
            if not services or counter.state == CounterState.CLOSED or not counter.active:
                continue
            if counter.state == CounterState.PAUSED:
                free_at = estimate.expected_return(_quiet_since(counter, calls), self.now)
            else:
                free_at = self._free_at(self.at_counters.get(counter.id))
            desks.append(estimate.Desk(counter.number, services, free_at))
        places = [
            estimate.Place(p.id, p.service_id, p.priority.is_priority, p.queued_at)
            for p in self.places()
        ]
        issued = [(p.service_id, p.priority, p.queued_at) for p in places]
        issued += [(c.service_id, c.priority.is_priority, c.issued_at) for c in calls]
        return estimate.Office(
            now=self.now,
            desks=desks,
            waiting=places,
            minutes=estimate.LazyMinutes(self.mean_minutes, {p.service_id for p in places}),
            breaks=estimate.breaks_on(site.schedule, local_time(site, self.now)),
            priority_per_minute=estimate.priority_rate(issued, self.now),
        )

    def _free_at(self, current: Call | None) -> datetime:
        """When an open counter can call again: now, or when its citizen is expected done."""
        began = None if current is None else current.started_at or current.last_called_at
        if current is None or began is None:
            return self.now
        elapsed = (self.now - began).total_seconds() / 60
        left = estimate.minutes_left(elapsed, self.mean_minutes(current.service_id))
        return self.now + timedelta(minutes=left)

    def minutes_for_new(self, service_id: int) -> float | None:
        """The wait of a citizen taking a number for the service now."""
        wait = self.projection().wait_for_new(service_id)
        return None if wait is None else round(wait, 1)

    def for_ticket(self, ticket: Ticket) -> tuple[int, float | None]:
        """People ahead of a waiting ticket in its service's line, and its wait."""
        if not any(p.id == ticket.id for p in self.places()):
            return 0, None
        projection = self.projection()
        position = projection.position(ticket.id)
        assert position is not None  # waiting, so in line
        ahead = sum(1 for p in projection.order[:position] if p.service_id == ticket.service_id)
        wait = projection.wait(ticket.id)
        return ahead, None if wait is None else round(wait, 1)


def _quiet_since(counter: Counter, calls: list[Call]) -> datetime | None:
    """When a paused counter's last citizen left it: when its officer went away."""
    for call in calls:
        if call.counter_id == counter.id:
            moments = [call.finished_at, call.no_show_at, call.last_called_at]
            return max(m for m in moments if m is not None)
    return None


def snapshot(repo: QueueRepository, site: Site, now: datetime) -> QueueSnapshot:
    index = SiteIndex(repo, site)
    estimator = WaitEstimator(repo, index, now)
    # Whole, for the list; the estimate then takes its places from them.
    waiting = [index.ticket_view(t) for t in estimator.waiting]
    here = local_time(site, now)
    site_state = opening_rules.opening(site.schedule, here)
    estimator.read_means(index.services)
    issued = repo.last_numbers(site.id, here.date())
    services = [
        _service_state(index, estimator, service, here, issued.get(service.id))
        for service in sorted(index.services.values(), key=lambda s: (s.sort_order, s.code))
    ]
    counters = []
    for counter in sorted(index.counters.values(), key=lambda c: c.number):
        if not counter.active:
            continue  # retired: its calls stay in the list below, the counter does not
        # Only today's: one left from an earlier day is about to expire.
        current = estimator.at_counters.get(counter.id)
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
        for t in estimator.calls
        if t.last_called_at is not None
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
        waiting=waiting,
        recent_calls=calls,
        announcements=list(site.announcements),
    )


def _service_state(
    index: SiteIndex,
    estimator: WaitEstimator,
    service: Service,
    here: datetime,
    last_number: int | None,
) -> ServiceState:
    state = opening_rules.opening(
        opening_rules.effective(index.site.schedule, service.schedule), here
    )
    waiting = estimator.waiting_for(service.id)
    return ServiceState(
        code=service.code,
        name=service.name,
        requirements=service.requirements,
        active=service.active,
        accepting=state.accepting and service.active,
        closed_reason=state.reason.value if state.reason else None,
        next_open=state.next_open,
        waiting=waiting,
        issued_today=0 if last_number is None else last_number - service.first_number + 1,
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
