"""Following each ticket through its events: the visits a report is made of.

A visit is one ticket's day as the event log tells it: when it was issued
and to which service, each wait in a line until a call, the service at a
counter, and how it ended. Only events are read, never the tickets table,
so a report says what happened as it was recorded at the time.

The rules, also written out in docs/reports.md:
- a visit belongs to the office's local day of its `issued` event; events of
  tickets issued before the span (a morning's `expired` of yesterday's
  tickets) are left out;
- a wait runs from entering a service's line (issued, or transferred into
  it) to the first call there; a no-show who returns is not counted twice;
- a service time runs from `started` (or, if the officer never pressed
  start, the last call) to `finished`, as the estimated wait counts it;
- the officer of a visit is whoever made the call that brought it to the
  counter (a person `user:N`, or a keypad `device:N`);
- outcome: served (`finished`), cancelled, no-show (a `no_show` not followed
  by a return; it stays one after the day's expiry), expired (still waiting
  or at a counter when its day ended), or open (its day is today and it is
  not over yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from antrean.vocabulary import Satisfaction
from server.store.history import Happening


class Outcome(StrEnum):
    SERVED = "served"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    OPEN = "open"


_RATING_SCORES = {s.value: s.score for s in Satisfaction}


@dataclass(slots=True)
class Visit:
    ticket_id: int
    day: date
    hour: int
    origin: str
    priority: str
    issued_at: datetime
    service: str
    # When it joined its current line; None once called there.
    entered_at: datetime | None
    # Each wait ended by a call: (service, seconds).
    waits: list[tuple[str, float]] = field(default_factory=list)
    state: str = "waiting"
    called_at: datetime | None = None
    started_at: datetime | None = None
    counter_id: int | None = None
    officer: str | None = None
    outcome: Outcome | None = None
    service_seconds: float | None = None
    transfers: list[tuple[str, str]] = field(default_factory=list)
    rating: int | None = None


def follow(
    events: Iterable[Happening], zone: ZoneInfo, today: date | None = None
) -> dict[int, Visit]:
    """Every visit issued among `events`, by ticket id, with its outcome settled.

    `today` is the office's current day: a visit of today that is not over is
    `open`, one of an earlier day `expired` (whether or not the server has
    recorded its expiry yet)."""
    visits: dict[int, Visit] = {}
    for kind, at, ticket_id, counter_id, actor, fact, extra in events:
        if ticket_id is None:
            continue
        if kind == "issued":
            here = at.astimezone(zone)
            service = fact or "?"
            visits[ticket_id] = Visit(
                ticket_id, here.date(), here.hour, service, extra or "none", at, service, at
            )
            continue
        visit = visits.get(ticket_id)
        if visit is None:
            continue
        if kind == "called":
            if visit.entered_at is not None:
                visit.waits.append((visit.service, (at - visit.entered_at).total_seconds()))
                visit.entered_at = None
            visit.state = "called"
            visit.called_at = at
            visit.started_at = None
            visit.counter_id = counter_id
            visit.officer = actor
        elif kind == "recalled":
            visit.called_at = at
        elif kind == "started":
            visit.state = "serving"
            visit.started_at = at
        elif kind == "finished":
            began = visit.started_at or visit.called_at
            visit.state = "done"
            visit.outcome = Outcome.SERVED
            visit.counter_id = counter_id if counter_id is not None else visit.counter_id
            if began is not None:
                visit.service_seconds = (at - began).total_seconds()
        elif kind == "no_show":
            visit.state = "no_show"
            visit.counter_id = counter_id if counter_id is not None else visit.counter_id
        elif kind == "requeued":
            visit.state = "waiting"
        elif kind == "transferred":
            to = fact or visit.service
            visit.transfers.append((visit.service, to))
            visit.service = to
            visit.entered_at = at
            visit.state = "waiting"
        elif kind == "cancelled":
            visit.state = "cancelled"
            visit.outcome = Outcome.CANCELLED
        elif kind == "expired":
            visit.outcome = Outcome.NO_SHOW if visit.state == "no_show" else Outcome.EXPIRED
            visit.state = "expired"
        elif kind == "rated" and extra is not None:
            visit.rating = _RATING_SCORES.get(extra)
    for visit in visits.values():
        if visit.outcome is None:
            if visit.state == "no_show":
                visit.outcome = Outcome.NO_SHOW
            elif today is not None and visit.day >= today:
                visit.outcome = Outcome.OPEN
            else:
                visit.outcome = Outcome.EXPIRED
    return visits
