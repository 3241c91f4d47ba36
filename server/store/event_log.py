"""The stored event log: its own versioned schema, independent of the wire contract.

Each row says what happened (`type`, `at`, `actor`), to which ticket and
counter (`ticket_id`, `counter_id`), and with which facts (`data`, a JSON
document described by `version`). Wire views and reports are built from the
engine's `Event`, never stored, so a change to the protocol never rewrites
history.

Version 2 (the first of its own; version 1 was the wire view, stored as is):

    {"ticket":  null | {"code": "A001", "service": "A", "priority": "none",
                        "status": "called", "counter": 1 | null,
                        "issued_at": ISO 8601, "last_called_at": ISO 8601 | null,
                        "call_count": 1},
     "counter": the number of the counter where it happened | null,
     "details": {what the kind of event adds, see server.engine.model.Event}}

A change to this layout takes a new version number, a reader for it here and
a migration of the stored rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from antrean.vocabulary import EventType, Priority, TicketStatus
from server.engine.model import Event, TicketFacts
from server.store.errors import StoreError
from server.store.statements import EVENTS

VERSION = 2
COLUMNS = tuple(column.key for column in EVENTS.columns)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def encode_facts(ticket: TicketFacts) -> dict[str, Any]:
    return {
        "code": ticket.code,
        "service": ticket.service,
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "counter": ticket.counter,
        "issued_at": _moment(ticket.issued_at),
        "last_called_at": _moment(ticket.last_called_at),
        "call_count": ticket.call_count,
    }


def decode_facts(stored: Mapping[str, Any]) -> TicketFacts:
    issued_at = _read_moment(stored["issued_at"])
    assert issued_at is not None
    return TicketFacts(
        code=stored["code"],
        service=stored["service"],
        priority=Priority(stored["priority"]),
        status=TicketStatus(stored["status"]),
        counter=stored["counter"],
        issued_at=issued_at,
        last_called_at=_read_moment(stored["last_called_at"]),
        call_count=stored["call_count"],
    )


def row(event: Event) -> dict[str, Any]:
    """The event's column values (all but the generated id)."""
    return {
        "site_id": event.site_id,
        "seq": event.seq,
        "type": event.type,
        "at": event.at,
        "ticket_id": event.ticket_id,
        "counter_id": event.counter_id,
        "actor": event.actor,
        "version": VERSION,
        "data": {
            "ticket": encode_facts(event.ticket) if event.ticket else None,
            "counter": event.counter,
            "details": dict(event.details),
        },
    }


def load(values: Sequence[Any]) -> Event:
    """An event from a row of all the events table's columns."""
    stored = dict(zip(COLUMNS, values, strict=True))
    if stored["version"] != VERSION:
        raise StoreError(
            f"event {stored['seq']} of site {stored['site_id']} has version "
            f"{stored['version']}; this server reads version {VERSION} (run the migrations)"
        )
    data = stored["data"]
    return Event(
        site_id=stored["site_id"],
        seq=stored["seq"],
        type=EventType(stored["type"]),
        at=stored["at"],
        actor=stored["actor"] or "",
        ticket_id=stored["ticket_id"],
        counter_id=stored["counter_id"],
        ticket=decode_facts(data["ticket"]) if data["ticket"] else None,
        counter=data["counter"],
        details=data["details"],
    )
