"""Counter keypad: from a NEXT press to the new number on its LCD and on every display,
against the bare command round trip.

    .venv/bin/python bench/counter.py                 # 200 presses, 10 displays (~1 min)
    .venv/bin/python bench/counter.py --presses 50 --displays 3

The server is the real one (`antrean server`: uvicorn, SQLite file with
synchronous=FULL, in-process fanout) in its own process, with the demo office
and a backlog of citizens. The keypad is the simulated one (`antrean counter
--simulate`) in this process: a press drives NEXT's mock pin down and up, the
keypad sends `call_next` (which also finishes the citizen before), and its LCD
is RPLCD writing to an emulated PCF8574 + HD44780. Two clocks stop per press:

- LCD: when the emulated controller's memory first holds the new number on
  its first line, decoded from the bytes RPLCD sent over the fake I2C bus;
- displays: when the `called` event for that number has reached every one of
  the display clients (DeviceClients with display tokens).

The baseline is the bare `call_next` command from a second keypad at another
counter, sent just before each press, so both see the same machine. Figures
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antrean.client import ClientUpdate, DeviceClient
from antrean.protocol import CallNextCommand, IssueTicketCommand
from antrean.vocabulary import DeviceKind, EventType, Role
from bench.kiosk import percentile, server
from counter.app import Outcome, Result
from counter.settings import CounterSettings
from counter.simulated import simulated_keypad

WARMUP = 5
NEXT_PIN = 17


def prepare_office(data_dir: Path, presses: int, displays: int) -> tuple[str, dict[str, object]]:
    from server.admin import add_device, create_site
    from server.demo_office import demo_spec
    from server.operations import Operations
    from server.permissions import Caller
    from server.store.database import Database
    from server.store.migrate import upgrade

    url = f"sqlite:///{data_dir / 'antrean.db'}"
    db = Database(url)
    upgrade(db)
    office = demo_spec()
    for service in office.services:
        service.daily_quota = None
    now = datetime.now(UTC)
    with db.writing() as work:
        create_site(work, office)
        _, keypad = add_device(work, "demo", DeviceKind.COUNTER, now, [1], name="keypad")
        _, bare = add_device(work, "demo", DeviceKind.COUNTER, now, [2], name="bare")
        screens = [
            add_device(work, "demo", DeviceKind.DISPLAY, now, name=f"display {n}")[1]
            for n in range(displays)
        ]
    admin = Caller(label="user:bench", site_id=None, role=Role.ADMIN)
    operations = Operations(db)
    # Counter 1 serves A and C, counter 2 A and B: enough for both, every press.
    for service in ("C", "B"):
        for _ in range(presses + WARMUP + 5):
            operations.execute(admin, IssueTicketCommand(site="demo", service=service))
    db.dispose()
    return url, {"keypad": keypad, "bare": bare, "displays": screens}


async def run(url: str, tokens: dict[str, object], presses: int) -> dict[str, list[float]]:
    settings = CounterSettings.model_validate({
        "server_url": url, "token": tokens["keypad"], "site": "demo",
        "next_guard_seconds": 0, "quiet_seconds": 0,
        "counters": [{"number": 1, "keys": {"next": NEXT_PIN}, "lcd": {"address": 0x27}}],
    })
    sim = simulated_keypad(settings, say=None)
    glass = sim.lcds[1]
    results: asyncio.Queue[Result] = asyncio.Queue()
    sim.keypad.on_result(results.put_nowait)
    loop = asyncio.get_running_loop()

    expected = ""
    lcd_at = 0.0

    def data_written() -> None:  # on the LCD's worker thread, for every character
        nonlocal lcd_at
        if not lcd_at and expected and glass.lines()[0].startswith(f"L1 {expected}"):
            lcd_at = time.perf_counter()

    glass.on_data = data_written
    arrivals: dict[str, list[float]] = {}
    displays = [DeviceClient(url, str(token), site="demo") for token in tokens["displays"]]  # type: ignore[attr-defined]

    def arrived(update: ClientUpdate) -> None:
        event = update.event
        if event is not None and event.type is EventType.CALLED and event.counter == 1:
            assert event.ticket is not None
            arrivals.setdefault(event.ticket.code, []).append(time.perf_counter())

    for display in displays:
        display.on_change(arrived)
        await display.start()
    running = loop.create_task(sim.keypad.run(sim.stop))
    figures: dict[str, list[float]] = {"lcd": [], "displays": [], "answer": [], "bare": []}
    async with DeviceClient(url, str(tokens["bare"]), site="demo") as bare:
        for client in [bare, sim.keypad.client, *displays]:
            await client.wait_online(15)
        await asyncio.sleep(0.5)
        for n in range(presses + WARMUP):
            started = time.perf_counter()
            await bare.send(CallNextCommand(site="demo", counter=2))
            bare_time = time.perf_counter() - started
            snapshot = sim.keypad.client.snapshot
            assert snapshot is not None
            lcd_at, expected = 0.0, ""
            pressed = time.perf_counter()
            sim.keyboard.click(NEXT_PIN)
            result = await asyncio.wait_for(results.get(), 30)
            if result.outcome is not Outcome.DONE or result.ticket is None:
                raise RuntimeError(f"press {n}: {result.outcome.value} {result.detail}")
            expected = result.ticket.code
            answered = time.perf_counter()
            data_written()  # the LCD may have shown it before the answer came back
            deadline = time.monotonic() + 10
            while not lcd_at or len(arrivals.get(expected, [])) < len(displays):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"press {n}: {expected} not shown everywhere")
                await asyncio.sleep(0.001)
            if n >= WARMUP:
                figures["bare"].append(bare_time)
                figures["answer"].append(answered - pressed)
                figures["lcd"].append(lcd_at - pressed)
                figures["displays"].append(max(arrivals[expected]) - pressed)
    sim.stop.set()
    await running
    for display in displays:
        await display.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--displays", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        database_url, tokens = prepare_office(data, args.presses, args.displays)
        with server(database_url, data) as url:
            figures = asyncio.run(run(url, tokens, args.presses))
    bare = figures["bare"]
    print(f"{args.presses} NEXT presses at counter 1, {args.displays} displays, against the bare")
    print("call_next round trip of another keypad just before each press:")
    for name, label in [
        ("answer", "press → keypad has the answer"),
        ("lcd", "press → LCD shows the number"),
        ("displays", "press → every display has it"),
        ("bare", "bare call_next round trip"),
    ]:
        values = figures[name]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        bare50, bare99 = percentile(bare, 0.5), percentile(bare, 0.99)
        ratio = f"   ratio p50 {p50 / bare50:.2f}x, p99 {p99 / bare99:.2f}x"
        if name == "bare":
            ratio = ""
        print(f"  {label:<32} p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms{ratio}")


if __name__ == "__main__":
    main()
