"""Backups of an office's SQLite database, and bringing one back.

A backup is taken with SQLite's online backup API in a single step: it reads
one consistent view of the database (every transaction committed before it
began, none half-done) while the server goes on writing, since in WAL mode
readers and writers do not wait for each other. Copying in several steps
would start again after every write, and an office that issues tickets all
day would never finish.

Each copy is checked (`PRAGMA integrity_check`) before it counts, switched to
a self-contained journal, and kept as `antrean-YYYYMMDD-HHMMSS.db`; the
oldest beyond the number of generations are deleted. A second place (a USB
stick, another machine over SSH) mirrors the same generations with rsync.

Restoring checks the file first (a SQLite database, intact, with a schema
this version knows), refuses while a program still has the database open,
keeps what it replaces, and never leaves a half-copied database behind.

PostgreSQL is backed up with its own tools (pg_dump); see docs/operating.md.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from antrean.storage import disk_state
from server.store import statements
from server.store.connection import Connection
from server.store.errors import StoreError
from server.store.migrate import MIGRATIONS

PREFIX = "antrean-"
SUFFIX = ".db"
NAME_FORMAT = f"{PREFIX}%Y%m%d-%H%M%S{SUFFIX}"
BEFORE_RESTORE = "before-restore-"
SPACE_MARGIN = 1.2  # a copy needs the database's size, and a little room to spare

Progress = Callable[[str], None]


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a database file holds, as checked before it is trusted."""

    path: Path
    size_bytes: int
    revision: str
    sites: int
    tickets: int
    last_event_at: str | None


@dataclass(frozen=True)
class Backup:
    contents: Contents
    seconds: float
    deleted: list[Path]
    copied_to: str | None


def sqlite_file(database_url: str) -> Path:
    """The database file behind a URL; PostgreSQL is refused with a pointer to pg_dump."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump and restore it with "
            "pg_restore (see docs/operating.md, 'Backups')"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("the database lives in memory only: there is nothing to back up")
    return Path(url.database)


def generations(folder: Path) -> list[Path]:
    """The backups in `folder`, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(f"{PREFIX}*{SUFFIX}") if path.is_file())


def known_revisions() -> set[str]:
    script = ScriptDirectory(str(MIGRATIONS))
    return {revision.revision for revision in script.walk_revisions()}


# Taking a backup.


def take_backup(
    database: Path,
    folder: Path,
    *,
    keep: int,
    copy_to: str | None = None,
    now: datetime | None = None,
    progress: Progress = print,
) -> Backup:
    if keep < 1:
        raise BackupError("keep at least one generation")
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    folder.mkdir(parents=True, exist_ok=True)
    _require_space(database, folder)
    moment = (now or datetime.now()).astimezone()
    newest = _newest_time(folder)
    if newest is not None and moment <= newest:
        # A clock set back must not make the freshest copy look the oldest (and be pruned).
        progress(f"the clock ({moment:%Y-%m-%d %H:%M}) is behind the newest backup: "
                 "this one is named after it")
        moment = newest + timedelta(seconds=1)
    target = _free_name(folder, moment.strftime(NAME_FORMAT))
    progress(f"copying {database} ({_megabytes(_size_with_wal(database))}) to {target}")
    started = time.monotonic()
    copy_database(database, target)
    contents = check_database(target)
    seconds = time.monotonic() - started
    progress(
        f"checked: intact, schema {contents.revision}, {contents.tickets} tickets, "
        f"last event {contents.last_event_at or '-'} ({seconds:.1f} s)"
    )
    deleted = prune(folder, keep)
    for path in deleted:
        progress(f"deleted the old generation {path.name}")
    progress(f"{len(generations(folder))} generations in {folder}")
    copied_to = None
    if copy_to:
        progress(f"copying the generations to {copy_to}")
        mirror(folder, copy_to)
        copied_to = copy_to
        progress(f"{copy_to} holds the same generations")
    return Backup(contents, seconds, deleted, copied_to)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live database into `target`, made whole or not at all."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as reader, closing(
            sqlite3.connect(partial)
        ) as writer:
            # One step: one read transaction, so one consistent view (see the module's text).
            reader.backup(writer, pages=-1)
            # The copy is a file on its own: no -wal beside it to lose.
            writer.execute("PRAGMA journal_mode=DELETE")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"copying {source} failed: {error}") from None
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"writing {target} failed: {error.strerror or error}") from None


def prune(folder: Path, keep: int) -> list[Path]:
    existing = generations(folder)
    old = existing[: max(0, len(existing) - keep)]
    for path in old:
        path.unlink()
    return old


