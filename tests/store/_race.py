"""A small office for races, and the work each racer does.

Kept apart from the test module so that spawned processes import only this
(and the server), not pytest's fixtures. Every racer opens its own Database,
as a separate server process would.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

from antrean.protocol import CallNextCommand, Command, IssueTicketCommand
from antrean.vocabulary import Role
from server.admin import CounterSpec, ServiceSpec, SiteSpec, create_site
from server.engine.errors import QueueError
from server.engine.schedule import Schedule
from server.operations import Operations, Outcome
from server.permissions import Caller
from server.store.database import Database
from server.store.migrate import upgrade

SITE = "balai"
SERVICE = "A"
# 10:00 WITA: inside the opening hours, on one local day for the whole race.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
START_TIMEOUT = 60.0
IDLE_PAUSE = 0.005


def fixed_clock() -> datetime:
    return NOW


class Flag(Protocol):
    def set(self) -> None: ...

    def is_set(self) -> bool: ...


# Permissions are tested elsewhere: here every racer may do everything.
def officer(counter: int) -> Caller:
    return Caller(f"officer-{counter}", None, role=Role.ADMIN)


def kiosk(number: int) -> Caller:
    return Caller(f"kiosk-{number}", None, role=Role.ADMIN)


def make_office(url: str, counters: int, quota: int | None = None) -> None:
    """One service, served by every counter."""
    db = Database(url)
    upgrade(db)
    spec = SiteSpec(
        code=SITE,
        name="Balai Race",
        timezone="Asia/Makassar",
        schedule=Schedule.every_day("00:00", "23:59:59"),
        services=[ServiceSpec(SERVICE, "Layanan A", daily_quota=quota)],
        counters=[CounterSpec(n, f"Loket {n}", [SERVICE]) for n in range(1, counters + 1)],
    )
    with db.writing() as work:
        create_site(work, spec)
    db.dispose()


def _operations(url: str) -> Operations:
    return Operations(Database(url, pool_size=1), clock=fixed_clock)


def issue(operations: Operations, caller: Caller, request_id: str | None = None) -> Outcome:
    command: Command = IssueTicketCommand(site=SITE, service=SERVICE)
    return operations.execute(caller, command, request_id)


# --- racers: each returns plain data, so it can come back from a process -----


def call_until_empty(url: str, counter: int, issuing_done: Flag) -> list[int]:
    """Press NEXT until nobody waits and no more tickets are coming."""
    operations = _operations(url)
    called = []
    while True:
        # Read before calling: a 204 after issuing ended means the queue is truly empty.
        last_round = issuing_done.is_set()
        outcome = operations.execute(officer(counter), CallNextCommand(site=SITE, counter=counter))
        if outcome.status == 204:
            if last_round:
                break
            # Nobody waiting yet: an officer looks up before pressing again.
            time.sleep(IDLE_PAUSE)
            continue
        assert outcome.body is not None
        called.append(int(outcome.body["id"]))
    operations.db.dispose()
    return called


def issue_tickets(url: str, kiosk_number: int, count: int, done: Flag | None = None) -> list[str]:
    """Issue `count` tickets; each answer is the ticket code or the refusal code."""
    operations = _operations(url)
    answers = []
    try:
        for _ in range(count):
            try:
                outcome = issue(operations, kiosk(kiosk_number))
                assert outcome.body is not None
                answers.append(str(outcome.body["ticket"]["code"]))
            except QueueError as refusal:
                answers.append(refusal.code)
    finally:
        # Even on failure, so the counters waiting for the end stop too.
        if done is not None:
            done.set()
        operations.db.dispose()
    return answers


def issue_once(url: str, request_id: str) -> tuple[int, dict[str, Any] | None]:
    """The same kiosk sending the same request again, as after a lost answer."""
    operations = _operations(url)
    outcome = issue(operations, kiosk(1), request_id)
    operations.db.dispose()
    return outcome.status, outcome.body


# --- running racers together --------------------------------------------------

Job = tuple[Callable[..., Any], Sequence[Any]]
JOB_TIMEOUT = 120.0


def run_in_threads(plan: Callable[[Flag], list[Job]]) -> list[Any]:
    """Run each job in its own thread, all released at once; return their results.

    `plan` gets a flag the jobs may share (e.g. "issuing is over").
    """
    jobs = plan(threading.Event())
    start = threading.Barrier(len(jobs))

    def released(function: Callable[..., Any], args: Sequence[Any]) -> Any:
        start.wait(START_TIMEOUT)
        return function(*args)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(released, function, args) for function, args in jobs]
        return [future.result(timeout=JOB_TIMEOUT) for future in futures]


def _process_main(
    queue: Any, start: Any, index: int, function: Callable[..., Any], args: Sequence[Any]
) -> None:
    try:
        start.wait(START_TIMEOUT)
        queue.put((index, True, function(*args)))
    except BaseException:
        queue.put((index, False, traceback.format_exc()))


def run_in_processes(plan: Callable[[Flag], list[Job]]) -> list[Any]:
    """Run each job in its own spawned process, all released at once; return their results."""
    context = multiprocessing.get_context("spawn")
    jobs = plan(context.Event())
    start = context.Barrier(len(jobs))
    queue = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(queue, start, index, function, args))
        for index, (function, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    results: dict[int, Any] = {}
    failures = []
    try:
        for _ in processes:
            index, ok, value = queue.get(timeout=JOB_TIMEOUT)
            if ok:
                results[index] = value
            else:
                failures.append(value)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    if failures:
        raise AssertionError("a racing process failed:\n" + "\n".join(failures))
    return [results[index] for index in range(len(jobs))]
