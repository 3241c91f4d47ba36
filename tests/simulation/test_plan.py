"""The staffing planner: Erlang C's guess, corrected by simulation, holds on other days."""

from __future__ import annotations

import pytest

from server.simulation.plan import (
    Target,
    erlang_c,
    mean_wait,
    plan_staffing,
    share_waiting_over,
    slots_of,
    staffed,
)
from server.simulation.report import summarise
from server.simulation.runner import run_days
from server.simulation.scenario import load_scenario


def test_erlang_c_against_figures_worked_by_hand() -> None:
    # M/M/1: the probability of waiting is the utilisation, Wq = ρ/(μ − λ).
    assert erlang_c(1, 0.05, 10) == pytest.approx(0.5)
    assert mean_wait(1, 0.05, 10) == pytest.approx(0.5 / (0.1 - 0.05))
    # c = 2, a = 1: P(wait) = 1/3, Wq = (1/3) / (0.2 − 0.1).
    assert erlang_c(2, 0.1, 10) == pytest.approx(1 / 3)
    assert mean_wait(2, 0.1, 10) == pytest.approx(10 / 3)
    assert share_waiting_over(2, 0.1, 10, 30) == pytest.approx(1 / 3 * 2.718281828 ** -3)
    # Counters that cannot keep up: the queue grows without end.
    assert mean_wait(2, 0.25, 10) == float("inf")


def test_slots_follow_the_arrival_profile() -> None:
    night = load_scenario("night-service")
    slots = slots_of(night)
    assert [(s.start / 3600, s.end / 3600) for s in slots] == [(19.5, 20.0), (20.0, 21.0)]
    # 19:30–20:00 brings 22 + 8 citizens an hour; 20:00–21:00 brings (12 + 6)/2 + (4 + 2)/2.
    assert slots[0].arrivals_per_hour == pytest.approx(30)
    assert slots[1].arrivals_per_hour == pytest.approx(12)


def test_the_plan_meets_its_target_on_days_it_never_saw() -> None:
    night = load_scenario("night-service")
    target = Target(average_minutes=20)
    plan = plan_staffing(night, target, seeds=range(1, 9))
    assert plan.check.met
    assert all(1 <= count <= len(night.staffable) for count in plan.counts)
    unseen = summarise(night.name, run_days(staffed(night, plan.slots, plan.counts),
                                            range(1001, 1021)))
    assert unseen.average_wait <= target.average_minutes
    assert unseen.not_served == 0
    # The target needed more than the scenario's own two counters all evening.
    own = summarise(night.name, run_days(night, range(1001, 1021)))
    assert own.average_wait > target.average_minutes
