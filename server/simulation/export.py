"""Every ticket of every simulated day as CSV, for a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TextIO

from server.simulation.day import DayResult

COLUMNS = (
    "seed", "code", "service", "priority", "issued", "called", "finished", "counter",
    "wait_minutes", "people_ahead", "estimate_minutes", "ahead_x_mean_minutes",
    "recent_waits_minutes", "came", "counter_minutes", "walk_seconds", "refused",
)


def _clock(midnight: datetime, seconds: float | None) -> str:
    if seconds is None:
        return ""
    return (midnight + timedelta(seconds=seconds)).strftime("%H:%M:%S")


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def write_tickets(days: Sequence[DayResult], out: TextIO) -> int:
    """Writes one row per citizen; returns how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for day in days:
        for t in day.tickets:
            writer.writerow([
                day.seed, t.code or "", t.service, t.priority.value,
                _clock(day.midnight, t.issued_at), _clock(day.midnight, t.called_at),
                _clock(day.midnight, t.finished_at), t.counter or "",
                _number(t.wait_minutes), "" if t.people_ahead is None else t.people_ahead,
                _number(t.estimate, 1), _number(t.naive_ahead), _number(t.naive_recent),
                "no" if t.citizen.no_show else "yes",
                _number(t.citizen.counter_seconds / 60), _number(t.citizen.walk_seconds, 0),
                t.refused or "",
            ])
            rows += 1
    return rows
