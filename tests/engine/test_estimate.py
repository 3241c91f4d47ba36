"""The estimated wait, checked against queueing theory.

For an M/M/c queue (Poisson arrivals at rate λ, c counters, exponential
service at rate μ) the Erlang C formula gives the mean wait in line,
Wq = C(c, a) / (cμ − λ) with a = λ/μ. A citizen who arrives to find n people
in the office waits on average max(0, n − c + 1) / (cμ): that is what
`expected_wait_minutes` computes from the people ahead and the busy counters.
Arrivals see the stationary distribution (PASTA), so averaging the estimate
over it must give Erlang C's Wq exactly, and in a simulated office the mean
estimate and the mean actual wait must agree.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.engine.estimate import (
    RECENT_WEIGHT,
    expected_wait_minutes,
    mean_service_minutes,
)

# (counters, arrivals per minute, minutes per ticket): from a quiet village office
# to a busy registry office near saturation.
OFFICES = [(1, 0.05, 10.0), (2, 0.15, 12.0), (3, 0.25, 10.0), (4, 0.45, 8.0), (8, 0.9, 8.5)]


def estimate_on_arrival(people_in_office: int, counters: int, minutes: float) -> float:
    """What the office screen says to someone who finds n people already inside."""
    ahead = max(0, people_in_office - counters)
    busy = min(people_in_office, counters)
    wait = expected_wait_minutes(ahead, busy, counters, minutes)
    assert wait is not None
    return wait


def erlang_c_wait(counters: int, arrival_rate: float, service_minutes: float) -> float:
    service_rate = 1 / service_minutes
    load = arrival_rate / service_rate
    utilisation = load / counters
    assert utilisation < 1
    tail = load**counters / math.factorial(counters) / (1 - utilisation)
    head = sum(load**k / math.factorial(k) for k in range(counters))
    probability_of_waiting = tail / (head + tail)
    return probability_of_waiting / (counters * service_rate - arrival_rate)


def stationary(counters: int, arrival_rate: float, service_minutes: float) -> Iterator[float]:
    """P(n people in the office), n = 0, 1, …, until the tail no longer matters."""
    load = arrival_rate * service_minutes
    utilisation = load / counters
    weights = [load**n / math.factorial(n) for n in range(counters)]
    top = load**counters / math.factorial(counters)
    length = counters + math.ceil(math.log(1e-18) / math.log(utilisation))
    weights += [top * utilisation ** (n - counters) for n in range(counters, length)]
    total = sum(weights) + top * utilisation ** (length - counters) / (1 - utilisation)
    for weight in weights:
        yield weight / total


@pytest.mark.parametrize(("counters", "arrival_rate", "service_minutes"), OFFICES)
def test_estimate_averages_to_erlang_c(
    counters: int, arrival_rate: float, service_minutes: float
) -> None:
    mean_estimate = sum(
        p * estimate_on_arrival(n, counters, service_minutes)
        for n, p in enumerate(stationary(counters, arrival_rate, service_minutes))
    )
    expected = erlang_c_wait(counters, arrival_rate, service_minutes)
    assert mean_estimate == pytest.approx(expected, rel=1e-9)


def test_erlang_c_reference_values() -> None:
    # The closed form itself, against figures worked by hand: M/M/1 has
    # Wq = ρ/(μ − λ); for c = 2, a = 1 the probability of waiting is 1/3.
    assert erlang_c_wait(1, 0.05, 10) == pytest.approx(0.5 / (0.1 - 0.05))
    assert erlang_c_wait(2, 0.1, 10) == pytest.approx((1 / 3) / (0.2 - 0.1))


def simulate_office(
    counters: int, arrival_rate: float, service_minutes: float, citizens: int, seed: int
) -> tuple[list[float], list[float]]:
    """First come, first served M/M/c: each citizen's estimate and actual wait."""
    rng = random.Random(seed)
    free_at = [0.0] * counters  # when each counter next comes free
    leaving: list[float] = []  # departure times of everyone still inside
    clock = 0.0
    estimates, waits = [], []
    for _ in range(citizens):
        clock += rng.expovariate(arrival_rate)
        while leaving and leaving[0] <= clock:
            heapq.heappop(leaving)
        estimates.append(estimate_on_arrival(len(leaving), counters, service_minutes))
        start = max(clock, heapq.heappop(free_at))
        done = start + rng.expovariate(1 / service_minutes)
        heapq.heappush(free_at, done)
        heapq.heappush(leaving, done)
        waits.append(start - clock)
    return estimates, waits


