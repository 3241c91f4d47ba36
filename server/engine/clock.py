"""The office's own day. Time is always passed in; nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
