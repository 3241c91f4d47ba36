"""Ticket contents for the tests: the specimen ticket, changed where a test needs it."""

from __future__ import annotations

from dataclasses import replace

from kiosk.specimen import SPECIMEN_URL, specimen
from kiosk.ticket_layout import TicketContent

STATUS_URL = SPECIMEN_URL


def demo_content(**changes: object) -> TicketContent:
    return replace(specimen(), **changes)  # type: ignore[arg-type]
