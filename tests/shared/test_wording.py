"""The estimated wait, the date and the time zone as every screen and paper words them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antrean.wording import long_date, rounded_wait, wait_phrase, zone_name


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


def test_time_zone_names() -> None:
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert zone_name(moment.astimezone(ZoneInfo("Asia/Jakarta"))) == "WIB"
    assert zone_name(moment.astimezone(ZoneInfo("Asia/Makassar"))) == "WITA"
    assert zone_name(moment.astimezone(ZoneInfo("Asia/Jayapura"))) == "WIT"
    assert zone_name(moment) == "UTC+0"
    assert zone_name(moment.astimezone(timezone(timedelta(hours=5, minutes=30)))) == "UTC+5:30"
    assert zone_name(datetime(2026, 1, 1, 12, 0)) == ""


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (datetime(2026, 12, 1), "Selasa, 1 Desember 2026"),
        (datetime(2026, 1, 4), "Minggu, 4 Januari 2026"),
        (datetime(2027, 3, 29), "Senin, 29 Maret 2027"),
    ],
)
def test_long_date(day: datetime, words: str) -> None:
    assert long_date(day) == words
