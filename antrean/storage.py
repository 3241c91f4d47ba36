"""Whether a program can still write where it must: free space and read-only mounts.

A Pi's SD card fills up (logs, backups) or, after file-system errors, the
kernel remounts it read-only. Programs check, report it (log, health, the
device's own signs) and keep doing what they still can, instead of crashing
and being restarted in a loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOW_SPACE_BYTES = 200 * 1024 * 1024
"""Below this the card is called nearly full: a day of an office's tickets,
logs and a backup generation fit many times over, a system update does not."""


@dataclass(frozen=True)
class DiskState:
    path: str
    free_bytes: int
    total_bytes: int
    read_only: bool
    error: str | None = None

    @property
    def problem(self) -> str | None:
        """What is wrong, in one line for logs and health reports; None when all is well."""
        if self.error is not None:
            return f"{self.path}: {self.error}"
        if self.read_only:
            return f"{self.path} is on a read-only file system"
        if self.free_bytes < LOW_SPACE_BYTES:
            return f"{self.path}: only {self.free_bytes // (1024 * 1024)} MB free"
        return None

    @property
    def writable(self) -> bool:
        return self.error is None and not self.read_only and self.free_bytes > 0


def disk_state(path: str | os.PathLike[str]) -> DiskState:
    """The state of the file system holding `path` (or its nearest existing parent)."""
    where = Path(path)
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        stats = os.statvfs(where)
    except OSError as error:
        return DiskState(str(path), 0, 0, False, error.strerror or str(error))
    read_only = bool(stats.f_flag & os.ST_RDONLY) or not os.access(where, os.W_OK)
    return DiskState(
        path=str(path),
        free_bytes=stats.f_bavail * stats.f_frsize,
        total_bytes=stats.f_blocks * stats.f_frsize,
        read_only=read_only,
    )
