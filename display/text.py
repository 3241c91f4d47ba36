"""Type on the wall: Debian's DejaVu fonts, text fitted to its box, rendered once.

Text never overflows its box: a line shrinks until it fits, a block wraps at
word boundaries and shrinks, and only when even the smallest size cannot hold
it is it cut with an ellipsis. Fitted sizes and rendered text are cached, so
a frame in which only the clock changed renders the clock and nothing else.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from enum import StrEnum
from pathlib import Path
from typing import Literal

import pygame

from display.layout import Box

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
MIN_SIZE = 9
Color = tuple[int, int, int]
Align = Literal["left", "center", "right"]


class Style(StrEnum):
    NUMBER = "number"  # ticket codes and counter numbers: wide, bold, unmistakable digits
    BOLD = "bold"  # headings and labels
    NAMES = "names"  # long service names: condensed when the font is installed
    REGULAR = "regular"


FONT_FILES = {
    Style.NUMBER: ("DejaVuSans-Bold.ttf",),
    Style.BOLD: ("DejaVuSans-Bold.ttf",),
    Style.NAMES: ("DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf"),
    Style.REGULAR: ("DejaVuSansCondensed.ttf", "DejaVuSans.ttf"),
}


def find_font(style: Style) -> Path | None:
    for name in FONT_FILES[style]:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


class _Lru(OrderedDict[Hashable, object]):
    """Least recently used entries go first, past `limit` entries or `budget` weight."""

    def __init__(self, limit: int, budget: int | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.budget = budget
        self.weight = 0

    def get_item(self, key: Hashable) -> object | None:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Hashable, value: object, weight: int = 0) -> None:
        if key in self:
            self.weight -= _weight(self.pop(key))
        self[key] = value
        self.weight += weight
        while len(self) > self.limit or (
            self.budget is not None and self.weight > self.budget and len(self) > 1
        ):
            _, dropped = self.popitem(last=False)
            self.weight -= _weight(dropped)


def _weight(value: object) -> int:
    return value.get_width() * value.get_height() if isinstance(value, pygame.Surface) else 0


class Typesetter:
    def __init__(self, render_cache: int = 600, render_pixels: int = 3_000_000) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.paths: dict[Style, str | None] = {
            style: str(path) if (path := find_font(style)) else None for style in Style
        }
        self._fonts: dict[tuple[Style, int], pygame.font.Font] = {}
        self._fits: _Lru = _Lru(4000)
        # Pixels, not entries: the called number alone is a megapixel at 1080 lines.
        # 3 Mpx of 32-bit surfaces is 12 MB: more than a whole 1080p screen of text.
        self._rendered: _Lru = _Lru(render_cache, render_pixels)
        self.renders = 0  # how many texts were actually rendered (the bench and tests look)

    @property
    def missing_fonts(self) -> list[Style]:
        return [style for style, path in self.paths.items() if path is None]

    def font(self, style: Style, size: int) -> pygame.font.Font:
        key = (style, size)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(self.paths[style], size)  # None: pygame's own font
            self._fonts[key] = font
        return font

    def cap_height(self, style: Style, size: int) -> int:
        metrics = self.font(style, size).metrics("H")[0]
        return int(metrics[3]) if metrics else round(size * 0.73)

    # Fitting.

    def line_size(
        self, text: str, style: Style, width: int, height: int, *, caps: bool = False,
        largest: int | None = None,
    ) -> int:
        """The largest size at which `text` fits on one line in width × height.

        With `caps` the height is the capitals' (for numbers drawn huge), else the
        font's whole line.
        """
        key = ("line", text, style, width, height, caps, largest)
        found = self._fits.get_item(key)
        if isinstance(found, int):
            return found
        low, high = MIN_SIZE, max(MIN_SIZE, min(largest or 10**6, int(height * 1.6)))
        while low < high:
            size = (low + high + 1) // 2
            if self._fits_line(text, style, size, width, height, caps):
                low = size
            else:
                high = size - 1
        self._fits.put(key, low)
        return low

    def _fits_line(
        self, text: str, style: Style, size: int, width: int, height: int, caps: bool
    ) -> bool:
        font = self.font(style, size)
        w, h = font.size(text)
        return w <= width and (self.cap_height(style, size) if caps else h) <= height

    def block(
        self, text: str, style: Style, width: int, height: int, max_lines: int,
        largest: int | None = None,
    ) -> tuple[int, list[str]]:
        """The largest size and the lines at which `text` wraps into the box."""
        key = ("block", text, style, width, height, max_lines, largest)
        found = self._fits.get_item(key)
        if isinstance(found, tuple):
            return found
        answer: tuple[int, list[str]] | None = None
        low, high = MIN_SIZE, max(MIN_SIZE, min(largest or 10**6, height))
        while low <= high:  # the largest size that fits; fitting is monotonic enough
            size = (low + high) // 2
            font = self.font(style, size)
            lines = wrap(text, font, width)
            if len(lines) <= max_lines and font.get_linesize() * len(lines) <= height:
                answer = (size, lines)
                low = size + 1
            else:
                high = size - 1
        if answer is None:  # even the smallest size is too big: cut the last line
            font = self.font(style, MIN_SIZE)
            fitting = max(1, min(max_lines, height // max(1, font.get_linesize())))
            lines = wrap(text, font, width)
            kept = lines[:fitting]
            if len(lines) > fitting:
                kept[-1] = ellipsize(kept[-1] + " " + lines[fitting], font, width)
            answer = (MIN_SIZE, kept)
        self._fits.put(key, answer)
        return answer

    # Rendering.

    def rendered(
        self, text: str, style: Style, size: int, color: Color, background: Color
    ) -> pygame.Surface:
        key = (text, style, size, color, background)
        found = self._rendered.get_item(key)
        if isinstance(found, pygame.Surface):
            return found
        surface = self.font(style, size).render(text, True, color, background)
        if pygame.display.get_surface() is not None:
            surface = surface.convert()
        self.renders += 1
        self._rendered.put(key, surface, surface.get_width() * surface.get_height())
        return surface

    def draw_line(
        self,
        canvas: pygame.Surface,
        text: str,
        style: Style,
        box: Box,
        color: Color,
        background: Color,
        *,
        align: Align = "left",
        caps: bool = False,
        largest: int | None = None,
        size: int | None = None,
    ) -> pygame.Rect:
        """Draw `text` as large as fits (at most `largest`), centred vertically in `box`.

        A `size` given (one size for every row of a list) is used as it is, if the
        text fits at it; a longer text still shrinks to fit.
        """
        if not text or box.w <= 0 or box.h <= 0:
            return pygame.Rect(box.x, box.y, 0, 0)
        fitting = self.line_size(text, style, box.w, box.h, caps=caps, largest=largest)
        size = fitting if size is None else min(size, fitting)
        surface = self.rendered(text, style, size, color, background)
        font = self.font(style, size)
        if caps:
            # Centre the capitals, not the line: the glyphs sit mid-box.
            cap = self.cap_height(style, size)
            top = box.y + (box.h - cap) // 2 - (font.get_ascent() - cap)
        else:
            top = box.y + (box.h - surface.get_height()) // 2
        left = _aligned(box, surface.get_width(), align)
        clip = canvas.get_clip()
        canvas.set_clip(pygame.Rect(box))
        drawn = canvas.blit(surface, (left, top))
        canvas.set_clip(clip)
        return drawn

    def draw_block(
        self,
        canvas: pygame.Surface,
        text: str,
        style: Style,
        box: Box,
        color: Color,
        background: Color,
        *,
        max_lines: int = 2,
        align: Align = "left",
        largest: int | None = None,
    ) -> None:
        if not text or box.w <= 0 or box.h <= 0:
            return
        size, lines = self.block(text, style, box.w, box.h, max_lines, largest)
        font = self.font(style, size)
        step = font.get_linesize()
        top = box.y + (box.h - step * len(lines)) // 2
        clip = canvas.get_clip()
        canvas.set_clip(pygame.Rect(box))
        for number, line in enumerate(lines):
            surface = self.rendered(line, style, size, color, background)
            canvas.blit(surface, (_aligned(box, surface.get_width(), align), top + number * step))
        canvas.set_clip(clip)


def _aligned(box: Box, width: int, align: Align) -> int:
    if align == "center":
        return box.x + (box.w - width) // 2
    if align == "right":
        return box.right - width
    return box.x


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    """Words onto lines no wider than `width`; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.size(candidate)[0] <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while font.size(word)[0] > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and font.size(word[:cut])[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def ellipsize(text: str, font: pygame.font.Font, width: int) -> str:
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "…")[0] > width:
        text = text[:-1]
    return text.rstrip() + "…"
