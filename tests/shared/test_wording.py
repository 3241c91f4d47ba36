"""The estimated wait as every screen and paper words it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antrean.wording import rounded_wait, wait_phrase


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (None, None),
        (0.0, "sebentar lagi"),
        (0.4, "sebentar lagi"),
        (0.6, "sekitar 1 menit"),
        (7.4, "sekitar 7 menit"),
        (12.5, "sekitar 13 menit"),
        (20.0, "sekitar 20 menit"),
        (22.4, "sekitar 20 menit"),
        (22.5, "sekitar 25 menit"),
        (43.6, "sekitar 45 menit"),
        (60.0, "sekitar 1 jam"),
        (63.0, "sekitar 1 jam 5 menit"),
        (95.2, "sekitar 1 jam 35 menit"),
        (128.0, "sekitar 2 jam 15 menit"),
        (241.0, "sekitar 4 jam"),
    ],
)
def test_wait_phrase(minutes: float | None, words: str | None) -> None:
    assert wait_phrase(minutes) == words


@given(st.floats(min_value=0, max_value=600), st.floats(min_value=0, max_value=600))
def test_rounding_never_reverses_order_nor_strays_far(a: float, b: float) -> None:
    low, high = sorted((a, b))
    low_shown, high_shown = rounded_wait(low), rounded_wait(high)
    assert low_shown is not None and high_shown is not None
    assert low_shown <= high_shown
    # Half a step at most: a minute, then 2.5 minutes, then 7.5 past two hours.
    allowed = 0.5 if high <= 20 else 2.5 if high <= 120 else 7.5
    assert abs(high_shown - high) <= allowed + 1e-9
    if high > 20:
        assert high_shown % 5 == 0
