"""The screen: a pygame display, fullscreen on the wall or a window on a laptop.

SDL picks how to reach the screen: `kmsdrm` on a Pi without a desktop, `x11`
or `wayland` under one, `offscreen` for pictures only (it honours the size
asked for; `dummy` does not). The wall draws on `canvas` and `show` sends the
changed rectangles.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import pygame

from display.settings import ScreenSettings

WINDOW_SIZE = (1280, 720)


class Screen(Protocol):
    canvas: pygame.Surface

    @property
    def size(self) -> tuple[int, int]: ...

    def show(self, rects: list[pygame.Rect]) -> None: ...

    def quit_requested(self) -> bool: ...

    def save(self, path: Path) -> Path: ...

    def close(self) -> None: ...


class PygameScreen:
    """The real display (or SDL's offscreen one, which keeps every pixel for pictures)."""

    def __init__(self, settings: ScreenSettings) -> None:
        if settings.driver:
            os.environ["SDL_VIDEODRIVER"] = settings.driver
        if settings.driver == "offscreen":
            # Pictures only: draw into SDL's own memory rather than through a (software)
            # OpenGL texture that is uploaded whole at every update.
            os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
        pygame.display.init()
        driver = pygame.display.get_driver()
        fullscreen = settings.mode == "fullscreen" and driver not in ("offscreen", "dummy")
        if fullscreen:
            size = settings.size or (0, 0)  # 0, 0: the screen's own size
            flags = pygame.FULLSCREEN
        else:
            size = settings.size or WINDOW_SIZE
            flags = 0
        self.canvas = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("antrean — layar antrean")
        if settings.hide_cursor and fullscreen:
            pygame.mouse.set_visible(False)
        self.driver = driver

    @property
    def size(self) -> tuple[int, int]:
        w, h = self.canvas.get_size()
        return (w, h)

    def show(self, rects: list[pygame.Rect]) -> None:
        pygame.display.update(rects)

    def quit_requested(self) -> bool:
        """A window closed, or Escape/Q pressed (on a laptop; the wall has no keyboard)."""
        wanted = False
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                wanted = True
        return wanted

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.canvas, str(path))
        return path

    def close(self) -> None:
        pygame.display.quit()
