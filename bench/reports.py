"""How long the reports take over a year of a busy office, against a bare read.

A year (365 days) of an office with six services and 400 tickets a day,
written straight into a SQLite file as the queue would have stored it (a
ticket row, and `issued`, `called`, `started`, `finished` or `no_show`, and
now and then `rated` events), with survey answers from a fifth of the
visits. Then, each beside one bare query reading the same events whole
(`store.history.bare_events`) in the same run:

- the daily report, a month's report, the IKM of a quarter, the XLSX of the year.

Goal: each within 5x its bare read; the month under 1 s. Run:

    .venv/bin/python bench/reports.py            # ~1–2 minutes, most of it writing the year
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antrean.vocabulary import EventType, Priority, Satisfaction, TicketStatus
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.engine.commands import find_site
from server.engine.model import Event, Ticket, TicketFacts
from server.engine.schedule import Schedule
from server.reports import figures, satisfaction, tables
from server.reports.exports import xlsx_bytes
from server.reports.figures import day_bounds
from server.store import event_log, history, statements
from server.store.database import Database
from server.store.migrate import upgrade
from server.store.rows import TICKET

DAYS, PER_DAY, SURVEYED = 365, 400, 0.2
FIRST = date(2025, 1, 1)
SERVICES = "ABCDEF"
SERVICE_MINUTES = {"A": 8, "B": 12, "C": 6, "D": 15, "E": 5, "F": 10}


def office(db: Database) -> None:
    spec = SiteSpec(
        code="sibuk", name="Kantor Sibuk", timezone="Asia/Makassar",
        schedule=Schedule.every_day("07:00", "17:00"),
        services=[ServiceSpec(code, f"Layanan {code}", wait_target_minutes=30)
                  for code in SERVICES],
        counters=[CounterSpec(n, f"Loket {n}", list(SERVICES)) for n in range(1, 9)],
    )
    with db.writing() as work:
        create_site(work, spec)


def write_year(db: Database) -> int:
    rng = random.Random(12)
    with db.writing() as work:
        site = find_site(work, "sibuk")
        services = {s.code: s for s in work.services(site.id)}
        counters = {c.number: c for c in work.counters(site.id)}
    seq, ticket_id, events_written = 0, 0, 0
    insert_ticket = statements.insert_row(statements.TICKETS, False)
    insert_event = statements.insert_row(statements.EVENTS, False)
    insert_answer = statements.insert_row(statements.SURVEY_RESPONSES, False)
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        opening = datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)  # 08.00 WITA
        ticket_rows, event_rows, answer_rows = [], [], []
        free = {n: opening for n in counters}
        numbers = dict.fromkeys(SERVICES, 0)
        for n in range(PER_DAY):
            ticket_id += 1
            code = rng.choice(SERVICES)
            numbers[code] += 1
            issued = opening + timedelta(minutes=n * 420 / PER_DAY)
            counter = min(free, key=lambda c: free[c])
            called = max(issued + timedelta(minutes=rng.uniform(1, 8)), free[counter])
            came = rng.random() > 0.05
            started = called + timedelta(seconds=rng.uniform(20, 90))
            finished = started + timedelta(minutes=max(1.0, rng.gauss(SERVICE_MINUTES[code], 3)))
            free[counter] = (finished if came else started) + timedelta(seconds=30)
            status = TicketStatus.DONE if came else TicketStatus.NO_SHOW
            ticket = Ticket(
                id=ticket_id, site_id=site.id, service_id=services[code].id,
                origin_service_id=services[code].id, local_day=day, number=numbers[code],
                code=f"{code}{numbers[code]:03d}", token=f"t{ticket_id}", queued_at=issued,
                issued_at=issued, status=status, called_at=called, last_called_at=called,
                started_at=started if came else None, finished_at=finished if came else None,
                no_show_at=None if came else started, call_count=1,
                counter_id=counters[counter].id, satisfaction=None,
            )
            ticket_rows.append(statements.new_values(TICKET.columns(ticket)))
            steps: list[tuple[EventType, datetime, TicketStatus, dict[str, Any]]] = [
                (EventType.ISSUED, issued, TicketStatus.WAITING, {"service": code}),
                (EventType.CALLED, called, TicketStatus.CALLED, {}),
            ]
            if came:
                steps += [(EventType.STARTED, started, TicketStatus.SERVING, {}),
                          (EventType.FINISHED, finished, TicketStatus.DONE, {})]
                if rng.random() < 0.3:
                    answer = rng.choice(list(Satisfaction))
                    steps.append((EventType.RATED, finished + timedelta(seconds=20),
                                  TicketStatus.DONE,
                                  {"satisfaction": answer.value, "score": answer.score}))
                if rng.random() < SURVEYED:
                    answer_rows.append(statements.new_values({
                        "site_id": site.id, "service_id": services[code].id,
                        "ticket_id": ticket_id, "local_day": day,
                        "submitted_at": finished + timedelta(minutes=2), "suggestion": None,
                        **{e: rng.choice((2, 3, 3, 4)) for e in (
                            "requirements", "procedure", "time", "cost", "product",
                            "competence", "behaviour", "complaints", "facilities")},
                        "sex": None, "age_band": None, "education": None, "occupation": None,
                    }))
            else:
                steps.append((EventType.NO_SHOW, started, TicketStatus.NO_SHOW, {}))
            for kind, at, state, details in steps:
                seq += 1
                at_counter = None if kind is EventType.ISSUED else counter
                facts = TicketFacts(ticket.code, code, Priority.NONE, state, at_counter,
                                    issued, None if kind is EventType.ISSUED else called, 1)
                event = Event(site.id, seq, kind, at, "user:1" if at_counter else "device:1",
                              ticket_id, counters[counter].id if at_counter else None, facts,
                              at_counter, details)
                event_rows.append(statements.new_values(event_log.row(event)))
        with db.writing() as work:
            work.connection.run_many(insert_ticket, ticket_rows)
            work.connection.run_many(insert_event, event_rows)
            if answer_rows:
                work.connection.run_many(insert_answer, answer_rows)
        events_written += len(event_rows)
        if offset % 73 == 72:
            print(f"  written {offset + 1} of {DAYS} days ({events_written:,} events)", flush=True)
    return events_written


def best_of(runs: int, task: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        task()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'year.db'}")
        upgrade(db)
        office(db)
        started = time.perf_counter()
        print(f"writing a year: {DAYS} days × {PER_DAY} tickets, six services …", flush=True)
        count = write_year(db)
        print(f"  {count:,} events in {time.perf_counter() - started:.0f} s\n")
        with db.reading() as work:
            site = find_site(work, "sibuk")
        now = datetime(2026, 1, 1, 12, tzinfo=UTC)
        day = FIRST + timedelta(days=200)
        month = (date(2025, 7, 1), date(2025, 7, 31))
        quarter = (date(2025, 4, 1), date(2025, 6, 30))
        year = (FIRST, FIRST + timedelta(days=DAYS - 1))

        def bare(first: date, last: date) -> Callable[[], int]:
            def read() -> int:
                with db.reading() as work:
                    return history.bare_events(work, site.id, *day_bounds(site, first, last))
            return read

        def report(first: date, last: date) -> Callable[[], Any]:
            def build() -> Any:
                with db.reading() as work:
                    return figures.build(work, site, first, last, now)
            return build

        def index(first: date, last: date) -> Callable[[], Any]:
            def build() -> Any:
                with db.reading() as work:
                    return satisfaction.build(work, site, first, last, now)
            return build

        def workbook(first: date, last: date) -> Callable[[], bytes]:
            def write() -> bytes:
                with db.reading() as work:
                    built = figures.build(work, site, first, last, now)
                say = str
                return xlsx_bytes("year", ["Kantor Sibuk"], tables.report_tables(built, say), say)
            return write

        cases = [
            ("daily report", (day, day), report, 20),
            ("month's report", month, report, 5),
            ("IKM of a quarter", quarter, index, 3),
            ("XLSX of the year", year, workbook, 2),
        ]
        print(f"{'':20} {'events':>9} {'bare read':>10} {'report':>9} {'ratio':>6}")
        for name, (first, last), make, runs in cases:
            events = bare(first, last)()
            baseline = best_of(runs, bare(first, last))
            took = best_of(runs, make(first, last))
            print(f"{name:20} {events:9,} {baseline * 1000:8.1f} ms {took * 1000:7.1f} ms "
                  f"{took / baseline:5.2f}x")
        db.dispose()


if __name__ == "__main__":
    main()