def batch_error(values: list[float], batches: int = 40) -> float:
    """Standard error of the mean from batch means (successive waits are correlated)."""
    size = len(values) // batches
    means = [statistics.fmean(values[i * size:(i + 1) * size]) for i in range(batches)]
    return statistics.stdev(means) / math.sqrt(batches)


@pytest.mark.parametrize(("counters", "arrival_rate", "service_minutes"), OFFICES[1:4])
def test_estimate_matches_a_simulated_office(
    counters: int, arrival_rate: float, service_minutes: float
) -> None:
    warm_up = 2_000
    estimates, waits = simulate_office(counters, arrival_rate, service_minutes, 82_000, seed=7)
    estimates, waits = estimates[warm_up:], waits[warm_up:]
    errors = [wait - estimate for estimate, wait in zip(estimates, waits, strict=True)]
    # Each estimate is the expected wait given what the citizen found, so the
    # errors average to zero; 4 standard errors leaves room for chance only.
    assert abs(statistics.fmean(errors)) < 4 * batch_error(errors)
    erlang = erlang_c_wait(counters, arrival_rate, service_minutes)
    assert abs(statistics.fmean(estimates) - erlang) < 4 * batch_error(estimates)
    assert abs(statistics.fmean(waits) - erlang) < 4 * batch_error(waits)
    # The comparison has teeth: the tolerance is small beside the wait itself.
    assert 4 * batch_error(errors) < 0.1 * erlang


def test_estimate_for_a_given_office() -> None:
    # Two counters, both busy, three waiting ahead: the citizen needs the
    # fourth counter to come free, one every 10/2 minutes.
    assert expected_wait_minutes(ahead=3, busy=2, open_counters=2, mean_minutes=10) == 20
    # A free counter: no wait at all.
    assert expected_wait_minutes(ahead=0, busy=1, open_counters=2, mean_minutes=10) == 0
    # Nobody serves the service: no honest figure exists.
    assert expected_wait_minutes(ahead=3, busy=0, open_counters=0, mean_minutes=10) is None


@given(
    ahead=st.integers(0, 200),
    busy=st.integers(0, 8),
    counters=st.integers(1, 8),
    minutes=st.floats(0.5, 60),
)
def test_estimate_grows_with_the_line_and_shrinks_with_counters(
    ahead: int, busy: int, counters: int, minutes: float
) -> None:
    busy = min(busy, counters)
    wait = expected_wait_minutes(ahead, busy, counters, minutes)
    assert wait is not None and wait >= 0
    longer = expected_wait_minutes(ahead + 1, busy, counters, minutes)
    assert longer is not None and longer >= wait
    if busy == counters:
        # Everyone inside is ahead: one more person adds one counter-turn.
        assert longer - wait == pytest.approx(minutes / counters)
        more_counters = expected_wait_minutes(ahead, busy, counters + 1, minutes)
        assert more_counters is not None and more_counters <= wait


def test_recent_mean_falls_back_to_the_default() -> None:
    assert mean_service_minutes([], default_minutes=12) == 12
    assert mean_service_minutes([300], default_minutes=12) == pytest.approx(5)
    assert mean_service_minutes([420] * 30, default_minutes=12) == pytest.approx(7)


@given(
    st.lists(st.floats(min_value=30, max_value=7200), min_size=2, max_size=30),
    st.floats(min_value=1, max_value=600),
)
def test_recent_mean_weighs_the_latest_ticket_most(
    durations: list[float], extra: float
) -> None:
    base = mean_service_minutes(durations, default_minutes=10)
    assert min(durations) / 60 - 1e-9 <= base <= max(durations) / 60 + 1e-9

    def shift(index: int) -> float:
        changed = list(durations)
        changed[index] += extra
        return mean_service_minutes(changed, default_minutes=10) - base

    latest = shift(-1)
    assert latest > 0
    assert all(shift(i) < latest for i in range(len(durations) - 1))


def test_recent_mean_follows_a_change_of_pace() -> None:
    # Twenty tickets of 5 minutes, then the work gets harder: 15 minutes each.
    history = [300.0] * 20
    for done in range(1, 11):
        history.append(900.0)
        mean = mean_service_minutes(history, default_minutes=10)
        # The weight of the slow tickets so far is 1 − (1 − w)^done.
        slow_share = 1 - (1 - RECENT_WEIGHT) ** done
        assert mean == pytest.approx(5 + 10 * slow_share, rel=1e-3)
