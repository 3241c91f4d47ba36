"""The figures of a report, worked by hand."""

from __future__ import annotations

import pytest

from server.simulation.report import accuracy, percentile, within_quarter


def test_accuracy_of_a_few_estimates() -> None:
    # (estimate, actual): errors −10, 0, +2, −4, +1 minutes.
    pairs = [(10.0, 20.0), (5.0, 5.0), (32.0, 30.0), (0.0, 4.0), (3.0, 2.0)]
    result = accuracy(pairs, coverage=1.0)
    assert result.compared == 5
    assert result.mae == pytest.approx((10 + 0 + 2 + 4 + 1) / 5)
    assert result.bias == pytest.approx((-10 + 0 + 2 - 4 + 1) / 5)
    # Absolute errors sorted 0 1 2 4 10: the 90th percentile lies 60 % of the way from 4 to 10.
    assert result.p90 == pytest.approx(4 + 0.6 * 6)
    assert result.within_5 == pytest.approx(4 / 5)
    # Within a quarter: 10 of 20 no; 0 yes; 2 of 30 yes; 4 of 4 no (over a minute);
    # 1 of 2 yes (a minute is allowed for short waits).
    assert result.within_25 == pytest.approx(3 / 5)


def test_percentile_between_ranks() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)
    assert percentile([], 0.9) == 0.0


def test_within_a_quarter() -> None:
    assert within_quarter(-5.0, 20.0) and not within_quarter(-5.1, 20.0)
    assert within_quarter(1.0, 0.0) and not within_quarter(1.5, 2.0)
