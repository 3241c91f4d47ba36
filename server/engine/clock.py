"""The office's own day. Time is always passed in; nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.engine.errors import QueueError
from server.engine.model import Site


def require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("the engine takes timezone-aware times only")
    return now.astimezone(UTC)


def local_time(site: Site, now: datetime) -> datetime:
    return require_aware(now).astimezone(site.zone)


def local_day(site: Site, now: datetime) -> date:
    """The office's date at `now`: daily numbering and reports follow it, never UTC."""
    return local_time(site, now).date()


CLOCK_TOLERANCE = timedelta(seconds=5)
"""How far behind its last event a clock may be before commands are refused:
room for a time-sync correction and for the skew between a city's servers,
never for a Pi that booted with yesterday's time. Kept short because a ticket
stamped earlier than another is called before it."""


def require_plausible(
    now: datetime, last_event_at: datetime | None, tolerance: timedelta = CLOCK_TOLERANCE
) -> None:
    """Refuse to act on a clock earlier than the last thing that happened.

    A Raspberry Pi has no battery clock: after a power cut it starts from the
    time it last saved (or from 1970) until it reaches a time server. On such
    a clock "today" may be a day already closed, and a new ticket would be
    stamped before citizens who are already waiting, so nothing is recorded
    until the time is right.
    """
    if last_event_at is None:
        return
    moment = require_aware(now)
    if moment < last_event_at - tolerance:
        raise QueueError(
            "clock_behind",
            {"server_time": moment.isoformat(), "last_event_at": last_event_at.isoformat()},
        )
