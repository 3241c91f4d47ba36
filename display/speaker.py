"""The loudspeaker: one clip at a time, and `play` returns only when it has ended.

`PygameSpeaker` plays through SDL's audio (ALSA or PulseAudio on a Pi; the
`disk` driver writes the samples to a file, for tests). `RecordingSpeaker`
has no sound device: it keeps the clips in the order they were played, with
their start and end, and notices if one was started while another played.
"""

from __future__ import annotations

import asyncio
import os
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

POLL = 0.01


@dataclass(frozen=True)
class Played:
    path: Path
    text: str
    started: float  # time.monotonic()
    ended: float


class Speaker(Protocol):
    played: list[Played]

    async def play(self, path: Path, text: str = "") -> Played: ...

    def close(self) -> None: ...


def clip_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as file:
        return file.getnframes() / file.getframerate()


class PygameSpeaker:
    def __init__(
        self, volume: float = 1.0, driver: str | None = None,
        on_start: Callable[[Path], None] | None = None,
    ) -> None:
        import pygame

        if driver:
            os.environ["SDL_AUDIODRIVER"] = driver
        pygame.mixer.init(frequency=22050, size=-16, channels=2, buffer=1024)
        self._pygame = pygame
        self.channel = pygame.mixer.Channel(0)
        self.channel.set_volume(volume)
        self.played: list[Played] = []
        self._sounds: dict[Path, pygame.mixer.Sound] = {}
        self._on_start = on_start
        self._turns: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def _turn(self) -> asyncio.Lock:
        """Clips asked for at once wait here in the order asked. Watching the channel
        alone let the next clip start before the one playing was seen to end, which
        then seemed to last until the next one ended, and the order was the timers'."""
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, asyncio.Lock())
        return self._turns[1]

    async def play(self, path: Path, text: str = "") -> Played:
        async with self._turn():
            sound = self._sounds.get(path)
            if sound is None:
                sound = self._pygame.mixer.Sound(str(path))
                self._sounds = {path: sound}  # keep only the last: a call is seldom replayed
            while self.channel.get_busy():  # never over a clip played from elsewhere
                await asyncio.sleep(POLL)
            started = time.monotonic()
            self.channel.play(sound)
            if self._on_start is not None:
                self._on_start(path)
            while self.channel.get_busy():
                await asyncio.sleep(POLL)
            played = Played(path, text, started, time.monotonic())
        self.played.append(played)
        del self.played[:-200]
        return played

    def close(self) -> None:
        self.channel.stop()
        self._pygame.mixer.quit()


class Overlap(AssertionError):
    """A clip was started while another was still playing."""


class RecordingSpeaker:
    """Plays nothing: keeps what was played, in order. `speed` > 1 makes clips shorter."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.played: list[Played] = []
        self.overlaps = 0
        self._playing = False

    async def play(self, path: Path, text: str = "") -> Played:
        if self._playing:
            self.overlaps += 1
            raise Overlap(f"{path.name} started while another clip played")
        self._playing = True
        started = time.monotonic()
        try:
            await asyncio.sleep(clip_seconds(path) / self.speed)
        finally:
            self._playing = False
        played = Played(path, text, started, time.monotonic())
        self.played.append(played)
        return played

    def close(self) -> None:
        pass
