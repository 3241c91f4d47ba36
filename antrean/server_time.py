"""The server's time, as devices show it: never the device's own calendar.

A Raspberry Pi has no battery clock, and a device that started without a time
server may be hours or years off. The server's snapshot carries the office's
local time (refreshed every minute), and each event the moment it happened;
a device takes the latest of these and moves it on with its own monotonic
clock, which counts seconds correctly even when its calendar is wrong.
Displays, keypads and kiosks show this time, so what they show is what the
server will stamp on a ticket (and, if that is wrong, staff see it at once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from antrean.client import ClientUpdate
from antrean.protocol import QueueSnapshot


class ServerClock:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._base: datetime | None = None
        self._taken_at = 0.0
        self._zone: tzinfo | None = None

    def set(self, moment: datetime) -> None:
        """The server said it is `moment` (timezone-aware) just now."""
        if moment.tzinfo is None:
            raise ValueError("the server's time must carry its zone")
        self._zone = self._zone or moment.tzinfo
        self._base = moment.astimezone(self._zone)
        self._taken_at = self._monotonic()

    def from_snapshot(self, snapshot: QueueSnapshot) -> None:
        self._zone = snapshot.site.local_time.tzinfo
        self.set(snapshot.site.local_time)

    def follow(self, update: ClientUpdate) -> None:
        """A DeviceClient callback: `client.on_change(clock.follow)`."""
        if update.kind == "snapshot" and update.snapshot is not None:
            self.from_snapshot(update.snapshot)
        elif update.kind == "event" and update.event is not None:
            self.set(update.event.at)

    def now(self) -> datetime | None:
        """The office's local time on the server's clock; None until the server was heard."""
        if self._base is None:
            return None
        return self._base + timedelta(seconds=self._monotonic() - self._taken_at)
