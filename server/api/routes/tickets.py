"""One ticket's life: call, recall, start, finish, no-show, requeue, transfer, cancel."""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response

from antrean.protocol import (
    CallTicketCommand,
    RateServiceCommand,
    TicketCommand,
    TicketStatusView,
    TicketView,
    TransferCommand,
)
from server.api.answers import respond
from server.api.deps import NowDep, OperationsDep, TokenDep
from server.api.schemas import (
    CallRequest,
    CancelRequest,
    RateRequest,
    Retriable,
    TransferRequest,
)
from server.engine.errors import QueueError
from server.engine.views import ticket_status

router = APIRouter(tags=["tickets"])

TicketPath = Annotated[int, Path(ge=1, le=2**62)]
Step = Literal["recall", "no-show", "requeue", "start", "finish"]


@router.post("/tickets/{ticket_id}/call", response_model=TicketView)
def call_ticket(
    ticket_id: TicketPath, body: CallRequest, operations: OperationsDep, token: TokenDep
) -> Response:
    """Call this ticket to a counter now, out of order."""
    command = CallTicketCommand(ticket_id=ticket_id, counter=body.counter)
    return respond(operations.execute(token, command, body.request_id))


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketView)
def transfer(
    ticket_id: TicketPath, body: TransferRequest, operations: OperationsDep, token: TokenDep
) -> Response:
    """Send the citizen on to another service, keeping their code and place."""
    command = TransferCommand(ticket_id=ticket_id, service=body.service, note=body.note)
    return respond(operations.execute(token, command, body.request_id))


@router.post("/tickets/{ticket_id}/rate", response_model=TicketView)
def rate(
    ticket_id: TicketPath, body: RateRequest, operations: OperationsDep, token: TokenDep
) -> Response:
    """The citizen's satisfaction, once, shortly after the ticket was finished.

    Taken from the faces at the counter: the keypad of the ticket's counter.
    """
    command = RateServiceCommand(ticket_id=ticket_id, satisfaction=body.satisfaction)
    return respond(operations.execute(token, command, body.request_id))


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketView)
def cancel(
    ticket_id: TicketPath,
    operations: OperationsDep,
    token: TokenDep,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> Response:
    command = TicketCommand(
        type="cancel", ticket_id=ticket_id, reason=body.reason if body else None
    )
    return respond(operations.execute(token, command, body.request_id if body else None))


@router.post("/tickets/{ticket_id}/{step}", response_model=TicketView)
def step(
    ticket_id: TicketPath,
    step: Step,
    operations: OperationsDep,
    token: TokenDep,
    body: Annotated[Retriable | None, Body()] = None,
) -> Response:
    """Recall (call again), no-show, requeue a no-show, start or finish serving."""
    command = TicketCommand(type=step.replace("-", "_"), ticket_id=ticket_id)
    return respond(operations.execute(token, command, body.request_id if body else None))


@router.get("/tickets/{ticket_id}/status", response_model=TicketStatusView)
def status(
    ticket_id: TicketPath,
    token: Annotated[str, Query(min_length=8, max_length=64)],
    operations: OperationsDep,
    now: NowDep,
) -> TicketStatusView:
    """Public, for the citizen: the token printed in the ticket's QR code is the key."""
    return public_status(operations, ticket_id, token, now)


def public_status(
    operations: OperationsDep, ticket_id: int, token: str, now: NowDep
) -> TicketStatusView:
    with operations.db.reading() as work:
        ticket = work.ticket(ticket_id)
        if ticket is None or not _same(ticket.token, token):
            raise QueueError("ticket_not_found", {"ticket": ticket_id})
        return ticket_status(work, ticket, now)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
