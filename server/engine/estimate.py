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
they are ready, give the wait (`_drain`, `_first_free`). That answers the
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    counts for more than CAP_FACTOR times the figure without it.
    """
    minutes = [seconds / 60 for seconds in durations_seconds]
    if not minutes:
        return default_minutes
    prior = PRIOR_TICKETS * default_minutes
    cap = CAP_FACTOR * (prior + sum(minutes)) / (PRIOR_TICKETS + len(minutes))
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


@dataclass(frozen=True)
class Place:
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


def wait_minutes(office: Office, ticket_id: int) -> float | None:
    """Minutes until the ticket is called; None when no counter will serve it."""
    target = next((p for p in office.waiting if p.id == ticket_id), None)
    if target is None:
        return None
    serving = [i for i, d in enumerate(office.desks) if target.service_id in d.services]
    if not serving:
        return None
    ready = [
        max(0.0, (_after_breaks(max(d.free_at, office.now), office.breaks) - office.now)
            .total_seconds() / 60)
        for d in office.desks
    ]
    older = sorted(
        (p for p in office.waiting if p.id != target.id and _called_before(p, target)),
        key=_call_key,
    )
    shared = _drain(office, older, ready, set(serving))
    typical = _typical_minutes(office, [office.desks[i] for i in serving])
    wait = _first_free(sorted(ready[i] for i in serving), shared, IN_PROGRESS_SHARE * typical)
    wait = _through_breaks(office, wait)
    if target.priority:
        return wait
    # Priority citizens who come while this one waits go first: W = W0 + share × W.
    return wait / (1 - priority_share(office, target.service_id))


def _typical_minutes(office: Office, serving: Sequence[Desk]) -> float:
    """A citizen's minutes at the target's counters: for each, the mean over the
    services it serves that someone waits for. A set, not a count, so one more
    ticket in line does not move it."""
    waited_for = {p.service_id for p in office.waiting}
    per_desk = []
    for desk in serving:
        minutes = [office.minutes.get(s, 0.0) for s in desk.services if s in waited_for]
        if minutes:
            per_desk.append(sum(minutes) / len(minutes))
    return sum(per_desk) / len(per_desk) if per_desk else 0.0


def _call_key(place: Place) -> tuple[bool, datetime, int]:
    return (not place.priority, place.queued_at, place.id)


def _drain(
    office: Office, older: Sequence[Place], ready: Sequence[float], serving: set[int]
) -> float:
    """Minutes until one of the target's counters has nobody older left to call.

    Every counter, from when it is ready, works on the oldest older ticket it
    serves; when several are free at once they share it, as if minutes could be
    split. That keeps the answer continuous (a counter coming free a moment
    later moves it a moment, never a whole service) where placing whole
    citizens on counters one by one jumps.
    """
    left = [office.minutes.get(p.service_id, 0.0) for p in older]
    # Each counter's own line: the older tickets it may call, in call order. A
    # counter with nobody to call that cannot serve the target plays no part.
    lines: list[tuple[list[int], float, bool]] = []
    for index, desk in enumerate(office.desks):
        services = set(desk.services)
        own = [k for k, place in enumerate(older) if place.service_id in services]
        if own or index in serving:
            lines.append((own, ready[index], index in serving))
    first = [0] * len(lines)
    now = 0.0
    while True:
        working: dict[int, int] = {}
        step = math.inf
        for i, (own, at, serves_target) in enumerate(lines):
            k = first[i]
            end = len(own)
            while k < end and left[own[k]] <= 1e-9:
                k += 1
            first[i] = k
            if at > now:
                if at - now < step:
                    step = at - now
            elif k == end:
                if serves_target:
                    return now  # a counter of the target's service is free for it
            else:
                ticket = own[k]
                working[ticket] = working.get(ticket, 0) + 1
        for ticket, count in working.items():
            if left[ticket] / count < step:
                step = left[ticket] / count
        if step == math.inf:
            return now
        for ticket, count in working.items():
            left[ticket] -= count * step
        now += step


def _called_before(place: Place, target: Place) -> bool:
    return _call_key(place) < _call_key(target)


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


def new_ticket_wait(office: Office, service_id: int) -> float | None:
    """The wait of a normal ticket taken now for the service, at the back of the line."""
    newcomer = Place(NEW_TICKET, service_id, False, office.now)
    return wait_minutes(
        Office(office.now, office.desks, [*office.waiting, newcomer], office.minutes,
               office.breaks, office.priority_per_minute),
        NEW_TICKET,
    )


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
