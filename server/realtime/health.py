"""Keeping each device's last report and the last time it was seen, for the admin pages.

Reports are gathered for a moment and written together, so a room full of
devices reconnecting after a power cut costs one write, not hundreds queued in
front of the citizens' tickets.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from antrean.health import DeviceHealth
from antrean.tasks import cancel_and_wait
from server.store import accounts
from server.store.database import Database

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0


@dataclass
class Sighting:
    seen_at: datetime
    health: DeviceHealth | None = None
    reported_at: datetime | None = None


def store_device_health(db: Database, sightings: dict[int, Sighting]) -> None:
    """Write `last_seen_at` and, where a report came, `health` for each device."""
    if not sightings:
        return
    reports = {
        device_id: {
            **sighting.health.model_dump(mode="json"),
            "reported_at": sighting.reported_at.isoformat(),
        }
        for device_id, sighting in sightings.items()
        if sighting.health is not None and sighting.reported_at is not None
    }
    with db.writing() as work:
        accounts.record_sightings(
            work, {device_id: s.seen_at for device_id, s in sightings.items()}, reports
        )


class HealthRecorder:
    def __init__(self, db: Database, flush_interval: float = FLUSH_INTERVAL) -> None:
        self.db = db
        self.flush_interval = flush_interval
        self._waiting: dict[int, Sighting] = {}
        self.latest: dict[int, DeviceHealth] = {}
        """Each device's latest report to this process, for the live dashboard."""
        self._task: asyncio.Task[None] | None = None

    def seen(self, device_id: int, now: datetime) -> None:
        sighting = self._waiting.get(device_id)
        if sighting is None:
            self._waiting[device_id] = Sighting(now)
        else:
            sighting.seen_at = max(sighting.seen_at, now)

    def report(self, device_id: int, health: DeviceHealth, now: datetime) -> None:
        self.seen(device_id, now)
        sighting = self._waiting[device_id]
        sighting.health = health
        sighting.reported_at = now
        self.latest[device_id] = health

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="device health writer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.flush()

    async def flush(self) -> None:
        if not self._waiting:
            return
        batch, self._waiting = self._waiting, {}
        try:
            await asyncio.to_thread(store_device_health, self.db, batch)
        except Exception:
            log.exception("could not store the health of %d devices", len(batch))
            for device_id, sighting in batch.items():
                self._waiting.setdefault(device_id, sighting)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()
