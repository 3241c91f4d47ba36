"""A report for a day, a week or any span of local days, from the event log.

`build(work, site, first, last, now)` reads the span's events once
(`store.history`), follows each ticket (`fold.follow`) and counts: per
service, per counter, per officer, per day, and arrivals per hour. Every
page, export and API answer about a span of days is this one `Report`.
"""

from __future__ import annotations

import math
from collections import Counter as Count
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from server.engine.clock import local_day
from server.engine.model import Counter, Service, Site
from server.reports.fold import Outcome, Visit, follow
from server.reports.stats import Durations
from server.store import accounts, history
from server.store.history import NoteRevision
from server.store.unit_of_work import UnitOfWork

MAX_DAYS = 366 * 2
"""The longest span one report covers (a year is the usual longest)."""


@dataclass(frozen=True)
class Outcomes:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0


@dataclass(frozen=True)
class ServiceFigures:
    code: str
    name: str
    target_minutes: int | None
    outcomes: Outcomes
    transferred_out: int
    priority: int
    wait: Durations
    service_time: Durations
    # Waits longer than the service's target, of the waits measured (None: no target).
    over_target: int | None
    over_target_share: float | None


@dataclass(frozen=True)
class CounterFigures:
    number: int
    name: str
    served: int
    no_show: int
    service_time: Durations


@dataclass(frozen=True)
class OfficerFigures:
    actor: str
    name: str
    is_device: bool
    served: int
    no_show: int
    service_time: Durations


@dataclass(frozen=True)
class DayFigures:
    day: date
    outcomes: Outcomes
    wait: Durations
    over_target_share: float | None


@dataclass(frozen=True)
class Ratings:
    """The counter's satisfaction buttons (1–4): a separate measure from the survey."""

    count: int
    by_score: Mapping[int, int]
    mean: float | None
    satisfied_share: float | None  # "puas" or "sangat puas"


@dataclass(frozen=True)
class Report:
    site_code: str
    site_name: str
    timezone: str
    first: date
    last: date
    made_at: datetime
    services: list[ServiceFigures]
    total: ServiceFigures
    counters: list[CounterFigures]
    officers: list[OfficerFigures]
    arrivals_by_hour: list[int]
    days: list[DayFigures]
    ratings: Ratings
    ratings_by_service: Mapping[str, Ratings]
    notes: Mapping[date, NoteRevision]
    note_history: Mapping[date, list[NoteRevision]]

    @property
    def is_one_day(self) -> bool:
        return self.first == self.last

    @property
    def day_count(self) -> int:
        return (self.last - self.first).days + 1


def day_bounds(site: Site, first: date, last: date) -> tuple[datetime, datetime]:
    """The span's start and end in UTC: local midnight to the midnight after `last`."""
    zone = site.zone
    since = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return since, until


def check_span(first: date, last: date) -> None:
    if last < first:
        raise ValueError("the last day comes before the first")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError(f"a report covers at most {MAX_DAYS} days")


@dataclass
class _Tally:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0
    transferred_out: int = 0
    priority: int = 0
    waits: list[float] = field(default_factory=list)
    service_times: list[float] = field(default_factory=list)
    over: int = 0
    # Waits measured against a target (of services that have one).
    targeted: int = 0

    def end(self, outcome: Outcome) -> None:
        if outcome is Outcome.SERVED:
            self.served += 1
        elif outcome is Outcome.NO_SHOW:
            self.no_show += 1
        elif outcome is Outcome.CANCELLED:
            self.cancelled += 1
        elif outcome is Outcome.EXPIRED:
            self.expired += 1
        else:
            self.open += 1

    def outcomes(self) -> Outcomes:
        return Outcomes(
            self.issued, self.served, self.no_show, self.cancelled, self.expired, self.open
        )


def ratings_of(scores: Iterable[int]) -> Ratings:
    counted = Count(scores)
    total = sum(counted.values())
    if not total:
        return Ratings(0, {score: 0 for score in (4, 3, 2, 1)}, None, None)
    mean = math.fsum(score * n for score, n in counted.items()) / total
    satisfied = (counted[3] + counted[4]) / total
    return Ratings(total, {score: counted[score] for score in (4, 3, 2, 1)}, mean, satisfied)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def tally(
    visits: Iterable[Visit],
    services: list[Service],
    counters: list[Counter],
    first: date,
    last: date,
) -> tuple[dict[str, _Tally], dict[int, _Tally], dict[str, _Tally], dict[date, _Tally],
           list[int], dict[str, list[int]]]:
    """Count the visits per service code, counter id, officer, day and hour of arrival."""
    targets = {s.code: s.wait_target_minutes * 60 for s in services if s.wait_target_minutes}
    by_service: dict[str, _Tally] = {s.code: _Tally() for s in services}
    by_counter: dict[int, _Tally] = {c.id: _Tally() for c in counters}
    by_officer: dict[str, _Tally] = {}
    by_day: dict[date, _Tally] = {
        first + timedelta(days=n): _Tally() for n in range((last - first).days + 1)
    }
    arrivals = [0] * 24
    ratings: dict[str, list[int]] = {}
    for visit in visits:
        origin = by_service.get(visit.origin) or by_service.setdefault(visit.origin, _Tally())
        origin.issued += 1
        if visit.priority != "none":
            origin.priority += 1
        day = by_day.get(visit.day) or by_day.setdefault(visit.day, _Tally())
        day.issued += 1
        arrivals[visit.hour] += 1
        for service_code, seconds in visit.waits:
            line = by_service.get(service_code) or by_service.setdefault(service_code, _Tally())
            line.waits.append(seconds)
            day.waits.append(seconds)
            target = targets.get(service_code)
            if target is not None:
                line.targeted += 1
                day.targeted += 1
                if seconds > target:
                    line.over += 1
                    day.over += 1
        for moved_from, _ in visit.transfers:
            by_service.setdefault(moved_from, _Tally()).transferred_out += 1
        outcome = visit.outcome or Outcome.OPEN
        ended = by_service.get(visit.service) or by_service.setdefault(visit.service, _Tally())
        ended.end(outcome)
        day.end(outcome)
        if outcome is Outcome.SERVED or outcome is Outcome.NO_SHOW:
            at_counter = (
                by_counter.setdefault(visit.counter_id, _Tally())
                if visit.counter_id is not None else None
            )
            officer = (
                by_officer.setdefault(visit.officer, _Tally()) if visit.officer else None
            )
            for place in (ended, at_counter, officer):
                if place is None or place is ended:
                    continue
                place.end(outcome)
            if outcome is Outcome.SERVED and visit.service_seconds is not None:
                for place in (ended, at_counter, officer):
                    if place is not None:
                        place.service_times.append(visit.service_seconds)
        if visit.rating is not None:
            ratings.setdefault(visit.service, []).append(visit.rating)
    return by_service, by_counter, by_officer, by_day, arrivals, ratings


