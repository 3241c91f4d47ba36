"""The demo's counters and citizens: simulated keypads worked by simulated officers,
and citizens who arrive at the kiosk in bursts.

Two keypad Pis (counters 1–2 and 3–4) run the real keypad program on mock
pins, each LCD an emulated module behind RPLCD. Each officer presses NEXT,
waits for the citizen, sometimes recalls and marks a no-show, serves,
finishes (or presses NEXT straight away), and the citizen often presses a
face on the way out. Citizens come one by one, and now and then a group
arrives together (a minibus from a village, the doors opening), so a
backlog builds up and clears.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from antrean.vocabulary import DeviceKind, Satisfaction
from counter.app import Outcome, Result
from counter.buttons import Key
from counter.settings import CounterSettings, CounterWiring
from counter.simulated import SimulatedKeypad, simulated_keypad
from kiosk.simulated import Keyboard as KioskKeyboard
from server.config import ServerSettings
from server.demo_office import DEMO_SITE

# Share of citizens per service (A–E), and of those on the priority path.
SERVICE_MIX = {"A": 0.40, "B": 0.20, "C": 0.25, "D": 0.05, "E": 0.10}
PRIORITY_SHARE = 0.15
GROUP_SHARE = 0.3  # of arrivals, the share that is a group
GROUP_SIZE = (4, 9)
OPENING_CROWD = 10  # waiting at the door when the office opens
KIOSK_COOLDOWN = 3.2  # the kiosk's button cool-down, and a little more
NO_SHOW_SHARE = 0.08
RATING_SHARE = 0.7
FACES = {
    Satisfaction.VERY_SATISFIED: 0.45, Satisfaction.SATISFIED: 0.35,
    Satisfaction.DISSATISFIED: 0.15, Satisfaction.VERY_DISSATISFIED: 0.05,
}
DEMO_KEYPAD = "demo keypad"
# One Pi per two counters, wired as in docs/counter.md; LCDs at 0x27 and 0x26.
PIS = [(1, 2), (3, 4)]
FIRST_PINS = {"next": 17, "recall": 27, "no_show": 22, "finish": 23,
              "ready": 5, "busy": 6, "problem": 13,
              "very_satisfied": 12, "satisfied": 16, "dissatisfied": 20,
              "very_dissatisfied": 21}
SECOND_PINS = {"next": 4, "recall": 18, "no_show": 24, "finish": 25,
               "ready": 7, "busy": 8, "problem": 9,
               "very_satisfied": 10, "satisfied": 11, "dissatisfied": 19,
               "very_dissatisfied": 26}


class Counts(Protocol):
    pressed: int
    called: int
    finished: int
    no_shows: int


def register_keypads(settings: ServerSettings) -> dict[tuple[int, ...], str]:
    """A fresh keypad device per Pi for this run; the previous run's are revoked."""
    from server.admin import add_device, revoke_device
    from server.store import accounts
    from server.store.database import Database

    db = Database(settings.database)
    now = datetime.now(UTC)
    tokens: dict[tuple[int, ...], str] = {}
    with db.writing() as work:
        for old in accounts.devices(work):
            if (
                old.kind is DeviceKind.COUNTER
                and old.name.startswith(DEMO_KEYPAD)
                and old.revoked_at is None
            ):
                revoke_device(work, old.id, now)
        for counters in PIS:
            name = f"{DEMO_KEYPAD} {'-'.join(map(str, counters))}"
            _, tokens[counters] = add_device(
                work, DEMO_SITE, DeviceKind.COUNTER, now, list(counters), name=name
            )
    db.dispose()
    return tokens


def _wiring(number: int, pins: dict[str, int], address: int) -> CounterWiring:
    return CounterWiring.model_validate({
        "number": number,
        "keys": {key: pins[key] for key in ("next", "recall", "no_show", "finish")},
        "lights": {key: pins[key] for key in ("ready", "busy", "problem")},
        "faces": {face.value: pins[face.value] for face in Satisfaction},
        "lcd": {"address": address, "cols": 16, "rows": 2},
    })


def keypad_settings(
    base: str, tokens: dict[tuple[int, ...], str], speed: float
) -> list[CounterSettings]:
    return [
        CounterSettings(
            server_url=base,
            token=token,
            site=DEMO_SITE,
            next_guard_seconds=min(5.0, 5.0 / speed),
            counters=[_wiring(first, FIRST_PINS, 0x27), _wiring(second, SECOND_PINS, 0x26)],
        )
        for (first, second), token in tokens.items()
    ]


