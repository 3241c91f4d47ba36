"""How well the estimated wait holds on simulated office days, and what a day costs.

Runs every shipped scenario (or those named) over the full seed set through
the real queue commands (`antrean simulate`'s engine) and prints, per
scenario, the report with the printed estimate beside the two naive
baselines computed in the same run, their ratios, and the accuracy bounds
the estimate is held to:
- its mean absolute error below both baselines on every scenario;
- at least 25 % below the first baseline (people ahead × mean ÷ open
  counters) on the day where two services share counters;
- its bias within ±2 minutes.

Then the cost of a simulated day: the busy two-service day (about 150
citizens), run in turns on the in-memory file the simulator uses and on a
file on the disk, wall-clock and CPU time. And the cost of one estimate: the
demo office with 30 citizens waiting and every counter busy, the estimate for
the newest ticket (what the kiosk prints) against the whole `issue_ticket`
command it is part of, in turns.

    .venv/bin/python bench/estimate.py                   # 30 seeds of each scenario
    .venv/bin/python bench/estimate.py --seeds 10 --scenario night-service
    .venv/bin/python bench/estimate.py --seeds 0 --speed-days 5   # the costs only

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.simulation.database import OfficeDatabase, scratch_folder
from server.simulation.day import Day, DayResult
from server.simulation.report import Summary, render, summarise
from server.simulation.runner import run_days
from server.simulation.scenario import load_scenario, shipped_names

SHARED_COUNTERS = "shared-counters"
SPEED_SCENARIO = "shared-counters"


def _progress(label: str) -> object:
    def report(done: int, total: int, day: DayResult) -> None:
        print(f"\r  {label}: day {done}/{total}\033[K", end="", file=sys.stderr, flush=True)
        if done == total:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    return report


def bounds(name: str, summary: Summary) -> list[tuple[str, bool]]:
    ours = summary.accuracy["antrean"]
    ahead = summary.accuracy["ahead"]
    recent = summary.accuracy["recent"]
    checks = [
        (f"MAE below both baselines ({ours.mae:.2f} < {ahead.mae:.2f}, {recent.mae:.2f})",
         ours.mae < ahead.mae and ours.mae < recent.mae),
        (f"bias within ±2 min ({ours.bias:+.2f})", abs(ours.bias) <= 2),
    ]
    if name == SHARED_COUNTERS:
        cut = 1 - ours.mae / ahead.mae
        checks.append((f"at least 25 % below people ahead × mean ÷ open ({cut:.0%})", cut >= 0.25))
    return checks


def accuracy(names: list[str], seeds: int) -> None:
    print(f"== estimated wait against the actual wait, {seeds} seeds per scenario")
    for name in names:
        scenario = load_scenario(name)
        started, cpu = time.perf_counter(), time.process_time()
        days = run_days(scenario, range(1, seeds + 1), _progress(name))  # type: ignore[arg-type]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        summary = summarise(scenario.name, days)
        print(f"\n[{name}]")
        print(render(summary))
        ours = summary.accuracy["antrean"]
        print(f"  ratio of MAE: antrean ÷ ahead×mean÷open = "
              f"{ours.mae / summary.accuracy['ahead'].mae:.2f}, antrean ÷ recent waits = "
              f"{ours.mae / summary.accuracy['recent'].mae:.2f}")
        for words, met in bounds(name, summary):
            print(f"  {'met' if met else 'NOT MET'}: {words}")
        print(f"  {seeds} days in {wall:.1f} s wall, {cpu:.1f} s CPU "
              f"({cpu / seeds * 1000:.0f} ms CPU a day, "
              f"{cpu / summary.commands * 1000:.2f} ms per command)")


def speed(days: int) -> None:
    scenario = load_scenario(SPEED_SCENARIO)
    disk = Path(tempfile.mkdtemp(prefix="antrean-bench-", dir=Path.cwd()))
    places = {"in memory": scratch_folder(), "on disk": disk}
    offices = {label: OfficeDatabase(scenario, folder) for label, folder in places.items()}
    timings: dict[str, list[tuple[float, float]]] = {label: [] for label in places}
    citizens = 0
    try:
        for seed in range(1, days + 1):
            for label, office in offices.items():
                started, cpu = time.perf_counter(), time.process_time()
                with office.day() as db:
                    day = Day(scenario, seed, db, office.site_id).run()
                timings[label].append(
                    (time.perf_counter() - started, time.process_time() - cpu)
                )
            citizens += len(day.tickets)
    finally:
        for office in offices.values():
            office.close()
        disk.rmdir()
    print(f"\n== the cost of a day: {SPEED_SCENARIO}, {days} days in turns, "
          f"{citizens / days:.0f} citizens a day")
    for label, runs in timings.items():
        wall = sum(w for w, _ in runs) / len(runs)
        cpu = sum(c for _, c in runs) / len(runs)
        print(f"  {label:<10} {wall:.3f} s wall, {cpu:.3f} s CPU a day")
    memory = sum(w for w, _ in timings["in memory"])
    print(f"  ratio of wall time, in memory ÷ on disk: "
          f"{memory / sum(w for w, _ in timings['on disk']):.2f}")


def estimate_cost(rounds: int = 5, count: int = 100) -> None:
    from datetime import UTC, datetime, timedelta

    from antrean.protocol import CallNextCommand, IssueTicketCommand, TicketCommand
    from antrean.vocabulary import Priority, Role
    from server.admin import create_site
    from server.demo_office import demo_spec
    from server.engine import views
    from server.operations import Operations
    from server.permissions import Caller
    from server.store.database import Database
    from server.store.migrate import upgrade

    path = scratch_folder() / f"antrean-bench-estimate-{os.getpid()}.db"
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db)
        with db.writing() as work:
            create_site(work, demo_spec())
        clock = [datetime(2026, 11, 24, 1, 0, tzinfo=UTC)]
        operations = Operations(db, clock=lambda: clock[0])
        admin = Caller("bench", None, role=Role.ADMIN)
        newest = 0
        for i in range(34):
            clock[0] += timedelta(seconds=30)
            priority = Priority.ELDERLY if i % 7 == 0 else Priority.NONE
            answer = operations.execute(
                admin, IssueTicketCommand(site="demo", service="ACE"[i % 3], priority=priority)
            )
            newest = int(answer.body["ticket"]["id"]) if answer.body else newest
        for counter in (1, 2, 3, 4, 1, 2, 3, 4):
            clock[0] += timedelta(minutes=1)
            operations.execute(admin, CallNextCommand(site="demo", counter=counter))
        estimate_ms, issue_ms = [], []
        for _ in range(rounds):
            with db.reading() as repo:
                site = repo.site("demo")
                ticket = repo.ticket(newest)
                assert site is not None and ticket is not None
                started = time.process_time()
                for _ in range(count):
                    views.WaitEstimator(repo, views.SiteIndex(repo, site), clock[0]).for_ticket(
                        ticket
                    )
                estimate_ms.append((time.process_time() - started) / count * 1000)
            started = time.process_time()
            for i in range(count):
                answer = operations.execute(
                    admin, IssueTicketCommand(site="demo", service="ACE"[i % 3])
                )
                issued = int(answer.body["ticket"]["id"]) if answer.body else 0
                pause = time.process_time()
                operations.execute(admin, TicketCommand(type="cancel", ticket_id=issued))
                started += time.process_time() - pause  # the cancel is not counted
            issue_ms.append((time.process_time() - started) / count * 1000)
    finally:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"\n== the cost of one estimate: the demo office, 30 waiting, 4 counters busy, "
          f"{rounds} rounds of {count}, CPU time (best round)")
    print(f"  estimate for the newest ticket  {min(estimate_ms):.3f} ms")
    print(f"  the whole issue_ticket command  {min(issue_ms):.3f} ms")
    print(f"  share of the command spent estimating: {min(estimate_ms) / min(issue_ms):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--scenario", action="append", choices=shipped_names())
    parser.add_argument("--speed-days", type=int, default=3)
    args = parser.parse_args()
    if args.seeds > 0:
        accuracy(args.scenario or shipped_names(), args.seeds)
    if args.speed_days > 0:
        speed(args.speed_days)
        estimate_cost()


if __name__ == "__main__":
    main()
