"""How many durable ticket lifecycles per second the engine carries: this tree's
code and an earlier commit's, in turns, against bare single-row commits.

A lifecycle is three commands, each its own committed transaction through
`Operations.execute` with a request id, as a kiosk and a counter keypad send
them: issue a ticket, call the next citizen, finish. A backlog of citizens
waits the whole time, so call-next and the wait estimate have a real queue to
look at. The baseline is a loop of `INSERT one row; COMMIT` on a scratch table
of the same database with the same durability settings (SQLite WAL with
synchronous=FULL; PostgreSQL with its own settings).

The earlier code (`--baseline`, default `main`) is unpacked from git into a
temporary folder. Each code runs in a worker process of its own, on a database
of its own; the coordinator gives the raw commits, the earlier code and this
tree half-second turns each, so a machine that slows down mid-run slows all
three alike.

`--history-days` first stores that many earlier days of finished tickets,
to see that a command costs the same after a year of use as on day one.
`--sqlalchemy-execution` adds a third worker: this tree with the store's
statements executed by SQLAlchemy's `Connection.execute` instead of compiled
once and run on the driver, to see what the driver path is worth.

    .venv/bin/python bench/engine.py --seconds 10
    .venv/bin/python bench/engine.py --baseline e0a74e4 --only sqlite
    .venv/bin/python bench/engine.py --no-baseline --history-days 365
    .venv/bin/python bench/engine.py --no-baseline --sqlalchemy-execution
    .venv/bin/python bench/engine.py --postgres-url postgresql+psycopg://user@host/db

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent.parent
GOAL = 0.30
POSTGRES_ENV = "ANTREAN_TEST_POSTGRES_URL"
SITE = "bench"
SERVICES = ["A", "B", "C", "D", "E"]
PROGRESS_EVERY = 2.0
SLICE_SECONDS = 0.5
HISTORY_PER_DAY = 500
MAX_NUMBER = 999
# 09:00 WITA on the first bench day.
FIRST_MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


# --- the worker: runs lifecycles with whichever code is on its sys.path -----------


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


def bench_office() -> Any:
    from server.admin import CounterSpec, ServiceSpec, SiteSpec
    from server.engine.schedule import Schedule

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


def create_office(db: Any) -> int:
    """The bench office, through whichever admin interface this code has; its site id."""
    from server.admin import create_site

    if hasattr(db, "writing"):
        with db.writing() as work:
            site = create_site(work, bench_office())
    else:  # before the unit of work: an ORM session
        with db.transaction() as session:
            site = create_site(session, bench_office())
    return int(site.id)


class Lifecycles:
    """Issue, call next and finish, over and over, with a steady backlog waiting."""

    def __init__(self, db: Any, backlog: int, history_days: int = 0) -> None:
        from antrean.vocabulary import DeviceKind
        from server.operations import Operations
        from server.permissions import Caller

        self.clock = BenchClock()
        self.operations = Operations(db, clock=self.clock)
        self.backlog = backlog
        site_id = create_office(db)
        add_history(db, site_id, history_days)
        self.kiosk = Caller("kiosk-1", site_id, device_kind=DeviceKind.KIOSK, device_id=None)
        self.keypad = Caller(
            "keypad-1", site_id, device_kind=DeviceKind.COUNTER, counters=frozenset({1})
        )
        self.requests = 0
        self.issued_today = 0
        self.fill_backlog()

    def _request_id(self) -> str:
        self.requests += 1
        return f"r{self.requests}"

    def _issue(self) -> None:
        from antrean.protocol import IssueTicketCommand

        service = SERVICES[self.issued_today % len(SERVICES)]
        self.issued_today += 1
        outcome = self.operations.execute(
            self.kiosk, IssueTicketCommand(site=SITE, service=service), self._request_id()
        )
        assert outcome.status == 201, outcome

    def fill_backlog(self) -> None:
        for _ in range(self.backlog):
            self._issue()

    def roll_over(self) -> None:
        """Numbers run out at 999 a service a day: carry on tomorrow (yesterday's
        backlog expires on the first command)."""
        if self.issued_today >= len(SERVICES) * (MAX_NUMBER - 1):
            self.clock.next_morning()
            self.issued_today = 0
            self.fill_backlog()

    def one(self) -> None:
        from antrean.protocol import CallNextCommand, TicketCommand

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


def add_history(db: Any, site_id: int, days: int) -> None:
    """Earlier days' finished tickets, as an office has after months of use."""
    if days <= 0:
        return
    from sqlalchemy import insert, select
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.tables
    tickets, services, counters = tables["tickets"], tables["services"], tables["counters"]
    with db.engine.connect() as connection:
        service_ids = list(connection.execute(
            select(services.c.id).where(services.c.site_id == site_id).order_by(services.c.id)
        ).scalars())
        counter_ids = list(connection.execute(
            select(counters.c.id).where(counters.c.site_id == site_id).order_by(counters.c.id)
        ).scalars())
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
                    "priority": "none", "channel": "kiosk",
                    "status": "done", "token": secrets.token_urlsafe(18),
                    "queued_at": called, "issued_at": called, "called_at": called,
                    "last_called_at": called, "finished_at": called + timedelta(minutes=6),
                    "call_count": 1, "counter_id": counter_ids[number % len(counter_ids)],
                    "history": [],
                }
            )
        with db.engine.begin() as connection:
            connection.execute(insert(tickets), rows)


