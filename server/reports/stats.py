"""Average, median and 90th percentile of a list of durations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(ordered: Sequence[float], share: float) -> float:
    """The `share` quantile of sorted values, interpolated between the two nearest
    ranks: numpy's default and the spreadsheet's PERCENTILE.INC, so an office can
    check a figure in its own spreadsheet."""
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class Durations:
    """How long something took, in seconds, over `count` occasions (None when none)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Durations:
        if not seconds:
            return cls(0, None, None, None)
        ordered = sorted(seconds)
        return cls(
            len(ordered),
            math.fsum(ordered) / len(ordered),
            percentile(ordered, 0.5),
            percentile(ordered, 0.9),
        )

    def minutes(self, value: float | None) -> float | None:
        return None if value is None else value / 60
