"""One connection to the printer: whole tickets out, status bytes in.

Every failure closes the connection, so the next use opens it afresh: a
printer that was unplugged, switched off or out of reach comes back by
itself once it is there again.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import Any

from escpos.escpos import Escpos

from kiosk.errors import PrintFailed
from kiosk.settings import PrinterSettings


class PrinterPort:
    def __init__(self, printer: Escpos, *, answers_status: bool = True) -> None:
        self.printer = printer
        self.answers_status = answers_status
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            try:
                self.printer._raw(data)
                _flush(self.printer)
            except Exception as error:
                self._reset()
                raise PrintFailed(_describe(error)) from error

    def query(self, request: bytes) -> bytes | None:
        """The printer's answer to a real-time status request.

        None when this printer cannot be asked; b"" when it was asked and
        said nothing (or the line failed), which must never count as fine.
        """
        if not self.answers_status:
            return None
        with self._lock:
            try:
                self.printer._raw(request)
                return bytes(self.printer._read() or b"")
            except NotImplementedError:
                return None
            except Exception:
                self._reset()
                return b""

    def close(self) -> None:
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        # Closing a broken connection may fail too; it is gone either way.
        with contextlib.suppress(Exception):
            self.printer.close()
        # False (not None) makes python-escpos open the device again on next use.
        self.printer.device = False


def _flush(printer: Any) -> None:
    flush = getattr(printer, "flush", None)
    if callable(flush):
        flush()


def _describe(error: Exception) -> str:
    text = str(error).strip().replace("\n", " ")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


TRANSPORTS = {
    "usb": "kiosk.printer.usb",
    "serial": "kiosk.printer.serial",
    "network": "kiosk.printer.network",
    "file": "kiosk.printer.file",
}


def open_port(settings: PrinterSettings) -> PrinterPort:
    """The printer the settings name; its connection opens on first use."""
    module = importlib.import_module(TRANSPORTS[settings.kind])
    return PrinterPort(module.connect(settings), answers_status=settings.queries_status())
