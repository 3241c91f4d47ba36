"""How many durable ticket lifecycles per second the engine carries, against
the rate of bare single-row commits the same database manages.

A lifecycle is three commands, each its own committed transaction through
`Operations.execute` with a request id, as a kiosk and a counter keypad send
them: issue a ticket, call the next citizen, finish. A backlog of citizens
waits the whole time, so call-next and the wait estimate have a real queue to
look at. The baseline is a loop of `INSERT one row; COMMIT` on a scratch table
of the same database with the same durability settings (SQLite WAL with
synchronous=FULL; PostgreSQL with its own settings).

`--history-days` first stores that many earlier days of finished tickets,
to see that a command costs the same after a year of use as on day one.

    .venv/bin/python bench/engine.py --seconds 10
    .venv/bin/python bench/engine.py --only sqlite --history-days 365
    .venv/bin/python bench/engine.py --postgres-url postgresql+psycopg://user@host/db

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from antrean.protocol import CallNextCommand, IssueTicketCommand, TicketCommand
from antrean.vocabulary import Channel, DeviceKind, Priority, TicketStatus
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.engine.commands import MAX_NUMBER
from server.engine.schedule import Schedule
from server.operations import Operations
from server.permissions import Caller
from server.store.database import Database
from server.store.migrate import upgrade
from server.store.statements import TICKETS

GOAL = 0.30
POSTGRES_ENV = "ANTREAN_TEST_POSTGRES_URL"
SITE = "bench"
SERVICES = ["A", "B", "C", "D", "E"]
PROGRESS_EVERY = 2.0
SLICE_SECONDS = 0.5
HISTORY_PER_DAY = 500
# 09:00 WITA on the first bench day.
FIRST_MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@dataclass
class BenchClock:
    """Moves a little with every command, and to the next morning when told."""

    now: datetime = FIRST_MORNING
    day: int = 0

    def __call__(self) -> datetime:
        # Small steps: even a long run stays inside the office's day.
        self.now += timedelta(milliseconds=100)
        return self.now

    def next_morning(self) -> None:
        self.day += 1
        self.now = FIRST_MORNING + timedelta(days=self.day)


@dataclass(frozen=True)
class Result:
    name: str
    lifecycles: int
    lifecycle_seconds: float
    raw_commits: int
    raw_seconds: float
    # This process's own CPU time, which other load on the machine barely moves.
    lifecycle_cpu_seconds: float

    @property
    def cpu_ms_per_lifecycle(self) -> float:
        return 1000 * self.lifecycle_cpu_seconds / self.lifecycles

    @property
    def lifecycles_per_second(self) -> float:
        return self.lifecycles / self.lifecycle_seconds

    @property
    def transactions_per_second(self) -> float:
        return 3 * self.lifecycles_per_second

    @property
    def raw_commits_per_second(self) -> float:
        return self.raw_commits / self.raw_seconds

    @property
    def ratio(self) -> float:
        return self.transactions_per_second / self.raw_commits_per_second


def bench_office() -> SiteSpec:
    return SiteSpec(
        code=SITE,
        name="Kantor Bench",
        timezone="Asia/Makassar",
        schedule=Schedule.every_day("00:00", "23:59:59"),
        services=[ServiceSpec(code, f"Layanan {code}") for code in SERVICES],
        counters=[
            CounterSpec(1, "Loket 1", SERVICES),
            CounterSpec(2, "Loket 2", SERVICES[:3]),
            CounterSpec(3, "Loket 3", SERVICES[2:]),
        ],
    )


class Lifecycles:
    """Issue, call next and finish, over and over, with a steady backlog waiting."""

    def __init__(self, db: Database, backlog: int, history_days: int = 0) -> None:
        self.clock = BenchClock()
        self.operations = Operations(db, clock=self.clock)
        self.backlog = backlog
        with db.writing() as work:
            site = create_site(work, bench_office())
        add_history(db, site.id, history_days)
        self.kiosk = Caller("kiosk-1", site.id, device_kind=DeviceKind.KIOSK, device_id=None)
        self.keypad = Caller(
            "keypad-1", site.id, device_kind=DeviceKind.COUNTER, counters=frozenset({1})
        )
        self.requests = 0
        self.issued_today = 0
        self.fill_backlog()

    def _request_id(self) -> str:
        self.requests += 1
        return f"r{self.requests}"

    def _issue(self) -> None:
        service = SERVICES[self.issued_today % len(SERVICES)]
        self.issued_today += 1
        outcome = self.operations.execute(
            self.kiosk, IssueTicketCommand(site=SITE, service=service), self._request_id()
        )
        assert outcome.status == 201, outcome

    def fill_backlog(self) -> None:
        for _ in range(self.backlog):
            self._issue()

    @property
    def day_is_full(self) -> bool:
        return self.issued_today >= len(SERVICES) * (MAX_NUMBER - 1)

    def next_day(self) -> None:
        """Numbers run out at 999 a service a day: carry on tomorrow (yesterday's backlog
        expires on the first command)."""
        self.clock.next_morning()
        self.issued_today = 0
        self.fill_backlog()

    def one(self) -> None:
        self._issue()
        called = self.operations.execute(
            self.keypad, CallNextCommand(site=SITE, counter=1), self._request_id()
        )
        assert called.status == 200 and called.body is not None, called
        finished = self.operations.execute(
            self.keypad,
            TicketCommand(type="finish", ticket_id=called.body["id"]),
            self._request_id(),
        )
        assert finished.status == 200, finished


def add_history(db: Database, site_id: int, days: int) -> None:
    """Earlier days' finished tickets, as an office has after months of use."""
    if days <= 0:
        return
    print(f"  adding {days} days of history ({days * HISTORY_PER_DAY} tickets)", flush=True)
    with db.reading() as work:
        service_ids = [s.id for s in work.services(site_id)]
        counter_ids = [c.id for c in work.counters(site_id)]
    for day in range(days, 0, -1):
        morning = FIRST_MORNING - timedelta(days=day)
        rows = []
        for number in range(1, HISTORY_PER_DAY + 1):
            service_id = service_ids[number % len(service_ids)]
            called = morning + timedelta(seconds=40 * number)
            rows.append(
                {
                    "site_id": site_id, "service_id": service_id,
                    "origin_service_id": service_id, "local_day": morning.date(),
                    "number": number, "code": f"H{number:03d}",
                    "priority": Priority.NONE, "channel": Channel.KIOSK,
                    "status": TicketStatus.DONE, "token": secrets.token_urlsafe(18),
                    "queued_at": called, "issued_at": called, "called_at": called,
                    "last_called_at": called, "finished_at": called + timedelta(minutes=6),
                    "call_count": 1, "counter_id": counter_ids[number % len(counter_ids)],
                    "history": [],
                }
            )
        with db.engine.begin() as connection:
            connection.execute(insert(TICKETS), rows)