def _over(
    line: _Tally, code: str, targets: Mapping[str, int | None]
) -> tuple[int | None, float | None]:
    if not targets.get(code):
        return None, None
    return line.over, _share(line.over, line.targeted)


def build(
    work: UnitOfWork, site: Site, first: date, last: date, now: datetime
) -> Report:
    """The office's report from `first` to `last` (local days, both included)."""
    check_span(first, last)
    since, until = day_bounds(site, first, last)
    events = history.happenings(work, site.id, since, until)
    visits = follow(events, site.zone, today=local_day(site, now)).values()
    services = sorted(work.services(site.id), key=lambda s: (s.sort_order, s.code))
    counters = sorted(work.counters(site.id), key=lambda c: c.number)
    by_service, by_counter, by_officer, by_day, arrivals, ratings = tally(
        visits, services, counters, first, last
    )
    targets: dict[str, int | None] = {s.code: s.wait_target_minutes for s in services}
    names = {s.code: s.name for s in services}
    service_rows = []
    for code, line in by_service.items():
        over, share = _over(line, code, targets)
        service_rows.append(
            ServiceFigures(
                code, names.get(code, code), targets.get(code), line.outcomes(),
                line.transferred_out, line.priority, Durations.of(line.waits),
                Durations.of(line.service_times), over, share,
            )
        )
    total = _total(by_service, targets)
    counter_rows = [
        CounterFigures(
            c.number, c.name, by_counter[c.id].served, by_counter[c.id].no_show,
            Durations.of(by_counter[c.id].service_times),
        )
        for c in counters
    ]
    officer_rows = sorted(
        (
            OfficerFigures(
                actor, _actor_name(work, actor), actor.startswith("device:"), line.served,
                line.no_show, Durations.of(line.service_times),
            )
            for actor, line in by_officer.items()
        ),
        key=lambda o: (o.is_device, o.name.lower()),
    )
    day_rows = [
        DayFigures(
            day, line.outcomes(), Durations.of(line.waits),
            _share(line.over, line.targeted) if any(targets.values()) else None,
        )
        for day, line in sorted(by_day.items())
        if first <= day <= last
    ]
    revisions = history.note_revisions(work, site.id, first, last)
    note_history: dict[date, list[NoteRevision]] = {}
    for revision in revisions:
        note_history.setdefault(revision.local_day, []).append(revision)
    return Report(
        site_code=site.code,
        site_name=site.name,
        timezone=site.timezone,
        first=first,
        last=last,
        made_at=now,
        services=service_rows,
        total=total,
        counters=counter_rows,
        officers=officer_rows,
        arrivals_by_hour=arrivals,
        days=day_rows,
        ratings=ratings_of(score for scores in ratings.values() for score in scores),
        ratings_by_service={code: ratings_of(scores) for code, scores in ratings.items()},
        notes={day: revisions[-1] for day, revisions in note_history.items()},
        note_history=note_history,
    )


def _total(by_service: Mapping[str, _Tally], targets: Mapping[str, int | None]) -> ServiceFigures:
    whole = _Tally()
    for line in by_service.values():
        for name in ("issued", "served", "no_show", "cancelled", "expired", "open",
                     "transferred_out", "priority"):
            setattr(whole, name, getattr(whole, name) + getattr(line, name))
        whole.waits.extend(line.waits)
        whole.service_times.extend(line.service_times)
        whole.over += line.over
        whole.targeted += line.targeted
    has_target = any(targets.values())
    return ServiceFigures(
        "", "", None, whole.outcomes(), whole.transferred_out, whole.priority,
        Durations.of(whole.waits), Durations.of(whole.service_times),
        whole.over if has_target else None,
        _share(whole.over, whole.targeted) if has_target else None,
    )


def _actor_name(work: UnitOfWork, actor: str) -> str:
    kind, _, number = actor.partition(":")
    if not number.isdigit():
        return actor
    if kind == "user":
        user = accounts.user_by_id(work, int(number))
        return (user.full_name or user.username) if user else actor
    if kind == "device":
        device = accounts.device(work, int(number))
        return device.name if device else actor
    return actor


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
