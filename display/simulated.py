"""The wall on a laptop or a machine without a screen: a window, or PNG frames.

Where a screen exists ($DISPLAY or $WAYLAND_DISPLAY) the wall opens in a
window. Where none does, it draws on SDL's offscreen driver and saves a PNG
of the screen whenever a new call appears (and every `frame_every` seconds
if set). Calls are spoken through the sound device when there is one;
either way the rendered call is kept as a WAV file beside the frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from display.settings import DisplaySettings

if TYPE_CHECKING:
    from display.announcer import Announcement
    from display.app import DisplayApp


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def simulated_settings(settings: DisplaySettings) -> DisplaySettings:
    """A window where there is a screen, offscreen pictures where there is none."""
    out = settings.simulation.output_dir
    screen = settings.screen.model_copy(update={
        "mode": "window",
        "driver": settings.screen.driver or (None if has_screen() else "offscreen"),
        "size": settings.screen.size or (1280, 720),
    })
    voice = settings.voice
    if voice.cache_dir == type(voice)().cache_dir:  # the Pi's default: not on a laptop
        voice = voice.model_copy(update={"cache_dir": out / "voice-cache"})
    return settings.model_copy(update={"screen": screen, "voice": voice})


@dataclass
class SimulatedDisplay:
    app: DisplayApp
    stop: asyncio.Event
    output_dir: Path
    frames_saved: int = 0


def simulated_display(
    settings: DisplaySettings, *, say: Callable[[str], None] = print
) -> SimulatedDisplay:
    from antrean.startup import device_client
    from display.app import DisplayApp, Frame
    from display.parts import make_speaker, make_voice
    from display.screen import PygameScreen

    settings = simulated_settings(settings)
    out = settings.simulation.output_dir
    out.mkdir(parents=True, exist_ok=True)
    screen = PygameScreen(settings.screen)
    voice = make_voice(settings.voice)
    app = DisplayApp(settings, device_client(settings), screen, make_speaker(settings.voice), voice)
    sim = SimulatedDisplay(app, asyncio.Event(), out)
    offscreen = screen.driver == "offscreen"
    every = settings.simulation.frame_every
    last_saved = [float("-inf")]
    shown: list[tuple[int, int] | None] = [None]

    def frame_done(frame: Frame) -> None:
        latest = frame.scene.model.latest if frame.scene.model else None
        identity = latest.identity if latest else None
        new_call = identity != shown[0] and latest is not None
        shown[0] = identity
        due = every > 0 and frame.shown_at - last_saved[0] >= every
        if offscreen and (new_call or due) and frame.rects:
            sim.frames_saved += 1
            name = f"frame-{sim.frames_saved:04d}" + (f"-{latest.code}" if latest else "")
            screen.save(out / f"{name}.png")
            last_saved[0] = frame.shown_at
            if new_call and latest is not None:
                say(f"shows {latest.code} → loket {latest.counter} ({out / name}.png)")

    def spoken(announcement: Announcement) -> None:
        call = announcement.call
        cached = voice.cached(announcement.sentence)
        kept = ""
        if cached is not None:
            target = out / f"call-{call.code}-{call.call_count}.wav"
            shutil.copyfile(cached, target)
            kept = f" ({target})"
        say(f"spoke «{announcement.sentence}»{kept}")

    app.on_frame(frame_done)
    app.on_spoken(spoken)
    where = "a window" if not offscreen else f"PNG frames in {out}/"
    say(f"wall {screen.size[0]}x{screen.size[1]} in {where}; voice: {voice.name}")
    return sim


def run_simulated(settings: DisplaySettings) -> int:
    """`antrean display --simulate`."""

    async def main() -> None:
        sim = simulated_display(settings)
        await sim.app.run(sim.stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0
