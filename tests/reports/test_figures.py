"""The report of a day played event by event (tests/reports/day.py), on both databases."""

from __future__ import annotations

import pytest

from server.engine.commands import find_site
from server.reports import figures
from server.reports.figures import Outcomes
from server.store.database import Database
from tests.reports.day import DAY, at, live_day


def minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 4)


def test_the_days_figures_are_the_ones_worked_out_by_hand(demo_db: Database) -> None:
    live_day(demo_db)
    with demo_db.reading() as work:
        site = find_site(work, "demo")
        report = figures.build(work, site, DAY, DAY, at(60))
    rows = {row.code: row for row in report.services}
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert a.outcomes == Outcomes(issued=5, served=2, no_show=1, cancelled=1, expired=0, open=1)
    assert b.outcomes == Outcomes(issued=1, served=2, no_show=0, cancelled=0, expired=0, open=0)
    assert c.outcomes == Outcomes(issued=1)
    assert c.transferred_out == 1 and a.priority == 1
    # A's waits 5, 15, 18: mean 12.667, median 15, p90 = 15 + 0.8 × 3 = 17.4.
    assert (a.wait.count, minutes(a.wait.mean), minutes(a.wait.median), minutes(a.wait.p90)) == (
        3, 12.6667, 15.0, 17.4,
    )
    # Two of the three waited more than A's 10 minutes; B has no target.
    assert (a.over_target, a.over_target_share) == (2, 2 / 3)
    assert (b.over_target, b.over_target_share) == (None, None)
    # B's waits: B001 20, C001 28 (from its transfer at 6 to its call at 34).
    assert sorted(minutes(x) for x in (b.wait.mean, b.wait.median)) == [24.0, 24.0]
    assert minutes(a.service_time.mean) == 7.0 and minutes(b.service_time.mean) == 8.0
    total = report.total
    assert total.outcomes == Outcomes(7, 4, 1, 1, 0, 1)
    assert total.wait.count == 5 and minutes(total.wait.median) == 18.0
    assert (total.over_target, total.over_target_share) == (2, 2 / 3)
    counters = {c.number: c for c in report.counters}
    assert (counters[1].served, counters[1].no_show, minutes(counters[1].service_time.mean)) == (
        2, 0, 7.0,
    )
    assert (counters[2].served, counters[2].no_show, minutes(counters[2].service_time.mean)) == (
        2, 1, 8.0,
    )
    assert counters[3].served == 0 and counters[3].service_time.mean is None
    officers = {o.name: o for o in report.officers}
    assert set(officers) == {"Siti Aminah", "Budi Santoso"}
    assert (officers["Budi Santoso"].served, officers["Budi Santoso"].no_show) == (2, 1)
    assert report.arrivals_by_hour[10] == 7 and sum(report.arrivals_by_hour) == 7
    assert report.ratings.count == 1 and report.ratings.by_score[3] == 1
    assert report.ratings_by_service["B"].mean == 3.0
    [day] = report.days
    assert day.outcomes == total.outcomes and day.over_target_share == pytest.approx(2 / 3)


def test_the_next_day_counts_what_was_left_as_expired(demo_db: Database) -> None:
    live_day(demo_db)
    with demo_db.reading() as work:
        site = find_site(work, "demo")
        later = figures.build(work, site, DAY, DAY, at(60 * 24))
    # A005 is no longer open once its day is over, whether or not the expiry is recorded.
    assert later.total.outcomes.open == 0 and later.total.outcomes.expired == 1
