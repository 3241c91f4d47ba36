"""A printer reached through a device file (/dev/usb/lp0) or a plain file."""

from __future__ import annotations

from escpos.escpos import Escpos
from escpos.printer import File

from kiosk.settings import FilePrinterSettings


def connect(settings: FilePrinterSettings) -> Escpos:
    return File(devfile=str(settings.path))
