"""The lamps (ready, busy, problem, and one in the priority button) and the buzzer.

`scene_for` says what the lamps show for a state of the kiosk; `Lights`
drives gpiozero LEDs to show it. docs/kiosk.md has the table for officers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from antrean.health import PrinterState
from kiosk.settings import LightSettings


class Pattern(StrEnum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"  # 1 Hz: something to wait for
    FAST = "fast"  # 4 Hz: act now
    FLASH = "flash"  # a short flash every 2 s: a warning, nothing stops

    @property
    def timing(self) -> tuple[float, float] | None:
        return _TIMINGS.get(self)


_TIMINGS = {Pattern.BLINK: (0.5, 0.5), Pattern.FAST: (0.125, 0.125), Pattern.FLASH: (0.15, 1.85)}


@dataclass(frozen=True)
class Scene:
    ready: Pattern = Pattern.OFF
    busy: Pattern = Pattern.OFF
    problem: Pattern = Pattern.OFF
    priority: Pattern = Pattern.OFF

    def describe(self) -> str:
        return "  ".join(f"{f.name}:{getattr(self, f.name).value}" for f in fields(self))


@dataclass(frozen=True)
class KioskStatus:
    online: bool
    printer: PrinterState | None  # None: the printer cannot be asked
    print_failed: bool = False
    busy: bool = False
    priority_armed: bool = False
    closed_signal: bool = False  # a press was just refused because the service is closed
    set_up_wrong: bool = False  # the settings name a service or office the server has not


STOPPING = {PrinterState.PAPER_OUT, PrinterState.OFFLINE, PrinterState.ERROR}


def scene_for(status: KioskStatus) -> Scene:
    printer_stopped = status.print_failed or status.printer in STOPPING
    if printer_stopped:
        problem = Pattern.ON
    elif status.set_up_wrong:
        problem = Pattern.FAST  # a person must change the settings: waiting will not help
    elif not status.online:
        problem = Pattern.BLINK
    elif status.printer is PrinterState.PAPER_NEAR_END:
        problem = Pattern.FLASH
    else:
        problem = Pattern.OFF
    if status.busy or printer_stopped or not status.online:
        ready = Pattern.OFF
    elif status.closed_signal:
        ready = Pattern.BLINK
    else:
        ready = Pattern.ON
    return Scene(
        ready=ready,
        busy=Pattern.ON if status.busy else Pattern.OFF,
        problem=problem,
        priority=Pattern.FAST if status.priority_armed else Pattern.OFF,
    )


class Lights:
    """gpiozero LEDs for the lamps that are wired; the others are simply skipped."""

    def __init__(
        self,
        settings: LightSettings,
        *,
        pin_factory: Any = None,
        on_show: Callable[[Scene], None] | None = None,
    ) -> None:
        from gpiozero import LED, Buzzer

        self.leds: dict[str, Any] = {}
        self.buzzer: Any = None
        self.scene = Scene()
        self._on_show = on_show
        try:
            for name, pin in settings.pins().items():
                self.leds[name] = LED(
                    pin, active_high=settings.active_high, pin_factory=pin_factory
                )
            if settings.buzzer is not None:
                self.buzzer = Buzzer(settings.buzzer, pin_factory=pin_factory)
        except Exception:
            self.close()
            raise

    def show(self, scene: Scene) -> None:
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
        """One beep: the press was taken. Two: no ticket this time."""
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
