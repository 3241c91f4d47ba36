"""A layout as ESC/POS bytes, made with python-escpos on a Dummy printer.

The whole ticket is built in memory first and then sent in one write: a
ticket either goes out whole or the write fails, and a retry sends the very
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from kiosk import qr
from kiosk.profiles import PaperProfile, escpos_profile
from kiosk.ticket_layout import Feed, Layout, Qr, Text

FEED_BEFORE_TEAR = 4  # lines, so the last text clears the tear bar of a printer without a cutter


@dataclass
class _Style:
    """What the printer is set to, so only changes are sent (a slow serial line counts bytes)."""

    align: str = "left"
    bold: bool = False
    invert: bool = False
    size: tuple[int, int] = (1, 1)

    def apply(
        self, printer: Dummy, align: str, bold: bool, invert: bool, size: tuple[int, int]
    ) -> None:
        changes: dict[str, Any] = {}
        if align != self.align:
            changes["align"] = align
        if bold != self.bold:
            changes["bold"] = bold
        if invert != self.invert:
            changes["invert"] = invert
        if size != self.size:
            changes.update(custom_size=True, width=size[0], height=size[1])
        if changes:
            printer.set(**changes)
        self.align, self.bold, self.invert, self.size = align, bold, invert, size


def layout_bytes(layout: Layout, paper: PaperProfile) -> bytes:
    printer = Dummy()
    printer.profile = escpos_profile(paper)
    printer.hw("INIT")  # ESC @ also resets the printer to the style _Style starts from
    style = _Style()
    for block in layout.blocks:
        if isinstance(block, Text):
            style.apply(
                printer, block.align.value, block.bold, block.invert, (block.width, block.height)
            )
            printer.textln(block.text)
        elif isinstance(block, Qr):
            style.apply(printer, "center", False, False, (1, 1))
            _qr(printer, block, paper)
        elif isinstance(block, Feed):
            printer.ln(block.lines)
    if layout.cut:
        printer.cut()
    else:
        printer.ln(FEED_BEFORE_TEAR)
    return bytes(printer.output)


def _qr(printer: Dummy, block: Qr, paper: PaperProfile) -> None:
    if paper.native_qr:
        printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_dots, native=True)
        printer.ln()
    else:
        # Centred by white dots on the left only: the right side needs no bytes.
        code = qr.qr_image(block.data, block.module_dots)
        left = (paper.dots - code.width) // 2
        padded = Image.new("1", (left + code.width, code.height), 1)
        padded.paste(code, (left, 0))
        printer.image(padded)
