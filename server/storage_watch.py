"""Watching the disk under the database: free space, a read-only card, failed writes.

Looked at every half minute (by `server.supervision`) and told of every write
that failed for want of storage, so /healthz, the metrics and `systemctl
status` can say so.
"""

from __future__ import annotations

import time
from pathlib import Path

from antrean.storage import DiskState, disk_state
from server.store.database import Database

CHECK_EVERY = 30.0


def database_dir(db: Database) -> Path | None:
    """The folder of a SQLite file; None for a server database (nothing local to watch)."""
    return None if db.file is None else db.file.resolve().parent


class StorageWatch:
    """A CommandWatch too: it hears of every write refused for want of storage."""

    def __init__(self, db: Database, interval: float = CHECK_EVERY) -> None:
        self.path = database_dir(db)
        self.interval = interval
        self.state: DiskState | None = None
        self.last_write_failure: float | None = None  # time.time() of the last one

    def look(self) -> DiskState | None:
        if self.path is not None:
            self.state = disk_state(self.path)
        return self.state

    def problem(self) -> str | None:
        if self.state is not None and self.state.problem is not None:
            return self.state.problem
        failed = self.last_write_failure
        if failed is not None and time.time() - failed < 2 * self.interval:
            return "a write to the database failed for want of storage"
        return None

    @property
    def failing(self) -> bool:
        """Writes cannot succeed (as opposed to "space is getting low")."""
        if self.state is not None and not self.state.writable:
            return True
        failed = self.last_write_failure
        return failed is not None and time.time() - failed < 2 * self.interval

    # CommandWatch.

    def check(self, now: object) -> None:
        pass

    def finished(self, command: str, result: str, seconds: float) -> None:
        if result == "storage_unavailable":
            self.last_write_failure = time.time()
