"""What a counter's lamps (ready, busy, problem) show for the state of that counter.

The counter has the three lamps every device has (`antrean.lamps.Scene`),
driven by `antrean.lamps.Lamps`. docs/counter.md has the table for officers.
"""

from __future__ import annotations

from dataclasses import dataclass

from antrean.lamps import Pattern, Scene


@dataclass(frozen=True)
class DeskStatus:
    online: bool
    open: bool  # the counter takes calls (not paused, not closed)
    busy: bool = False  # a command is on its way
    set_up_wrong: bool = False  # unknown counter, another counter's token, a pin twice
    lcd_silent: bool = False  # the LCD does not answer; the buttons still work


def scene_for(status: DeskStatus) -> Scene:
    if status.set_up_wrong:
        problem = Pattern.ON
    elif not status.online:
        problem = Pattern.BLINK
    elif status.lcd_silent:
        problem = Pattern.FLASH
    else:
        problem = Pattern.OFF
    usable = status.online and not status.set_up_wrong
    if not usable or status.busy:
        ready = Pattern.OFF
    elif status.open:
        ready = Pattern.ON
    else:
        ready = Pattern.BLINK  # paused or closed: holding NEXT reopens
    return Scene(ready=ready, busy=Pattern.ON if status.busy else Pattern.OFF, problem=problem)
