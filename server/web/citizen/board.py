"""Where a citizen's ticket stands, read for one ticket or for many at once.

A page opened from the QR code needs the ticket's public status (the same
`TicketStatusView` as `GET /tickets/{id}/status`, except that a ticket of an
earlier day not yet expired reads expired already) plus what only the page
uses: how many times it was called (a recall sounds again), the service's
notice distance and requirements, and when it was served (the survey's
window). `read_one` reads it for one ticket; `read_many` reads it for every
watched ticket of an office with one estimator, so the live pages cost the
server one read per change of the office, however many phones watch.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from antrean.protocol import TicketStatusView
from antrean.vocabulary import Priority, TicketStatus
from server.engine.model import OPEN_STATUSES, Site, Ticket
from server.engine.views import SiteIndex, WaitEstimator
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CitizenStatus:
    """One ticket as its holder sees it."""

    view: TicketStatusView
    call_count: int
    requirements: str
    notify_ahead: int | None
    finished_at: datetime | None
    site_id: int
    service_id: int

    @property
    def status(self) -> TicketStatus:
        return self.view.status

    @property
    def near(self) -> bool:
        """Within the service's notice distance of the front (and still waiting)."""
        ahead = self.view.people_ahead
        return (
            self.view.status == TicketStatus.WAITING
            and self.notify_ahead is not None
            and ahead is not None
            and ahead <= self.notify_ahead
        )


def same_token(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def citizen_status(
    index: SiteIndex, estimator: WaitEstimator, ticket: Ticket
) -> CitizenStatus:
    """Built as `server.engine.views.ticket_status` builds the public view (a test
    holds them equal), from an index and estimator shared between tickets."""
    site = index.site
    ahead, minutes = estimator.for_ticket(ticket)
    view = index.ticket_view(ticket)
    service = index.services[ticket.service_id]
    # A ticket left open when its day ended is expired by the office's next command;
    # until then its holder is told so already, never "you are next" or "go to counter 2".
    over = ticket.status in OPEN_STATUSES and ticket.local_day != estimator.today
    status = TicketStatus.EXPIRED if over else TicketStatus(ticket.status)
    waiting = status == TicketStatus.WAITING
    public = TicketStatusView(
        id=view.id,
        code=view.code,
        site=site.code,
        site_name=site.name,
        site_timezone=site.timezone,
        service=service.code,
        service_name=service.name,
        priority=Priority(ticket.priority),
        status=status,
        counter=None if over else view.counter,
        people_ahead=ahead if waiting else None,
        estimated_wait_minutes=minutes if waiting else None,
        issued_at=ticket.issued_at,
        local_day=ticket.local_day,
    )
    return CitizenStatus(
        view=public,
        call_count=ticket.call_count,
        requirements=service.requirements,
        notify_ahead=service.notify_ahead,
        finished_at=ticket.finished_at,
        site_id=site.id,
        service_id=service.id,
    )


def read_one(work: UnitOfWork, ticket_id: int, token: str, now: datetime) -> CitizenStatus | None:
    """The ticket's status, or None when no ticket has this id and token."""
    ticket = work.ticket(ticket_id)
    if ticket is None or not same_token(ticket.token, token):
        return None
    site = work.site_by_id(ticket.site_id)
    index = SiteIndex(work, site)
    return citizen_status(index, WaitEstimator(work, index, now), ticket)


def read_many(
    work: UnitOfWork,
    site: Site,
    ticket_ids: Collection[int],
    known: Mapping[int, CitizenStatus],
    changed: Collection[int],
    now: datetime,
) -> dict[int, CitizenStatus]:
    """The status of each watched ticket of one office, after something changed there.

    Waiting tickets come from the one read of everyone waiting (their places
    and waits move with every call). A ticket that is not waiting is read
    again only when an event named it (`changed`), it is not `known` yet, or
    it was left open on a day now over (it reads expired from now on):
    nothing else moves it. Tickets left out of the answer did not change.
    """
    index = SiteIndex(work, site)
    estimator = WaitEstimator(work, index, now)
    waiting = {t.id: t for t in estimator.waiting}
    found: dict[int, CitizenStatus] = {}
    for ticket_id in ticket_ids:
        ticket = waiting.get(ticket_id)
        if ticket is None:
            was = known.get(ticket_id)
            if was is not None and ticket_id not in changed and _settled(was, estimator.today):
                continue
            ticket = work.ticket(ticket_id)
            if ticket is None:
                continue
        found[ticket_id] = citizen_status(index, estimator, ticket)
    return found


def _settled(status: CitizenStatus, today: date) -> bool:
    """Not waiting, and nothing but an event can change what it reads."""
    return status.status != TicketStatus.WAITING and (
        status.status.is_final or status.view.local_day == today
    )
