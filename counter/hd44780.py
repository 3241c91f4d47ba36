"""An HD44780 character LCD behind a PCF8574 I2C backpack, emulated on a fake bus.

It stands where `smbus2.SMBus` stands, takes the bytes RPLCD writes to the
backpack, and works out what the glass would show, the way the chips do:

- each byte sets the PCF8574's eight outputs: P0 RS, P1 RW, P2 E, P3 the
  backlight, P4–P7 the controller's data lines D4–D7;
- the controller latches D4–D7 when E falls from high to low;
- it powers up in 8-bit mode, where each latch is a whole instruction (only
  its upper four bits wired), until a "function set" with DL=0 puts it in
  4-bit mode, where two latches, high nibble first, make one byte;
- instructions move the address counter in its display memory (DDRAM); data
  bytes are written there and the counter moves on.

The simulated keypad draws its LCD from this, the tests read back what RPLCD
really sent, and an emulated module can be told not to answer, as an
unplugged one does (OSError 121, "Remote I/O error").
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable

RS, RW, E, BACKLIGHT = 0x01, 0x02, 0x04, 0x08
DDRAM_SIZE = 0x80


def row_starts(cols: int) -> tuple[int, int, int, int]:
    """Where each row starts in display memory: rows 3 and 4 continue rows 1 and 2."""
    return (0x00, 0x40, cols, 0x40 + cols)


def _glyph(code: int) -> str:
    # Printable ASCII is the same in both common character ROMs (A00, A02),
    # apart from 0x5C and 0x7E–0x7F; anything else is shown as a box.
    if 0x20 <= code <= 0x7D and code != 0x5C:
        return chr(code)
    return "▯"


class EmulatedLcd:
    """A PCF8574 + HD44780 module at one I2C address; SMBus's write calls only."""

    def __init__(
        self, address: int = 0x27, cols: int = 16, rows: int = 2, *, answers: bool = True
    ) -> None:
        self.address = address
        self.cols = cols
        self.rows = rows
        self.answers = answers
        self.writes: list[int] = []
        self.ddram = bytearray(b" " * DDRAM_SIZE)
        self.address_counter = 0
        self.four_bit = False
        self.display_on = False
        self.backlight = False
        self.to_cgram = False
        self.instructions: list[int] = []
        self.on_data: Callable[[], None] | None = None
        self._outputs = 0
        self._high_nibble: int | None = None
        self._lock = threading.Lock()

    # What smbus2.SMBus offers and RPLCD's PCF8574 path uses.

    def write_byte(self, i2c_addr: int, value: int, force: bool | None = None) -> None:
        if not self.answers or i2c_addr != self.address:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        with self._lock:
            self.writes.append(value & 0xFF)
            self._set_outputs(value & 0xFF)
        if self.on_data is not None and value & RS:
            self.on_data()

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        # Only MCP230xx expanders are written with registers: not this module.
        raise OSError(errno.EREMOTEIO, "Remote I/O error")

    def close(self) -> None:
        pass

    # What the glass shows.

    def lines(self) -> list[str]:
        with self._lock:
            starts = row_starts(self.cols)[: self.rows]
            return [
                "".join(_glyph(self.ddram[start + col]) for col in range(self.cols))
                for start in starts
            ]

    def text(self) -> str:
        return "\n".join(self.lines())

    # The chips.

    def _set_outputs(self, value: int) -> None:
        falling = bool(self._outputs & E) and not value & E
        self._outputs = value
        self.backlight = bool(value & BACKLIGHT)
        if not falling:
            return
        nibble = value & 0xF0
        is_data = bool(value & RS)
        if not self.four_bit:
            # 8-bit mode: D0–D3 are not wired, so they read as 0.
            self._byte(nibble, is_data)
            return
        if self._high_nibble is None:
            self._high_nibble = nibble
            return
        byte = self._high_nibble | (nibble >> 4)
        self._high_nibble = None
        self._byte(byte, is_data)

    def _byte(self, byte: int, is_data: bool) -> None:
        if is_data:
            if not self.to_cgram:
                self.ddram[self.address_counter] = byte
                self.address_counter = self._next_address(self.address_counter)
            return
        self.instructions.append(byte)
        if byte & 0x80:  # set DDRAM address
            self.address_counter = byte & 0x7F
            self.to_cgram = False
        elif byte & 0x40:  # set CGRAM address: custom characters, not shown here
            self.to_cgram = True
        elif byte & 0x20:  # function set
            self.four_bit = not byte & 0x10
            self._high_nibble = None
        elif byte & 0x08:  # display on/off control
            self.display_on = bool(byte & 0x04)
        elif byte & 0x02:  # return home
            self.address_counter = 0
            self.to_cgram = False
        elif byte == 0x01:  # clear display
            self.ddram[:] = b" " * DDRAM_SIZE
            self.address_counter = 0
            self.to_cgram = False

    @staticmethod
    def _next_address(address: int) -> int:
        # Two-line memory: 0x00–0x27 then 0x40–0x67, wrapping round.
        if address == 0x27:
            return 0x40
        if address == 0x67:
            return 0x00
        return (address + 1) & 0x7F
