"""How many counters each hour needs: Erlang C's first guess, checked by simulation.

For each hour of the day (from the first arrivals, on the clock's hours) the
planner takes the expected arrivals and the mean time a citizen holds a
counter (walking there, the service, or the officer's wait for one who never
comes) and asks Erlang C for the fewest counters whose steady-state queue
meets the target. An office day is not in a steady state (a morning rush
builds a queue that the next hour inherits), so the guess is then simulated
on seeded days and corrected: while the target is missed, the hour whose
citizens waited longest gets one more counter; once it is met, each hour in
turn gives one back if the target still holds without it. Every candidate
meets the same citizens (the same seeds), so a change is judged by what it
does, not by chance. The target must hold with a margin for the days not
simulated: the mean over the days plus two standard errors of the
day-to-day variation.

Staffing counts the counters that serve the day's services, in the office
file's order (the first N are open), like the scenario's `[staffing]` table
the plan is written as.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time

from server.simulation.citizens import profile_steps
from server.simulation.day import DayResult
from server.simulation.report import LONG_WAIT_MINUTES, Summary, summarise
from server.simulation.runner import run_days
from server.simulation.scenario import Scenario

MAX_ROUNDS = 40


@dataclass(frozen=True)
class Target:
    average_minutes: float = 25.0
    long_share: float | None = None  # of citizens waiting over 30 minutes


@dataclass(frozen=True)
class Slot:
    start: float  # seconds after midnight
    end: float
    arrivals_per_hour: float
    holding_minutes: float  # mean time a citizen holds a counter


@dataclass(frozen=True)
class Check:
    counts: tuple[int, ...]
    summary: Summary
    average_margin: float  # mean + 2 standard errors, minutes
    long_margin: float
    met: bool
    slot_waits: tuple[float, ...]
    slot_unserved: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    slots: tuple[Slot, ...]
    guess: tuple[int, ...]
    check: Check
    target: Target
    rounds: int

    @property
    def counts(self) -> tuple[int, ...]:
        return self.check.counts


def erlang_c(counters: int, arrivals_per_minute: float, minutes: float) -> float:
    """The probability that a citizen must wait (M/M/c), by the Erlang B recursion."""
    load = arrivals_per_minute * minutes
    if counters <= load:
        return 1.0
    blocking = 1.0
    for k in range(1, counters + 1):
        blocking = load * blocking / (k + load * blocking)
    return counters * blocking / (counters - load * (1 - blocking))


def mean_wait(counters: int, arrivals_per_minute: float, minutes: float) -> float:
    """Erlang C's mean wait in line, minutes (infinite when the counters cannot keep up)."""
    if arrivals_per_minute <= 0:
        return 0.0
    spare = counters / minutes - arrivals_per_minute
    if spare <= 0:
        return math.inf
    return erlang_c(counters, arrivals_per_minute, minutes) / spare


def share_waiting_over(
    counters: int, arrivals_per_minute: float, minutes: float, limit: float
) -> float:
    if arrivals_per_minute <= 0:
        return 0.0
    spare = counters / minutes - arrivals_per_minute
    if spare <= 0:
        return 1.0
    return erlang_c(counters, arrivals_per_minute, minutes) * math.exp(-spare * limit)


def first_guess(slot: Slot, target: Target, most: int) -> int:
    """Erlang C's fewest counters for the slot, at least one while the office is open."""
    rate = slot.arrivals_per_hour / 60
    for counters in range(1, most + 1):
        if mean_wait(counters, rate, slot.holding_minutes) > target.average_minutes:
            continue
        if target.long_share is not None and share_waiting_over(
            counters, rate, slot.holding_minutes, LONG_WAIT_MINUTES
        ) > target.long_share:
            continue
        return counters
    return most


def slots_of(scenario: Scenario) -> list[Slot]:
    """The day's hours with arrivals, cut at the clock's hours."""
    steps = [
        (start, end, rate, entry.code)
        for entry in scenario.arrivals
        for start, end, rate in profile_steps(scenario, entry)
    ]
    first = min(start for start, _, _, _ in steps)
    last = max(end for _, end, rate, _ in steps if rate > 0)
    edges = [first]
    hour = (math.floor(first / 3600) + 1) * 3600.0
    while hour < last:
        edges.append(hour)
        hour += 3600
    edges.append(last)
    slots = []
    for start, end in itertools.pairwise(edges):
        arrivals: dict[str, float] = {}
        for step_start, step_end, rate, code in steps:
            overlap = max(0.0, min(end, step_end) - max(start, step_start))
            arrivals[code] = arrivals.get(code, 0.0) + rate * overlap / 3600
        total = sum(arrivals.values())
        holding = (
            sum(count * _holding_minutes(scenario, code) for code, count in arrivals.items())
            / total
            if total > 0 else 0.0
        )
        slots.append(Slot(start, end, total * 3600 / (end - start), holding))
    return slots


def _holding_minutes(scenario: Scenario, code: str) -> float:
    entry = next(a for a in scenario.arrivals if a.code == code)
    people = scenario.citizens
    walk = sum(people.walk_seconds) / 2 / 60
    absent = people.no_show_share
    return (1 - absent) * (entry.minutes + walk) + absent * (
        scenario.officers.no_show_after_minutes
    )


