"""The kiosk on a laptop: keys press the buttons, the printer is a file, tickets are PNGs.

The buttons and lamps are gpiozero devices on its mock pins, so the same
code runs as on a Pi: a key drives a button's pin low and high again. The
printer appends what it is sent to `printer.bin` and answers status
queries like a real one; keys take its paper away or switch it off. Every
ticket is also saved as a PNG.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from escpos.escpos import Escpos

from antrean.health import PrinterState
from antrean.keyboard import press, run_with_keys
from antrean.protocol import IssuedTicket
from kiosk.health import DLE_EOT
from kiosk.profiles import PaperProfile
from kiosk.settings import ButtonSettings, KioskSettings, LightSettings
from kiosk.ticket_image import save_png
from kiosk.ticket_layout import Layout

# Pins used when the settings wire none: the same as the wiring table in docs/kiosk.md.
DEFAULT_BUTTONS = ButtonSettings(
    services={"GPIO17": "A", "GPIO27": "B", "GPIO22": "C", "GPIO23": "D", "GPIO24": "E"},
    priority="GPIO25",
)
DEFAULT_LIGHTS = LightSettings(ready="GPIO5", busy="GPIO6", problem="GPIO13", priority="GPIO19",
                               buzzer="GPIO26")

_FINE, _STOPPED = 0x12, 0x08
_PAPER_BITS = {
    PrinterState.OK: 0x12, PrinterState.PAPER_NEAR_END: 0x1E, PrinterState.PAPER_OUT: 0x72,
}


class StatusAnswers:
    """Answers DLE EOT status requests as an ESC/POS printer does.

    `paper` is OK, PAPER_NEAR_END or PAPER_OUT; `switched_on` False makes the
    printer silent and its writes fail.
    """

    paper: PrinterState = PrinterState.OK
    switched_on: bool = True
    _answer: bytes = b""

    def status_request(self, message: bytes) -> bool:
        """Take a status request; False if `message` is something to print."""
        if len(message) != 3 or not message.startswith(DLE_EOT):
            return False
        self._answer = self._status(message[2]) if self.switched_on else b""
        return True

    def _status(self, kind: int) -> bytes:
        out = self.paper is PrinterState.PAPER_OUT
        if kind == 1:
            return bytes([_FINE | (_STOPPED if out else 0)])
        if kind == 2:
            return bytes([_FINE | (0x20 if out else 0)])
        if kind == 4:
            return bytes([_PAPER_BITS[self.paper]])
        return bytes([_FINE])

    def _read(self) -> bytes:
        answer, self._answer = self._answer, b""
        return answer


class SimulatedPrinter(StatusAnswers, Escpos):  # type: ignore[misc]  # escpos ships no types
    """A printer whose paper is a file: every byte sent to it is appended there."""

    _device: IO[bytes] | bool

    def __init__(self, path: Path, **kwargs: Any) -> None:
        Escpos.__init__(self, **kwargs)
        self.path = path
        self.written = 0
        self.on_write: Callable[[int], None] | None = None

    def open(self, raise_not_found: bool = True) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.device = self.path.open("ab")

    def _raw(self, msg: bytes) -> None:
        if self.status_request(msg):
            return
        if not self.switched_on:
            raise OSError("the printer is switched off")
        file: IO[bytes] = self.device
        file.write(msg)
        file.flush()
        self.written += len(msg)
        if self.on_write is not None:
            self.on_write(len(msg))

    def close(self) -> None:
        device = self._device
        if not isinstance(device, bool):
            device.close()
        self._device = False


def simulated_settings(settings: KioskSettings) -> KioskSettings:
    """The settings with default pins where none are wired, and the printer in a file."""
    from kiosk.settings import FilePrinterSettings

    out = settings.simulation.output_dir
    printer = FilePrinterSettings(
        path=out / "printer.bin",
        paper=settings.printer.paper,
        cutter=settings.printer.cutter,
        native_qr=settings.printer.native_qr,
        answers_status=True,
        poll_seconds=min(settings.printer.poll_seconds, 2.0),
    )
    return settings.model_copy(update={
        "buttons": settings.buttons if settings.buttons.services else DEFAULT_BUTTONS,
        "lights": settings.lights if settings.lights.pins() else DEFAULT_LIGHTS,
        "printer": printer,
    })


@dataclass
class TicketArchive:
    """Saves each printed ticket as a PNG, numbered in order within this run.

    The run's start time leads the name, so a later run (numbers start again at
    A001 each day, and the count at 0001) never overwrites an earlier run's tickets.
    """

    folder: Path
    paper: PaperProfile
    saved: int = 0
    run: str = field(default_factory=lambda: time.strftime("%Y%m%d-%H%M%S"))

    def __call__(self, layout: Layout, issued: IssuedTicket) -> Path:
        self.saved += 1
        path = self.folder / f"ticket-{self.run}-{self.saved:04d}-{issued.ticket.code}.png"
        save_png(layout, self.paper, path)
        return path


KEY_HELP = """keys: 1-9 press a service button, p the PRIORITAS button,
      n paper nearly out, x paper out, f paper refilled, o printer off/on, q quit"""


class Keyboard:
    """Turns keys into button presses (on the mock pins) and printer mishaps."""

    def __init__(
        self,
        factory: Any,
        buttons: ButtonSettings,
        printer: SimulatedPrinter,
        quit: Callable[[], None],
    ) -> None:
        self.factory = factory
        self.services = list(buttons.pins().items())
        self.service_pins = [pin for pin, _ in self.services]
        self.priority_pin = buttons.priority_pin()
        self.printer = printer
        self.quit = quit

    def key(self, key: str) -> str | None:
        """Act on one key; returns what happened, for the screen."""
        if key.isdigit() and 1 <= int(key) <= len(self.service_pins):
            pin = self.service_pins[int(key) - 1]
            press(self.factory, pin)
            return f"pressed button {key} ({pin})"
        if key == "p" and self.priority_pin is not None:
            press(self.factory, self.priority_pin)
            return "pressed PRIORITAS"
        mishaps = {
            "n": PrinterState.PAPER_NEAR_END, "x": PrinterState.PAPER_OUT, "f": PrinterState.OK,
        }
        if key in mishaps:
            self.printer.paper = mishaps[key]
            return f"printer paper: {self.printer.paper.value}"
        if key == "o":
            self.printer.switched_on = not self.printer.switched_on
            return "printer switched " + ("on" if self.printer.switched_on else "off")
        if key == "q":
            self.quit()
            return "quitting"
        return None


@dataclass
class SimulatedKiosk:
    kiosk: Any  # kiosk.app.Kiosk
    keyboard: Keyboard
    printer: SimulatedPrinter
    archive: TicketArchive
    stop: asyncio.Event


def _say(text: str) -> None:
    print(f"  {text}", flush=True)


def simulated_kiosk(
    settings: KioskSettings, *, say: Callable[[str], None] = _say
) -> SimulatedKiosk:
    """The kiosk wired to mock pins, a file printer and a PNG archive; `say` narrates."""
    from gpiozero.pins.mock import MockFactory

    from antrean.startup import device_client
    from kiosk.app import Kiosk
    from kiosk.presses import Result
    from kiosk.printer.port import PrinterPort

    settings = simulated_settings(settings)
    out = settings.simulation.output_dir
    printer = SimulatedPrinter(out / "printer.bin")
    archive = TicketArchive(out, settings.printer.profile())
    factory = MockFactory()
    stop = asyncio.Event()

    def printed(layout: Layout, issued: IssuedTicket) -> None:
        say(f"printed {issued.ticket.code} → {archive(layout, issued)}")

    def show_result(result: Result) -> None:
        code = result.ticket.ticket.code if result.ticket else "-"
        say(f"{result.service}: {result.outcome.value} {code} {result.detail}".rstrip())

    client = device_client(settings, command_timeout=settings.command_timeout)
    kiosk = Kiosk(
        settings, client, PrinterPort(printer), pin_factory=factory,
        on_scene=lambda scene: say(f"lamps  {scene.describe()}"), on_printed=printed,
    )
    kiosk.on_result(show_result)
    keyboard = Keyboard(factory, settings.buttons, printer, stop.set)
    return SimulatedKiosk(kiosk, keyboard, printer, archive, stop)


def run_simulated(settings: KioskSettings) -> int:
    """`antrean kiosk --simulate`: the kiosk with keys, a file printer and PNG tickets."""

    async def main() -> None:
        sim = simulated_kiosk(settings)
        print(f"simulated kiosk for site {settings.site} at {settings.server_url}")
        print(f"tickets go to {settings.simulation.output_dir}/")
        for number, (pin, service) in enumerate(sim.keyboard.services, start=1):
            print(f"  {number} = service {service} ({pin})")
        print(KEY_HELP, flush=True)
        await run_with_keys(sim.kiosk.run(sim.stop), sim.keyboard.key)

    asyncio.run(main())
    return 0
