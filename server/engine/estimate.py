"""Estimated waiting time: the office's work played forward.

A ticket is called when one of the counters that serve its service comes
free with nobody older to call: nobody it serves who came earlier, and no
priority citizen (Law 25/2009 art. 29), whatever the service. So the
estimate plays the office forward from now. Each open counter is ready when
its citizen is expected to be done; a paused one when its officer is
expected back; any, at the latest, when the office's scheduled break ends.
From then on each counter works through the tickets ahead of this one in
the order the call rule takes them (priority first, then oldest first)
among the services *it* serves, so a counter serving two services takes the
oldest of both. The minutes its counters spend on others first, and when
they are ready, give the wait (`Projection`, `_first_free`). That answers the
three ways the old per-service formula went wrong: other services sharing
the counters, a paused counter that comes back, and a scheduled break that
is about to stop every counter.

Two more things are expected, not yet seen: priority citizens who come while
a normal ticket waits are called before it (the day's rate of them stretches
its wait), and the counters are rarely all free at once (when one comes free
for this ticket, the others are on average part-way through a citizen).

A service's expected minutes are the mean of its recent finished tickets,
with the service's configured minutes counted as a few tickets of prior
experience (so the first tickets of the day cannot swing it) and each ticket
capped at a few times that figure (so one citizen with a tangle of papers
does not move every estimate in the office).

The fairness rule (a normal ticket after `priority_max_in_row` priority calls)
and the counters' preferences on ties only reorder a few calls; they are left
out. Everything here is pure: no storage, no clock; `views.WaitEstimator`
gathers the facts.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from statistics import median
from typing import NamedTuple

from server.engine.schedule import WEEKDAYS, Schedule

RECENT_LIMIT = 30
PRIOR_TICKETS = 4.0
CAP_FACTOR = 3.0
LEFT_SHARE = 0.25  # of its mean, still expected of a service that has run past it
PAUSE_MINUTES = 20.0  # a paused counter's expected absence
OVERDUE_MINUTES = 5.0  # still expected of an officer who is later than that
PRIORITY_MEMORY = timedelta(hours=1)
PRIORITY_LEAST = timedelta(minutes=15)
PRIORITY_SHARE_CAP = 0.5
# How far into a citizen another counter is, on average, when one comes free: for
# times at the counter that vary by about half their mean, E[S²]/2E[S] = 0.625
# of the mean (an exponential time would give 1, a fixed one 0.5).
IN_PROGRESS_SHARE = 0.65


def service_minutes(durations_seconds: Sequence[float], default_minutes: float) -> float:
    """Expected minutes at the counter from recent durations (any order).

    The configured minutes count as PRIOR_TICKETS tickets, and no duration
    counts for more than CAP_FACTOR times the typical one: the median of the
    durations and the prior together. The median, not the mean, because the
    long ones are the ones to doubt: a citizen left "serving" over lunch, or
    a finish pressed the next morning, must not raise its own cap.
    """
    minutes = [seconds / 60 for seconds in durations_seconds]
    if not minutes:
        return default_minutes
    prior = PRIOR_TICKETS * default_minutes
    typical = median([default_minutes] * round(PRIOR_TICKETS) + minutes)
    cap = CAP_FACTOR * typical
    return (prior + sum(min(m, cap) for m in minutes)) / (PRIOR_TICKETS + len(minutes))


def minutes_left(elapsed_minutes: float, mean_minutes: float) -> float:
    """What is still expected of a service that has run `elapsed_minutes`."""
    return max(mean_minutes - elapsed_minutes, LEFT_SHARE * mean_minutes)


def expected_return(paused_since: datetime | None, now: datetime) -> datetime:
    """When an officer who paused their counter is expected back."""
    if paused_since is None:
        return now + timedelta(minutes=PAUSE_MINUTES)
    back = paused_since + timedelta(minutes=PAUSE_MINUTES)
    return max(back, now + timedelta(minutes=OVERDUE_MINUTES))


class Place(NamedTuple):
    """A ticket in line, as the call rule sees it."""

    id: int
    service_id: int
    priority: bool
    queued_at: datetime


@dataclass(frozen=True)
class Desk:
    """A counter that will call again: from when, for which services."""

    number: int
    services: tuple[int, ...]
    free_at: datetime


@dataclass(frozen=True)
class Office:
    now: datetime
    desks: Sequence[Desk]
    waiting: Sequence[Place]
    minutes: Mapping[int, float]  # expected minutes at the counter, per service
    breaks: Sequence[tuple[datetime, datetime]] = ()  # the office's scheduled breaks
    priority_per_minute: Mapping[int, float] = field(default_factory=dict)


NEW_TICKET = -1


class Projection:
    """The office played forward once, for every ticket in line and every service.

    Each counter, from when it is ready, works on the oldest ticket it serves,
    in call order; when several work on one they share it, as if minutes could
    be split. That keeps the answer continuous (a counter coming free a moment
    later moves it a moment, never a whole service) where placing whole
    citizens on counters one by one jumps. Playing it once gives when each
    ticket's minutes have all been taken up (`done`); a ticket is called when
    one of its service's counters is ready and every ticket it would call first
    is done. Until that moment no counter has touched anyone behind the ticket,
    so one play serves every ticket, every service's newcomer, the status page
    and a whole snapshot alike.
    """

    def __init__(self, office: Office) -> None:
        self.office = office
        keyed = sorted((_call_key(p), p) for p in office.waiting)
        self.keys = [key for key, _ in keyed]
        self.order = [place for _, place in keyed]
        now = office.now
        self.ready = [
            max(0.0, (_after_breaks(max(d.free_at, now), office.breaks) - now).total_seconds() / 60)
            for d in office.desks
        ]
        # Each counter's own line: the tickets it may call, in call order.
        services = [p.service_id for p in self.order]
        self.lines = []
        for desk in office.desks:
            own = set(desk.services)
            self.lines.append([k for k, service in enumerate(services) if service in own])
        self.done = _play(office.minutes, services, self.ready, self.lines)
        self.waited_for = set(services)
        self._reach: dict[int, list[float]] = {}
        self._per_service: dict[int, tuple[list[int], float, float] | None] = {}

    def position(self, ticket_id: int) -> int | None:
        """Where a ticket stands in the call order; None when it is not in line."""
        return next((k for k, p in enumerate(self.order) if p.id == ticket_id), None)

    def wait(self, ticket_id: int) -> float | None:
        """Minutes until a ticket in line is called; None when no counter will serve it."""
        k = self.position(ticket_id)
        if k is None:
            return None
        target = self.order[k]
        return self._wait(target.service_id, k, target.priority)

    def wait_for_new(self, service_id: int) -> float | None:
        """The wait of a normal ticket taken now for the service, at the back of the line."""
        behind = bisect_left(self.keys, (True, self.office.now, NEW_TICKET))
        return self._wait(service_id, behind, False)

    def _wait(self, service_id: int, k: int, priority: bool) -> float | None:
        """For a ticket that would stand at position k of the call order."""
        known = self._service(service_id)
        if known is None:
            return None
        serving, in_progress, share = known
        # Ready, with everyone it would call before this ticket done.
        shared = min(self._reached(d)[bisect_left(self.lines[d], k)] for d in serving)
        ready = sorted(self.ready[d] for d in serving)
        wait = _through_breaks(self.office, _first_free(ready, shared, in_progress))
        # Priority citizens who come while this one waits go first: W = W0 + share × W.
        return wait if priority else wait / (1 - share)

    def _reached(self, desk: int) -> list[float]:
        """When counter `desk` is ready with the first j tickets of its line done, by j."""
        if desk not in self._reach:
            done = self.done
            self._reach[desk] = list(
                accumulate((done[k] for k in self.lines[desk]), max, initial=self.ready[desk])
            )
        return self._reach[desk]

    def _service(self, service_id: int) -> tuple[list[int], float, float] | None:
        """The counters serving a service, its citizens' minutes in progress, and the
        share of its counters' time priority citizens yet to come will take."""
        if service_id not in self._per_service:
            office = self.office
            serving = [d for d, desk in enumerate(office.desks) if service_id in desk.services]
            if not serving:
                self._per_service[service_id] = None
            else:
                waited_for = self.waited_for | {service_id}
                typical = _typical_minutes(office, [office.desks[d] for d in serving], waited_for)
                share = priority_share(office, service_id)
                self._per_service[service_id] = (serving, IN_PROGRESS_SHARE * typical, share)
        return self._per_service[service_id]


