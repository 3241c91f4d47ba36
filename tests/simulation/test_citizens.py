"""The day's citizens, checked statistically with fixed seeds.

Arrivals must be a Poisson process with the hourly profile's rate, times at
the counter lognormal with the scenario's mean and standard deviation, and
the shares of priority citizens and no-shows as asked. The tests use fixed
seeds, so they are repeatable; their tolerances are the usual significance
levels (1 in 1000 for a chi-square test, 1 in 100 for Kolmogorov–Smirnov), so
a correct generator fails them only for a rare unlucky seed, and a wrong one
(a wrong rate, a mean off by a few per cent, exponential service instead of
lognormal) fails them by far.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from statistics import NormalDist, fmean, stdev

import pytest

from antrean.vocabulary import Priority
from server.simulation.citizens import (
    citizens_of_day,
    lognormal,
    lognormal_parameters,
    poisson_times,
)
from server.simulation.scenario import Scenario, parse_scenario

SCENARIO = """
[office.site]
code = "desa"
name = "Kantor Desa"
timezone = "WIB"
[office.site.hours]
mon = ["07:00-17:00"]
[[office.services]]
code = "A"
name = "Surat"
[[office.services]]
code = "B"
name = "Akta"
[[office.counters]]
number = 1
services = ["A", "B"]

[scenario]
name = "Desa"
date = 2026-11-23

[citizens]
priority_share = 0.15
no_show_share = 0.05
walk_seconds = [10, 50]

[[arrivals]]
service = "A"
per_hour = { "08:00" = 30, "09:30" = 6, "12:00" = 12, "15:00" = 0 }
minutes = 8
spread = 5

[[arrivals]]
service = "B"
per_hour = { "08:00" = 4, "15:00" = 0 }
minutes = 14
spread = 7
"""

KS_CRITICAL_1_PERCENT = 1.628  # Kolmogorov's limiting distribution, P(√n·D > 1.628) = 0.01


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(SCENARIO)


def ks_distance(sample: list[float], cdf: Callable[[float], float]) -> float:
    ordered = sorted(sample)
    n = len(ordered)
    return max(
        max(cdf(x) - i / n, (i + 1) / n - cdf(x)) for i, x in enumerate(ordered)
    )


def chi_square_bounds(freedom: int, tail: float = 0.0005) -> tuple[float, float]:
    """Two-sided bounds by the Wilson–Hilferty approximation (good for large freedom)."""

    def quantile(p: float) -> float:
        z = NormalDist().inv_cdf(p)
        return freedom * (1 - 2 / (9 * freedom) + z * math.sqrt(2 / (9 * freedom))) ** 3

    return quantile(tail), quantile(1 - tail)


def test_arrivals_per_step_are_poisson_with_the_profile_rate(scenario: Scenario) -> None:
    days = 400
    # (from, until, expected) for service A's profile: 30/h for 1.5 h, 6/h for 2.5 h, 12/h for 3 h.
    steps = [(8 * 3600, 9.5 * 3600, 45.0), (9.5 * 3600, 12 * 3600, 15.0),
             (12 * 3600, 15 * 3600, 36.0)]
    counts: list[list[int]] = [[] for _ in steps]
    for seed in range(days):
        arrivals = [c.arrives for c in citizens_of_day(scenario, seed) if c.service == "A"]
        for index, (start, end, _) in enumerate(steps):
            counts[index].append(sum(start <= t < end for t in arrivals))
    low, high = chi_square_bounds(days)
    for (_, _, expected), observed in zip(steps, counts, strict=True):
        # Poisson: the mean is right, and the variance equals the mean (index of dispersion).
        assert abs(fmean(observed) - expected) < 3.3 * math.sqrt(expected / days)
        dispersion = sum((x - expected) ** 2 for x in observed) / expected
        assert low < dispersion < high, (expected, dispersion, low, high)


def test_gaps_between_arrivals_are_exponential() -> None:
    rate_per_hour = 20.0
    gaps: list[float] = []
    for seed in range(60):
        times = poisson_times([(0.0, 8 * 3600.0, rate_per_hour)], random.Random(seed))
        gaps += [b - a for a, b in itertools.pairwise(times)]
    mean_gap = 3600 / rate_per_hour

    def exponential(x: float) -> float:
        return 1 - math.exp(-x / mean_gap)

    assert ks_distance(gaps, exponential) * math.sqrt(len(gaps)) < KS_CRITICAL_1_PERCENT
    # And the test has teeth: a rate 10 % off is refused.
    assert ks_distance(gaps, lambda x: 1 - math.exp(-x / (1.1 * mean_gap))) * math.sqrt(
        len(gaps)
    ) > KS_CRITICAL_1_PERCENT


@pytest.mark.parametrize(("mean", "spread"), [(8.0, 5.0), (14.0, 7.0), (4.0, 0.5)])
def test_times_at_the_counter_are_lognormal_with_that_mean_and_spread(
    mean: float, spread: float
) -> None:
    rng = random.Random(f"lognormal-{mean}")
    sample = [lognormal(mean, spread, rng) for _ in range(4000)]
    mu, sigma = lognormal_parameters(mean, spread)

    def cdf(x: float) -> float:
        return NormalDist(mu, sigma).cdf(math.log(x))

    assert ks_distance(sample, cdf) * math.sqrt(len(sample)) < KS_CRITICAL_1_PERCENT
    assert abs(fmean(sample) - mean) < 4 * spread / math.sqrt(len(sample))
    assert stdev(sample) == pytest.approx(spread, rel=0.08)
    # Exponential times with the same mean (the textbook's M/M/c) are refused.
    assert ks_distance(sample, lambda x: 1 - math.exp(-x / mean)) * math.sqrt(
        len(sample)
    ) > KS_CRITICAL_1_PERCENT


def test_shares_of_priority_citizens_no_shows_and_walking(scenario: Scenario) -> None:
    everyone = [c for seed in range(150) for c in citizens_of_day(scenario, seed)]
    n = len(everyone)
    for share, observed in (
        (0.15, sum(c.priority.is_priority for c in everyone)),
        (0.05, sum(c.no_show for c in everyone)),
    ):
        assert abs(observed / n - share) < 3.3 * math.sqrt(share * (1 - share) / n)
    kinds = {c.priority for c in everyone if c.priority.is_priority}
    assert kinds == {Priority.ELDERLY, Priority.DISABLED, Priority.PREGNANT, Priority.CHILD}
    walks = [c.walk_seconds for c in everyone]
    assert min(walks) >= 10 and max(walks) <= 50
    assert fmean(walks) == pytest.approx(30, abs=3.3 * 40 / math.sqrt(12 * n))
    by_service = {code: [c.counter_seconds / 60 for c in everyone if c.service == code]
                  for code in "AB"}
    assert fmean(by_service["A"]) == pytest.approx(8, abs=4 * 5 / math.sqrt(len(by_service["A"])))
    assert fmean(by_service["B"]) == pytest.approx(14, abs=4 * 7 / math.sqrt(len(by_service["B"])))


def test_a_seed_gives_the_same_citizens_and_another_seed_others(scenario: Scenario) -> None:
    assert citizens_of_day(scenario, 7) == citizens_of_day(scenario, 7)
    assert citizens_of_day(scenario, 7) != citizens_of_day(scenario, 8)
    day = citizens_of_day(scenario, 7)
    assert [c.arrives for c in day] == sorted(c.arrives for c in day)
    assert all(8 * 3600 <= c.arrives < 15 * 3600 for c in day)
