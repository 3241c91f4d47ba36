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
the newest ticket (what the kiosk prints) and the whole `issue_ticket`
command it is part of, for this tree and for an earlier commit
(`--baseline`, default `main`), each in a process of its own, in turns.

    .venv/bin/python bench/estimate.py                   # 30 seeds of each scenario
    .venv/bin/python bench/estimate.py --seeds 10 --scenario night-service
    .venv/bin/python bench/estimate.py --seeds 0 --speed-days 5   # the costs only
    .venv/bin/python bench/estimate.py --seeds 0 --speed-days 0 --baseline 44f379d

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    # A worker runs the code it was given (PYTHONPATH) before this tree's.
    sys.path.insert(0, os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(HERE))

if TYPE_CHECKING:
    from server.simulation.day import DayResult
    from server.simulation.report import Summary

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
    from server.simulation.report import render, summarise
    from server.simulation.runner import run_days
    from server.simulation.scenario import load_scenario

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
    from server.simulation.database import OfficeDatabase, scratch_folder
    from server.simulation.day import Day
    from server.simulation.scenario import load_scenario

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


class EstimateOffice:
    """The demo office with 30 citizens waiting and every counter busy, run by
    whichever code is on the path (this tree's, or a baseline commit's)."""

    def __init__(self, folder: Path) -> None:
        from datetime import UTC, datetime, timedelta

        from antrean.protocol import CallNextCommand, IssueTicketCommand
        from antrean.vocabulary import Priority, Role
        from server.admin import create_site
        from server.demo_office import demo_spec
        from server.operations import Operations
        from server.permissions import Caller
        from server.store.database import Database
        from server.store.migrate import upgrade

        self.path = folder / f"antrean-bench-estimate-{os.getpid()}.db"
        self.db = Database(f"sqlite:///{self.path}")
        upgrade(self.db)
        with self.db.writing() as work:
            create_site(work, demo_spec())
        self.clock = [datetime(2026, 11, 24, 1, 0, tzinfo=UTC)]
        self.operations = Operations(self.db, clock=lambda: self.clock[0])
        self.admin = Caller("bench", None, role=Role.ADMIN)
        self.newest = 0
        for i in range(34):
            self.clock[0] += timedelta(seconds=30)
            priority = Priority.ELDERLY if i % 7 == 0 else Priority.NONE
            answer = self.operations.execute(
                self.admin, IssueTicketCommand(site="demo", service="ACE"[i % 3],
                                               priority=priority)
            )
            self.newest = int(answer.body["ticket"]["id"]) if answer.body else self.newest
        for counter in (1, 2, 3, 4, 1, 2, 3, 4):
            self.clock[0] += timedelta(minutes=1)
            self.operations.execute(self.admin, CallNextCommand(site="demo", counter=counter))

    def estimates(self, count: int) -> float:
        """CPU milliseconds of one estimate for the newest ticket, in a read."""
        from server.engine import views

        with self.db.reading() as repo:
            site = repo.site("demo")
            ticket = repo.ticket(self.newest)
            assert site is not None and ticket is not None
            started = time.process_time()
            for _ in range(count):
                views.WaitEstimator(repo, views.SiteIndex(repo, site), self.clock[0]).for_ticket(
                    ticket
                )
            return (time.process_time() - started) / count * 1000

    def issues(self, count: int) -> float:
        """CPU milliseconds of one whole issue_ticket command (each cancelled after)."""
        from antrean.protocol import IssueTicketCommand, TicketCommand

        spent = 0.0
        for i in range(count):
            started = time.process_time()
            answer = self.operations.execute(
                self.admin, IssueTicketCommand(site="demo", service="ACE"[i % 3])
            )
            spent += time.process_time() - started
            issued = int(answer.body["ticket"]["id"]) if answer.body else 0
            self.operations.execute(self.admin, TicketCommand(type="cancel", ticket_id=issued))
        return spent / count * 1000

    def close(self) -> None:
        self.db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def estimate_worker(count: int) -> int:
    """Rounds of estimates and issues, one per line read, on the code on the path."""
    folder = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    office = EstimateOffice(folder)
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            print(f"{office.estimates(count)} {office.issues(count)}", flush=True)
    finally:
        office.close()
    return 0


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None and process.stdin is not None:
        process.stdin.write("quit\n")
        process.stdin.close()
    process.wait(60)


def estimate_cost(baseline: str | None, rounds: int = 7, count: int = 100) -> None:
    """This tree's estimate and a baseline commit's, in turns, each in its own process."""
    from bench.engine import checkout

    with ExitStack() as stack:
        codes = [("this tree", HERE)]
        if baseline:
            codes.insert(0, (baseline[:12], stack.enter_context(checkout(baseline))))
        workers = {}
        for name, code in codes:
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--estimate-worker", str(count)],
                cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )
            stack.callback(_stop, process)
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {name} worker did not start")
            workers[name] = process
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in workers}
        for done in range(1, rounds + 1):
            for name, process in workers.items():
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write("round\n")
                process.stdin.flush()
                estimate_ms, issue_ms = process.stdout.readline().split()
                timings[name].append((float(estimate_ms), float(issue_ms)))
            print(f"\r  round {done}/{rounds}\033[K", end="", file=sys.stderr, flush=True)
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(f"\n== the cost of one estimate: the demo office, 30 waiting, 4 counters busy, "
          f"{rounds} rounds of {count} in turns, CPU time (best round; median)")
    first = None
    for name, runs in timings.items():
        estimate = sorted(e for e, _ in runs)
        issue = sorted(i for _, i in runs)
        versus = f", × first {estimate[0] / first:.2f}" if first else ""
        first = first or estimate[0]
        print(f"  {name:<13} estimate for the newest ticket {estimate[0]:.3f} ms "
              f"({estimate[len(estimate) // 2]:.3f}){versus}; whole issue_ticket "
              f"{issue[0]:.3f} ms ({issue[len(issue) // 2]:.3f}); "
              f"share estimating {estimate[0] / issue[0]:.2f}")


def main() -> None:
    from server.simulation.scenario import shipped_names

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--scenario", action="append", choices=shipped_names())
    parser.add_argument("--speed-days", type=int, default=3)
    parser.add_argument("--baseline", default="main",
                        help="the git commit whose estimate is timed in turns with this tree's")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--estimate-rounds", type=int, default=7,
                        help="rounds of 100 estimates per code (0: none)")
    parser.add_argument("--estimate-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.estimate_worker:
        raise SystemExit(estimate_worker(args.estimate_worker))
    if args.seeds > 0:
        accuracy(args.scenario or shipped_names(), args.seeds)
    if args.speed_days > 0:
        speed(args.speed_days)
    if args.estimate_rounds > 0:
        estimate_cost(None if args.no_baseline else args.baseline, args.estimate_rounds)


if __name__ == "__main__":
    main()