def wait_minutes(office: Office, ticket_id: int) -> float | None:
    """Minutes until the ticket is called; None when no counter will serve it."""
    return Projection(office).wait(ticket_id)


def new_ticket_wait(office: Office, service_id: int) -> float | None:
    """The wait of a normal ticket taken now for the service, at the back of the line."""
    return Projection(office).wait_for_new(service_id)


def _play(
    minutes: Mapping[int, float],
    services: Sequence[int],
    ready: Sequence[float],
    lines: Sequence[list[int]],
) -> list[float]:
    """Minutes from now until each ticket's minutes (of `services`, in call order)
    have all been taken up; infinite for one that no counter serves."""
    done = [math.inf] * len(services)
    left = [0.0] * len(services)
    asked: dict[int, float] = {}
    for line in lines:
        for k in line:
            service = services[k]
            if service not in asked:
                asked[service] = minutes.get(service, 0.0)
            left[k] = asked[service]
    # The counters with someone to call: their lines, when each is ready, how far along.
    at_work = [d for d, line in enumerate(lines) if line]
    reached = [0] * len(lines)
    now = 0.0
    while at_work:
        working: dict[int, int] = {}
        step = math.inf
        for d in at_work:
            line = lines[d]
            k = reached[d]
            end = len(line)
            while k < end and left[line[k]] <= 1e-9:
                if done[line[k]] == math.inf:
                    done[line[k]] = now
                k += 1
            reached[d] = k
            if k == end:
                continue
            if ready[d] > now:
                if ready[d] - now < step:
                    step = ready[d] - now
            else:
                ticket = line[k]
                working[ticket] = working.get(ticket, 0) + 1
        at_work = [d for d in at_work if reached[d] < len(lines[d])]
        for ticket, count in working.items():
            if left[ticket] / count < step:
                step = left[ticket] / count
        if step == math.inf:
            break
        for ticket, count in working.items():
            left[ticket] -= count * step
        now += step
    return done