def sqlalchemy_executed(url: str) -> Any:
    """This tree's Database, its statements executed by SQLAlchemy (see --sqlalchemy-execution)."""
    from server.store.compiled import Statement
    from server.store.connection import Connection, Params
    from server.store.database import Database

    constructs: dict[tuple[Statement, str], Any] = {}

    class ExecutedBySqlAlchemy(Connection):
        def __init__(self, connection: Any, dialect: Any) -> None:
            super().__init__(connection.connection.driver_connection, dialect)
            self.connection = connection

        def _construct(self, statement: Statement) -> Any:
            # Built once, so SQLAlchemy's own compiled cache applies.
            key = (statement, self.dialect.name)
            if key not in constructs:
                constructs[key] = statement.construct(self.dialect.name)
            return constructs[key]

        def rows(self, statement: Statement, params: Params) -> list[list[Any]]:
            found = self.connection.execute(self._construct(statement), dict(params))
            return [list(row) for row in found]

        def row(self, statement: Statement, params: Params) -> list[Any] | None:
            found = self.connection.execute(self._construct(statement), dict(params)).first()
            return None if found is None else list(found)

        def run(self, statement: Statement, params: Params) -> None:
            self.connection.execute(self._construct(statement), dict(params))

        def commit(self, last: Any = ()) -> None:
            for statement, params in last:
                self.run(statement, params)
            self.connection.commit()

        def rollback(self) -> None:
            self.connection.rollback()

    class SqlAlchemyDatabase(Database):
        @contextmanager
        def _connection(self) -> Iterator[Any]:
            with self.engine.connect() as connection:
                yield ExecutedBySqlAlchemy(connection, self.engine.dialect)

    return SqlAlchemyDatabase(url)


def worker(url: str, backlog: int, history_days: int, sqlalchemy: bool) -> int:
    """Lifecycles on `url` in turns the coordinator hands out over stdin."""
    from server.store.database import Database
    from server.store.migrate import upgrade

    db = sqlalchemy_executed(url) if sqlalchemy else Database(url)
    upgrade(db)
    lifecycles = Lifecycles(db, backlog, history_days)
    print("ready", flush=True)
    done, spent, cpu = 0, 0.0, 0.0
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        until = spent + float(line)
        while spent < until:
            lifecycles.roll_over()
            before, cpu_before = time.perf_counter(), time.process_time()
            lifecycles.one()
            spent += time.perf_counter() - before
            cpu += time.process_time() - cpu_before
            done += 1
        print(f"{done} {spent} {cpu}", flush=True)
    db.dispose()
    return 0


# --- the coordinator ---------------------------------------------------------------


@dataclass
class Meter:
    """Steps counted in turns: done, their own time, and this process's CPU for them."""

    name: str
    done: int = 0
    spent: float = 0.0
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.spent if self.spent else 0.0


class Worker:
    """A worker process running one code's lifecycles on its own database."""

    def __init__(
        self, name: str, code: Path, url: str, backlog: int, history: int, extra: list[str]
    ) -> None:
        self.meter = Meter(name)
        environment = {**os.environ, "PYTHONPATH": str(code)}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", url,
             "--backlog", str(backlog), "--history-days", str(history), *extra],
            cwd=code, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self._stdin: IO[str] = self.process.stdin  # type: ignore[assignment]  # asked for above
        self._stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        if self._stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {name} worker did not start")

    def run(self, seconds: float) -> None:
        self._stdin.write(f"{seconds}\n")
        self._stdin.flush()
        done, spent, cpu = self._stdout.readline().split()
        self.meter.done, self.meter.spent, self.meter.cpu = int(done), float(spent), float(cpu)

    def close(self) -> None:
        if self.process.poll() is None:
            self._stdin.write("quit\n")
            self._stdin.flush()
        self.process.wait(60)


