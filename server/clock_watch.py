"""Noticing a clock that went back: the server's last event against its clock now.

The last event is read from the database at start-up (a Pi that booted with
yesterday's time is caught before its first command) and followed from then
on through the event bus. Every command is checked against it before it
changes anything (`server.engine.clock.require_plausible`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from antrean.protocol import EventView
from server.engine.clock import CLOCK_TOLERANCE, require_aware, require_plausible
from server.store import monitoring
from server.store.database import Database


class ClockWatch:
    """A CommandWatch (refuses on a clock set back) and an EventBus (learns each event)."""

    def __init__(self, clock: Callable[[], datetime], *, enabled: bool = True) -> None:
        self.clock = clock
        self.enabled = enabled
        self.last_event_at: datetime | None = None
        self.loaded = False
        self._lock = threading.Lock()

    def load(self, db: Database) -> None:
        """Read the latest event; by id, which follows commit order, so no scan is needed."""
        with db.reading() as work:
            latest = monitoring.latest_event_at(work)
        if latest is not None:
            self._learn(latest)
        self.loaded = True

    def _learn(self, at: datetime) -> None:
        at = require_aware(at)
        with self._lock:
            if self.last_event_at is None or at > self.last_event_at:
                self.last_event_at = at

    # EventBus: every committed event.

    def publish(self, events: list[EventView]) -> None:
        for event in events:
            self._learn(event.at)

    # CommandWatch.

    def check(self, now: datetime) -> None:
        if self.enabled:
            require_plausible(now, self.last_event_at)

    def finished(self, command: str, result: str, seconds: float) -> None:
        pass

    # For /healthz and the metrics.

    @property
    def plausible(self) -> bool:
        last = self.last_event_at
        return not self.enabled or last is None or self.clock() >= last - CLOCK_TOLERANCE

    def problem(self) -> str | None:
        if self.plausible:
            return None
        return (
            f"the server's clock ({self.clock().isoformat(timespec='seconds')}) is earlier "
            f"than its last event ({self.last_event_at.isoformat(timespec='seconds')}): "
            "set the time (or connect the server to a time source); until then every "
            "command is refused"
            if self.last_event_at is not None
            else None
        )