def _typical_minutes(office: Office, serving: Sequence[Desk], waited_for: set[int]) -> float:
    """A citizen's minutes at the target's counters: for each, the mean over the
    services it serves that someone waits for. A set, not a count, so one more
    ticket in line does not move it."""
    per_desk = []
    for desk in serving:
        minutes = [office.minutes.get(s, 0.0) for s in desk.services if s in waited_for]
        if minutes:
            per_desk.append(sum(minutes) / len(minutes))
    return sum(per_desk) / len(per_desk) if per_desk else 0.0


def _call_key(place: Place) -> tuple[bool, datetime, int]:
    return (not place.priority, place.queued_at, place.id)


def _first_free(ready: Sequence[float], shared: float, in_progress: float) -> float:
    """When the first of the target's counters is free for it, from `shared`, when
    they would all be free if minutes could be split, and when each is ready
    (minutes from now, sorted).

    Citizens come whole, so counters do not finish together: with j counters at
    work, when the first is free the others are each `in_progress` minutes from
    done, on average, and the first is free (j - 1) / j of that before `shared`.
    A counter that joins late takes its share no sooner than it joins: the
    figure then holds still until that share is worked off, so it never runs
    ahead of the time shared out, nor goes back.
    """
    working = [moment for moment in ready if moment < shared]
    best = shared - (len(working) - 1) * in_progress / len(working) if working else shared
    for count in range(1, len(working)):
        # The moment counter count + 1 joined the `count` already at work.
        best = max(best, working[count] - (count - 1) * in_progress / count)
    return best


def _through_breaks(office: Office, wait: float) -> float:
    """A turn that would come after a scheduled break starts waits for its end too."""
    for start, end in office.breaks:
        if start <= office.now:
            continue
        begins = (start - office.now).total_seconds() / 60
        if wait > begins:
            wait += (end - start).total_seconds() / 60
    return wait


def priority_rate(
    issued: Iterable[tuple[int, bool, datetime]], now: datetime
) -> dict[int, float]:
    """Priority tickets issued per minute, per service, from (service, priority,
    issued at) of today's tickets: each counts less as it ages (by e every
    PRIORITY_MEMORY), so the rate moves smoothly as time passes, and early in the
    day it is taken over the time since the first ticket (at least
    PRIORITY_LEAST), not over hours when nobody could come."""
    seen = [(service_id, priority, at) for service_id, priority, at in issued if at <= now]
    if not seen:
        return {}
    memory = PRIORITY_MEMORY.total_seconds() / 60
    open_for = max((now - min(at for _, _, at in seen)).total_seconds() / 60,
                   PRIORITY_LEAST.total_seconds() / 60)
    span = memory * (1 - math.exp(-open_for / memory))
    weights: dict[int, float] = {}
    for service_id, priority, at in seen:
        if priority:
            age = (now - at).total_seconds() / 60
            weights[service_id] = weights.get(service_id, 0.0) + math.exp(-age / memory)
    return {service_id: weight / span for service_id, weight in weights.items()}


def priority_share(office: Office, service_id: int) -> float:
    """The share of the time of the counters serving `service_id` that priority
    citizens still to come will take: they are called before a normal ticket that
    is still waiting. Each service's priority work is spread over the counters
    that serve it."""
    serving = [d for d in office.desks if service_id in d.services]
    if not serving:
        return 0.0
    work = 0.0
    for other, rate in office.priority_per_minute.items():
        desks = [d for d in office.desks if other in d.services]
        shared = sum(1 for d in desks if service_id in d.services)
        if desks:
            work += rate * office.minutes.get(other, 0.0) * shared / len(desks)
    return min(work / len(serving), PRIORITY_SHARE_CAP)


class LazyMinutes(Mapping[int, float]):
    """Expected minutes per service, looked up only for the services an estimate
    asks about (each lookup may read storage)."""

    def __init__(self, lookup: Callable[[int], float], services: Iterable[int]) -> None:
        self.lookup = lookup
        self.services = set(services)
        self.known: dict[int, float] = {}

    def __getitem__(self, service_id: int) -> float:
        if service_id not in self.known:
            self.known[service_id] = self.lookup(service_id)
        return self.known[service_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)


def breaks_on(schedule: Schedule, here: datetime) -> list[tuple[datetime, datetime]]:
    """The scheduled breaks of the local day of `here` (an aware local time)."""
    day = here.date()
    return [
        (datetime.combine(day, span.start, tzinfo=here.tzinfo),
         datetime.combine(day, span.end, tzinfo=here.tzinfo))
        for span in schedule.breaks.get(WEEKDAYS[day.weekday()], [])
    ]


def _after_breaks(moment: datetime, breaks: Sequence[tuple[datetime, datetime]]) -> datetime:
    for start, end in breaks:
        if start <= moment < end:
            return end
    return moment