@dataclass
class Meter:
    """Runs one kind of step in slices and keeps the count and the time spent in it."""

    step: Callable[[], None]
    between: Callable[[], None] | None = None
    done: int = 0
    spent: float = 0.0
    cpu: float = 0.0

    def run(self, seconds: float) -> None:
        """Steps for about `seconds` of their own time; `between` runs off the clock."""
        until = self.spent + seconds
        while self.spent < until:
            if self.between is not None:
                self.between()
            before, cpu_before = time.perf_counter(), time.process_time()
            self.step()
            self.spent += time.perf_counter() - before
            self.cpu += time.process_time() - cpu_before
            self.done += 1

    @property
    def rate(self) -> float:
        return self.done / self.spent if self.spent else 0.0


class RawCommits:
    """INSERT one row and COMMIT, on a driver connection with the engine's own settings."""

    def __init__(self, db: Database) -> None:
        self.connection = db.engine.connect()
        driver = self.connection.connection.dbapi_connection
        assert driver is not None
        self.driver = driver
        self.cursor = driver.cursor()
        self.cursor.execute("CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, note TEXT)")
        driver.commit()
        self.sqlite = db.is_sqlite
        self.next_id = 0

    def one(self) -> None:
        self.next_id += 1
        if self.sqlite:
            # The same way the engine writes: the write lock first, then the row.
            self.cursor.execute("BEGIN IMMEDIATE")
            self.cursor.execute("INSERT INTO bench_scratch VALUES (?, 'x')", (self.next_id,))
        else:
            self.cursor.execute("INSERT INTO bench_scratch VALUES (%s, 'x')", (self.next_id,))
        self.driver.commit()

    def close(self) -> None:
        self.cursor.execute("DROP TABLE bench_scratch")
        self.driver.commit()
        self.cursor.close()
        self.connection.close()


