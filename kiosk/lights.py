"""The lamps (ready, busy, problem, and one in the priority button) and the buzzer.

`scene_for` says what the lamps show for a state of the kiosk, and `Lights`
wires them as the settings say; patterns and driving are `antrean.lamps`.
docs/kiosk.md has the table for officers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from antrean import lamps
from antrean.health import PrinterState
from antrean.lamps import Lamps, Pattern
from kiosk.settings import LightSettings


@dataclass(frozen=True)
class Scene(lamps.Scene):
    """The three lamps every device has, and the one inside the priority button."""

    priority: Pattern = Pattern.OFF


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


class Lights(Lamps[Scene]):
    """The kiosk's wired lamps and buzzer, as its settings name them; the others are skipped."""

    def __init__(
        self,
        settings: LightSettings,
        *,
        pin_factory: Any = None,
        on_show: Callable[[Scene], None] | None = None,
    ) -> None:
        super().__init__(
            Scene(), settings.pins(), settings.buzzer, active_high=settings.active_high,
            pin_factory=pin_factory, on_show=on_show,
        )
