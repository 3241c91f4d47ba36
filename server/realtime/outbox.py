"""What waits to go out on one socket, bounded so a slow device cannot hold up the rest.

The hub only ever appends here (it never waits for a socket). When more deltas
wait than the limit allows, they are thrown away and replaced by one request
for a fresh snapshot: a device that fell behind catches up in one step instead
of replaying a backlog. Answers and errors are never thrown away: when too many
wait, the socket's reader stops taking the device's frames until the writer
has sent some (`room`), so a device that sends a burst and reads its answers
is slowed down, not dropped. One that stops reading altogether stalls the
writer, and the watchdog ends it.

Nothing waits on an empty outbox: `wake` is called when something is put in,
and the socket starts a writer that runs until the outbox is empty again. An
idle screen so costs no task of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from antrean.messages import SnapshotReason


@dataclass(frozen=True, slots=True)
class Delta:
    seq: int
    frame: str


@dataclass(frozen=True, slots=True)
class SnapshotWanted:
    """Read a snapshot when this is taken (it then covers everything asked before)."""

    reason: SnapshotReason


@dataclass(frozen=True, slots=True)
class SnapshotReady:
    """A snapshot already read, the same frame for every socket of the office."""

    seq: int
    frame: str


@dataclass(frozen=True, slots=True)
class Close:
    """Send nothing more: close the socket with this code."""

    code: int
    reason: str


Item = str | Delta | SnapshotWanted | SnapshotReady | Close


def _nothing() -> None:
    pass


class Outbox:
    __slots__ = (
        "_deltas", "_frames", "_items", "_room_waiter", "_snapshot_waiting", "_wake",
        "delta_limit", "frame_limit", "resyncs",
    )

    def __init__(
        self, delta_limit: int = 256, frame_limit: int = 64, wake: Callable[[], None] = _nothing
    ) -> None:
        self.delta_limit = delta_limit
        self.frame_limit = frame_limit
        self._wake = wake
        # Made when the first item comes: an empty deque is half a kilobyte, and
        # most screens are idle most of the time.
        self._items: deque[Item] | None = None
        self._deltas = 0
        self._frames = 0
        self._snapshot_waiting = False
        self._room_waiter: asyncio.Future[None] | None = None
        self.resyncs = 0

    def __len__(self) -> int:
        return len(self._items) if self._items else 0

    def _append(self, item: Item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake()

    def put_delta(self, seq: int, frame: str) -> None:
        if self._deltas >= self.delta_limit:
            assert self._items is not None
            self._items = deque(i for i in self._items if not isinstance(i, Delta))
            self._deltas = 0
            self.resyncs += 1
            self.want_snapshot("behind")
            return
        self._deltas += 1
        self._append(Delta(seq, frame))

    def put_frame(self, frame: str) -> None:
        """An answer or error; never thrown away (`room` keeps their number bounded)."""
        self._frames += 1
        self._append(frame)

    def put_snapshot(self, seq: int, frame: str) -> None:
        self._append(SnapshotReady(seq, frame))

    def close(self, code: int, reason: str) -> None:
        self._append(Close(code, reason))

    def want_snapshot(self, reason: SnapshotReason, replacing: bool = False) -> None:
        """`replacing`: snapshots already read and waiting here are out of date (the
        office's set-up changed); they are thrown away."""
        if replacing and self._items:
            self._items = deque(i for i in self._items if not isinstance(i, SnapshotReady))
        # One waiting request is enough: it is read when it is taken, so it
        # covers everything asked for before then.
        if not self._snapshot_waiting:
            self._snapshot_waiting = True
            self._append(SnapshotWanted(reason))

    async def room(self) -> None:
        """Wait until fewer than `frame_limit` answers wait to go out."""
        while self._frames >= self.frame_limit:
            self._room_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._room_waiter
            finally:
                self._room_waiter = None

    def take(self) -> Item | None:
        """The next item to send, or None when nothing waits."""
        if not self._items:
            self._items = None
            return None
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