def staffed(scenario: Scenario, slots: Sequence[Slot], counts: Sequence[int]) -> Scenario:
    entries = []
    for slot, count in zip(slots, counts, strict=True):
        minutes = int(slot.start // 60)
        entries.append((time(minutes // 60, minutes % 60), count))
    return scenario.with_staffing(entries)


def check(
    scenario: Scenario, slots: Sequence[Slot], counts: Sequence[int], seeds: Sequence[int],
    target: Target, progress: Callable[[int, int, DayResult], None] | None = None,
) -> Check:
    days = run_days(staffed(scenario, slots, counts), seeds, progress)
    summary = summarise(scenario.name, days)
    daily = [_served_waits(day) for day in days]
    averages = [statistics.fmean(w) if w else 0.0 for w in daily]
    longs = [sum(x > LONG_WAIT_MINUTES for x in w) / len(w) if w else 0.0 for w in daily]
    average_margin = summary.average_wait + 2 * _standard_error(averages)
    long_margin = summary.long_share + 2 * _standard_error(longs)
    met = (
        summary.not_served == 0
        and average_margin <= target.average_minutes
        and (target.long_share is None or long_margin <= target.long_share)
    )
    slot_waits = []
    slot_unserved = []
    for slot in slots:
        inside = [
            t for day in days for t in day.tickets if slot.start <= t.issued_at < slot.end
        ]
        waits = [t.wait_minutes for t in inside if t.served and t.wait_minutes is not None]
        slot_waits.append(statistics.fmean(waits) if waits else 0.0)
        slot_unserved.append(sum(t.ticket_id is not None and t.called_at is None for t in inside))
    return Check(
        tuple(counts), summary, average_margin, long_margin, met,
        tuple(slot_waits), tuple(slot_unserved),
    )


def _served_waits(day: DayResult) -> list[float]:
    return [t.wait_minutes for t in day.tickets if t.served and t.wait_minutes is not None]


def _standard_error(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    return statistics.stdev(values) / math.sqrt(len(values))


# Called with a line saying what is being tried, and then per simulated day.
Announce = Callable[[str], None]


def plan_staffing(
    scenario: Scenario,
    target: Target,
    seeds: Sequence[int],
    announce: Announce | None = None,
    progress: Callable[[int, int, DayResult], None] | None = None,
) -> Plan:
    slots = slots_of(scenario)
    most = len(scenario.staffable)
    guess = tuple(first_guess(slot, target, most) for slot in slots)
    tried: dict[tuple[int, ...], Check] = {}

    def trial(counts: tuple[int, ...], why: str) -> Check:
        if counts not in tried:
            if announce is not None:
                announce(f"{why}: {' '.join(map(str, counts))}")
            tried[counts] = check(scenario, slots, counts, seeds, target, progress)
        return tried[counts]

    current = trial(guess, "Erlang C's first guess")
    rounds = 0
    while not current.met and rounds < MAX_ROUNDS:
        rounds += 1
        grow = _slot_to_grow(current, most)
        if grow is None:
            break
        counts = list(current.counts)
        counts[grow] += 1
        current = trial(tuple(counts), f"one more counter from {_clock(slots[grow].start)}")
    if current.met:
        # Give back what the target does not need, the quietest hours first.
        for index in sorted(range(len(slots)), key=lambda i: current.slot_waits[i]):
            if current.counts[index] <= 1:
                continue
            counts = list(current.counts)
            counts[index] -= 1
            candidate = trial(tuple(counts), f"one counter fewer from {_clock(slots[index].start)}")
            rounds += 1
            if candidate.met:
                current = candidate
    return Plan(tuple(slots), guess, current, target, rounds)


def _slot_to_grow(current: Check, most: int) -> int | None:
    open_slots = [i for i, count in enumerate(current.counts) if count < most]
    if not open_slots:
        return None
    if any(current.slot_unserved[i] for i in open_slots):
        return max(open_slots, key=lambda i: current.slot_unserved[i])
    return max(open_slots, key=lambda i: current.slot_waits[i])


def _clock(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def render_plan(scenario: Scenario, plan: Plan) -> str:
    target = plan.target
    summary = plan.check.summary
    goal = f"average wait ≤ {target.average_minutes:g} min"
    if target.long_share is not None:
        goal += f", waits over {LONG_WAIT_MINUTES} min ≤ {target.long_share:.0%}"
    lines = [
        f"Staffing for {scenario.name}: {goal}",
        f"  checked on {summary.days} simulated days (seeds {summary.seeds[0]}–"
        f"{summary.seeds[-1]}), {plan.rounds} changes tried after Erlang C's guess",
        f"  {'from':<6} {'until':<6} {'citizens/h':>10} {'minutes each':>12} "
        f"{'Erlang C':>8} {'plan':>5} {'their wait':>10}",
    ]
    for slot, guess, count, wait in zip(
        plan.slots, plan.guess, plan.counts, plan.check.slot_waits, strict=True
    ):
        lines.append(
            f"  {_clock(slot.start):<6} {_clock(slot.end):<6} {slot.arrivals_per_hour:>10.1f} "
            f"{slot.holding_minutes:>12.1f} {guess:>8} {count:>5} {wait:>9.1f}m"
        )
    verdict = "meets the target" if plan.check.met else "does NOT meet the target"
    lines += [
        f"  with this plan: average wait {summary.average_wait:.1f} min "
        f"(+2 standard errors: {plan.check.average_margin:.1f}), over {LONG_WAIT_MINUTES} min "
        f"{summary.long_share:.0%} (+2 SE: {plan.check.long_margin:.0%}), "
        f"not served {summary.not_served}: {verdict}",
    ]
    if not plan.check.met:
        lines.append("  the office's counters are not enough for this target on these days")
    lines += ["", "# the plan as a scenario's [staffing] table:", "[staffing]"]
    lines += [f'"{_clock(s.start)}" = {c}' for s, c in zip(plan.slots, plan.counts, strict=True)]
    return "\n".join(lines)