def mirror(folder: Path, destination: str) -> None:
    """Make `destination` hold exactly the generations of `folder` (rsync, local or SSH)."""
    remote = _is_remote(destination)
    if not remote:
        place = Path(destination)
        if not place.is_dir():
            raise BackupError(
                f"{destination} is not a folder: is the USB stick plugged in and mounted?"
            )
        if place.stat().st_dev == folder.stat().st_dev:
            raise BackupError(
                f"{destination} is on the same disk as {folder}, so it is no second copy: "
                "is the USB stick mounted there?"
            )
    if shutil.which("rsync") is None:
        raise BackupError("rsync is not installed (sudo apt-get install rsync)")
    command = [
        "rsync", "--recursive", "--times", "--modify-window=1", "--delete",
        "--include", f"{PREFIX}*{SUFFIX}", "--exclude", "*",
        f"{folder}/", destination.rstrip("/") + "/",
    ]
    if remote:
        command[1:1] = ["-e", "ssh -o BatchMode=yes -o ConnectTimeout=15"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[:400]
        raise BackupError(f"copying to {destination} failed (rsync {done.returncode}): {detail}")


def _is_remote(destination: str) -> bool:
    # rsync's own rule: "host:path" is remote unless a slash comes before the colon.
    head, colon, _ = destination.partition(":")
    return bool(colon) and "/" not in head


# Checking and restoring.


def check_database(path: Path) -> Contents:
    """Open `path` read-only and make sure it is an intact antrean database."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        # immutable: nothing else writes a backup, and no -shm file is made beside it;
        # but a database with its -wal beside it must be read through that journal.
        mode = "mode=ro" if _journal_files(path) else "mode=ro&immutable=1"
        with closing(sqlite3.connect(f"file:{path}?{mode}", uri=True)) as db:
            verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupError(f"{path} is damaged: {'; '.join(verdict[:5])}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables or "tickets" not in tables:
                raise BackupError(f"{path} is a SQLite database, but not an antrean one")
            # The file's own make-up is SQLite's business (above); what it holds is
            # read with the store's statements, on this connection to the copy.
            revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
            found = Connection(db, sqlite.dialect()).row(statements.contents, {})
            assert found is not None
            sites, tickets, last = found
    except (sqlite3.DatabaseError, StoreError) as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from None
    if revision is None:
        raise BackupError(f"{path} has no schema version")
    if revision[0] not in known_revisions():
        raise BackupError(
            f"{path} has schema {revision[0]}, which this version of antrean does not "
            "know: it was made by a newer one. Restore it with that version."
        )
    last_event_at = None if last is None else last.isoformat()
    return Contents(path, path.stat().st_size, revision[0], sites, tickets, last_event_at)


def restore(
    backup: Path,
    database: Path,
    *,
    keep_folder: Path,
    now: datetime | None = None,
    progress: Progress = print,
) -> Contents:
    """Put `backup` in the place of `database`, keeping the database it replaces."""
    progress(f"checking {backup}")
    contents = check_database(backup)
    progress(
        f"intact, schema {contents.revision}, {contents.sites} offices, "
        f"{contents.tickets} tickets, last event {contents.last_event_at or '-'}"
    )
    users = processes_using(database)
    if users:
        raise BackupError(
            f"{database} is open in {', '.join(users)}: stop the server first "
            "(sudo systemctl stop antrean-server)"
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    if database.exists():
        keep_folder.mkdir(parents=True, exist_ok=True)
        moment = (now or datetime.now()).astimezone()
        kept = _free_name(keep_folder, moment.strftime(f"{BEFORE_RESTORE}%Y%m%d-%H%M%S.db"))
        progress(f"keeping the present database as {kept}")
        copy_database(database, kept)
    staged = database.with_name(f".{database.name}.restoring")
    try:
        copy_database(backup, staged)
        # The old database's journal must not be replayed onto the restored one.
        for leftover in _journal_files(database):
            leftover.unlink()
        os.replace(staged, database)
        _fsync(database.parent)
    finally:
        staged.unlink(missing_ok=True)
    progress(f"restored {database} from {backup}; start the server again")
    return contents


def processes_using(database: Path) -> list[str]:
    """Other processes holding the database (or its journal) open, as "pid (name)"."""
    wanted = {str(path.resolve()) for path in [database, *_journal_files(database, all=True)]}
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if entry.name == str(os.getpid()):
            continue
        try:
            targets = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue  # gone, or another user's
        if targets & wanted:
            found.append(f"process {entry.name} ({name})")
    return found


# Small helpers.


def _journal_files(database: Path, all: bool = False) -> list[Path]:
    paths = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
    return paths if all else [path for path in paths if path.exists()]


def _size_with_wal(database: Path) -> int:
    return sum(path.stat().st_size for path in [database, *_journal_files(database)])


def _require_space(database: Path, folder: Path) -> None:
    needed = int(_size_with_wal(database) * SPACE_MARGIN)
    free = disk_state(folder).free_bytes
    if free < needed:
        raise BackupError(
            f"not enough space in {folder}: {_megabytes(free)} free, {_megabytes(needed)} "
            "needed. Keep fewer generations (backup_generations) or free some space."
        )


def _newest_time(folder: Path) -> datetime | None:
    for path in reversed(generations(folder)):
        stamp = re.match(rf"{PREFIX}(\d{{8}}-\d{{6}})", path.name)
        if stamp is not None:
            return datetime.strptime(stamp.group(1), "%Y%m%d-%H%M%S").astimezone()
    return None


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    number = 1
    while target.exists():
        number += 1
        target = folder / name.replace(SUFFIX, f"-{number}{SUFFIX}")
    return target


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
