"""A site's services, counters and queue; issuing tickets and calling the next one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from antrean.protocol import (
    CallNextCommand,
    CounterStateCommand,
    CounterView,
    EventView,
    IssuedTicket,
    IssueTicketCommand,
    QueueSnapshot,
    SiteCode,
    TicketView,
)
from server.api.answers import respond
from server.api.deps import CallerDep, NowDep, OperationsDep, TokenDep
from server.api.schemas import (
    CounterStateRequest,
    Retriable,
    ServicePublic,
    SitePublic,
    TicketRequest,
)
from server.engine.commands import find_site
from server.engine.views import event_view, snapshot
from server.permissions import Action, authorize

router = APIRouter(tags=["sites"])

SitePath = Annotated[SiteCode, Path(description="The office's code, e.g. `demo`")]
CounterPath = Annotated[int, Path(ge=1, le=999)]


@router.get("/sites", response_model=list[SitePublic])
def list_sites(operations: OperationsDep) -> list[SitePublic]:
    """Public: the offices this server runs."""
    with operations.db.reading() as work:
        return [
            SitePublic(
                code=s.code, name=s.name, timezone=s.timezone, address_lines=list(s.address_lines)
            )
            for s in work.sites()
        ]


@router.get("/sites/{site}/services", response_model=list[ServicePublic])
def list_services(site: SitePath, operations: OperationsDep) -> list[ServicePublic]:
    """Public: services and their requirements, so citizens bring the right papers."""
    with operations.db.reading() as work:
        found = find_site(work, site)
        services = sorted(work.services(found.id), key=lambda s: (s.sort_order, s.code))
        return [ServicePublic.model_validate(s, from_attributes=True) for s in services]


@router.get("/sites/{site}/counters", response_model=list[CounterView])
def list_counters(
    site: SitePath, operations: OperationsDep, caller: CallerDep, now: NowDep
) -> list[CounterView]:
    return _snapshot(operations, caller, site, now).counters


@router.get("/sites/{site}/queue", response_model=QueueSnapshot)
def queue(
    site: SitePath, operations: OperationsDep, caller: CallerDep, now: NowDep
) -> QueueSnapshot:
    """The whole state of a site: what a device receives on connecting."""
    return _snapshot(operations, caller, site, now)


@router.get("/sites/{site}/events", response_model=list[EventView])
def events(
    site: SitePath,
    operations: OperationsDep,
    caller: CallerDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[EventView]:
    """The site's event stream after a `seq`, oldest first."""
    with operations.db.reading() as work:
        found = find_site(work, site)
        authorize(caller, Action.VIEW, found.id)
        return [event_view(found.code, e) for e in work.events_since(found.id, after, limit)]


@router.post(
    "/sites/{site}/tickets",
    status_code=201,
    response_model=IssuedTicket,
    responses={409: {"description": "Closed, after cut-off, over quota or inactive service"}},
)
def issue_ticket(
    site: SitePath, body: TicketRequest, operations: OperationsDep, token: TokenDep
) -> Response:
    command = IssueTicketCommand(site=site, service=body.service, priority=body.priority)
    return respond(operations.execute(token, command, body.request_id))


@router.post(
    "/sites/{site}/counters/{number}/call-next",
    response_model=TicketView,
    responses={204: {"description": "Nobody is waiting for this counter"}},
)
def call_next(
    site: SitePath,
    number: CounterPath,
    operations: OperationsDep,
    token: TokenDep,
    body: Annotated[Retriable | None, Body()] = None,
) -> Response:
    command = CallNextCommand(site=site, counter=number)
    return respond(operations.execute(token, command, body.request_id if body else None))


@router.post("/sites/{site}/counters/{number}/state", response_model=CounterView)
def set_counter_state(
    site: SitePath,
    number: CounterPath,
    body: CounterStateRequest,
    operations: OperationsDep,
    token: TokenDep,
) -> Response:
    """Open, pause or close a counter."""
    command = CounterStateCommand(
        site=site, counter=number, state=body.state, reason=body.reason
    )
    return respond(operations.execute(token, command, body.request_id))


def _snapshot(
    operations: OperationsDep, caller: CallerDep, site: str, now: NowDep
) -> QueueSnapshot:
    with operations.db.reading() as work:
        found = find_site(work, site)
        authorize(caller, Action.VIEW, found.id)
        return snapshot(work, found, now)
