"""Drawing the wall: each part of the screen is redrawn only when what it shows changed.

A frame is a `Scene` (the wall's model plus the moment's clock, connection
and animation state). Each region has a key made of what it shows; the
painter redraws the regions whose key changed and returns their rectangles,
so `pygame.display.update` sends only those. A clock tick costs one small
region; a new call costs the hero, the tiles and the list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pygame

from antrean.client import ConnectionState
from antrean.wording import long_date, zone_name
from display.clock import clock_text, wait_words
from display.layout import Box, columns, layout_for, list_rows, rows, tile_grid
from display.model import Call, Tile, WallModel
from display.text import Color, Style, Typesetter

BACKGROUND: Color = (9, 24, 46)
PANEL: Color = (20, 44, 78)
PANEL_DARK: Color = (14, 33, 60)
TEXT: Color = (246, 248, 251)
MUTED: Color = (163, 182, 206)
ACCENT: Color = (255, 200, 20)
ACCENT_TEXT: Color = (9, 24, 46)
OFFLINE: Color = (214, 48, 49)
PAUSED: Color = (96, 110, 130)
RECALL: Color = (120, 200, 255)

ARROW = "→"


@dataclass(frozen=True)
class Refusal:
    title: str
    message: str
    fix: str


@dataclass(frozen=True)
class Scene:
    now: datetime
    state: ConnectionState
    model: WallModel | None
    flash_on: bool = False  # the latest call's highlight, while it flashes
    ticker: tuple[str, ...] = ()
    ticker_offset: int = 0
    slide: int = 0
    refusal: Refusal | None = None
    server: str = ""
    notice: str = ""  # a line for the installer (voice pack problems), shown in the ticker


@dataclass
class _Region:
    name: str
    box: Box
    draw: Callable[[pygame.Surface, Box, Scene], None]
    key: Callable[[Scene], Hashable]
    last: Hashable = field(default=object())


class Painter:
    def __init__(
        self,
        size: tuple[int, int],
        typesetter: Typesetter | None = None,
        *,
        logo: pygame.Surface | None = None,
        slides: Sequence[Path] = (),
    ) -> None:
        self.size = size
        self.type = typesetter or Typesetter()
        self.logo_image = logo
        self.slide_paths = list(slides)
        self.layout = layout_for(*size, slides=bool(self.slide_paths))
        self._slide_cache: dict[tuple[int, Box], pygame.Surface] = {}
        self._ticker_strip: tuple[tuple[str, ...], pygame.Surface] | None = None
        self._mode: Hashable = None
        self._full_clock_box = Box(0, 0, 0, 0)
        self._full_clock_text = ""
        self._regions = self._wall_regions()
        self.full_frames = 0
        self.frames = 0

    # The frame.

    def paint(self, canvas: pygame.Surface, scene: Scene) -> list[pygame.Rect]:
        """Draw what changed since the last frame; the rectangles to send to the screen."""
        self.frames += 1
        mode = self._mode_of(scene)
        full = mode != self._mode
        self._mode = mode
        if full:
            self.full_frames += 1
            canvas.fill(BACKGROUND)
        if mode[0] != "wall":
            if full:
                self._full_screen(canvas, scene)
                return [canvas.get_rect()]
            return self._full_screen_clock(canvas, scene)
        dirty = []
        for region in self._regions:
            key = region.key(scene)
            if not full and key == region.last:
                continue
            region.last = key
            region.draw(canvas, region.box, scene)
            dirty.append(pygame.Rect(region.box))
        return [canvas.get_rect()] if full else dirty

    def invalidate(self) -> None:
        """Draw everything on the next frame (the screen was lost, say)."""
        self._mode = None

    def _mode_of(self, scene: Scene) -> tuple[str, Hashable]:
        if scene.refusal is not None:
            return ("refused", scene.refusal)
        if scene.model is None:
            return ("connecting", scene.server)
        return ("wall", None)

    def _wall_regions(self) -> list[_Region]:
        lay = self.layout
        regions = [
            _Region("title", lay.header, self._draw_title, lambda s: _title_key(s)),
            _Region("date", lay.date, self._draw_date, lambda s: long_date(s.now)),
            _Region("clock", lay.clock, self._draw_clock, lambda s: clock_text(s.now)),
            _Region("status", lay.status, self._draw_status, lambda s: s.state.is_online),
            _Region("hero", lay.hero.box, self._draw_hero, _hero_key),
            _Region("tiles", lay.tiles, self._draw_tiles, _tiles_key),
            _Region("recent", lay.recent, self._draw_recent, lambda s: s.model and s.model.recent),
            _Region(
                "services", lay.services, self._draw_services,
                lambda s: s.model and s.model.services,
            ),
            _Region("ticker", lay.ticker, self._draw_ticker, lambda s: (s.ticker, s.ticker_offset)),
        ]
        if lay.slides is not None:
            regions.append(_Region("slides", lay.slides, self._draw_slide, lambda s: s.slide))
        return regions

    # Header.

    def _draw_title(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        # The whole header band is the title's region: date and clock are drawn on top
        # of it (after it, in region order) whenever it is redrawn.
        lay = self.layout
        canvas.fill(PANEL_DARK, box)
        pygame.draw.rect(canvas, ACCENT, (box.x, box.bottom - 4, box.w, 4))
        title_box = lay.title
        if self.logo_image is not None:
            logo = _fitted(self.logo_image, lay.logo.inset(2))
            canvas.blit(logo, logo.get_rect(center=(lay.logo.x + lay.logo.w // 2,
                                                    lay.logo.y + lay.logo.h // 2)))
        else:
            title_box = Box(lay.logo.x, title_box.y, title_box.right - lay.logo.x, title_box.h)
        office = scene.model.office if scene.model else ""
        self.type.draw_block(
            canvas, office.upper(), Style.BOLD, title_box, TEXT, PANEL_DARK, max_lines=2,
            largest=round(title_box.h * 0.5),
        )
        for region in self._regions:
            if region.name in ("date", "clock", "status"):
                region.last = object()

    def _draw_date(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(PANEL_DARK, box)
        self.type.draw_line(
            canvas, long_date(scene.now), Style.BOLD, box.inset(0, box.h // 10), MUTED,
            PANEL_DARK, align="right",
        )

    def _draw_clock(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(PANEL_DARK, box)
        text = f"{clock_text(scene.now)} {zone_name(scene.now)}".strip()
        self.type.draw_line(
            canvas, text, Style.NUMBER, box.inset(0, box.h // 12), TEXT, PANEL_DARK,
            align="right",
        )

    def _draw_status(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(PANEL_DARK, box)
        if scene.state.is_online:
            return
        mark = box.inset(box.w // 20, box.h // 6)
        pygame.draw.rect(canvas, OFFLINE, mark, border_radius=mark.h // 4)
        self.type.draw_line(
            canvas, "● TERPUTUS", Style.BOLD, mark.inset(mark.h // 5), TEXT, OFFLINE,
            align="center",
        )

    # The latest call.

    def _draw_hero(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        hero = self.layout.hero
        call = scene.model.latest if scene.model else None
        flash = call is not None and scene.flash_on
        back, fore, label = (ACCENT, ACCENT_TEXT, ACCENT_TEXT) if flash else (PANEL, TEXT, MUTED)
        number = ACCENT_TEXT if flash else ACCENT
        canvas.fill(BACKGROUND, box)
        pygame.draw.rect(canvas, back, box, border_radius=self.layout.gap)
        if call is None:
            self.type.draw_line(
                canvas, "Belum ada panggilan", Style.BOLD, hero.code.inset(0, hero.code.h // 4),
                label, back,
            )
            return
        recall = " (PANGGILAN ULANG)" if call.call_count > 1 else ""
        self.type.draw_line(canvas, "NOMOR ANTREAN" + recall, Style.BOLD, hero.code_label,
                            label, back)
        self.type.draw_line(canvas, call.code, Style.NUMBER, hero.code, number, back, caps=True)
        self.type.draw_line(canvas, ARROW, Style.NUMBER, hero.arrow.inset(0, hero.arrow.h // 5),
                            fore, back, align="center")
        label_text = _counter_label(call)
        if hero.inline:  # "→ LOKET 3" on one line, the word and the number at one size
            label_box, number_box = hero.counter_label.inset(0, hero.counter_label.h // 10), (
                hero.counter.inset(0, hero.counter.h // 10))
            size = min(
                self._number_size(call.code),
                self.type.line_size(label_text, Style.NUMBER, label_box.w, label_box.h,
                                    caps=True),
                self.type.line_size(str(call.counter), Style.NUMBER, number_box.w,
                                    number_box.h, caps=True),
            )
            self.type.draw_line(canvas, label_text, Style.NUMBER, label_box, label, back,
                                align="right", caps=True, size=size)
            self.type.draw_line(canvas, str(call.counter), Style.NUMBER, number_box, fore, back,
                                align="center", caps=True, size=size)
            return
        self.type.draw_line(canvas, label_text, Style.BOLD, hero.counter_label, label, back,
                            align="center")
        self.type.draw_line(canvas, str(call.counter), Style.NUMBER, hero.counter, fore, back,
                            caps=True, align="center", largest=self._number_size(call.code))

    def _number_size(self, code: str) -> int:
        hero = self.layout.hero
        return self.type.line_size(code, Style.NUMBER, hero.code.w, hero.code.h, caps=True)

    # Counters.

    def _draw_tiles(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(BACKGROUND, box)
        model = scene.model
        if model is None:
            return
        gap = self.layout.gap
        boxes = tile_grid(box, len(model.tiles), gap)
        latest = model.latest.counter if model.latest else None
        # Tiles in one grid share one type size, so a long name does not shrink only its own.
        for tile, tile_box in zip(model.tiles, boxes, strict=True):
            self._draw_tile(canvas, tile_box, tile, tile.counter == latest and scene.flash_on)

    def _draw_tile(self, canvas: pygame.Surface, box: Box, tile: Tile, lit: bool) -> None:
        back = ACCENT if lit else (PANEL_DARK if tile.paused else PANEL)
        fore = ACCENT_TEXT if lit else (PAUSED if tile.paused else TEXT)
        radius = max(2, min(box.w, box.h) // 12)
        pygame.draw.rect(canvas, back, box, border_radius=radius)
        inner = box.inset(max(2, box.w // 16), max(2, box.h // 12))
        name, code = rows(inner, [0.3, 0.7])
        self.type.draw_line(canvas, tile.name.upper(), Style.NAMES, name,
                            ACCENT_TEXT if lit else MUTED, back, align="center")
        shown = "ISTIRAHAT" if tile.paused else (tile.code or "—")
        style = Style.BOLD if tile.paused else Style.NUMBER
        self.type.draw_line(canvas, shown, style, code.inset(0, code.h // 10), fore, back,
                            align="center", caps=not tile.paused)

    # Earlier calls.

    def _draw_recent(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(BACKGROUND, box)
        pygame.draw.rect(canvas, PANEL_DARK, box, border_radius=self.layout.gap)
        model = scene.model
        if model is None:
            return
        _, body = self._panel_heading(canvas, box, "PANGGILAN SEBELUMNYA")
        calls = model.recent
        if not calls:
            self.type.draw_line(canvas, "—", Style.BOLD, body.inset(0, body.h // 3), MUTED,
                                PANEL_DARK, align="center")
            return
        columns_count = 2 if len(calls) > 3 else 1
        slots = list_rows(body, max(len(calls), 3 * columns_count), self.layout.gap,
                          columns_count)
        parts = [_split(row, [0.42, 0.14, 0.44]) for row in slots[:len(calls)]]
        # One size per column of the list, so the rows line up.
        code_size = min(self.type.line_size(c.code, Style.NUMBER, p[0].w, p[0].h, caps=True)
                        for c, p in zip(calls, parts, strict=True))
        names = [f"LOKET {c.counter}" if c.counter_name.upper() == f"LOKET {c.counter}"
                 else c.counter_name.upper() for c in calls]
        name_size = min(self.type.line_size(n, Style.NAMES, p[2].w, p[2].h, caps=True)
                        for n, p in zip(names, parts, strict=True))
        for call, name, (code_box, arrow_box, where) in zip(calls, names, parts, strict=True):
            self.type.draw_line(canvas, call.code, Style.NUMBER, code_box, TEXT, PANEL_DARK,
                                caps=True, size=code_size)
            self.type.draw_line(canvas, ARROW, Style.NUMBER, arrow_box, MUTED, PANEL_DARK,
                                align="center", caps=True, size=name_size)
            self.type.draw_line(canvas, name, Style.NAMES, where, TEXT, PANEL_DARK, caps=True,
                                size=name_size)

    # Waiting lines.

    def _draw_services(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(BACKGROUND, box)
        pygame.draw.rect(canvas, PANEL_DARK, box, border_radius=self.layout.gap)
        model = scene.model
        if model is None:
            return
        _, body = self._panel_heading(canvas, box, "MENUNGGU", "PERKIRAAN")
        lines = model.services
        if not lines:
            return
        slots = list_rows(body, max(len(lines), 4), self.layout.gap)[:len(lines)]
        parts = [_split(row, [0.6, 0.12, 0.28]) for row in slots]
        number_size = min(
            self.type.line_size(str(line.waiting), Style.NUMBER, p[1].w, round(p[1].h * 0.62),
                                caps=True)
            for line, p in zip(lines, parts, strict=True)
        )
        estimates = [wait_words(line.wait_minutes) if line.accepting else "tutup"
                     for line in lines]
        estimate_size = min(
            self.type.line_size(text, Style.BOLD, p[2].w, round(p[2].h * 0.7))
            for text, p in zip(estimates, parts, strict=True)
        )
        for line, estimate, (name, waiting, wait) in zip(lines, estimates, parts, strict=True):
            tone = TEXT if line.accepting else MUTED
            self.type.draw_block(
                canvas, f"{line.code} · {line.name}", Style.NAMES, name, tone,
                PANEL_DARK, max_lines=2, largest=round(name.h * 0.72),
            )
            self.type.draw_line(canvas, str(line.waiting), Style.NUMBER, waiting, ACCENT,
                                PANEL_DARK, align="right", caps=True, size=number_size)
            self.type.draw_line(canvas, estimate, Style.BOLD, wait, tone, PANEL_DARK,
                                align="right", size=estimate_size)

    def _panel_heading(
        self, canvas: pygame.Surface, box: Box, title: str, right: str = ""
    ) -> tuple[Box, Box]:
        inner = box.inset(self.layout.gap)
        heading_h = max(12, min(round(self.layout.height * 0.04), inner.h // 5))
        heading = Box(inner.x, inner.y, inner.w, heading_h)
        body = Box(inner.x, heading.bottom + self.layout.gap // 2, inner.w,
                   inner.bottom - heading.bottom - self.layout.gap // 2)
        self.type.draw_line(canvas, title, Style.BOLD, heading, ACCENT, PANEL_DARK)
        if right:
            self.type.draw_line(canvas, right, Style.BOLD, heading.inset(0, heading.h // 8),
                                MUTED, PANEL_DARK, align="right")
        return heading, body

    # Pictures.

    def _draw_slide(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(BACKGROUND, box)
        if not self.slide_paths:
            return
        index = scene.slide % len(self.slide_paths)
        picture = self._slide_cache.get((index, box))
        if picture is None:
            try:
                picture = _fitted(pygame.image.load(str(self.slide_paths[index])), box)
            except (pygame.error, OSError):
                picture = pygame.Surface((1, 1))
            self._slide_cache = {(index, box): picture}  # one at a time: memory on a Pi
        canvas.blit(picture, picture.get_rect(center=(box.x + box.w // 2, box.y + box.h // 2)))

    # Running text.

    def _draw_ticker(self, canvas: pygame.Surface, box: Box, scene: Scene) -> None:
        canvas.fill(ACCENT, box)
        if not scene.ticker:
            return
        strip = self.ticker_strip(scene.ticker)
        width = strip.get_width()
        y = box.y + (box.h - strip.get_height()) // 2
        offset = scene.ticker_offset % max(1, width)
        x = box.x - offset
        clip = canvas.get_clip()
        canvas.set_clip(pygame.Rect(box))
        while x < box.right:
            canvas.blit(strip, (x, y))
            x += width
        canvas.set_clip(clip)

    def ticker_strip(self, items: tuple[str, ...]) -> pygame.Surface:
        """The running text rendered once per set of items, as one long strip."""
        if self._ticker_strip is not None and self._ticker_strip[0] == items:
            return self._ticker_strip[1]
        box = self.layout.ticker
        text = "   •   ".join(items) + "   •   "
        size = self.type.line_size("Ag", Style.BOLD, box.w, round(box.h * 0.72))
        strip = self.type.font(Style.BOLD, size).render(text, True, ACCENT_TEXT, ACCENT)
        if pygame.display.get_surface() is not None:
            strip = strip.convert()
        self._ticker_strip = (items, strip)
        return strip

    # Whole-screen messages.

    def _full_screen(self, canvas: pygame.Surface, scene: Scene) -> None:
        w, h = self.size
        area = Box(0, 0, w, h).inset(round(min(w, h) * 0.06))
        if scene.refusal is not None:
            pygame.draw.rect(canvas, OFFLINE, (0, 0, w, round(h * 0.02)))
            title, message, fix, clock = rows(area, [0.22, 0.33, 0.33, 0.12], round(h * 0.02))
            self.type.draw_block(canvas, scene.refusal.title, Style.BOLD, title, ACCENT,
                                 BACKGROUND, max_lines=2)
            self.type.draw_block(canvas, scene.refusal.message, Style.REGULAR, message, TEXT,
                                 BACKGROUND, max_lines=4)
            self.type.draw_block(canvas, scene.refusal.fix, Style.REGULAR, fix, MUTED,
                                 BACKGROUND, max_lines=4)
        else:
            title, message, _, clock = rows(area, [0.3, 0.3, 0.28, 0.12], round(h * 0.02))
            self.type.draw_block(canvas, "Menghubungkan ke server antrean…", Style.BOLD, title,
                                 TEXT, BACKGROUND, max_lines=2)
            self.type.draw_block(canvas, scene.server, Style.REGULAR, message, MUTED, BACKGROUND,
                                 max_lines=2)
        self._full_clock_box = clock
        self._full_clock_text = ""
        self._full_screen_clock(canvas, scene)

    def _full_screen_clock(self, canvas: pygame.Surface, scene: Scene) -> list[pygame.Rect]:
        text = f"{long_date(scene.now)}  {clock_text(scene.now)} {zone_name(scene.now)}"
        if text == self._full_clock_text:
            return []
        self._full_clock_text = text
        box = self._full_clock_box
        canvas.fill(BACKGROUND, box)
        self.type.draw_line(canvas, text, Style.BOLD, box, MUTED, BACKGROUND, align="center")
        return [pygame.Rect(box)]


def _title_key(scene: Scene) -> Hashable:
    return scene.model.office if scene.model else ""


def _hero_key(scene: Scene) -> Hashable:
    call = scene.model.latest if scene.model else None
    return (call, scene.flash_on) if call else None


def _tiles_key(scene: Scene) -> Hashable:
    model = scene.model
    if model is None:
        return None
    latest = model.latest.counter if model.latest else None
    return (model.tiles, latest if scene.flash_on else None)


def _counter_label(call: Call) -> str:
    """'LOKET' above the number for a counter called 'Loket 3'; another name in full."""
    name = " ".join(call.counter_name.split()).upper()
    plain = name.removesuffix(str(call.counter)).strip()
    return plain if plain and not plain[-1].isdigit() else (name or "LOKET")


def _split(box: Box, weights: list[float]) -> list[Box]:
    return columns(box, weights, max(2, box.h // 6))


def _fitted(image: pygame.Surface, box: Box) -> pygame.Surface:
    w, h = image.get_size()
    scale = min(box.w / max(1, w), box.h / max(1, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return pygame.transform.smoothscale(image, size) if scale != 1 else image
