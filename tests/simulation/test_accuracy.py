"""The estimated wait holds on simulated days: the bounds bench/estimate.py checks
on 30 days of each shipped scenario, here on a few days of each.

Over the days, the printed estimate's mean absolute error is below both
naive estimates computed in the same run (people ahead × mean ÷ open
counters; the mean wait of those called in the last 30 minutes), at least
25 % below the first where two services share the counters, and its bias is
within ±2 minutes.
"""

from __future__ import annotations

import pytest

from server.simulation.report import summarise
from server.simulation.runner import run_days
from server.simulation.scenario import load_scenario

# A night has about 27 citizens, a day about 150: a similar number of tickets each.
DAYS = {"night-service": range(1, 13), "shared-counters": range(1, 3), "counter-break": range(1, 3)}


@pytest.mark.parametrize("name", sorted(DAYS))
def test_the_estimate_beats_both_naive_ones_without_a_bias(name: str) -> None:
    scenario = load_scenario(name)
    summary = summarise(scenario.name, run_days(scenario, DAYS[name]))
    ours, ahead, recent = (summary.accuracy[m] for m in ("antrean", "ahead", "recent"))
    assert ours.compared > 200
    assert ours.coverage == 1.0
    assert ours.mae < ahead.mae and ours.mae < recent.mae
    assert abs(ours.bias) <= 2
    if name == "shared-counters":
        assert ours.mae <= 0.75 * ahead.mae
