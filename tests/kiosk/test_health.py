"""Reading the printer's state from its status bytes; silence is never "fine"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from escpos.printer import Dummy

from antrean.health import PrinterState
from kiosk.errors import PrintFailed
from kiosk.health import ASK_OFFLINE_CAUSE, ASK_PAPER, ASK_PRINTER, read_printer, status_byte
from kiosk.printer.port import PrinterPort


def answering(answers: dict[bytes, list[bytes]]):  # type: ignore[no-untyped-def]
    """A query function that gives each request's answers in turn (the last one repeats)."""
    asked: list[bytes] = []

    def query(request: bytes) -> bytes:
        asked.append(request)
        queue = answers.get(request, [b""])
        return queue.pop(0) if len(queue) > 1 else queue[0]

    query.asked = asked  # type: ignore[attr-defined]
    return query


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state"),
    [
        (b"\x12", None, b"\x12", PrinterState.OK),
        (b"\x12", None, b"\x1e", PrinterState.PAPER_NEAR_END),
        (b"\x12", None, b"\x16", PrinterState.PAPER_NEAR_END),  # one near-end sensor bit
        (b"\x12", None, b"\x72", PrinterState.PAPER_OUT),
        (b"\x1a", b"\x32", None, PrinterState.PAPER_OUT),  # offline: stopped by paper end
        (b"\x1a", b"\x16", None, PrinterState.OFFLINE),  # offline: cover open
        (b"\x1a", b"\x52", None, PrinterState.ERROR),  # offline: an error occurred
    ],
)
def test_status_bytes(
    printer: bytes, cause: bytes | None, paper: bytes | None, state: PrinterState
) -> None:
    answers = {ASK_PRINTER: [printer]}
    if cause is not None:
        answers[ASK_OFFLINE_CAUSE] = [cause]
    if paper is not None:
        answers[ASK_PAPER] = [paper]
    assert read_printer(answering(answers)).state is state


def test_silence_is_offline_although_python_escpos_calls_it_plenty_of_paper() -> None:
    class Silent(Dummy):
        def _read(self) -> bytes:
            return b""

    assert Silent().paper_status() == 2  # the library's answer to silence: "adequate"
    query = answering({})
    reading = read_printer(query)
    assert reading.state is PrinterState.OFFLINE
    assert not reading.can_print
    assert query.asked == [ASK_PRINTER, ASK_PRINTER]  # asked twice before giving up


def test_a_silent_paper_sensor_is_offline_too() -> None:
    reading = read_printer(answering({ASK_PRINTER: [b"\x12"], ASK_PAPER: [b""]}))
    assert reading.state is PrinterState.OFFLINE


def test_one_lost_answer_is_asked_again() -> None:
    query = answering({ASK_PRINTER: [b"", b"\x12"], ASK_PAPER: [b"\x12"]})
    assert read_printer(query).state is PrinterState.OK


def test_garbage_is_not_an_answer() -> None:
    assert status_byte(b"\xff") is None
    assert status_byte(b"\x00") is None
    assert status_byte(b"\x72\x12") == 0x12  # stale bytes first, the answer last
    reading = read_printer(answering({ASK_PRINTER: [b"\xff"]}))
    assert reading.state is PrinterState.OFFLINE


def test_a_printer_that_cannot_be_asked_is_unknown_and_may_print() -> None:
    reading = read_printer(lambda request: None)
    assert reading.state is None
    assert reading.can_print


class Flaky(Dummy):
    """A printer whose connection breaks `breaks` times, then works; it answers 0x12."""

    def __init__(self, breaks: int) -> None:
        super().__init__()
        self.breaks = breaks
        self.opened = 0
        self.closed = 0

    def open(self) -> None:
        self.opened += 1
        self.device = object()

    def close(self) -> None:
        self.closed += 1

    def _raw(self, msg: bytes) -> None:
        assert self.device
        if self.breaks:
            self.breaks -= 1
            raise OSError("Broken pipe")
        super()._raw(msg)

    def _read(self) -> bytes:
        return b"\x12"


def test_port_reopens_after_a_failed_write() -> None:
    printer = Flaky(breaks=1)
    port = PrinterPort(printer)
    with pytest.raises(PrintFailed, match="OSError: Broken pipe"):
        port.write(b"ticket")
    assert printer.closed == 1
    port.write(b"ticket")
    assert printer.output == b"ticket"
    assert printer.opened == 2  # opened again for the second try


def test_port_turns_a_broken_line_into_silence_not_fine() -> None:
    printer = Flaky(breaks=2)
    port = PrinterPort(printer)
    assert read_printer(port.query).state is PrinterState.OFFLINE
    assert read_printer(port.query).state is PrinterState.OK  # fixed: back by itself


def test_port_without_status_never_asks() -> None:
    printer = Flaky(breaks=0)
    port = PrinterPort(printer, answers_status=False)
    assert port.query(ASK_PRINTER) is None
    assert printer.output == b""


@pytest.fixture
def dummy() -> Iterator[Dummy]:
    printer = Dummy()
    yield printer
    printer.close()


def test_port_of_a_printer_that_cannot_read_is_unknown(dummy: Dummy) -> None:
    assert PrinterPort(dummy).query(ASK_PRINTER) is None
