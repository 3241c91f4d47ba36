"""The keypad on a laptop: keys press the buttons, the LCDs are drawn in the terminal.

The buttons and lamps are gpiozero devices on its mock pins, so the same
code runs as on a Pi: a key drives a button's pin low and high again (held
for a while for PAUSE). Each LCD is RPLCD writing to an emulated PCF8574 and
HD44780 (`counter.hd44780`), and the terminal shows what that emulated glass
shows, worked out from the bytes RPLCD sent.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from antrean.keyboard import press, run_with_keys
from antrean.vocabulary import Satisfaction
from counter.hd44780 import EmulatedLcd
from counter.lcd import I2cLcd, Lcd
from counter.settings import CounterSettings, CounterWiring

# Pins used when the settings wire no counter: the wiring table in docs/counter.md.
DEFAULT_WIRING = CounterWiring.model_validate({
    "number": 1,
    "keys": {"next": "GPIO17", "recall": "GPIO27", "no_show": "GPIO22", "finish": "GPIO23",
             "transfer": "GPIO24", "transfer_to": "B"},
    "lights": {"ready": "GPIO5", "busy": "GPIO6", "problem": "GPIO13", "buzzer": "GPIO26"},
    "faces": {"very_satisfied": "GPIO12", "satisfied": "GPIO16", "dissatisfied": "GPIO20",
              "very_dissatisfied": "GPIO21"},
    "lcd": {"address": 0x27, "cols": 16, "rows": 2},
})

KEY_HELP = """keys: n NEXT, r RECALL, x NO-SHOW, f FINISH, t TRANSFER, p hold NEXT (pause/open)
      7 8 9 0 the faces (sangat puas … tidak puas), 1-6 pick the counter, q quit"""
OFFICER_KEYS = {"n": "next", "r": "recall", "x": "no_show", "f": "finish", "t": "transfer"}
FACE_KEYS = dict(zip("7890", Satisfaction, strict=True))
_CLOCK = re.compile(r"\d\d:\d\d|99\+")


def simulated_settings(settings: CounterSettings) -> CounterSettings:
    """The settings with counter 1 wired as in the docs when no counter is wired."""
    if settings.counters:
        return settings
    return settings.model_copy(update={"counters": [DEFAULT_WIRING]})


def still_picture(lines: list[str]) -> str:
    """The LCD's text without its running clock: what is worth printing again."""
    return _CLOCK.sub("--:--", "\n".join(lines))


def boxed(number: int, lines: list[str]) -> str:
    width = len(lines[0]) if lines else 16
    label = f"loket {number}"
    rows = [f"{label:>9} ┌{'─' * width}┐"]
    rows += [f"{'':>9} │{line}│" for line in lines]
    rows.append(f"{'':>9} └{'─' * width}┘")
    return "\n".join(rows)


@dataclass
class Keyboard:
    """Turns keys into presses on the mock pins of the chosen counter."""

    factory: Any
    settings: CounterSettings
    quit: Callable[[], None]
    chosen: int = 0
    _timers: list[threading.Timer] = field(default_factory=list)

    @property
    def wiring(self) -> CounterWiring:
        return self.settings.counters[self.chosen]

    def key(self, key: str) -> str | None:
        """Act on one key; returns what happened, for the screen."""
        if key.isdigit() and key not in FACE_KEYS and 1 <= int(key) <= len(self.settings.counters):
            self.chosen = int(key) - 1
            return f"keys now work counter {self.wiring.number}"
        pins = self.wiring.keys.pins()
        if key in OFFICER_KEYS and OFFICER_KEYS[key] in pins:
            self.click(pins[OFFICER_KEYS[key]])
            return f"counter {self.wiring.number}: {OFFICER_KEYS[key].upper()}"
        if key == "p" and "next" in pins:
            self.hold(pins["next"], self.settings.hold_seconds + 0.3)
            return f"counter {self.wiring.number}: NEXT held down"
        faces = self.wiring.faces.pins()
        if key in FACE_KEYS and FACE_KEYS[key] in faces:
            self.click(faces[FACE_KEYS[key]])
            return f"counter {self.wiring.number}: face '{FACE_KEYS[key].words}'"
        if key == "q":
            self.quit()
            return "quitting"
        return None

    def click(self, pin: Any) -> None:
        press(self.factory, pin)

    def hold(self, pin: Any, seconds: float) -> None:
        mock = self.factory.pin(pin)
        mock.drive_low()
        timer = threading.Timer(seconds, mock.drive_high)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()


@dataclass
class SimulatedKeypad:
    keypad: Any  # counter.app.Keypad
    keyboard: Keyboard
    lcds: dict[int, EmulatedLcd]
    factory: Any
    stop: asyncio.Event


def _say(text: str) -> None:
    print(text, flush=True)


def simulated_keypad(
    settings: CounterSettings, *, say: Callable[[str], None] | None = _say
) -> SimulatedKeypad:
    """The keypad on mock pins with emulated LCDs; `say` prints each new LCD picture."""
    from gpiozero.pins.mock import MockFactory

    from antrean.startup import device_client
    from counter.app import Keypad

    settings = simulated_settings(settings)
    factory = MockFactory()
    lcds: dict[int, EmulatedLcd] = {}
    pictures: dict[int, str] = {}

    def lcd_for(wiring: CounterWiring) -> Lcd | None:
        if wiring.lcd.address is None:
            return None
        emulated = EmulatedLcd(wiring.lcd.address, wiring.lcd.cols, wiring.lcd.rows)
        lcds[wiring.number] = emulated
        return I2cLcd(wiring.lcd, bus_factory=lambda port: emulated)

    def shown(number: int, lines: list[str]) -> None:
        glass = lcds[number].lines()  # read back from the bytes, not from `lines`
        picture = still_picture(glass)
        if say is not None and pictures.get(number) != picture:
            pictures[number] = picture
            say(boxed(number, glass))

    client = device_client(settings, command_timeout=settings.command_timeout)
    keypad = Keypad(settings, client, pin_factory=factory, lcd_factory=lcd_for, on_lcd=shown)
    stop = asyncio.Event()
    keyboard = Keyboard(factory, settings, stop.set)
    return SimulatedKeypad(keypad, keyboard, lcds, factory, stop)


def run_simulated(settings: CounterSettings) -> int:
    """`antrean counter --simulate`: the keypad with keys and LCDs in the terminal."""

    async def main() -> None:
        sim = simulated_keypad(settings)
        numbers = ", ".join(str(c.number) for c in sim.keyboard.settings.counters)
        print(f"simulated counter keypad for site {settings.site} at {settings.server_url}")
        print(f"counters: {numbers}")
        print(KEY_HELP, flush=True)
        await run_with_keys(sim.keypad.run(sim.stop), sim.keyboard.key)

    asyncio.run(main())
    return 0
