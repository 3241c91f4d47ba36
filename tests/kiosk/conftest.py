"""The kiosk program against a real server: uvicorn on a loopback port, the demo office.

The kiosk runs whole (DeviceClient, gpiozero on MockFactory pins, the printer
worker) with a python-escpos Dummy that answers status requests like a
printer and can be made to fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from escpos.printer import Dummy
from gpiozero.pins.mock import MockFactory

from antrean.keyboard import press
from antrean.startup import device_client
from antrean.vocabulary import DeviceKind
from kiosk.app import Kiosk
from kiosk.lights import Scene
from kiosk.presses import Result
from kiosk.printer.port import PrinterPort
from kiosk.settings import ButtonSettings, FilePrinterSettings, KioskSettings, LightSettings
from kiosk.simulated import StatusAnswers
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.engine.commands import find_site
from server.engine.model import Ticket
from server.store import accounts
from server.store.database import Database
from tests.conftest import make_demo_database
from tests.devices import running, until
from tests.live import serving

BUTTON_A, BUTTON_B, PRIORITY = 17, 27, 22
READY, BUSY, PROBLEM, PRIORITY_LAMP, BUZZER = 5, 6, 13, 19, 26
COOLDOWN = 0.3  # seconds: short, so most tests need not wait for a button


class AnsweringPrinter(StatusAnswers, Dummy):
    """A Dummy that answers DLE EOT like a printer; `fail_writes` makes the next writes fail."""

    def __init__(self) -> None:
        Dummy.__init__(self)
        self.fail_writes = 0
        self.tickets: list[bytes] = []

    def _raw(self, msg: bytes) -> None:
        if self.status_request(msg):
            return
        if not self.switched_on:
            raise OSError("the printer is switched off")
        if self.fail_writes:
            self.fail_writes -= 1
            raise OSError("paper jam")
        super()._raw(msg)
        self.tickets.append(msg)


@dataclass
class Office:
    """The demo office served by uvicorn, with a registered kiosk."""

    url: str
    db: Database
    token: str
    device_id: int

    def tickets(self) -> list[Ticket]:
        with self.db.reading() as work:
            return work.tickets_of_site(find_site(work, "demo").id)

    def ticket(self, ticket_id: int) -> Ticket:
        with self.db.reading() as work:
            ticket = work.ticket(ticket_id)
            assert ticket is not None
            return ticket

    def device_health(self) -> dict[str, Any]:
        with self.db.reading() as work:
            device = accounts.device(work, self.device_id)
            assert device is not None
            return dict(device.health or {})


def demo_office(path: Path) -> tuple[Database, str, int]:
    db = make_demo_database(f"sqlite:///{path / 'antrean.db'}")
    with db.writing() as work:
        device, token = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
        return db, token, device.id


def server_app(db: Database, path: Path) -> Any:
    return create_app(ServerSettings(database_url=db.url, data_dir=path))


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    db, token, device_id = demo_office(tmp_path)
    with serving(server_app(db, tmp_path)) as url:
        yield Office(url, db, token, device_id)
    db.dispose()


def kiosk_settings(url: str, token: str, **changes: Any) -> KioskSettings:
    printer = {"paper": changes.pop("paper", "58mm"), "answers_status": True, "poll_seconds": 0.1}
    buttons = {
        "services": changes.pop("services", {f"GPIO{BUTTON_A}": "A", f"GPIO{BUTTON_B}": "B"}),
        "priority": f"GPIO{PRIORITY}",
        "cooldown_seconds": changes.pop("cooldown_seconds", COOLDOWN),
    }
    return KioskSettings(
        server_url=url,
        token=token,
        site=changes.pop("site", "demo"),
        buttons=ButtonSettings(**buttons),
        lights=LightSettings(
            ready=READY, busy=BUSY, problem=PROBLEM, priority=PRIORITY_LAMP, buzzer=BUZZER
        ),
        printer=FilePrinterSettings(**printer),
        **changes,
    )


@dataclass
class Rig:
    kiosk: Kiosk
    pins: MockFactory
    printer: AnsweringPrinter
    results: asyncio.Queue[Result]
    scenes: list[Scene] = field(default_factory=list)
    last_finished: float = float("-inf")

    def press(self, pin: int = BUTTON_A) -> None:
        press(self.pins, pin)

    async def press_when_cool(self, pin: int = BUTTON_A) -> None:
        """Press once the last press's cool-down is over: a press inside it is ignored."""
        await asyncio.sleep(max(0.0, self.last_finished + COOLDOWN - self.kiosk.clock()))
        self.press(pin)

    async def result(self, timeout: float = 30) -> Result:
        result = await asyncio.wait_for(self.results.get(), timeout)
        self.last_finished = result.finished_at
        return result

    def lit(self, pin: int) -> bool:
        return bool(self.pins.pin(pin).state)

    async def until(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        await until(condition, timeout, self.kiosk.status)


@asynccontextmanager
async def running_kiosk(
    url: str, token: str, *, online: bool = True, printer: AnsweringPrinter | None = None,
    **changes: Any,
) -> AsyncIterator[Rig]:
    settings = kiosk_settings(url, token, **changes)
    pins = MockFactory()
    printer = printer or AnsweringPrinter()
    client = device_client(settings, command_timeout=settings.command_timeout)
    results: asyncio.Queue[Result] = asyncio.Queue()
    scenes: list[Scene] = []
    kiosk = Kiosk(settings, client, PrinterPort(printer), pin_factory=pins, on_scene=scenes.append)
    kiosk.on_result(results.put_nowait)
    async with running(kiosk.run, client, online=online, pins=pins):
        yield Rig(kiosk, pins, printer, results, scenes)
