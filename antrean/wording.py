"""Words every screen and paper uses the same way: the estimated wait, in Indonesian.

The server gives the estimated wait to a tenth of a minute; what a citizen
reads is rounded so it never promises more precision than an estimate has:
whole minutes up to 20, then 5-minute steps, then quarter hours past two
hours, always as "sekitar …" (about). The ticket, the status page behind its
QR code and the waiting-room display all say it with these two functions, so
a citizen who compares them sees one figure.
"""

from __future__ import annotations

import math

WHOLE_MINUTES_UP_TO = 20
FIVE_MINUTES_UP_TO = 120


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
