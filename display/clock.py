"""The office's time on the wall, taken from the server rather than the Pi's own clock.

A Pi has no battery clock: after a power cut in an office without internet
its time can be hours off. The wall therefore keeps the server's time: every
snapshot carries the office's clock and every event its moment, and in
between the time runs on with the Pi's monotonic clock. The clock on the
screen and the freshness of a call are both measured with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from antrean.wording import wait_phrase


class ServerClock:
    """The server's time now, from the last time it told us and the monotonic clock since."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._told: datetime | None = None
        self._told_at = 0.0
        self.zone: tzinfo = UTC

    @property
    def known(self) -> bool:
        return self._told is not None

    def tell(self, server_time: datetime, zone: str | None = None) -> None:
        """The server said it is `server_time` now (a snapshot's clock, an event's moment)."""
        self._told = server_time.astimezone(UTC)
        self._told_at = self._monotonic()
        if zone:
            self.zone = ZoneInfo(zone)

    def now(self) -> datetime:
        """The office's local time now (the Pi's clock until the server has spoken)."""
        if self._told is None:  # the Pi's own clock and zone until the server has spoken
            return datetime.now(UTC).astimezone()
        return (self._told + timedelta(seconds=self._monotonic() - self._told_at)).astimezone(
            self.zone
        )

    def age(self, moment: datetime) -> float:
        """Seconds from `moment` (a server time) to now."""
        return (self.now() - moment).total_seconds()


def clock_text(moment: datetime, seconds: bool = True) -> str:
    """'10.05.32': Indonesian writes the time with dots."""
    return f"{moment:%H.%M.%S}" if seconds else f"{moment:%H.%M}"


def wait_words(minutes: float | None) -> str:
    """'sekitar 25 menit', 'sekitar 1 jam 5 menit' as the ticket prints it; '—' when
    the server has no estimate."""
    return wait_phrase(minutes) or "—"
