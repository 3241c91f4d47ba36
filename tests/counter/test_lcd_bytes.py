"""The LCD's bus: the emulated backpack decodes hand-made bytes, and RPLCD's bytes
through the adapter come out as the lines asked for."""

from __future__ import annotations

import pytest

from counter.errors import LcdUnavailable
from counter.hd44780 import BACKLIGHT, RS, EmulatedLcd
from counter.lcd import I2cLcd, fit
from counter.settings import LcdSettings

E = 0x04


def nibble(value: int, rs: int = 0) -> list[int]:
    """What a PCF8574 is sent to latch four bits: set them, raise E, drop E."""
    level = (value & 0xF0) | rs | BACKLIGHT
    return [level, level | E, level]


def byte(value: int, rs: int = 0) -> list[int]:
    return nibble(value, rs) + nibble(value << 4, rs)


def test_hand_made_bytes_put_text_on_the_glass() -> None:
    lcd = EmulatedLcd(0x27, 16, 2)
    stream = nibble(0x30) * 3 + nibble(0x20)  # wake up, then 4-bit mode
    stream += byte(0x28) + byte(0x0C) + byte(0x01)  # two lines; display on; clear
    stream += [b for ch in b"A1" for b in byte(ch, RS)]
    stream += byte(0x80 | 0x40)  # second row
    stream += [b for ch in b"OK" for b in byte(ch, RS)]
    for value in stream:
        lcd.write_byte(0x27, value)
    assert lcd.lines() == ["A1" + " " * 14, "OK" + " " * 14]
    assert lcd.display_on and lcd.backlight and lcd.four_bit


def test_another_address_or_an_unplugged_module_does_not_answer() -> None:
    lcd = EmulatedLcd(0x27)
    with pytest.raises(OSError, match="Remote I/O error"):
        lcd.write_byte(0x3F, 0x08)
    lcd.answers = False
    with pytest.raises(OSError) as raised:
        lcd.write_byte(0x27, 0x08)
    assert raised.value.errno == 121


def test_rplcd_through_the_adapter_shows_the_lines_asked_for() -> None:
    glass = EmulatedLcd(0x3F, 20, 4)
    lcd = I2cLcd(LcdSettings(address=0x3F, cols=20, rows=4), bus_factory=lambda port: glass)
    lcd.show(["LOKET 3", "A012 DIPANGGIL 03:25", "MENUNGGU: 12", "TIDAK ADA ANTREAN"])
    assert glass.lines() == [
        "LOKET 3             ",
        "A012 DIPANGGIL 03:25",
        "MENUNGGU: 12        ",
        "TIDAK ADA ANTREAN   ",
    ]
    before = len(glass.writes)
    lcd.show(["LOKET 3", "A012 DIPANGGIL 03:26", "MENUNGGU: 12", "TIDAK ADA ANTREAN"])
    assert glass.lines()[1] == "A012 DIPANGGIL 03:26"
    # The clock's tick moves the cursor and writes one character: two bytes, 4 x 2 nibbles.
    assert len(glass.writes) - before == 16


def test_a_module_unplugged_and_plugged_back_is_started_again() -> None:
    glass = EmulatedLcd(0x27, 16, 2)
    lcd = I2cLcd(LcdSettings(), bus_factory=lambda port: glass)
    lcd.show(["L1 A001", "MENUNGGU: 3"])
    glass.answers = False
    with pytest.raises(LcdUnavailable, match="LCD at 0x27 on /dev/i2c-1 does not answer"):
        lcd.show(["L1 A002", "MENUNGGU: 2"])
    fresh = EmulatedLcd(0x27, 16, 2)  # power lost: the controller forgot everything
    glass.answers = True
    lcd._bus_factory = lambda port: fresh
    lcd.show(["L1 A002", "MENUNGGU: 2"])
    assert fresh.lines() == ["L1 A002         ", "MENUNGGU: 2     "]


def test_text_is_fitted_to_what_the_rom_can_show() -> None:
    assert fit("Loket 2 — Dibuka", 16) == "Loket 2  Dibuka "
    assert fit("Ç", 3) == "C  "
    assert fit("x" * 30, 16) == "x" * 16
