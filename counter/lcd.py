"""The counter's character LCD: an HD44780 on a PCF8574 I2C backpack, through RPLCD.

`I2cLcd.show(lines)` puts whole lines on the glass. RPLCD keeps what it last
wrote and sends only the characters that changed, so the clock ticking on
the LCD costs a few bytes a second. Writing is slow for a loop (each byte is
several I2C transfers with pauses between), so the keypad calls `show` from a
worker thread.

A module that does not answer raises `LcdUnavailable`; the next `show` tries
again from the start (the controller needs its start-up sequence again after
being unplugged). The bus is made by `bus_factory`: `smbus2.SMBus` on a Pi,
`counter.hd44780.EmulatedLcd` in the simulated mode and the tests.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from counter.errors import LcdUnavailable
from counter.settings import LcdSettings

BusFactory = Callable[[int], Any]


class Lcd(Protocol):
    cols: int
    rows: int

    def show(self, lines: Sequence[str]) -> None: ...

    def close(self) -> None: ...


def fit(text: str, cols: int) -> str:
    """`text` in what the LCD's ROM can show, cut or padded to exactly `cols`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain[:cols].ljust(cols)


def smbus(port: int) -> Any:
    from smbus2 import SMBus

    return SMBus(port)


class I2cLcd:
    def __init__(self, settings: LcdSettings, bus_factory: BusFactory = smbus) -> None:
        if settings.address is None:
            raise ValueError("this counter has no LCD (lcd.address is not set)")
        self.settings = settings
        self.address: int = settings.address
        self.cols: int = settings.cols
        self.rows: int = settings.rows
        self._bus_factory = bus_factory
        self._lcd: Any = None
        self._shown: list[str] = []

    def describe(self) -> str:
        return f"LCD at 0x{self.address:02x} on /dev/i2c-{self.settings.port}"

    def show(self, lines: Sequence[str]) -> None:
        padded = [*lines, *[""] * self.rows][: self.rows]
        wanted = [fit(text, self.cols) for text in padded]
        try:
            if self._lcd is None:
                self._lcd = self._open()
                self._shown = [" " * self.cols for _ in range(self.rows)]  # cleared at start
            for row, (before, after) in enumerate(zip(self._shown, wanted, strict=True)):
                for col, run in _changes(before, after):
                    self._lcd.cursor_pos = (row, col)
                    self._lcd.write_string(run)
                self._shown[row] = after
        except OSError as error:
            self._lcd = None
            raise LcdUnavailable(f"{self.describe()} does not answer: {error}") from error

    def _open(self) -> Any:
        from RPLCD import common
        from RPLCD.i2c import CharLCD

        bus_factory = self._bus_factory

        class OnBus(CharLCD):  # type: ignore[misc]  # RPLCD ships no types
            """RPLCD's own PCF8574 driver, on the bus made by bus_factory."""

            def _init_connection(self) -> None:
                self.bus = bus_factory(self._port)
                common.msleep(50)  # what RPLCD waits for a PCF8574 after opening

        return OnBus(
            "PCF8574",
            self.address,
            port=self.settings.port,
            cols=self.cols,
            rows=self.rows,
            charmap=self.settings.charmap,
            auto_linebreaks=False,
            backlight_enabled=self.settings.backlight,
        )

    def close(self) -> None:
        lcd, self._lcd = self._lcd, None
        if lcd is not None:
            try:
                lcd.close(clear=True)
                lcd.bus.close()
            except OSError:
                pass


def _changes(before: str, after: str) -> list[tuple[int, str]]:
    """The runs of characters that differ: (column, new text). Moving the cursor
    costs as much as a character, so runs closer than three characters join."""
    runs: list[tuple[int, str]] = []
    col = 0
    while col < len(after):
        if before[col] == after[col]:
            col += 1
            continue
        start = end = col
        while col < len(after) and (before[col] != after[col] or col - end < 3):
            if before[col] != after[col]:
                end = col
            col += 1
        runs.append((start, after[start : end + 1]))
        col = end + 1
    return runs