class Desk:
    """One simulated officer's hands on one counter's keys."""

    def __init__(self, sim: SimulatedKeypad, wiring: CounterWiring) -> None:
        self.sim = sim
        self.wiring = wiring
        self.results: asyncio.Queue[Result] = asyncio.Queue()

    async def lcd_showing(self, code: str) -> str:
        """The LCD's two lines once they show `code` (read back from its bus)."""
        glass = self.sim.lcds[self.wiring.number]
        before: list[str] = []
        for _ in range(50):
            lines = glass.lines()
            if code in lines[0] and lines == before:
                break  # shown, and no longer being written
            before = lines
            await asyncio.sleep(0.03)
        return "[" + " | ".join(glass.lines()) + "]"

    def click(self, pin: Any) -> None:
        self.sim.keyboard.click(pin)

    async def press(self, key: Key) -> Result:
        """Press a key and wait for what it came to; pressed again if it was too soon."""
        pin = self.wiring.keys.pins()[key.value]
        while True:
            self.click(pin)
            result = await asyncio.wait_for(self.results.get(), 30)
            if result.outcome is not Outcome.IGNORED:
                return result
            await asyncio.sleep(0.6)  # the keypad's quiet time after an answer


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {line}", flush=True)


def _hand_over(desks: dict[int, Desk], result: Result) -> None:
    if result.key is not Key.FACE:
        desks[result.counter].results.put_nowait(result)


def start_keypads(settings: list[CounterSettings]) -> list[tuple[SimulatedKeypad, list[Desk]]]:
    made = []
    for pi in settings:
        sim = simulated_keypad(pi, say=None)
        desks = [Desk(sim, wiring) for wiring in pi.counters]
        by_number = {desk.wiring.number: desk for desk in desks}
        sim.keypad.on_result(partial(_hand_over, by_number))
        made.append((sim, desks))
    return made


async def officer(desk: Desk, speed: float, tally: Counts) -> None:
    number = desk.wiring.number
    await asyncio.sleep(1 + number * 0.7)
    rate_after_next: str | None = None
    while True:
        result = await desk.press(Key.NEXT)
        if rate_after_next is not None:
            _rate_soon(desk, number, rate_after_next)
            rate_after_next = None
        if result.outcome is not Outcome.DONE or result.ticket is None:
            await asyncio.sleep(2.5 / speed)
            continue
        code = result.ticket.code
        tally.called += 1
        _say(f"loket {number}  memanggil {code}   LCD {await desk.lcd_showing(code)}")
        await asyncio.sleep(random.uniform(1, 3) / speed)
        if random.random() < NO_SHOW_SHARE:
            for _ in range(2):
                if (await desk.press(Key.RECALL)).outcome is Outcome.DONE:
                    _say(f"loket {number}  memanggil ulang {code}")
                await asyncio.sleep(random.uniform(2, 4) / speed)
            await desk.press(Key.NO_SHOW)
            tally.no_shows += 1
            _say(f"loket {number}  {code} tidak hadir")
            continue
        await asyncio.sleep(random.uniform(40, 120) / speed)  # minutes in a real office
        tally.finished += 1
        rates = random.random() < RATING_SHARE
        if random.random() < 0.5:
            await desk.press(Key.FINISH)
            if rates:
                _rate_soon(desk, number, code)
        elif rates:
            rate_after_next = code  # the next NEXT finishes them; they rate on the way out


def _rate_soon(desk: Desk, number: int, code: str) -> None:
    asyncio.get_running_loop().call_later(0.5, _rate, desk, number, code)


def _rate(desk: Desk, number: int, code: str) -> None:
    face = random.choices(list(FACES), list(FACES.values()))[0]
    if desk.sim.keypad.desks[number].rateable is None:
        return  # finished by the next NEXT: the citizen rates after it
    desk.click(desk.wiring.faces.pins()[face])
    _say(f"loket {number}  {code} menilai: {face.words}")


async def citizens(keyboard: KioskKeyboard, speed: float, tally: Counts) -> None:
    """Citizens walk up to the kiosk, one at a time or a group at once."""
    services, weights = list(SERVICE_MIX), list(SERVICE_MIX.values())
    last_press: dict[int, float] = {}
    await asyncio.sleep(2)
    group = OPENING_CROWD
    _say(f"kiosk    {group} warga sudah menunggu saat kantor buka")
    while True:
        if group > 1:
            _say(f"kiosk    {group} warga datang bersamaan")
        for _ in range(group):
            button = services.index(random.choices(services, weights)[0]) + 1
            wait = last_press.get(button, float("-inf")) + KIOSK_COOLDOWN - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # behind the one before, at the same button
            if random.random() < PRIORITY_SHARE:
                keyboard.key("p")
                await asyncio.sleep(0.5)
            keyboard.key(str(button))
            last_press[button] = time.monotonic()
            tally.pressed += 1
            await asyncio.sleep(random.uniform(1.0, 1.6))  # the kiosk prints, the next steps up
        await asyncio.sleep(random.expovariate(1 / 12) / speed)
        group = random.randint(*GROUP_SIZE) if random.random() < GROUP_SHARE else 1
