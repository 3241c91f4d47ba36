"""Where everything goes on the wall, worked out from the screen's size alone.

No pixel position is fixed: every box is a share of the screen, so the same
wall fits 1920x1080, 1366x768, 1280x720 and a portrait 1080x1920 and looks
planned on each. Landscape puts the latest call across the top, counters
below on the left and the earlier calls and waiting lines on the right;
portrait stacks them.

The called number is the largest type on the wall; its capital height is at
least `MIN_NUMBER_SHARE` of the screen's shorter side (docs/display.md says
why: about 84 mm on a 43-inch screen, readable from 10 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

MIN_NUMBER_SHARE = 0.16
"""Capital height of the called number, as a share of the shorter side of the screen."""


class Box(NamedTuple):
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, max(0, self.w - 2 * dx), max(0, self.h - 2 * dy))

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.right and other.x < self.right
            and self.y < other.bottom and other.y < self.bottom
        )

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x and self.y <= other.y
            and other.right <= self.right and other.bottom <= self.bottom
        )


def rows(box: Box, weights: list[float], gap: int = 0) -> list[Box]:
    """The box cut into horizontal bands, top to bottom, by weight."""
    free = box.h - gap * (len(weights) - 1)
    total = sum(weights)
    out, y = [], box.y
    for number, weight in enumerate(weights):
        h = box.bottom - y if number == len(weights) - 1 else round(free * weight / total)
        out.append(Box(box.x, y, box.w, h))
        y += h + gap
    return out


def columns(box: Box, weights: list[float], gap: int = 0) -> list[Box]:
    """The box cut into vertical strips, left to right, by weight."""
    free = box.w - gap * (len(weights) - 1)
    total = sum(weights)
    out, x = [], box.x
    for number, weight in enumerate(weights):
        w = box.right - x if number == len(weights) - 1 else round(free * weight / total)
        out.append(Box(x, box.y, w, box.h))
        x += w + gap
    return out


@dataclass(frozen=True)
class Hero:
    """The latest call: 'NOMOR ANTREAN A123 → LOKET 3'."""

    box: Box
    code_label: Box
    code: Box
    arrow: Box
    counter_label: Box
    counter: Box
    inline: bool = False  # the counter's label beside its number (portrait), not above it


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    portrait: bool
    gap: int  # the space between panels
    header: Box
    title: Box
    logo: Box
    date: Box
    clock: Box
    status: Box  # the offline mark
    hero: Hero
    tiles: Box
    recent: Box
    services: Box
    slides: Box | None
    ticker: Box

    @property
    def min_number_height(self) -> int:
        return math.ceil(MIN_NUMBER_SHARE * min(self.width, self.height))

    def panels(self) -> list[Box]:
        """The boxes that must not overlap one another."""
        found = [self.header, self.hero.box, self.tiles, self.recent, self.services, self.ticker]
        return found + ([self.slides] if self.slides else [])


def layout_for(width: int, height: int, slides: bool = False) -> Layout:
    if width < 320 or height < 240:
        raise ValueError(f"a {width}x{height} screen is too small for the wall")
    if height > width:
        return _portrait(width, height, slides)
    return _landscape(width, height, slides)


def _header(box: Box, gap: int, portrait: bool) -> tuple[Box, Box, Box, Box, Box]:
    """Logo, title, date, clock, status mark."""
    inner = box.inset(gap, gap // 2)
    if portrait:
        top, bottom = rows(inner, [1.15, 1])
        logo = Box(top.x, top.y, top.h, top.h)
        status_w = round(top.w * 0.26)
        title = Box(logo.right + gap, top.y, top.w - logo.w - status_w - 2 * gap, top.h)
        status = Box(top.right - status_w, top.y, status_w, top.h)
        date, clock = columns(bottom, [1.5, 1], gap)
        return logo, title, date, clock, status
    logo = Box(inner.x, inner.y, inner.h, inner.h)
    title_w = round(inner.w * 0.55) - logo.w - gap
    title = Box(logo.right + gap, inner.y, title_w, inner.h)
    right = Box(title.right + gap, inner.y, inner.right - title.right - gap, inner.h)
    date_row, clock_row = rows(right, [1, 1.25])
    clock = Box(right.x + right.w // 3, clock_row.y, right.w - right.w // 3, clock_row.h)
    status = Box(right.x, clock_row.y, right.w // 3 - gap, clock_row.h)
    return logo, title, date_row, clock, status


def _landscape(width: int, height: int, slides: bool) -> Layout:
    gap = max(4, round(height * 0.012))
    screen = Box(0, 0, width, height)
    header, body, ticker = rows(screen, [0.105, 0.82, 0.075])
    body = Box(gap, body.y + gap, width - 2 * gap, body.h - 2 * gap)
    hero_box, lower = rows(body, [0.47, 0.53], gap)
    if slides:
        left, middle, slide = columns(lower, [0.36, 0.38, 0.26], gap)
        recent, services = rows(middle, [0.42, 0.58], gap)
    else:
        left, right = columns(lower, [0.5, 0.5], gap)
        recent, services = rows(right, [0.42, 0.58], gap)
        slide = None
    logo, title, date, clock, status = _header(header, gap, portrait=False)
    return Layout(
        width, height, False, gap, header, title, logo, date, clock, status,
        _hero_landscape(hero_box, gap), left, recent, services, slide, ticker,
    )


def _hero_landscape(box: Box, gap: int) -> Hero:
    inner = box.inset(gap * 2, gap)
    labels, numbers = rows(inner, [0.17, 0.83])
    code_col, arrow_col, counter_col = columns(inner, [0.53, 0.12, 0.35], gap)
    return Hero(
        box=box,
        code_label=Box(code_col.x, labels.y, code_col.w, labels.h),
        code=Box(code_col.x, numbers.y, code_col.w, numbers.h),
        arrow=Box(arrow_col.x, numbers.y, arrow_col.w, numbers.h),
        counter_label=Box(counter_col.x, labels.y, counter_col.w, labels.h),
        counter=Box(counter_col.x, numbers.y, counter_col.w, numbers.h),
    )


def _portrait(width: int, height: int, slides: bool) -> Layout:
    gap = max(4, round(width * 0.012))
    screen = Box(0, 0, width, height)
    header, body, ticker = rows(screen, [0.085, 0.865, 0.05])
    body = Box(gap, body.y + gap, width - 2 * gap, body.h - 2 * gap)
    if slides:
        hero_box, tiles, recent, services, slide = rows(body, [0.3, 0.2, 0.15, 0.15, 0.2], gap)
    else:
        hero_box, tiles, recent, services = rows(body, [0.32, 0.24, 0.2, 0.24], gap)
        slide = None
    logo, title, date, clock, status = _header(header, gap, portrait=True)
    return Layout(
        width, height, True, gap, header, title, logo, date, clock, status,
        _hero_portrait(hero_box, gap), tiles, recent, services, slide, ticker,
    )


def _hero_portrait(box: Box, gap: int) -> Hero:
    inner = box.inset(gap * 2, gap)
    code_label, code, lower = rows(inner, [0.11, 0.56, 0.33])
    arrow, counter_label, counter = columns(lower, [0.18, 0.5, 0.32], gap)
    return Hero(box, code_label, code, arrow, counter_label, counter, inline=True)


def tile_grid(area: Box, count: int, gap: int, aspect: float = 1.9) -> list[Box]:
    """`count` tiles in rows and columns, as large as they can be near `aspect` (w/h).

    One counter gets one large tile rather than a lonely small one; 24 get a
    grid that still fills the area.
    """
    if count <= 0:
        return []
    best: tuple[float, int] | None = None
    for cols in range(1, count + 1):
        lines = math.ceil(count / cols)
        w = (area.w - gap * (cols - 1)) / cols
        h = (area.h - gap * (lines - 1)) / lines
        if w <= 0 or h <= 0:
            continue
        usable = min(h, w / aspect)  # the height text can use in such a tile
        if best is None or usable > best[0] + 0.5:
            best = (usable, cols)
    cols = best[1] if best else count
    lines = math.ceil(count / cols)
    out = []
    for line_box_index, line in enumerate(rows(area, [1] * lines, gap)):
        in_line = min(cols, count - line_box_index * cols)
        out.extend(columns(line, [1] * cols, gap)[:in_line])
    return out


def list_rows(area: Box, count: int, gap: int, columns_count: int = 1) -> list[Box]:
    """`count` equal rows (in one or more columns), top to bottom then left to right."""
    if count <= 0:
        return []
    per_column = math.ceil(count / columns_count)
    out = []
    for column in columns(area, [1] * columns_count, gap * 2):
        out.extend(rows(column, [1] * per_column, max(1, gap // 2)))
    return out[:count]
