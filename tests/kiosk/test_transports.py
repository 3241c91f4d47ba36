"""Each printer transport, on something real: a TCP printer, a pseudo-terminal, a file."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from antrean.health import PrinterState
from kiosk.health import DLE_EOT, read_printer
from kiosk.printer.port import open_port
from kiosk.settings import (
    FilePrinterSettings,
    NetworkPrinterSettings,
    SerialPrinterSettings,
    UsbPrinterSettings,
)
from kiosk.simulated import StatusAnswers


class TcpPrinter(StatusAnswers):
    """A network printer on a loopback port: keeps what it gets, answers status requests."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with connection:
                while data := connection.recv(4096):
                    self._take(connection, data)

    def _take(self, connection: socket.socket, data: bytes) -> None:
        # Status requests may arrive glued to other bytes: answer each where it stands.
        rest = data
        while (at := rest.find(DLE_EOT)) >= 0 and len(rest) >= at + 3:
            self.received += rest[:at]
            self.status_request(rest[at : at + 3])
            connection.sendall(self._read())
            rest = rest[at + 3 :]
        self.received += rest

    def close(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone may not.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    printer = TcpPrinter()
    yield printer
    printer.close()


def test_network_printer_prints_and_answers(tcp_printer: TcpPrinter) -> None:
    port = open_port(NetworkPrinterSettings(host="127.0.0.1", port=tcp_printer.port, timeout=2))
    tcp_printer.paper = PrinterState.PAPER_NEAR_END
    assert read_printer(port.query).state is PrinterState.PAPER_NEAR_END
    port.write(b"\x1b@A001\n")
    port.close()
    for _ in range(200):  # the write is done; the printer's thread may still be reading it
        if tcp_printer.received:
            break
        threading.Event().wait(0.01)
    assert bytes(tcp_printer.received) == b"\x1b@A001\n"


def test_network_printer_that_is_gone_is_offline_then_back(tcp_printer: TcpPrinter) -> None:
    settings = NetworkPrinterSettings(host="127.0.0.1", port=tcp_printer.port, timeout=1)
    tcp_printer.close()
    port = open_port(settings)
    assert read_printer(port.query).state is PrinterState.OFFLINE
    again = TcpPrinter(tcp_printer.port)  # switched on again
    try:
        assert read_printer(port.query).state is PrinterState.OK  # reconnected by itself
    finally:
        port.close()
        again.close()


def test_serial_printer_over_a_pseudo_terminal() -> None:
    controller, device = os.openpty()
    try:
        name = os.ttyname(device)
        port = open_port(SerialPrinterSettings(device=name, hardware_flow=False, timeout=0.5))
        port.write(b"\x1b@B002\n")
        assert os.read(controller, 100) == b"\x1b@B002\n"
        # Nobody answers on the other end: silence, so offline.
        assert read_printer(port.query).state is PrinterState.OFFLINE
        os.read(controller, 100)
        port.close()
    finally:
        os.close(controller)
        os.close(device)


def test_file_printer_writes_and_is_not_asked(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    port = open_port(FilePrinterSettings(path=target))
    assert read_printer(port.query).state is None
    port.write(b"\x1b@C003\n")
    port.close()
    assert target.read_bytes() == b"\x1b@C003\n"


def test_usb_printer_is_set_up_with_its_ids_and_a_timeout() -> None:
    port = open_port(UsbPrinterSettings(vendor_id=0x0416, product_id=0x5011, timeout_ms=3000))
    printer = port.printer
    assert printer.usb_args == {"idVendor": 0x0416, "idProduct": 0x5011}
    assert printer.timeout == 3000
    assert (printer.in_ep, printer.out_ep) == (0x82, 0x01)