class Floor:
    """The fewest SQLite statements a lifecycle could be, with no queue rules at all.

    Claim the request id, take a number, insert the ticket, its event and the
    answer; pick the oldest waiting ticket and mark it called; mark it done.
    No schedule, quota, fairness, expiry, wait estimate, views or fanout: how
    close to the baseline a command could come if it did nothing else.
    """

    def __init__(self, db: Database) -> None:
        self.connection = db.engine.connect()
        driver = self.connection.connection.dbapi_connection
        assert driver is not None
        self.db = driver
        self.requests = 0
        self.day = "2030-01-01"

    def _sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        return list(self.db.execute(statement, params).fetchall())

    def _request(self) -> None:
        self.requests += 1
        self._sql(
            "INSERT INTO request_log (caller, request_id, status_code, response, created_at) "
            "VALUES ('floor', ?, 200, '{}', '2030-01-01 01:00:00.000000')",
            f"f{self.requests}",
        )

    def _event(self, kind: str, ticket_id: object) -> None:
        ((seq,),) = self._sql(
            "UPDATE sites SET last_seq = last_seq + 1 WHERE code = ? RETURNING last_seq", SITE
        )
        self._sql(
            "INSERT INTO events (site_id, seq, type, at, ticket_id, counter_id, actor, data) "
            "VALUES (1, ?, ?, '2030-01-01 01:00:00.000000', ?, 1, 'floor', '{}')",
            seq, kind, ticket_id,
        )

    def issue(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self._request()
        ((number,),) = self._sql(
            "INSERT INTO daily_numbers (service_id, local_day, last_number) VALUES (1, ?, 1) "
            "ON CONFLICT DO UPDATE SET last_number = last_number + 1 RETURNING last_number",
            self.day,
        )
        ((ticket_id,),) = self._sql(
            "INSERT INTO tickets (site_id, service_id, origin_service_id, local_day, number, "
            "code, priority, channel, status, token, queued_at, issued_at, call_count, history) "
            "VALUES (1, 1, 1, ?, ?, ?, 'none', 'kiosk', 'waiting', ?, "
            "'2030-01-01 01:00:00.000000', '2030-01-01 01:00:00.000000', 0, '[]') RETURNING id",
            self.day, number, f"F{number}", secrets.token_urlsafe(18),
        )
        self._event("issued", ticket_id)
        self.db.commit()

    def one(self) -> None:
        self.issue()
        self.db.execute("BEGIN IMMEDIATE")
        self._request()
        ((ticket_id,),) = self._sql(
            "SELECT id FROM tickets WHERE site_id = 1 AND local_day = ? AND status = 'waiting' "
            "ORDER BY queued_at, id LIMIT 1",
            self.day,
        )
        self._sql(
            "UPDATE tickets SET status = 'called', counter_id = 1, call_count = 1, "
            "called_at = '2030-01-01 01:00:00.000000' WHERE id = ?",
            ticket_id,
        )
        self._event("called", ticket_id)
        self.db.commit()
        self.db.execute("BEGIN IMMEDIATE")
        self._request()
        self._sql(
            "UPDATE tickets SET status = 'done', finished_at = '2030-01-01 01:05:00.000000' "
            "WHERE id = ?",
            ticket_id,
        )
        self._event("finished", ticket_id)
        self.db.commit()

    def close(self) -> None:
        self.connection.close()


def measure_floor(url: str, seconds: float, backlog: int) -> Result:
    print(f"floor: {url}", flush=True)
    db = Database(url)
    try:
        upgrade(db)
        with db.writing() as work:
            create_site(work, bench_office())
        floor, raw = Floor(db), RawCommits(db)
        for _ in range(backlog):
            floor.issue()
        floor_meter, raw_meter = Meter(floor.one), Meter(raw.one)
        while floor_meter.spent < seconds:
            raw_meter.run(SLICE_SECONDS)
            floor_meter.run(SLICE_SECONDS)
        raw.close()
        floor.close()
    finally:
        db.dispose()
    return Result(
        "sqlite floor", floor_meter.done, floor_meter.spent, raw_meter.done, raw_meter.spent,
        floor_meter.cpu,
    )


def measure(name: str, url: str, seconds: float, backlog: int, history_days: int) -> Result:
    print(f"{name}: {make_url(url).render_as_string(hide_password=True)}", flush=True)
    db = Database(url)
    try:
        upgrade(db)
        lifecycles = Lifecycles(db, backlog, history_days)
        raw = RawCommits(db)

        def roll_over() -> None:
            if lifecycles.day_is_full:
                lifecycles.next_day()

        engine_meter = Meter(lifecycles.one, roll_over)
        raw_meter = Meter(raw.one)
        # Short turns each, so a machine that slows down mid-run slows both alike.
        next_report = PROGRESS_EVERY
        while engine_meter.spent < seconds:
            raw_meter.run(SLICE_SECONDS)
            engine_meter.run(SLICE_SECONDS)
            if engine_meter.spent >= next_report:
                print(
                    f"  {engine_meter.spent:4.1f} s: {engine_meter.done} lifecycles "
                    f"({engine_meter.rate:.1f}/s), {raw_meter.done} raw commits "
                    f"({raw_meter.rate:.1f}/s)",
                    flush=True,
                )
                next_report += PROGRESS_EVERY
        raw.close()
    finally:
        db.dispose()
    return Result(
        name, engine_meter.done, engine_meter.spent, raw_meter.done, raw_meter.spent,
        engine_meter.cpu,
    )


@contextmanager
def sqlite_database(directory: str | None) -> Iterator[str]:
    with tempfile.TemporaryDirectory(dir=directory, prefix="antrean-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of its own on the server, dropped afterwards."""
    name = f"antrean_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(results: list[Result]) -> None:
    print()
    print(
        f"{'database':<13}{'lifecycles/s':>13}{'engine tx/s':>12}{'raw commits/s':>14}"
        f"{'ratio':>7}  {'goal':<9}{'client CPU/lifecycle':>21}"
    )
    for r in results:
        verdict = f"{'met' if r.ratio >= GOAL else 'below'} {GOAL:.2f}"
        if r.name.endswith("floor"):
            verdict = "(no rules)"
        print(
            f"{r.name:<13}{r.lifecycles_per_second:>13.1f}{r.transactions_per_second:>12.1f}"
            f"{r.raw_commits_per_second:>14.1f}{r.ratio:>7.3f}  {verdict:<10}"
            f"{r.cpu_ms_per_lifecycle:>17.1f} ms"
        )
    print(
        "engine tx/s = 3 × lifecycles/s (issue, call next, finish); "
        "ratio = engine tx/s ÷ raw commits/s"
    )
    if any(r.name.endswith("floor") for r in results):
        print("sqlite floor: the same three transactions in hand-written SQL, no queue rules")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=10.0,
        help="time spent on lifecycles per database, and about as much on the baseline",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get(POSTGRES_ENV),
        help=f"a PostgreSQL server to create a scratch database on (default: ${POSTGRES_ENV})",
    )
    parser.add_argument(
        "--sqlite-dir", default=None, help="where to put the SQLite file (default: temp dir)"
    )
    parser.add_argument(
        "--backlog", type=int, default=20, help="citizens kept waiting during the run"
    )
    parser.add_argument(
        "--history-days", type=int, default=0,
        help=f"earlier days of {HISTORY_PER_DAY} finished tickets each, stored before the run",
    )
    parser.add_argument(
        "--only", choices=["sqlite", "postgres"], default=None, help="bench one database only"
    )
    parser.add_argument(
        "--floor", action="store_true",
        help="also time the fewest statements a lifecycle could be on SQLite, with no rules",
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.backlog < 0 or args.history_days < 0:
        parser.error("--seconds must be positive, --backlog and --history-days not negative")

    results = []
    if args.only in (None, "sqlite"):
        with sqlite_database(args.sqlite_dir) as url:
            results.append(
                measure("sqlite", url, args.seconds, args.backlog, args.history_days)
            )
    if args.floor:
        with sqlite_database(args.sqlite_dir) as url:
            results.append(measure_floor(url, args.seconds, args.backlog))
    if args.only in (None, "postgres"):
        if not args.postgres_url:
            if args.only == "postgres":
                parser.error(f"give --postgres-url or set {POSTGRES_ENV}")
            print(f"postgres: skipped (no --postgres-url and no ${POSTGRES_ENV})")
        else:
            with postgres_database(args.postgres_url) as url:
                results.append(
                    measure("postgres", url, args.seconds, args.backlog, args.history_days)
                )
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