class RawCommits:
    """INSERT one row and COMMIT, on a driver connection with the engine's own settings."""

    def __init__(self, db: Any) -> None:
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

    def run(self, meter: Meter, seconds: float) -> None:
        until = meter.spent + seconds
        while meter.spent < until:
            before = time.perf_counter()
            self.one()
            meter.spent += time.perf_counter() - before
            meter.done += 1

    def close(self) -> None:
        self.cursor.execute("DROP TABLE bench_scratch")
        self.driver.commit()
        self.cursor.close()
        self.connection.close()


@dataclass
class Result:
    database: str
    raw: Meter
    codes: list[Meter] = field(default_factory=list)


def ratio_to_raw(code: Meter, raw: Meter) -> float:
    """Engine transactions per second (three per lifecycle) over raw commits per second."""
    return 3 * code.rate / raw.rate if raw.rate else 0.0


def measure(
    database: str,
    urls: Iterator[str],
    codes: list[tuple[str, Path, list[str]]],
    seconds: float,
    backlog: int,
    history_days: int,
) -> Result:
    from server.store.database import Database

    print(f"{database}:", flush=True)
    with ExitStack() as stack:
        workers = []
        for name, code, extra in codes:
            url = next(urls)
            print(f"  preparing {name} ({code})", flush=True)
            worker_process = Worker(name, code, url, backlog, history_days, extra)
            stack.callback(worker_process.close)
            workers.append(worker_process)
        scratch = Database(next(urls))
        stack.callback(scratch.dispose)
        raw = RawCommits(scratch)
        stack.callback(raw.close)
        result = Result(database, Meter("raw commits"), [w.meter for w in workers])
        next_report = PROGRESS_EVERY
        while min(w.meter.spent for w in workers) < seconds:
            raw.run(result.raw, SLICE_SECONDS)
            for worker_process in workers:
                worker_process.run(SLICE_SECONDS)
            if min(w.meter.spent for w in workers) >= next_report:
                rates = ", ".join(f"{w.meter.name} {w.meter.rate:.1f}/s" for w in workers)
                print(f"  {next_report:4.0f} s: {rates}, raw {result.raw.rate:.0f}/s", flush=True)
                next_report += PROGRESS_EVERY
    return result


# --- the floor: the fewest statements a lifecycle could be --------------------------


class Floor:
    """The fewest SQLite statements a lifecycle could be, with no queue rules at all.

    Claim the request id, take a number, insert the ticket, its event and the
    answer; pick the oldest waiting ticket and mark it called; mark it done.
    No schedule, quota, fairness, expiry, wait estimate, views or fanout: how
    close to the baseline a command could come if it did nothing else.
    """

    def __init__(self, db: Any) -> None:
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
            "INSERT INTO events (site_id, seq, type, at, ticket_id, counter_id, actor, data, "
            "version) VALUES (1, ?, ?, '2030-01-01 01:00:00.000000', ?, 1, 'floor', '{}', 2)",
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
    from server.store.database import Database
    from server.store.migrate import upgrade

    print("sqlite floor:", flush=True)
    db = Database(url)
    try:
        upgrade(db)
        create_office(db)
        floor, raw = Floor(db), RawCommits(db)
        for _ in range(backlog):
            floor.issue()
        floor_meter, raw_meter = Meter("floor (no rules)"), Meter("raw commits")
        while floor_meter.spent < seconds:
            raw.run(raw_meter, SLICE_SECONDS)
            until = floor_meter.spent + SLICE_SECONDS
            while floor_meter.spent < until:
                before, cpu_before = time.perf_counter(), time.process_time()
                floor.one()
                floor_meter.spent += time.perf_counter() - before
                floor_meter.cpu += time.process_time() - cpu_before
                floor_meter.done += 1
        raw.close()
        floor.close()
    finally:
        db.dispose()
    return Result("sqlite", raw_meter, [floor_meter])


# --- databases and code --------------------------------------------------------------


