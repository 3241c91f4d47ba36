"""Arrivals per hour as an SVG bar chart, drawn on the server (no chart script to load).

The same drawing goes into the page, the printout and the PDF. Hours shown
run from the first to the last hour with an arrival, and always cover
08–15 so that days look alike side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 22, 28
USUAL_HOURS = range(8, 16)


def shown_hours(counts: Sequence[int]) -> range:
    busy = [hour for hour, count in enumerate(counts) if count]
    first = min([*busy, USUAL_HOURS.start])
    last = max([*busy, USUAL_HOURS.stop - 1])
    return range(first, last + 1)


def _nice_top(value: int) -> int:
    """A round number at or above `value` for the scale (10, 20, 50, 100, …)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor * 5 >= value:
                return max(step * factor * 5, 5)
        step *= 10


def arrivals_svg(counts: Sequence[int], label: str) -> str:
    """An accessible SVG of `counts` (24 values, one per local hour)."""
    hours = shown_hours(counts)
    top = _nice_top(max((counts[h] for h in hours), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(hours)
    bar = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>',
        '<g class="grid" stroke="#d8dee4" stroke-width="1">',
    ]
    for tick in range(0, top + 1, top // 5):
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append("</g>")
    parts.append('<g class="scale" font-size="11" fill="#5b6875" text-anchor="end">')
    for tick in range(0, top + 1, top // 5):
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}">{tick}</text>')
    parts.append("</g>")
    parts.append('<g class="bars" fill="#0b6e4f">')
    for position, hour in enumerate(hours):
        count = counts[hour]
        height = plot_height * count / top
        x = LEFT + slot * position + (slot - bar) / 2
        y = TOP + plot_height - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" rx="2">'
            f"<title>{hour:02d}.00–{hour:02d}.59: {count}</title></rect>"
        )
    parts.append("</g>")
    parts.append('<g class="values" font-size="11" fill="#17202a" text-anchor="middle">')
    for position, hour in enumerate(hours):
        if counts[hour]:
            x = LEFT + slot * position + slot / 2
            y = TOP + plot_height - plot_height * counts[hour] / top - 4
            parts.append(f'<text x="{x:.1f}" y="{y:.1f}">{counts[hour]}</text>')
    parts.append("</g>")
    parts.append('<g class="hours" font-size="11" fill="#5b6875" text-anchor="middle">')
    for position, hour in enumerate(hours):
        x = LEFT + slot * position + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}">{hour:02d}</text>')
    parts.append("</g></svg>")
    return "".join(parts)
