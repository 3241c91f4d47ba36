"""What a run of days shows: waits, counters, and how well each estimate held.

Waits are counted for the citizens who were served, from taking the number to
the first call (the wait a citizen feels; walking to the counter and the
service itself are not waiting). The share over 30 minutes is what paper 000
calls long queues.

Each estimate is judged against the same actual wait, on the tickets every
method gave a figure for (`coverage` says how many that was of the tickets
called):
- **antrean**: the figure printed on the ticket, from the server's estimator;
- **ahead × mean ÷ open**: people ahead in the service × the plain mean of
  today's finished tickets of that service (its configured minutes before the
  first) ÷ the open counters that serve it;
- **recent waits**: the mean wait of the service's citizens called in the
  previous 30 minutes (0 if nobody was).
Error is estimate − actual: a negative bias promises less than it keeps.
"Within ±25 %" allows a minute for waits under four minutes, where a quarter
is less than the clock's own resolution.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from server.reports import stats
from server.simulation.day import DayResult, TicketRecord

LONG_WAIT_MINUTES = 30
METHODS = ("antrean", "ahead", "recent")
METHOD_LABELS = {
    "antrean": "antrean (printed)",
    "ahead": "ahead × mean ÷ open",
    "recent": "recent waits",
}


def estimate_of(ticket: TicketRecord, method: str) -> float | None:
    if method == "antrean":
        return ticket.estimate
    if method == "ahead":
        return ticket.naive_ahead
    return ticket.naive_recent


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie (the reports' interpolation);
    0.0 for no values."""
    return stats.percentile(sorted(values), share) if values else 0.0


def within_quarter(error: float, actual: float) -> bool:
    return abs(error) <= max(0.25 * actual, 1.0)


@dataclass(frozen=True)
class Accuracy:
    compared: int
    coverage: float
    mae: float
    bias: float
    p90: float
    within_5: float
    within_25: float


def accuracy(pairs: Sequence[tuple[float, float]], coverage: float) -> Accuracy:
    """(estimate, actual) pairs, in minutes."""
    if not pairs:
        return Accuracy(0, coverage, 0.0, 0.0, 0.0, 0.0, 0.0)
    errors = [estimate - actual for estimate, actual in pairs]
    absolute = [abs(e) for e in errors]
    return Accuracy(
        compared=len(pairs),
        coverage=coverage,
        mae=statistics.fmean(absolute),
        bias=statistics.fmean(errors),
        p90=percentile(absolute, 0.9),
        within_5=sum(a <= 5 for a in absolute) / len(pairs),
        within_25=sum(
            within_quarter(e, actual) for e, (_, actual) in zip(errors, pairs, strict=True)
        ) / len(pairs),
    )


@dataclass(frozen=True)
class Summary:
    name: str
    seeds: list[int]
    citizens: int
    served: int
    turned_away: int
    not_served: int
    average_wait: float
    p90_wait: float
    long_share: float
    utilisation: dict[int, float | None]
    accuracy: dict[str, Accuracy]
    commands: int

    @property
    def days(self) -> int:
        return len(self.seeds)


def summarise(name: str, days: Sequence[DayResult]) -> Summary:
    tickets = [t for day in days for t in day.tickets]
    served = [t for t in tickets if t.served]
    waits = [t.wait_minutes for t in served if t.wait_minutes is not None]
    called = [t for t in tickets if t.wait_minutes is not None]
    common = [
        t for t in called if all(estimate_of(t, m) is not None for m in METHODS)
    ]
    results = {}
    for method in METHODS:
        covered = sum(estimate_of(t, method) is not None for t in called)
        pairs = [(estimate_of(t, method) or 0.0, t.wait_minutes or 0.0) for t in common]
        results[method] = accuracy(pairs, covered / len(called) if called else 0.0)
    numbers = sorted({c.number for day in days for c in day.counters})
    utilisation: dict[int, float | None] = {}
    for number in numbers:
        busy = sum(c.busy_seconds for day in days for c in day.counters if c.number == number)
        staffed = sum(c.open_seconds for day in days for c in day.counters if c.number == number)
        utilisation[number] = busy / staffed if staffed > 0 else None
    return Summary(
        name=name,
        seeds=[day.seed for day in days],
        citizens=len(tickets),
        served=len(served),
        turned_away=sum(t.refused is not None for t in tickets),
        not_served=sum(t.ticket_id is not None and t.called_at is None for t in tickets),
        average_wait=statistics.fmean(waits) if waits else 0.0,
        p90_wait=percentile(waits, 0.9),
        long_share=sum(w > LONG_WAIT_MINUTES for w in waits) / len(waits) if waits else 0.0,
        utilisation=utilisation,
        accuracy=results,
        commands=sum(day.commands for day in days),
    )


def _seed_range(seeds: list[int]) -> str:
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds))


def render(summary: Summary) -> str:
    days = summary.days
    lines = [
        f"{summary.name}: {days} day{'s' if days != 1 else ''} "
        f"(seeds {_seed_range(summary.seeds)})",
        f"  citizens {summary.citizens / days:.1f} a day: served {summary.served / days:.1f}, "
        f"turned away {summary.turned_away / days:.1f}, not served {summary.not_served / days:.1f}",
        f"  wait (served): average {summary.average_wait:.1f} min, "
        f"90th percentile {summary.p90_wait:.1f} min, "
        f"over {LONG_WAIT_MINUTES} min {summary.long_share:.0%}",
        "  counters busy: " + ", ".join(
            f"{number} {'—' if share is None else f'{share:.0%}'}"
            for number, share in summary.utilisation.items()
        ),
        f"  estimated wait against the actual wait ({summary.accuracy['antrean'].compared} "
        "tickets, minutes):",
        f"    {'method':<22} {'MAE':>5} {'bias':>6} {'p90 |err|':>9} {'±5 min':>7} "
        f"{'±25 %':>6} {'given':>6}",
    ]
    for method in METHODS:
        a = summary.accuracy[method]
        lines.append(
            f"    {METHOD_LABELS[method]:<22} {a.mae:>5.1f} {a.bias:>+6.1f} {a.p90:>9.1f} "
            f"{a.within_5:>7.0%} {a.within_25:>6.0%} {a.coverage:>6.0%}"
        )
    return "\n".join(lines)
