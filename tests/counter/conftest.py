"""The keypad against a real server: uvicorn on a loopback port, the demo office.

The keypad runs whole (DeviceClient, gpiozero on MockFactory pins, LCD
worker threads). Each LCD is RPLCD writing to an emulated PCF8574 + HD44780
(`counter.hd44780.EmulatedLcd`), and the tests read the glass back from the
bytes RPLCD sent.
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
from gpiozero.pins.mock import MockFactory

from antrean.keyboard import press
from antrean.lamps import Scene
from antrean.protocol import IssueTicketCommand
from antrean.startup import device_client
from antrean.vocabulary import DeviceKind, Role
from counter.app import Keypad, Result
from counter.hd44780 import EmulatedLcd
from counter.lcd import I2cLcd, Lcd
from counter.settings import CounterSettings, CounterWiring
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.engine.commands import find_site
from server.engine.model import Counter, Ticket
from server.operations import Operations
from server.permissions import Caller
from server.store.database import Database
from tests.conftest import make_demo_database
from tests.devices import running, until
from tests.live import serving

# Counter 1's wiring (BCM numbers).
NEXT, RECALL, NO_SHOW, FINISH, TRANSFER = 17, 27, 22, 23, 24
READY, BUSY, PROBLEM, BUZZER = 5, 6, 13, 26
VERY_SATISFIED, SATISFIED, DISSATISFIED, VERY_DISSATISFIED = 12, 16, 20, 21
FIRST = (NEXT, RECALL, NO_SHOW, FINISH, TRANSFER, READY, BUSY, PROBLEM, BUZZER,
         VERY_SATISFIED, SATISFIED, DISSATISFIED, VERY_DISSATISFIED)
# A second counter on the same Pi, key for key.
SECOND = (4, 7, 8, 9, 10, 11, 14, 15, 18, 19, 25, 0, 1)
HOLD = 0.6


def wiring(
    number: int = 1, *, pins: tuple[int, ...] = FIRST, lcd: dict[str, Any] | None = None
) -> CounterWiring:
    (next_, recall, no_show, finish, transfer, ready, busy, problem, buzzer,
     very_satisfied, satisfied, dissatisfied, very_dissatisfied) = pins
    return CounterWiring.model_validate({
        "number": number,
        "keys": {"next": next_, "recall": recall, "no_show": no_show, "finish": finish,
                 "transfer": transfer, "transfer_to": "B"},
        "lights": {"ready": ready, "busy": busy, "problem": problem, "buzzer": buzzer},
        "faces": {"very_satisfied": very_satisfied, "satisfied": satisfied,
                  "dissatisfied": dissatisfied, "very_dissatisfied": very_dissatisfied},
        "lcd": lcd or {"address": 0x27, "cols": 16, "rows": 2},
    })


@dataclass
class Office:
    url: str
    db: Database

    def keypad_token(self, counters: list[int], kind: DeviceKind = DeviceKind.COUNTER) -> str:
        with self.db.writing() as work:
            _, token = add_device(
                work, "demo", kind, datetime.now(UTC),
                counters if kind is DeviceKind.COUNTER else None,
            )
        return token

    def issue(self, *services: str) -> None:
        admin = Caller(label="user:test", site_id=None, role=Role.ADMIN)
        operations = Operations(self.db)
        for service in services:
            operations.execute(admin, IssueTicketCommand(site="demo", service=service))

    def tickets(self) -> list[Ticket]:
        with self.db.reading() as work:
            return work.tickets_of_site(find_site(work, "demo").id)

    def counter(self, number: int) -> Counter:
        with self.db.reading() as work:
            counters = work.counters(find_site(work, "demo").id)
            [found] = [c for c in counters if c.number == number]
            return found


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with serving(create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))) as url:
        yield Office(url, db)
    db.dispose()


def keypad_settings(
    url: str, token: str, *counters: CounterWiring, **changes: Any
) -> CounterSettings:
    values: dict[str, Any] = {
        "server_url": url, "token": token, "site": "demo", "hold_seconds": HOLD,
        "next_guard_seconds": 0, "quiet_seconds": 0.3,
        "counters": list(counters) or [wiring()],
    }
    values.update(changes)
    return CounterSettings.model_validate(values)


@dataclass
class Rig:
    keypad: Keypad
    pins: MockFactory
    lcds: dict[int, EmulatedLcd]
    results: asyncio.Queue[Result]
    scenes: dict[int, list[Scene]] = field(default_factory=dict)

    def press(self, pin: int) -> None:
        press(self.pins, pin)

    async def hold(self, pin: int, seconds: float = HOLD + 0.3) -> None:
        self.pins.pin(pin).drive_low()
        await asyncio.sleep(seconds)
        self.pins.pin(pin).drive_high()

    async def result(self, timeout: float = 20) -> Result:
        return await asyncio.wait_for(self.results.get(), timeout)

    def glass(self, counter: int = 1) -> list[str]:
        """What the LCD shows, decoded from the bytes RPLCD wrote."""
        return self.lcds[counter].lines()

    def lit(self, pin: int) -> bool:
        return bool(self.pins.pin(pin).state)

    async def until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        await until(condition, timeout, lambda: {n: lcd.lines() for n, lcd in self.lcds.items()})


@asynccontextmanager
async def running_keypad(
    settings: CounterSettings,
    *,
    online: bool = True,
    lcds: dict[int, EmulatedLcd] | None = None,
) -> AsyncIterator[Rig]:
    pins = MockFactory()
    lcds = lcds if lcds is not None else {}

    def lcd_for(wiring: CounterWiring) -> Lcd | None:
        if wiring.lcd.address is None:
            return None
        emulated = lcds.setdefault(
            wiring.number, EmulatedLcd(wiring.lcd.address, wiring.lcd.cols, wiring.lcd.rows)
        )
        return I2cLcd(wiring.lcd, bus_factory=lambda port: emulated)

    results: asyncio.Queue[Result] = asyncio.Queue()
    scenes: dict[int, list[Scene]] = {}
    client = device_client(settings, command_timeout=settings.command_timeout, max_backoff=0.5)
    keypad = Keypad(
        settings, client, pin_factory=pins, lcd_factory=lcd_for,
        on_scene=lambda number, scene: scenes.setdefault(number, []).append(scene),
    )
    keypad.on_result(results.put_nowait)
    async with running(keypad.run, client, online=online, pins=pins):
        yield Rig(keypad, pins, lcds, results, scenes)
