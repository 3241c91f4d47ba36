"""Estimated waiting time.

A ticket with `ahead` people waiting before it, at a service with `open_counters`
counters of which `busy` are occupied, waits for `ahead + busy - open + 1`
counters to come free, each after about `mean / open` minutes:

    wait = max(0, ahead + busy - open + 1) × mean / open

This is the expected wait of an M/M/c queue given the number already in the
system, so over the stationary distribution it averages to Erlang C's Wq (see
tests/engine/test_estimate.py). `mean` is the service's recent time per ticket
today, an exponentially weighted average that follows the latest tickets,
falling back to the service's default minutes until a ticket has finished.
"""

from __future__ import annotations

from collections.abc import Sequence

RECENT_WEIGHT = 0.3
RECENT_LIMIT = 30


def mean_service_minutes(durations_seconds: Sequence[float], default_minutes: float) -> float:
    """Weighted mean of recent durations (oldest first); the latest weighs most.

    Each older ticket weighs (1 - RECENT_WEIGHT) times the one after it. The
    weights are normalised rather than seeded with the first ticket, which in a
    short history would let that first ticket outweigh all the later ones.
    """
    if not durations_seconds:
        return default_minutes
    weights = [(1 - RECENT_WEIGHT) ** age for age in range(len(durations_seconds))]
    latest_first = reversed(durations_seconds)
    total = sum(w * seconds for w, seconds in zip(weights, latest_first, strict=True))
    return total / sum(weights) / 60


def expected_wait_minutes(
    ahead: int, busy: int, open_counters: int, mean_minutes: float
) -> float | None:
    """None when no open counter serves the service: no honest figure exists."""
    if open_counters <= 0:
        return None
    turns = ahead + busy - open_counters + 1
    return max(0, turns) * mean_minutes / open_counters
