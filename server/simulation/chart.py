"""A picture of the simulated days: waiting, and each estimate's error, over the day.

Plain SVG written by hand (no plotting library on the server). Three panels
share the time axis (when the number was taken, office time): the waits,
the printed estimate's error ticket by ticket, and each method's mean
absolute error per quarter hour. Dots come from the first few days so they
stay readable; lines pool every day.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from server.simulation.day import DayResult, TicketRecord
from server.simulation.report import METHOD_LABELS, METHODS, estimate_of, percentile

WIDTH = 900
PANEL_HEIGHT = 190
TOP = 56
GAP = 58
LEFT = 64
RIGHT = 24
BIN_SECONDS = 15 * 60
DOT_DAYS = 5
COLOURS = {"antrean": "#1d5fa8", "ahead": "#d9822b", "recent": "#8c8c8c"}
WAIT_COLOUR = "#2a7a4b"
CHARACTER_WIDTH = 6.9  # DejaVu Sans at 11 px, on average


@dataclass(frozen=True)
class _Panel:
    title: str
    top: float
    low: float
    high: float
    start: float
    end: float

    def x(self, seconds: float) -> float:
        return LEFT + (seconds - self.start) / (self.end - self.start) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        clipped = min(max(value, self.low), self.high)
        return self.top + PANEL_HEIGHT * (1 - (clipped - self.low) / (self.high - self.low))


def _step(span: float) -> float:
    """A round tick step giving four to eight ticks over the span."""
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120):
        if span / step <= 8:
            return float(step)
    return 240.0


def _nice_high(value: float) -> float:
    step = _step(max(value, 1))
    return max(step, math.ceil(value / step) * step)


def _frame(panel: _Panel, out: list[str], unit: str) -> None:
    out.append(
        f'<text x="{LEFT}" y="{panel.top - 10:.0f}" class="title">{escape(panel.title)}</text>'
    )
    step = _step(panel.high - panel.low)
    tick = math.ceil(panel.low / step) * step
    while tick <= panel.high + 1e-9:
        y = panel.y(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="{"zero" if tick == 0 else "grid"}"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" '
                   f'text-anchor="end">{tick:g}</text>')
        tick += step
    out.append(f'<text x="14" y="{panel.top + PANEL_HEIGHT / 2:.0f}" class="tick" '
               f'transform="rotate(-90 14 {panel.top + PANEL_HEIGHT / 2:.0f})" '
               f'text-anchor="middle">{escape(unit)}</text>')
    every = 1800 if panel.end - panel.start <= 4 * 3600 else 3600
    moment = math.ceil(panel.start / every) * every
    while moment <= panel.end:
        x = panel.x(moment)
        hours, minutes = divmod(int(moment // 60), 60)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{panel.top}" '
                   f'y2="{panel.top + PANEL_HEIGHT}" class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{panel.top + PANEL_HEIGHT + 15}" class="tick" '
                   f'text-anchor="middle">{hours:02d}.{minutes:02d}</text>')
        moment += every


def _dots(panel: _Panel, points: list[tuple[float, float]], colour: str, out: list[str]) -> None:
    for x, y in points:
        out.append(f'<circle cx="{panel.x(x):.1f}" cy="{panel.y(y):.1f}" r="2.2" '
                   f'fill="{colour}" fill-opacity="0.28"/>')


def _line(
    panel: _Panel, points: list[tuple[float, float]], colour: str, out: list[str],
    dashed: bool = False,
) -> None:
    if len(points) < 2:
        return
    path = " ".join(f"{panel.x(x):.1f},{panel.y(y):.1f}" for x, y in points)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
               f'stroke-width="2.2"{dash}/>')


def _binned(
    tickets: Sequence[TicketRecord], value: Callable[[TicketRecord], float | None],
    summary: Callable[[list[float]], float],
) -> list[tuple[float, float]]:
    bins: dict[int, list[float]] = {}
    for t in tickets:
        v = value(t)
        if v is not None:
            bins.setdefault(int(t.issued_at // BIN_SECONDS), []).append(v)
    return [
        ((index + 0.5) * BIN_SECONDS, summary(values))
        for index, values in sorted(bins.items())
        if len(values) >= 3
    ]


def _legend(items: list[tuple[str, str, bool]], x: float, y: float, out: list[str]) -> None:
    width = sum(36 + CHARACTER_WIDTH * len(label) for label, _, _ in items)
    out.append(f'<rect x="{x - 6}" y="{y - 13}" width="{width:.0f}" height="18" rx="3" '
               'fill="#ffffff" fill-opacity="0.85"/>')
    for label, colour, dashed in items:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(f'<line x1="{x}" x2="{x + 22}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="2.2"{dash}/>')
        out.append(f'<text x="{x + 27}" y="{y}" class="tick">{escape(label)}</text>')
        x += 36 + CHARACTER_WIDTH * len(label)


def day_chart(name: str, days: Sequence[DayResult]) -> str:
    """The SVG document."""
    called = [t for day in days for t in day.tickets if t.wait_minutes is not None]
    shown = {day.seed for day in list(days)[:DOT_DAYS]}
    dotted = [t for t in called if t.seed in shown]
    if not called:
        raise ValueError("no citizen was called on these days: nothing to draw")
    start = float(math.floor(min(t.issued_at for t in called) / 1800) * 1800)
    end = float(max(math.ceil(max(t.issued_at for t in called) / 1800) * 1800, start + 3600))

    def wait(t: TicketRecord) -> float | None:
        return t.wait_minutes

    def error(method: str) -> Callable[[TicketRecord], float | None]:
        def of(t: TicketRecord) -> float | None:
            guess = estimate_of(t, method)
            return None if guess is None or t.wait_minutes is None else guess - t.wait_minutes
        return of

    out: list[str] = []
    waits = [t.wait_minutes or 0.0 for t in called]
    top = TOP
    panel = _Panel("Waiting: minutes from taking a number to the call", top, 0,
                   _nice_high(percentile(waits, 0.99)), start, end)
    _frame(panel, out, "minutes")
    _dots(panel, [(t.issued_at, t.wait_minutes or 0.0) for t in dotted], WAIT_COLOUR, out)
    _line(panel, _binned(called, wait, statistics.fmean), WAIT_COLOUR, out)
    _line(panel, _binned(called, wait, lambda v: percentile(v, 0.9)), WAIT_COLOUR, out, True)
    _legend([("average", WAIT_COLOUR, False), ("90th percentile", WAIT_COLOUR, True)],
            LEFT + 10, top + 16, out)

    top += PANEL_HEIGHT + GAP
    errors = [e for t in called if (e := error("antrean")(t)) is not None]
    reach = _nice_high(percentile([abs(e) for e in errors], 0.98) if errors else 5)
    panel = _Panel("Error of the printed estimate (estimate − actual wait)", top, -reach,
                   reach, start, end)
    _frame(panel, out, "minutes")
    _dots(panel, [(t.issued_at, e) for t in dotted if (e := error("antrean")(t)) is not None],
          COLOURS["antrean"], out)
    for method in METHODS:
        _line(panel, _binned(called, error(method), statistics.fmean), COLOURS[method], out,
              dashed=method != "antrean")
    _legend([(f"{METHOD_LABELS[m]}: mean error", COLOURS[m], m != "antrean") for m in METHODS],
            LEFT + 10, top + 16, out)

    top += PANEL_HEIGHT + GAP
    def absolute(method: str) -> Callable[[TicketRecord], float | None]:
        def of(t: TicketRecord) -> float | None:
            e = error(method)(t)
            return None if e is None else abs(e)
        return of

    lines = {method: _binned(called, absolute(method), statistics.fmean) for method in METHODS}
    highest = max((v for points in lines.values() for _, v in points), default=5.0)
    panel = _Panel("Mean absolute error per quarter hour", top, 0, _nice_high(highest),
                   start, end)
    _frame(panel, out, "minutes")
    for method in METHODS:
        _line(panel, lines[method], COLOURS[method], out, dashed=method != "antrean")
    _legend([(METHOD_LABELS[m], COLOURS[m], m != "antrean") for m in METHODS],
            LEFT + 10, top + 16, out)

    height = top + PANEL_HEIGHT + 46
    seeds = [day.seed for day in days]
    caption = (f"{name} — {len(days)} simulated day{'s' if len(days) != 1 else ''}, "
               f"{len(called)} citizens called; dots: the first {len(shown)} days")
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif">',
        "<style>.title{font-size:14px;font-weight:bold;fill:#1d2733}"
        ".tick{font-size:11px;fill:#4a5663}.grid{stroke:#e3e7eb;stroke-width:1}"
        ".zero{stroke:#7d8893;stroke-width:1.2}</style>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" style="font-size:16px;font-weight:bold;fill:#1d2733">'
        f"{escape(name)}</text>",
        f'<text x="{LEFT}" y="{height - 10}" class="tick">{escape(caption)} '
        f"(seeds {seeds[0]}–{seeds[-1]})</text>",
    ]
    return "\n".join([*head, *out, "</svg>"]) + "\n"
