"""The queue's commands: issue, call, recall, start, finish, no-show, requeue,
transfer, cancel, expire, counter state and the citizen's rating.

Each runs inside the caller's transaction: it loads what it needs through the
repository, changes the engine's objects, and records one event per change,
which saves the changed ticket and counter with it. A refusal raises
QueueError before the caller commits, so nothing half-done is ever stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from antrean.vocabulary import (
    Channel,
    CounterState,
    EventType,
    Priority,
    Satisfaction,
    TicketStatus,
)
from server.engine import schedule as opening_rules
from server.engine.clock import local_day, local_time, require_aware
from server.engine.errors import QueueError
from server.engine.model import (
    AT_COUNTER,
    NEW,
    Counter,
    Event,
    Service,
    Site,
    Ticket,
    TicketFacts,
)
from server.engine.policy import call_order, next_streak
from server.engine.repository import QueueRepository

MAX_NUMBER = 999
# A rating belongs to the visit just ended: the citizen presses a face on the
# way out. Later than this it is more likely someone else's press.
RATING_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Actor:
    """Who asked: written into events and, for officers, onto the ticket."""

    label: str
    user_id: int | None = None
    device_id: int | None = None


SYSTEM = Actor("system")


def find_site(repo: QueueRepository, code: str) -> Site:
    site = repo.site(code)
    if site is None:
        raise QueueError("site_not_found", {"site": code})
    return site


def find_service(repo: QueueRepository, site: Site, code: str) -> Service:
    wanted = code.strip().upper()
    for service in repo.services(site.id):
        if service.code == wanted:
            return service
    raise QueueError("service_not_found", {"service": code})


def find_counter(repo: QueueRepository, site: Site, number: int) -> Counter:
    """The site's counter with this number; a retired counter is not found."""
    for counter in repo.counters(site.id):
        if counter.number == number and counter.active:
            return counter
    raise QueueError("counter_not_found", {"counter": number})


def find_ticket(repo: QueueRepository, ticket_id: int, lock: bool = True) -> Ticket:
    ticket = repo.ticket(ticket_id, lock=lock)
    if ticket is None:
        raise QueueError("ticket_not_found", {"ticket": ticket_id})
    return ticket


def record(
    repo: QueueRepository,
    site: Site,
    kind: EventType,
    now: datetime,
    actor: Actor,
    ticket: Ticket | None = None,
    counter: Counter | None = None,
    **details: Any,
) -> Event:
    """Save the ticket and counter a change touched, and append its event."""
    if ticket is not None:
        repo.save(ticket)
    if counter is not None:
        repo.save(counter)
    event = Event(
        site_id=site.id,
        seq=0,  # numbered as it is stored
        type=kind,
        at=require_aware(now),
        actor=actor.label,
        ticket_id=ticket.id if ticket else None,
        counter_id=counter.id if counter else None,
        ticket=facts(repo, ticket) if ticket else None,
        counter=counter.number if counter else None,
        details=details,
    )
    return repo.append(site, event)


def facts(repo: QueueRepository, ticket: Ticket) -> TicketFacts:
    """What the event log keeps of a ticket as it now stands."""
    return TicketFacts(
        code=ticket.code,
        service=_service_code(repo, ticket),
        priority=ticket.priority,
        status=ticket.status,
        counter=repo.counter(ticket.counter_id).number if ticket.counter_id else None,
        issued_at=ticket.issued_at,
        last_called_at=ticket.last_called_at,
        call_count=ticket.call_count,
    )


def _service_code(repo: QueueRepository, ticket: Ticket) -> str:
    # The office's services are read once per transaction; one of them by id, each time.
    return next(s.code for s in repo.services(ticket.site_id) if s.id == ticket.service_id)


def issue_ticket(
    repo: QueueRepository,
    site: Site,
    service_code: str,
    now: datetime,
    actor: Actor = SYSTEM,
    priority: Priority = Priority.NONE,
    channel: Channel = Channel.KIOSK,
) -> Ticket:
    service = find_service(repo, site, service_code)
    if not service.active:
        raise QueueError("service_inactive", {"service": service.code})
    here = local_time(site, now)
    state = opening_rules.opening(
        opening_rules.effective(site.schedule, service.schedule), here
    )
    if not state.accepting:
        assert state.reason is not None
        details: dict[str, Any] = {"service": service.code}
        if state.next_open is not None:
            details["next_open"] = state.next_open.isoformat()
        raise QueueError(state.reason.value, details)

    today = here.date()
    expire_stale(repo, site, now)
    # Checked on the number taken: a refusal rolls the whole transaction back, the
    # number and any expiry with it.
    number = repo.allocate_number(service.id, today, service.first_number)
    _check_quota(service, number - service.first_number + 1)
    ticket = Ticket(
        id=NEW,
        site_id=site.id,
        service_id=service.id,
        origin_service_id=service.id,
        local_day=today,
        number=number,
        code=f"{service.code}{number:03d}",
        priority=priority,
        channel=channel,
        status=TicketStatus.WAITING,
        token=secrets.token_urlsafe(18),
        queued_at=require_aware(now),
        issued_at=require_aware(now),
        device_id=actor.device_id,
        history=({"service": service.code, "at": require_aware(now).isoformat()},),
    )
    repo.add(ticket)
    record(repo, site, EventType.ISSUED, now, actor, ticket, None, service=service.code)
    return ticket


