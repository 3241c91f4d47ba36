"""A printer on a serial port: the Pi's UART or a USB-serial adapter."""

from __future__ import annotations

from escpos.escpos import Escpos

from kiosk.errors import MissingDriver
from kiosk.settings import SerialPrinterSettings


def connect(settings: SerialPrinterSettings) -> Escpos:
    from escpos.printer import Serial

    if not Serial.is_usable():
        raise MissingDriver("a serial printer needs pyserial: pip install 'python-escpos[serial]'")
    return Serial(
        devfile=settings.device,
        baudrate=settings.baudrate,
        timeout=settings.timeout,
        dsrdtr=settings.hardware_flow,
    )
