"""A printer on USB, found by its vendor and product id (see `lsusb`)."""

from __future__ import annotations

from escpos.escpos import Escpos

from kiosk.errors import MissingDriver
from kiosk.settings import UsbPrinterSettings


def connect(settings: UsbPrinterSettings) -> Escpos:
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise MissingDriver("a USB printer needs pyusb: pip install 'python-escpos[usb]'")
    # Without a timeout a write to a stalled printer would wait forever.
    return Usb(
        settings.vendor_id,
        settings.product_id,
        timeout=settings.timeout_ms,
        in_ep=settings.in_endpoint,
        out_ep=settings.out_endpoint,
    )