def _check_quota(service: Service, issued: int) -> None:
    over_quota = service.daily_quota is not None and issued > service.daily_quota
    if over_quota or service.first_number + issued - 1 > MAX_NUMBER:
        raise QueueError("quota_reached", {"service": service.code, "quota": service.daily_quota})


def call_next(
    repo: QueueRepository, site: Site, counter_number: int, now: datetime, actor: Actor = SYSTEM
) -> Ticket | None:
    """Call the next citizen to a counter; None when nobody waits for it.

    The counter's current ticket, if any, is finished first: on a keypad NEXT
    means "done with this one, next please".
    """
    counter = _open_counter(repo, site, counter_number)
    # Yesterday's ticket still at the counter is expired, not finished today.
    expire_stale(repo, site, now)
    _release_counter(repo, site, counter, now, actor)
    service_ids = counter.service_ids
    preference = {service_id: rank for rank, service_id in enumerate(service_ids)}
    candidates = repo.places(site.id, local_day(site, now), service_ids)
    ordered = call_order(candidates, preference, counter.priority_streak, site.priority_max_in_row)
    for candidate in ordered:
        ticket = repo.claim(candidate.id)
        if ticket is not None:
            counter.priority_streak = next_streak(counter.priority_streak, ticket)
            _call(repo, site, ticket, counter, now, actor)
            return ticket
    return None


def call_ticket(
    repo: QueueRepository,
    site: Site,
    ticket_id: int,
    counter_number: int,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Ticket:
    """Call one waiting ticket out of order (e.g. an appointment or a returnee)."""
    counter = _open_counter(repo, site, counter_number)
    ticket = _ticket_of_site(repo, site, ticket_id)
    _require(ticket, TicketStatus.WAITING)
    _require_today(site, ticket, now)
    expire_stale(repo, site, now)
    _release_counter(repo, site, counter, now, actor)
    _call(repo, site, ticket, counter, now, actor)
    return ticket


def recall(repo: QueueRepository, ticket_id: int, now: datetime, actor: Actor = SYSTEM) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, TicketStatus.CALLED)
    site = repo.site_by_id(ticket.site_id)
    _require_today(site, ticket, now)
    ticket.call_count += 1
    ticket.last_called_at = require_aware(now)
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    record(repo, site, EventType.RECALLED, now, actor, ticket, counter)
    return ticket


def start(repo: QueueRepository, ticket_id: int, now: datetime, actor: Actor = SYSTEM) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, TicketStatus.CALLED)
    ticket.status = TicketStatus.SERVING
    ticket.started_at = require_aware(now)
    _record_for(repo, ticket, EventType.STARTED, now, actor)
    return ticket


def finish(repo: QueueRepository, ticket_id: int, now: datetime, actor: Actor = SYSTEM) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, *sorted(AT_COUNTER))
    _finish(repo, repo.site_by_id(ticket.site_id), ticket, now, actor)
    return ticket


def no_show(repo: QueueRepository, ticket_id: int, now: datetime, actor: Actor = SYSTEM) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, TicketStatus.CALLED)
    ticket.status = TicketStatus.NO_SHOW
    ticket.no_show_at = require_aware(now)
    _record_for(repo, ticket, EventType.NO_SHOW, now, actor)
    return ticket


def requeue(repo: QueueRepository, ticket_id: int, now: datetime, actor: Actor = SYSTEM) -> Ticket:
    """A no-show citizen came back: back in line at their original place."""
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, TicketStatus.NO_SHOW)
    site = repo.site_by_id(ticket.site_id)
    _require_today(site, ticket, now)
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    ticket.status = TicketStatus.WAITING
    ticket.counter_id = None
    record(repo, site, EventType.REQUEUED, now, actor, ticket, counter)
    return ticket


def transfer(
    repo: QueueRepository,
    ticket_id: int,
    service_code: str,
    now: datetime,
    actor: Actor = SYSTEM,
    note: str | None = None,
) -> Ticket:
    """Send a citizen on to another service; they keep their code and their place."""
    ticket = find_ticket(repo, ticket_id)
    _require(ticket, TicketStatus.WAITING, *sorted(AT_COUNTER))
    site = repo.site_by_id(ticket.site_id)
    _require_today(site, ticket, now)
    target = find_service(repo, site, service_code)
    if not target.active:
        raise QueueError("service_inactive", {"service": target.code})
    if target.id == ticket.service_id:
        raise QueueError("same_service", {"service": target.code})
    source = repo.service(ticket.service_id)
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    ticket.service_id = target.id
    ticket.status = TicketStatus.WAITING
    ticket.counter_id = None
    ticket.history = (
        *ticket.history,
        {
            "service": target.code,
            "at": require_aware(now).isoformat(),
            "from_counter": counter.number if counter else None,
            **({"note": note} if note else {}),
        },
    )
    record(
        repo, site, EventType.TRANSFERRED, now, actor, ticket, counter,
        from_service=source.code, to_service=target.code, **({"note": note} if note else {}),
    )
    return ticket