@contextmanager
def sqlite_databases(directory: str | None) -> Iterator[Iterator[str]]:
    with tempfile.TemporaryDirectory(dir=directory, prefix="antrean-bench-") as folder:
        yield (f"sqlite:///{Path(folder) / f'bench{n}.db'}" for n in range(100))


@contextmanager
def postgres_databases(server_url: str) -> Iterator[Iterator[str]]:
    """Databases of their own on the server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def fresh() -> Iterator[str]:
        while True:
            name = f"antrean_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            made.append(name)
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)

    try:
        yield fresh()
    finally:
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The tree of a git commit, unpacked into a temporary folder."""
    archive = subprocess.run(
        ["git", "-C", str(HERE), "archive", ref], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"cannot unpack {ref!r}: {archive.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory(prefix="antrean-baseline-") as folder:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)


def report(results: list[Result]) -> None:
    print()
    print(
        f"{'database':<10}{'code':<22}{'lifecycles/s':>13}{'× first':>10}"
        f"{'raw commits/s':>14}{'ratio':>7}  {'client CPU/lifecycle':>21}"
    )
    for result in results:
        earlier = result.codes[0].rate if len(result.codes) > 1 else None
        for code in result.codes:
            versus = f"{code.rate / earlier:.2f}" if earlier and code is not result.codes[0] else ""
            cpu = 1000 * code.cpu / code.done if code.done else 0.0
            print(
                f"{result.database:<10}{code.name:<22}{code.rate:>13.1f}{versus:>10}"
                f"{result.raw.rate:>14.1f}{ratio_to_raw(code, result.raw):>7.3f}"
                f"{cpu:>18.2f} ms"
            )
    print(
        "× first = lifecycles/s ÷ the first code's; ratio = engine tx/s ÷ raw commits/s, "
        f"where engine tx/s = 3 × lifecycles/s (issue, call next, finish); goal {GOAL:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=10.0,
        help="time spent on lifecycles per code and database, and about as much on the baseline",
    )
    parser.add_argument(
        "--baseline", default="main",
        help="the git commit (or branch) whose code runs in turns with this tree's",
    )
    parser.add_argument("--no-baseline", action="store_true", help="time this tree's code only")
    parser.add_argument(
        "--postgres-url", default=os.environ.get(POSTGRES_ENV),
        help=f"a PostgreSQL server to create scratch databases on (default: ${POSTGRES_ENV})",
    )
    parser.add_argument(
        "--sqlite-dir", default=None, help="where to put the SQLite files (default: temp dir)"
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
    parser.add_argument(
        "--sqlalchemy-execution", action="store_true",
        help="also time this tree with its statements executed by SQLAlchemy",
    )
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.backlog, args.history_days, args.sqlalchemy_execution)
    if args.seconds <= 0 or args.backlog < 0 or args.history_days < 0:
        parser.error("--seconds must be positive, --backlog and --history-days not negative")
    if args.only == "postgres" and not args.postgres_url:
        parser.error(f"give --postgres-url or set {POSTGRES_ENV}")

    results = []
    with ExitStack() as stack:
        codes: list[tuple[str, Path, list[str]]] = [("this tree", HERE, [])]
        if not args.no_baseline:
            earlier = stack.enter_context(checkout(args.baseline))
            codes.insert(0, (f"{args.baseline[:12]}", earlier, []))
        if args.sqlalchemy_execution:
            codes.append(("this tree, SQLAlchemy", HERE, ["--sqlalchemy-execution"]))
        run: Callable[[str, Iterator[str]], Result] = lambda database, urls: measure(  # noqa: E731
            database, urls, codes, args.seconds, args.backlog, args.history_days
        )
        if args.only in (None, "sqlite"):
            with sqlite_databases(args.sqlite_dir) as urls:
                results.append(run("sqlite", urls))
        if args.floor:
            with sqlite_databases(args.sqlite_dir) as urls:
                results.append(measure_floor(next(urls), args.seconds, args.backlog))
        if args.only in (None, "postgres"):
            if not args.postgres_url:
                print(f"postgres: skipped (no --postgres-url and no ${POSTGRES_ENV})")
            else:
                with postgres_databases(args.postgres_url) as urls:
                    results.append(run("postgres", urls))
    report(results)
    return 0


if __name__ == "__main__":
    if __package__ in (None, ""):
        # Run as a script: the coordinator imports this tree; a worker, the code it was given
        # (PYTHONPATH), which must come before this tree's editable install.
        sys.path.insert(0, os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(HERE))
    raise SystemExit(main())
