"""Words every screen and paper uses the same way, in Indonesian: the estimated wait,
the date and the time zone.

The server gives the estimated wait to a tenth of a minute; what a citizen
reads is rounded so it never promises more precision than an estimate has:
whole minutes up to 20, then 5-minute steps, then quarter hours past two
hours, always as "sekitar …" (about). The ticket, the status page behind its
QR code and the waiting-room display all say it with these two functions, so
a citizen who compares them sees one figure. The ticket and the wall write
the date and the zone with `long_date` and `zone_name`, so they agree too.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

WHOLE_MINUTES_UP_TO = 20
FIVE_MINUTES_UP_TO = 120

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Indonesia's three zones, by UTC offset.
ZONES = {timedelta(hours=7): "WIB", timedelta(hours=8): "WITA", timedelta(hours=9): "WIT"}


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def rounded_wait(minutes: float | None) -> int | None:
    """The estimate as promised: 7.4 → 7, 23 → 25, 44 → 45, 131 → 135; None stays None."""
    if minutes is None:
        return None
    minutes = max(0.0, minutes)
    if minutes <= WHOLE_MINUTES_UP_TO:
        return _half_up(minutes)
    step = 5 if minutes <= FIVE_MINUTES_UP_TO else 15
    return max(WHOLE_MINUTES_UP_TO, step * _half_up(minutes / step))


def wait_phrase(minutes: float | None) -> str | None:
    """'sekitar 45 menit', 'sekitar 1 jam 15 menit', 'sebentar lagi'; None when no figure."""
    rounded = rounded_wait(minutes)
    if rounded is None:
        return None
    if rounded == 0:
        return "sebentar lagi"
    hours, rest = divmod(rounded, 60)
    if not hours:
        return f"sekitar {rest} menit"
    return f"sekitar {hours} jam" + (f" {rest} menit" if rest else "")


def zone_name(moment: datetime) -> str:
    """'WIB', 'WITA' or 'WIT'; another offset as 'UTC+5:30'; '' for a naive moment."""
    offset = moment.utcoffset()
    if offset is None:
        return ""
    if offset in ZONES:
        return ZONES[offset]
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")


def long_date(moment: datetime) -> str:
    """'Selasa, 1 Desember 2026'."""
    return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"