def cancel(
    repo: QueueRepository,
    ticket_id: int,
    now: datetime,
    actor: Actor = SYSTEM,
    reason: str | None = None,
) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    if ticket.status.is_final:
        raise QueueError("invalid_transition", {"status": ticket.status.value})
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    ticket.status = TicketStatus.CANCELLED
    ticket.cancelled_at = require_aware(now)
    ticket.cancel_reason = reason
    record(
        repo, repo.site_by_id(ticket.site_id), EventType.CANCELLED, now, actor, ticket, counter,
        reason=reason,
    )
    return ticket


def expire_stale(repo: QueueRepository, site: Site, now: datetime) -> list[Ticket]:
    """Close every ticket left open from an earlier local day."""
    stale = repo.unfinished_before(site.id, local_day(site, now))
    for ticket in stale:
        ticket.status = TicketStatus.EXPIRED
        ticket.expired_at = require_aware(now)
        record(repo, site, EventType.EXPIRED, now, SYSTEM, ticket, None)
    return stale


def set_counter_state(
    repo: QueueRepository,
    site: Site,
    counter_number: int,
    state: CounterState,
    now: datetime,
    actor: Actor = SYSTEM,
    reason: str | None = None,
) -> Counter:
    counter = find_counter(repo, site, counter_number)
    if counter.state != state:
        counter.state = state
        extra = {"reason": reason} if reason else {}
        record(
            repo, site, EventType.COUNTER_CHANGED, now, actor, None, counter,
            state=state.value, **extra,
        )
    return counter


def rate(
    repo: QueueRepository,
    ticket_id: int,
    satisfaction: Satisfaction,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Ticket:
    """The citizen's satisfaction with a visit that has just ended; once per ticket."""
    ticket = find_ticket(repo, ticket_id)
    if ticket.satisfaction is not None:
        raise QueueError("already_rated", {"ticket": ticket_id})
    finished = ticket.finished_at
    if ticket.status != TicketStatus.DONE or finished is None:
        raise QueueError("rating_closed", {"ticket": ticket_id, "status": ticket.status.value})
    if not finished <= require_aware(now) <= finished + RATING_WINDOW:
        raise QueueError(
            "rating_closed",
            {"ticket": ticket_id, "window_seconds": int(RATING_WINDOW.total_seconds())},
        )
    ticket.satisfaction = satisfaction
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    record(
        repo, repo.site_by_id(ticket.site_id), EventType.RATED, now, actor, ticket, counter,
        satisfaction=satisfaction.value, score=satisfaction.score,
    )
    return ticket


def _open_counter(repo: QueueRepository, site: Site, number: int) -> Counter:
    counter = find_counter(repo, site, number)
    if counter.state != CounterState.OPEN:
        raise QueueError("counter_not_open", {"counter": number, "state": counter.state.value})
    return counter


def _release_counter(
    repo: QueueRepository, site: Site, counter: Counter, now: datetime, actor: Actor
) -> None:
    current = repo.at_counter(counter.id, lock=True)
    if current is not None:
        _finish(repo, site, current, now, actor)


def _call(
    repo: QueueRepository,
    site: Site,
    ticket: Ticket,
    counter: Counter,
    now: datetime,
    actor: Actor,
) -> None:
    moment = require_aware(now)
    ticket.status = TicketStatus.CALLED
    ticket.called_at = ticket.called_at or moment
    ticket.last_called_at = moment
    ticket.started_at = None
    ticket.call_count += 1
    ticket.counter_id = counter.id
    ticket.officer_id = actor.user_id
    record(repo, site, EventType.CALLED, now, actor, ticket, counter)


def _finish(repo: QueueRepository, site: Site, ticket: Ticket, now: datetime, actor: Actor) -> None:
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    ticket.status = TicketStatus.DONE
    ticket.finished_at = require_aware(now)
    record(repo, site, EventType.FINISHED, now, actor, ticket, counter)


def _record_for(
    repo: QueueRepository, ticket: Ticket, kind: EventType, now: datetime, actor: Actor
) -> None:
    counter = repo.counter(ticket.counter_id) if ticket.counter_id else None
    record(repo, repo.site_by_id(ticket.site_id), kind, now, actor, ticket, counter)


def _ticket_of_site(repo: QueueRepository, site: Site, ticket_id: int) -> Ticket:
    ticket = find_ticket(repo, ticket_id)
    if ticket.site_id != site.id:
        raise QueueError("ticket_not_found", {"ticket": ticket_id})
    return ticket


def _require(ticket: Ticket, *allowed: TicketStatus) -> None:
    if ticket.status not in allowed:
        raise QueueError(
            "invalid_transition",
            {"status": ticket.status.value, "allowed": [s.value for s in allowed]},
        )


def _require_today(site: Site, ticket: Ticket, now: datetime) -> None:
    if ticket.local_day != local_day(site, now):
        raise QueueError("ticket_not_today", {"ticket": ticket.id})
