"""How long a backup of an office's database takes, and what it costs the
commands running meanwhile.

The database holds `--days` days of finished tickets (500 a day, as in
bench/engine.py) plus their events. Measured, each `--rounds` times:

- the baseline: copying the database file byte for byte (what `cp` would
  do, and which is *not* safe while the server writes);
- `copy_database`: SQLite's online backup API in one step, into a
  self-contained file (what `antrean backup` does first);
- `take_backup`: the whole of `antrean backup` (copy, `PRAGMA
  integrity_check`, keeping the generation, pruning);
- `check_database`: what `antrean restore` checks before it replaces.

Then a writer issues tickets through `Operations.execute` for a few seconds
without a backup and again while backups run back to back, and the commands'
latency is printed for both: in WAL mode the backup reads while the writer
writes.

    .venv/bin/python bench/backup.py
    .venv/bin/python bench/backup.py --days 730 --rounds 5

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import DeviceKind
from bench.engine import SERVICES, SITE, BenchClock, add_history, bench_office
from server.admin import create_site
from server.operations import Operations
from server.permissions import Caller
from server.store.backup import check_database, copy_database, take_backup
from server.store.database import Database
from server.store.migrate import upgrade


def timed(action: object, rounds: int) -> list[float]:
    spent = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        spent.append(time.perf_counter() - started)
    return spent


def writer_latencies(operations: Operations, caller: Caller, seconds: float,
                     during: threading.Event | None = None) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    number = 0
    while time.monotonic() < deadline:
        service = SERVICES[number % len(SERVICES)]
        number += 1
        started = time.perf_counter()
        answer = operations.execute(caller, IssueTicketCommand(site=SITE, service=service))
        latencies.append(time.perf_counter() - started)
        assert answer.status == 201, answer
    if during is not None:
        during.set()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365, help="days of history (500 tickets each)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="writer time, each phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="antrean-bench-backup-") as scratch:
        folder = Path(scratch)
        path = folder / "antrean.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        with db.writing() as work:
            site = create_site(work, bench_office())
        add_history(db, site.id, args.days)
        kiosk = Caller("kiosk-1", site.id, device_kind=DeviceKind.KIOSK)
        operations = Operations(db, clock=BenchClock())
        size = path.stat().st_size + Path(f"{path}-wal").stat().st_size
        print(f"database: {args.days} days, {size / 2**20:.1f} MB with its WAL", flush=True)

        raw = timed(lambda: shutil.copyfile(path, folder / "raw-copy.db"), args.rounds)
        online = timed(lambda: copy_database(path, folder / "online.db"), args.rounds)
        whole = timed(
            lambda: take_backup(path, folder / "backups", keep=2, progress=lambda _: None),
            args.rounds,
        )
        check = timed(lambda: check_database(folder / "online.db"), args.rounds)
        for name, spent in [
            ("byte copy (baseline)", raw), ("online backup API", online),
            ("antrean backup", whole), ("restore's check", check),
        ]:
            print(f"  {name:<22} median {statistics.median(spent):7.3f} s   "
                  f"ratio {statistics.median(spent) / statistics.median(raw):5.1f}x", flush=True)

        print(f"writer: issue_ticket for {args.seconds:.0f} s alone, then while backups run",
              flush=True)
        alone = writer_latencies(operations, kiosk, args.seconds)
        done = threading.Event()
        backups = 0

        def back_to_back() -> None:
            nonlocal backups
            while not done.is_set():
                take_backup(path, folder / "backups", keep=2, progress=lambda _: None)
                backups += 1

        runner = threading.Thread(target=back_to_back)
        runner.start()
        beside = writer_latencies(operations, kiosk, args.seconds, done)
        runner.join()
        for name, spent in [("alone", alone), (f"beside {backups} backups", beside)]:
            p50, p99 = percentile(spent, 0.5) * 1000, percentile(spent, 0.99) * 1000
            print(f"  {name:<22} {len(spent):6d} commands  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms",
                  flush=True)
        print(f"  p50 ratio beside/alone {percentile(beside, 0.5) / percentile(alone, 0.5):.2f}x")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
