"""Site snapshots for sockets, read once and shared while they are still right.

After a restart every device in the room reconnects at once. A snapshot read a
moment ago serves them all as long as the hub has handed out no event newer
than it: anything older is in the snapshot, anything newer reaches the socket
as a delta, because the socket subscribed before asking.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from antrean.messages import SnapshotReason
from antrean.protocol import QueueSnapshot
from server.realtime.hub import Hub

MAX_AGE = 1.0

SnapshotReader = Callable[[str], QueueSnapshot]


@dataclass
class SharedSnapshot:
    seq: int
    json: str
    made_at: float
    _frames: dict[str, str] = field(default_factory=dict)
    # The office's set-up as of this read (see Snapshots.forget).
    generation: int = 0

    def frame(self, reason: SnapshotReason) -> str:
        """The whole frame, built once per reason and shared by every socket sent it."""
        frame = self._frames.get(reason)
        if frame is None:
            frame = f'{{"type":"snapshot","reason":"{reason}","snapshot":{self.json}}}'
            self._frames[reason] = frame
        return frame


class Snapshots:
    def __init__(self, read: SnapshotReader, hub: Hub, max_age: float = MAX_AGE) -> None:
        self._read = read
        self._hub = hub
        self._max_age = max_age
        self._cache: dict[str, SharedSnapshot] = {}
        self._reading: dict[str, asyncio.Future[SharedSnapshot]] = {}
        self._generation: dict[str, int] = {}
        self.reads = 0

    def forget(self, site: str) -> None:
        """The office's set-up changed (services, counters, hours): no snapshot read
        before now, or being read now, serves anyone from here on."""
        self._generation[site] = self._generation.get(site, 0) + 1
        self._cache.pop(site, None)

    async def get(self, site: str) -> SharedSnapshot:
        """A snapshot that, with the deltas from now on, misses nothing (subscribe first)."""
        cached = self._cache.get(site)
        if cached is not None and self._usable(site, cached):
            return cached
        reading = self._reading.get(site)
        if reading is not None:
            # wait() leaves the shared read alone if this caller is cancelled.
            await asyncio.wait({reading})
            # As fresh as any read this caller could start, however long it took.
            if not reading.cancelled() and self._complete(site, reading.result()) and (
                self.current(site, reading.result())
            ):
                return reading.result()
        return await self._from_now(site)

    async def fresh(self, site: str) -> SharedSnapshot:
        """A snapshot read now (or by a read already under way), for the periodic refresh.

        The office's set-up may change while it is read: check `current` before use."""
        reading = self._reading.get(site)
        if reading is not None:
            await asyncio.wait({reading})
            if not reading.cancelled() and self.current(site, reading.result()):
                return reading.result()
        return await self._from_now(site)

    async def _from_now(self, site: str) -> SharedSnapshot:
        """A read begun from now on: this caller's own, or one another caller has begun
        meanwhile, which is as good. After an office change every socket of the office
        asks at once, and they share one read rather than each making its own."""
        while (reading := self._reading.get(site)) is not None:
            await asyncio.wait({reading})
            if not reading.cancelled() and self.current(site, reading.result()):
                return reading.result()
        return await self._fresh(site)

    def current(self, site: str, shared: SharedSnapshot) -> bool:
        """Read after the office's last change of set-up (see `forget`)."""
        return shared.generation == self._generation.get(site, 0)

    def _usable(self, site: str, shared: SharedSnapshot) -> bool:
        fresh = time.monotonic() - shared.made_at <= self._max_age
        return fresh and self.current(site, shared) and self._complete(site, shared)

    def _complete(self, site: str, shared: SharedSnapshot) -> bool:
        """Nothing handed out by the hub is newer than the snapshot."""
        last = self._hub.last_seq(site)
        return last is None or last <= shared.seq

    async def _fresh(self, site: str) -> SharedSnapshot:
        future: asyncio.Future[SharedSnapshot] = asyncio.get_running_loop().create_future()
        self._reading[site] = future
        generation = self._generation.get(site, 0)
        try:
            snapshot = await asyncio.to_thread(self._read, site)
            self.reads += 1
            self._hub.observe(site, snapshot.seq)
            shared = SharedSnapshot(
                snapshot.seq, snapshot.model_dump_json(), time.monotonic(), generation=generation
            )
        except BaseException:
            future.cancel()  # whoever shared this read makes its own
            raise
        finally:
            if self._reading.get(site) is future:
                del self._reading[site]
        future.set_result(shared)
        cached = self._cache.get(site)
        if self.current(site, shared) and (cached is None or cached.made_at <= shared.made_at):
            self._cache[site] = shared
            # Past max_age it serves nobody (see _usable), and a city's offices' snapshots
            # are several KiB each: let it go rather than keep one per office forever.
            asyncio.get_running_loop().call_later(self._max_age, self._expire, site, shared)
        return shared

    def _expire(self, site: str, shared: SharedSnapshot) -> None:
        if self._cache.get(site) is shared:
            del self._cache[site]
