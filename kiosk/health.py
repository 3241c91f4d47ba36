"""The printer's state, read from its real-time status bytes (DLE EOT n).

python-escpos 3.1's `paper_status()` answers "plenty of paper" when the
printer says nothing at all, so it is not used: here silence means the
printer is offline, and only a well-formed answer counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from antrean.health import PrinterState

DLE_EOT = b"\x10\x04"
ASK_PRINTER = DLE_EOT + b"\x01"
ASK_OFFLINE_CAUSE = DLE_EOT + b"\x02"
ASK_PAPER = DLE_EOT + b"\x04"

# Every status byte has bits 1 and 4 set and bits 0 and 7 clear.
FIXED_MASK, FIXED_BITS = 0x93, 0x12
OFFLINE = 0x08  # DLE EOT 1
COVER_OPEN, STOPPED_NO_PAPER, ERROR = 0x04, 0x20, 0x40  # DLE EOT 2
PAPER_NEAR_END, PAPER_END = 0x0C, 0x60  # DLE EOT 4: either sensor bit counts


@dataclass(frozen=True)
class PrinterReading:
    """What the printer said. `state` is None when it cannot be asked at all."""

    state: PrinterState | None
    detail: str = ""

    @property
    def can_print(self) -> bool:
        # A printer that cannot be asked gets the benefit of the doubt; its writes tell.
        return self.state is None or self.state.can_print


Query = Callable[[bytes], bytes | None]


def status_byte(answer: bytes | None) -> int | None:
    """The answer's status byte, or None when there is no well-formed one.

    The last byte is taken: anything before it is stale data from earlier.
    """
    if not answer:
        return None
    byte = answer[-1]
    return byte if byte & FIXED_MASK == FIXED_BITS else None


def _ask(query: Query, request: bytes) -> int | bytes | None:
    """The status byte; None if not askable; b"" after two silent tries."""
    for _ in range(2):
        answer = query(request)
        if answer is None:
            return None
        byte = status_byte(answer)
        if byte is not None:
            return byte
    return b""


def read_printer(query: Query) -> PrinterReading:
    printer = _ask(query, ASK_PRINTER)
    if printer is None:
        return PrinterReading(None, "the printer is not asked for its status")
    if not isinstance(printer, int):
        return PrinterReading(PrinterState.OFFLINE, "no answer from the printer")
    if printer & OFFLINE:
        return _offline_cause(query)
    paper = _ask(query, ASK_PAPER)
    if not isinstance(paper, int):
        return PrinterReading(PrinterState.OFFLINE, "no answer about the paper")
    if paper & PAPER_END:
        return PrinterReading(PrinterState.PAPER_OUT, "paper out")
    if paper & PAPER_NEAR_END:
        return PrinterReading(PrinterState.PAPER_NEAR_END, "paper near its end")
    return PrinterReading(PrinterState.OK)


def _offline_cause(query: Query) -> PrinterReading:
    cause = _ask(query, ASK_OFFLINE_CAUSE)
    if not isinstance(cause, int):
        return PrinterReading(PrinterState.OFFLINE, "offline")
    if cause & STOPPED_NO_PAPER:
        return PrinterReading(PrinterState.PAPER_OUT, "paper out")
    if cause & COVER_OPEN:
        return PrinterReading(PrinterState.OFFLINE, "cover open")
    if cause & ERROR:
        return PrinterReading(PrinterState.ERROR, "printer error (cutter or mechanism)")
    return PrinterReading(PrinterState.OFFLINE, "offline")
