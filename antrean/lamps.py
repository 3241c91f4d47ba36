"""A device's lamps and buzzer: what each blinking pattern means, and gpiozero driving them.

Every device with buttons has READY, BUSY and PROBLEM lamps (a `Scene`); a
device with more lamps adds them as fields of a subclass. Each program
decides which scene each of its states shows; `Lamps` lights the lamps that
are wired and skips the others. gpiozero is imported only when lamps are
made: it comes with the kiosk's and the keypad's installs, not the display's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Generic, TypeVar

from antrean.pins import Pin


class Pattern(StrEnum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"  # 1 Hz: something to wait for
    FAST = "fast"  # 4 Hz: act now
    FLASH = "flash"  # a short flash every 2 s: a warning, nothing stops

    @property
    def timing(self) -> tuple[float, float] | None:
        """Seconds on and off while it blinks; None for a lamp steadily on or off."""
        return _TIMINGS.get(self)


_TIMINGS = {Pattern.BLINK: (0.5, 0.5), Pattern.FAST: (0.125, 0.125), Pattern.FLASH: (0.15, 1.85)}


@dataclass(frozen=True)
class Scene:
    """What every lamp shows at once: one field per lamp, named as in the settings."""

    ready: Pattern = Pattern.OFF
    busy: Pattern = Pattern.OFF
    problem: Pattern = Pattern.OFF

    def describe(self) -> str:
        """'ready:on  busy:off  problem:blink', for the logs and the simulated device."""
        return "  ".join(f"{f.name}:{getattr(self, f.name).value}" for f in fields(self))


SceneT = TypeVar("SceneT", bound=Scene)


class Lamps(Generic[SceneT]):
    """gpiozero LEDs for the lamps that are wired, and the buzzer if there is one.

    `dark` is the scene with every lamp off, which the lamps start in; a
    lamp is sent only what changed from the scene shown before.
    """

    def __init__(
        self,
        dark: SceneT,
        pins: Mapping[str, Pin],
        buzzer: Pin | None = None,
        *,
        active_high: bool = True,
        pin_factory: Any = None,
        on_show: Callable[[SceneT], None] | None = None,
    ) -> None:
        from gpiozero import LED, Buzzer

        self.leds: dict[str, Any] = {}
        self.buzzer: Any = None
        self.scene = dark
        self._on_show = on_show
        try:
            for name, pin in pins.items():
                self.leds[name] = LED(pin, active_high=active_high, pin_factory=pin_factory)
            if buzzer is not None:
                self.buzzer = Buzzer(buzzer, pin_factory=pin_factory)
        except Exception:
            self.close()
            raise

    def show(self, scene: SceneT) -> None:
        if scene == self.scene:
            return
        for name, led in self.leds.items():
            pattern: Pattern = getattr(scene, name)
            if pattern != getattr(self.scene, name):
                _drive(led, pattern)
        self.scene = scene
        if self._on_show is not None:
            self._on_show(scene)

    def beep(self, times: int = 1) -> None:
        """One beep: the press was taken. Two: it was refused (the device shows why)."""
        if self.buzzer is not None:
            self.buzzer.beep(on_time=0.08, off_time=0.12, n=times, background=True)

    def close(self) -> None:
        for device in [*self.leds.values(), self.buzzer]:
            if device is not None:
                device.close()
        self.leds.clear()
        self.buzzer = None


def _drive(led: Any, pattern: Pattern) -> None:
    timing = pattern.timing
    if timing is not None:
        led.blink(on_time=timing[0], off_time=timing[1], background=True)
    elif pattern is Pattern.ON:
        led.on()
    else:
        led.off()
