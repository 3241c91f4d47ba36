"""The day's citizens, drawn from a seed: who comes when, for what, and for how long.

Arrivals of each service are a Poisson process whose rate is constant within
each step of the hourly profile (the gaps are exponential, and a step's
process starts afresh at its boundary, which is exact for a Poisson process).
Time at the counter is lognormal with the scenario's mean and standard
deviation. Each service draws from its own streams, named by the seed and the
service, so a change of staffing or a different estimator meets exactly the
same citizens: comparisons between them are not blurred by chance.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from antrean.vocabulary import Priority
from server.simulation.scenario import Arrivals, Scenario

PRIORITY_KINDS = (Priority.ELDERLY, Priority.DISABLED, Priority.PREGNANT, Priority.CHILD)


@dataclass(frozen=True)
class Citizen:
    service: str
    arrives: float  # seconds after the local midnight of the simulated day
    counter_seconds: float  # at the counter once there, if they come
    priority: Priority
    no_show: bool
    walk_seconds: float


def stream(seed: int, *names: str) -> random.Random:
    """A generator of its own for one purpose; string seeds are hashed the same way
    by every Python process (SHA-512), unlike hash()."""
    return random.Random("/".join([str(seed), *names]))


def poisson_times(
    steps: list[tuple[float, float, float]], rng: random.Random
) -> list[float]:
    """Arrival instants (seconds) for steps of (start, end, citizens per hour)."""
    times = []
    for start, end, per_hour in steps:
        if per_hour <= 0:
            continue
        rate = per_hour / 3600
        moment = start + rng.expovariate(rate)
        while moment < end:
            times.append(moment)
            moment += rng.expovariate(rate)
    return times


def lognormal_parameters(mean: float, spread: float) -> tuple[float, float]:
    """(mu, sigma) of the normal whose exponential has this mean and standard deviation."""
    sigma_squared = math.log(1 + (spread / mean) ** 2)
    return math.log(mean) - sigma_squared / 2, math.sqrt(sigma_squared)


def lognormal(mean: float, spread: float, rng: random.Random) -> float:
    if spread == 0:
        return mean
    mu, sigma = lognormal_parameters(mean, spread)
    return rng.lognormvariate(mu, sigma)


def profile_steps(scenario: Scenario, entry: Arrivals) -> list[tuple[float, float, float]]:
    profile = entry.profile()
    return [
        (scenario.seconds(start), scenario.seconds(end), rate)
        for (start, rate), (end, _) in itertools.pairwise(profile)
    ]


def citizens_of_day(scenario: Scenario, seed: int) -> list[Citizen]:
    """Everyone who comes on the day of this seed, in order of arrival."""
    people = scenario.citizens
    everyone = []
    for entry in scenario.arrivals:
        times = poisson_times(profile_steps(scenario, entry), stream(seed, entry.code, "arrivals"))
        traits = stream(seed, entry.code, "citizens")
        for moment in times:
            minutes = lognormal(entry.minutes, entry.spread, traits)
            priority = traits.random() < people.priority_share
            kind = traits.choice(PRIORITY_KINDS)
            no_show = traits.random() < people.no_show_share
            walk = traits.uniform(*people.walk_seconds)
            everyone.append(
                Citizen(
                    service=entry.code,
                    arrives=moment,
                    counter_seconds=minutes * 60,
                    priority=kind if priority else Priority.NONE,
                    no_show=no_show,
                    walk_seconds=walk,
                )
            )
    everyone.sort(key=lambda c: (c.arrives, c.service))
    return everyone
