"""What waits to go out on one socket, bounded so a slow device cannot hold up the rest.

The hub only ever appends here (it never waits for a socket). When more deltas
wait than the limit allows, they are thrown away and replaced by one request
for a fresh snapshot: a device that fell behind catches up in one step instead
of replaying a backlog. Answers and errors are never thrown away: when too many
wait, the socket's reader stops taking the device's frames until the writer
has sent some (`room`), so a device that sends a burst and reads its answers
is slowed down, not dropped. One that stops reading altogether stalls the
writer, and the watchdog ends it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from antrean.messages import SnapshotReason


@dataclass(frozen=True)
class Delta:
    seq: int
    frame: str


@dataclass(frozen=True)
class SnapshotWanted:
    reason: SnapshotReason


@dataclass(frozen=True)
class Close:
    """Send nothing more: close the socket with this code."""

    code: int
    reason: str


Item = str | Delta | SnapshotWanted | Close


class Outbox:
    def __init__(self, delta_limit: int = 256, frame_limit: int = 64) -> None:
        self.delta_limit = delta_limit
        self.frame_limit = frame_limit
        self._items: deque[Item] = deque()
        self._deltas = 0
        self._frames = 0
        self._snapshot_waiting = False
        self._waiter: asyncio.Future[None] | None = None
        self._room_waiter: asyncio.Future[None] | None = None
        self.resyncs = 0

    def __len__(self) -> int:
        return len(self._items)

    def put_delta(self, seq: int, frame: str) -> None:
        if self._deltas >= self.delta_limit:
            self._items = deque(i for i in self._items if not isinstance(i, Delta))
            self._deltas = 0
            self.resyncs += 1
            self.want_snapshot("behind")
            return
        self._items.append(Delta(seq, frame))
        self._deltas += 1
        self._wake()

    def put_frame(self, frame: str) -> None:
        """An answer or error; never thrown away (`room` keeps their number bounded)."""
        self._items.append(frame)
        self._frames += 1
        self._wake()

    def close(self, code: int, reason: str) -> None:
        self._items.append(Close(code, reason))
        self._wake()

    def want_snapshot(self, reason: SnapshotReason) -> None:
        # One waiting request is enough: it is read when it is taken, so it
        # covers everything asked for before then.
        if not self._snapshot_waiting:
            self._snapshot_waiting = True
            self._items.append(SnapshotWanted(reason))
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def room(self) -> None:
        """Wait until fewer than `frame_limit` answers wait to go out."""
        while self._frames >= self.frame_limit:
            self._room_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._room_waiter
            finally:
                self._room_waiter = None

    async def get(self) -> Item:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if isinstance(item, Delta):
            self._deltas -= 1
        elif isinstance(item, SnapshotWanted):
            self._snapshot_waiting = False
        elif isinstance(item, str):
            self._frames -= 1
            waiter = self._room_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        return item
