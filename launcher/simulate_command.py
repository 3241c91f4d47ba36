"""`antrean simulate`: seeded office days through the real queue commands.

    antrean simulate                         # the shipped scenarios, 30 days each
    antrean simulate night-service --seeds 5 --out sim/
    antrean simulate my-office.toml --plan --average 25 --long-share 0.15
    antrean simulate --list

Imports of the server happen inside the command, like every server command.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from server.simulation.day import DayResult
    from server.simulation.scenario import Scenario

PLAN_SEEDS = 20


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="simulate office days and judge the estimated wait, or plan staffing",
        description="Runs seeded office days in-process through the real queue commands "
        "and reports waits, counter use and how well the estimated wait held.",
    )
    simulate.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO",
        help="a scenario file or a shipped scenario's name (default: every shipped one)",
    )
    simulate.add_argument("--list", action="store_true", help="list the shipped scenarios")
    simulate.add_argument("--seeds", type=int, help="days to simulate (default: the scenario's)")
    simulate.add_argument("--first-seed", type=int, default=1, help="seed of the first day")
    simulate.add_argument(
        "--out", type=Path, help="folder for a chart (SVG) and every ticket (CSV) per scenario"
    )
    simulate.add_argument(
        "--plan", action="store_true",
        help=f"plan counters per hour for a target (default {PLAN_SEEDS} days per check)",
    )
    simulate.add_argument(
        "--average", type=float, default=25.0, help="planning target: average wait, minutes"
    )
    simulate.add_argument(
        "--long-share", type=float,
        help="planning target: largest share of citizens waiting over 30 minutes (0.15 = 15%%)",
    )
    simulate.set_defaults(run=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    from server.simulation.scenario import ScenarioError, load_scenario, shipped_names

    if args.list:
        for name in shipped_names():
            scenario = load_scenario(name)
            print(f"{name:<18} {scenario.name}")
        return 0
    if args.seeds is not None and args.seeds < 1:
        raise ValueError("--seeds must be at least 1")
    names = args.scenarios or shipped_names()
    try:
        scenarios = [(name, load_scenario(name)) for name in names]
    except ScenarioError as error:
        print(f"antrean simulate: {error}", file=sys.stderr)
        return 2
    if args.plan:
        return _plan(args, scenarios)
    for name, scenario in scenarios:
        _report(args, Path(name).stem, scenario)
    return 0


def _report(args: argparse.Namespace, label: str, scenario: Scenario) -> None:
    from server.simulation.chart import day_chart
    from server.simulation.export import write_tickets
    from server.simulation.report import render, summarise
    from server.simulation.runner import run_days

    count = args.seeds or scenario.about.seeds
    seeds = range(args.first_seed, args.first_seed + count)
    started = time.perf_counter()
    days = run_days(scenario, seeds, _Progress(label, sys.stderr))
    elapsed = time.perf_counter() - started
    summary = summarise(scenario.name, days)
    print(render(summary))
    print(f"  {count} days in {elapsed:.1f} s ({elapsed / count:.2f} s a day, "
          f"{summary.commands / count:.0f} commands a day)")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        chart = args.out / f"{label}.svg"
        chart.write_text(day_chart(scenario.name, days), encoding="utf-8")
        tickets = args.out / f"{label}-tickets.csv"
        with tickets.open("w", encoding="utf-8", newline="") as out:
            rows = write_tickets(days, out)
        print(f"  chart: {chart}\n  tickets: {tickets} ({rows} rows)")
    print()


def _plan(args: argparse.Namespace, scenarios: list[tuple[str, Scenario]]) -> int:
    from server.simulation.plan import Target, plan_staffing, render_plan

    if args.long_share is not None and not 0 <= args.long_share <= 1:
        raise ValueError("--long-share is a share between 0 and 1, e.g. 0.15")
    if args.average <= 0:
        raise ValueError("--average must be more than 0 minutes")
    target = Target(args.average, args.long_share)
    seeds = range(args.first_seed, args.first_seed + (args.seeds or PLAN_SEEDS))
    for name, scenario in scenarios:
        label = Path(name).stem

        def announce(line: str, label: str = label) -> None:
            print(f"{label}: trying {line}", file=sys.stderr)

        plan = plan_staffing(
            scenario, target, seeds, announce=announce, progress=_Progress(label, sys.stderr)
        )
        print(render_plan(scenario, plan))
        print()
    return 0


class _Progress:
    """One line on the terminal, rewritten after each day; a line per tenth elsewhere."""

    def __init__(self, label: str, out: TextIO) -> None:
        self.label = label
        self.out = out
        self.live = out.isatty()

    def __call__(self, done: int, total: int, day: DayResult) -> None:
        line = (
            f"{self.label}: day {done}/{total} (seed {day.seed}, {len(day.tickets)} citizens)"
        )
        if self.live:
            end = "\n" if done == total else ""
            print(f"\r{line}\033[K", end=end, file=self.out, flush=True)
        elif done == total or done % max(1, total // 10) == 0:
            print(line, file=self.out, flush=True)
