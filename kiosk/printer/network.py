"""A printer on the network, raw TCP on port 9100 (JetDirect / AppSocket)."""

from __future__ import annotations

import socket

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network

from kiosk.settings import NetworkPrinterSettings


class ClosingNetwork(Network):  # type: ignore[misc]  # python-escpos ships no types
    """python-escpos's Network printer, but a failed connection closes its socket.

    python-escpos 3.1 drops the socket of a failed attempt without closing it;
    a kiosk that asks an unreachable printer every few seconds would pile them up.
    """

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            self.device = None  # type: ignore[assignment]  # python-escpos: None is "closed"
            if raise_not_found:
                raise DeviceNotFoundError(
                    f"cannot reach the printer at {self.host}:{self.port}: {error}"
                ) from error


def connect(settings: NetworkPrinterSettings) -> Escpos:
    # python-escpos waits 60 s by default; a kiosk must learn much sooner.
    return ClosingNetwork(settings.host, port=settings.port, timeout=settings.timeout)
