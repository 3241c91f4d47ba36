"""The scenario's office in a SQLite file kept in memory, a fresh copy for each day.

The commands run on the very code a server runs: the same database class,
the same SQL, WAL and `BEGIN IMMEDIATE` transactions. Only the file lives in
memory (`/dev/shm`, Linux's shared-memory file system, where a sync costs
nothing). On a disk, with the `synchronous=FULL` that keeps a printed
ticket through a power cut, a day of 150 citizens took up to twice as long,
most of it waiting for the disk, and that wait moves with whatever else the
machine is doing: the disk has nothing to teach about a queue. Where there
is no `/dev/shm` the system's temporary folder is used; the figures are the
same, only slower.

The office is created once (schema and rows) and each day starts from a copy
of that file, so days never share state and a day's setup costs a file copy.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.admin import create_site
from server.simulation.scenario import Scenario
from server.store.database import Database
from server.store.migrate import upgrade

MEMORY_FOLDER = Path("/dev/shm")
_names = itertools.count(1)


def scratch_folder() -> Path:
    if MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK):
        return MEMORY_FOLDER
    return Path(tempfile.gettempdir())


def _scratch_file(folder: Path, kind: str) -> Path:
    return folder / f"antrean-simulation-{os.getpid()}-{next(_names)}-{kind}.db"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class OfficeDatabase:
    """The office as `antrean office apply` would create it, ready to copy."""

    def __init__(self, scenario: Scenario, folder: Path | None = None) -> None:
        self.folder = folder or scratch_folder()
        self.template = _scratch_file(self.folder, "office")
        db = Database(f"sqlite:///{self.template}")
        try:
            upgrade(db)
            with db.writing() as work:
                self.site_id = create_site(work, scenario.office.to_spec()).id
        finally:
            # Closing the last connection folds the WAL into the file: one file to copy.
            db.dispose()

    @contextmanager
    def day(self) -> Iterator[Database]:
        path = _scratch_file(self.folder, "day")
        shutil.copyfile(self.template, path)
        db = Database(f"sqlite:///{path}")
        try:
            yield db
        finally:
            db.dispose()
            _remove(path)

    def close(self) -> None:
        _remove(self.template)
