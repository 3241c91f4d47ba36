"""Many seeded days of one scenario, each on a fresh copy of the office."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from server.simulation.database import OfficeDatabase
from server.simulation.day import Day, DayResult
from server.simulation.scenario import Scenario

# Called after each day with (days done, days in all, the day just run).
Progress = Callable[[int, int, DayResult], None]


def run_days(
    scenario: Scenario, seeds: Iterable[int], progress: Progress | None = None
) -> list[DayResult]:
    seeds = list(seeds)
    office = OfficeDatabase(scenario)
    days = []
    try:
        for done, seed in enumerate(seeds, start=1):
            with office.day() as db:
                day = Day(scenario, seed, db, office.site_id).run()
            days.append(day)
            if progress is not None:
                progress(done, len(seeds), day)
    finally:
        office.close()
    return days
