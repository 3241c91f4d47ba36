"""Settling: finishing what a lost answer interrupted.

A command sent without an answer in time may have been carried out. It is
kept and sent again, with the same request id, once the server is reachable:
the server answers a repeated id with its first answer and does nothing
twice. A ticket issued meanwhile was never printed, so it is cancelled, and
nobody is called who holds no paper.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from antrean.client import ClientError, CommandFailed, DeviceClient
from antrean.protocol import Command, IssuedTicket, IssueTicketCommand, TicketCommand

log = logging.getLogger(__name__)

SETTLE_EVERY = 5.0  # seconds between tries to finish commands whose answer was lost
SETTLE_TIMEOUT = 10.0
NOT_PRINTED = "Tiket tidak tercetak: koneksi terputus"


@dataclass(frozen=True)
class Unsettled:
    """A command whose answer was lost; it is sent again (same id) when back online."""

    command: Command
    request_id: str


class Settler:
    def __init__(self, client: DeviceClient, command_timeout: float) -> None:
        self.client = client
        self.command_timeout = command_timeout
        self.unsettled: list[Unsettled] = []
        self._due = asyncio.Event()

    def keep(self, command: Command, request_id: str) -> None:
        """Remember a command whose answer did not come, and try it soon."""
        self.unsettled.append(Unsettled(command, request_id))
        self._due.set()

    def wake(self) -> None:
        """Back online: try now rather than at the next round."""
        if self.unsettled:
            self._due.set()

    async def cancel(self, ticket_id: int, reason: str) -> None:
        """Cancel a ticket on the server; kept for later if the server cannot be reached."""
        command = TicketCommand(type="cancel", ticket_id=ticket_id, reason=reason[:300])
        request_id = uuid.uuid4().hex
        try:
            await self.client.send(command, request_id=request_id, timeout=self.command_timeout)
        except CommandFailed as refusal:
            log.warning("cancelling ticket %d was refused: %s", ticket_id, refusal.code)
        except ClientError:
            self.keep(command, request_id)

    async def run(self) -> None:
        """Settle whenever woken, and every SETTLE_EVERY seconds, for ever."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SETTLE_EVERY):
                    await self._due.wait()
            self._due.clear()
            try:
                await self.settle()
            except Exception:
                log.exception("settling unanswered commands failed")

    async def settle(self) -> None:
        while self.unsettled and self.client.state.is_online:
            item = self.unsettled[0]
            try:
                answer = await self.client.send(
                    item.command, request_id=item.request_id, timeout=SETTLE_TIMEOUT
                )
            except CommandFailed as refusal:
                log.info("unsettled %s: %s", item.command.type, refusal.code)
            except ClientError:
                return  # still unreachable: again on the next reconnect
            else:
                if isinstance(item.command, IssueTicketCommand) and answer:
                    ticket = IssuedTicket.model_validate(answer).ticket
                    await self.cancel(ticket.id, NOT_PRINTED)
            self.unsettled.remove(item)
