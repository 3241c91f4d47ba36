"""Backups of a real SQLite file while a writer commits, generations, a second
copy on another file system, and restores that check before they replace."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import Role
from launcher.cli import main
from server.operations import Operations
from server.permissions import Caller
from server.store.backup import (
    BackupError,
    check_database,
    generations,
    restore,
    take_backup,
)
from server.store.database import Database
from tests.conftest import Clock, make_demo_database

WRITER = Caller("writer", None, role=Role.ADMIN)
SERVICES = "ABCDE"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    path = tmp_path / "data" / "antrean.db"
    db = make_demo_database(f"sqlite:///{path}")
    yield db, path
    db.dispose()


def _ticket_ids(path: Path) -> set[int]:
    with closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT id FROM tickets")}


def _integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Writer(threading.Thread):
    """Issues tickets one command after another, noting each once it is committed."""

    def __init__(self, db: Database, clock: Clock) -> None:
        super().__init__(daemon=True)
        self.operations = Operations(db, clock=clock)
        self.committed: list[tuple[float, int]] = []  # (monotonic time, ticket id)
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            number = 0
            while not self.stop.is_set():
                service = SERVICES[number % len(SERVICES)]
                answer = self.operations.execute(
                    WRITER, IssueTicketCommand(site="demo", service=service)
                )
                assert answer.body is not None
                self.committed.append((time.monotonic(), answer.body["ticket"]["id"]))
                number += 1
        except BaseException as error:
            self.failure = error

    def committed_ids(self) -> set[int]:
        return {ticket for _, ticket in list(self.committed)}

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.committed) < count:
            assert self.failure is None, self.failure
            assert time.monotonic() < deadline, "the writer does not get on"
            time.sleep(0.01)


def test_backups_taken_while_a_writer_commits_restore_every_ticket_committed_before(
    live: tuple[Database, Path], clock: Clock, tmp_path: Path
) -> None:
    db, path = live
    folder = tmp_path / "backups"
    writer = Writer(db, clock)
    writer.start()
    taken = []
    try:
        writer.wait_for(30)
        for round_ in range(3):
            before = writer.committed_ids()
            started = time.monotonic()
            backup = take_backup(
                path, folder, keep=5, now=datetime(2026, 11, 24, 10, 0, round_), progress=print
            )
            ended = time.monotonic()
            taken.append((backup.contents.path, before, started, ended))
            writer.wait_for(len(writer.committed) + 10)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.failure is None, writer.failure
    during = [
        ticket for moment, ticket in writer.committed
        if any(started <= moment <= ended for _, _, started, ended in taken)
    ]
    assert during, "the writer committed nothing while the backups ran"

    for number, (backup_path, before, _, _) in enumerate(taken):
        restored = tmp_path / f"restored-{number}" / "antrean.db"
        restore(backup_path, restored, keep_folder=tmp_path / "kept", progress=print)
        assert _integrity(restored) == ["ok"]
        held = _ticket_ids(restored)
        assert before <= held, f"missing from backup {number}: {sorted(before - held)[:10]}"
        # A consistent copy: no ticket without its events, no event of a ticket it lacks.
        with closing(sqlite3.connect(restored)) as copy:
            orphans = copy.execute(
                "SELECT count(*) FROM events WHERE ticket_id IS NOT NULL "
                "AND ticket_id NOT IN (SELECT id FROM tickets)"
            ).fetchone()[0]
            silent = copy.execute(
                "SELECT count(*) FROM tickets WHERE id NOT IN "
                "(SELECT ticket_id FROM events WHERE ticket_id IS NOT NULL)"
            ).fetchone()[0]
        assert (orphans, silent) == (0, 0)
    assert _ticket_ids(path) > taken[-1][1], "the live database went on meanwhile"


def test_generations_are_kept_to_their_number_and_mirrored_on_another_disk(
    live: tuple[Database, Path], tmp_path: Path
) -> None:
    _, path = live
    folder = tmp_path / "backups"
    stick = Path("/dev/shm") / f"antrean-test-{tmp_path.name}"  # tmpfs: another file system
    stick.mkdir()
    try:
        start = datetime(2026, 11, 24, 9, 0)
        for day in range(4):
            take_backup(
                path, folder, keep=2, copy_to=str(stick),
                now=start + timedelta(days=day), progress=print,
            )
        kept = [p.name for p in generations(folder)]
        assert kept == ["antrean-20261126-090000.db", "antrean-20261127-090000.db"]
        assert sorted(p.name for p in stick.iterdir()) == kept
        for name in kept:
            assert _digest(stick / name) == _digest(folder / name)
            assert check_database(stick / name).revision
    finally:
        for leftover in stick.iterdir():
            leftover.unlink()
        stick.rmdir()


def test_a_second_copy_on_the_same_disk_is_refused_after_the_first_is_made(
    live: tuple[Database, Path], tmp_path: Path
) -> None:
    _, path = live
    folder = tmp_path / "backups"
    unmounted = tmp_path / "media" / "antrean-backup"  # a mount point with no stick in it
    unmounted.mkdir(parents=True)
    with pytest.raises(BackupError, match="same disk"):
        take_backup(path, folder, keep=3, copy_to=str(unmounted), progress=print)
    assert len(generations(folder)) == 1
    assert list(unmounted.iterdir()) == []
    with pytest.raises(BackupError, match="not a folder"):
        take_backup(path, folder, keep=3, copy_to=str(tmp_path / "absent"), progress=print)


def test_a_clock_set_back_does_not_make_the_newest_backup_the_first_pruned(
    live: tuple[Database, Path], tmp_path: Path
) -> None:
    _, path = live
    folder = tmp_path / "backups"
    take_backup(path, folder, keep=2, now=datetime(2026, 11, 24, 9, 0), progress=print)
    take_backup(path, folder, keep=2, now=datetime(2026, 11, 25, 9, 0), progress=print)
    lines: list[str] = []
    made = take_backup(path, folder, keep=2, now=datetime(1970, 1, 1, 0, 0), progress=lines.append)
    assert made.contents.path.name == "antrean-20261125-090001.db"
    assert [p.name for p in generations(folder)] == [
        "antrean-20261125-090000.db", "antrean-20261125-090001.db"
    ]
    assert any("behind the newest backup" in line for line in lines)


def test_restore_checks_the_file_first_and_changes_nothing_when_it_is_bad(
    live: tuple[Database, Path], tmp_path: Path
) -> None:
    db, path = live
    good = take_backup(path, tmp_path / "backups", keep=3, progress=print).contents.path
    db.dispose()
    before = _digest(path)

    damaged = tmp_path / "damaged.db"
    data = bytearray(good.read_bytes())
    page = 4096
    data[3 * page : 5 * page] = b"\xa5" * (2 * page)
    damaged.write_bytes(bytes(data))

    foreign = tmp_path / "foreign.db"
    with closing(sqlite3.connect(foreign)) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()

    newer = tmp_path / "newer.db"
    newer.write_bytes(good.read_bytes())
    with closing(sqlite3.connect(newer)) as copy:
        copy.execute("UPDATE alembic_version SET version_num = '9999'")
        copy.commit()

    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)

    for bad, reason in [
        (damaged, "damaged|not a usable"),
        (foreign, "not an antrean one"),
        (newer, "newer one"),
        (text, "not a usable SQLite database"),
        (tmp_path / "missing.db", "not a file"),
    ]:
        with pytest.raises(BackupError, match=reason):
            restore(bad, path, keep_folder=tmp_path / "kept", progress=print)
        assert _digest(path) == before, f"{bad.name} changed the database"
    assert not (tmp_path / "kept").exists()


def test_restore_refuses_while_another_process_has_the_database_open(
    live: tuple[Database, Path], tmp_path: Path
) -> None:
    db, path = live
    good = take_backup(path, tmp_path / "backups", keep=3, progress=print).contents.path
    db.dispose()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "db = sqlite3.connect(sys.argv[1]); db.execute('SELECT count(*) FROM sites')\n"
         "print('open', flush=True); time.sleep(60)",
         str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(BackupError, match=rf"process {holder.pid} .*stop the server"):
            restore(good, path, keep_folder=tmp_path / "kept", progress=print)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    restore(good, path, keep_folder=tmp_path / "kept", progress=print)
    kept = list((tmp_path / "kept").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith("before-restore-")
    assert check_database(kept[0]).tickets == check_database(path).tickets


def test_the_backup_and_restore_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    make_demo_database(f"sqlite:///{data / 'antrean.db'}").dispose()
    monkeypatch.setenv("ANTREAN_DATA_DIR", str(data))
    monkeypatch.delenv("ANTREAN_DATABASE_URL", raising=False)
    monkeypatch.delenv("ANTREAN_CONFIG", raising=False)

    def antrean(*args: str, code: int = 0) -> str:
        assert main(list(args)) == code
        out = capsys.readouterr()
        return out.out + out.err

    out = antrean("backup", "--keep", "3")
    assert "checked: intact" in out and "1 generations in" in out
    listing = antrean("backup", "--list")
    backup = Path(listing.split()[0])
    assert backup.parent == data / "backups"
    assert "intact" in antrean("restore", "--check", str(backup))
    out = antrean("restore", "--yes", str(backup))
    assert "keeping the present database as" in out and "restored" in out
    assert "antrean: " in antrean("restore", "--yes", str(tmp_path / "nothing.db"), code=2)

    monkeypatch.setenv("ANTREAN_DATABASE_URL", "postgresql+psycopg://antrean@127.0.0.1/antrean")
    assert "pg_dump" in antrean("backup", code=2)


def test_a_backup_of_a_database_that_is_not_there_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database at"):
        take_backup(tmp_path / "none.db", tmp_path / "backups", keep=2, now=datetime.now(UTC))
