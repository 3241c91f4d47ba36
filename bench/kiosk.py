"""Kiosk: from a button press to the last byte at the printer, against the bare command.

    .venv/bin/python bench/kiosk.py                  # 200 presses per paper (~1 min)
    .venv/bin/python bench/kiosk.py --presses 50

The server is the real one (`antrean server`: uvicorn, SQLite file with
synchronous=FULL) in its own process, with the demo office. The kiosk is the
simulated one (`antrean kiosk --simulate`) in this process: a key drives a
button's mock pin, and the clock stops when the simulated printer has written
and flushed the ticket's last byte to its file. Every ticket is also rendered
to a PNG, as in the simulated mode; that happens after the last byte and is
not in the figure. Presses follow one another, each after the last ticket.

The baseline is the bare `issue_ticket` command, sent by a second
DeviceClient (another registered kiosk) just before each press, so both see
the same load; nothing is printed for it. What the press adds to it is the
kiosk's own work: the pin callback, the printer check, layout, QR, ESC/POS
bytes and the write.

Bytes per ticket are counted for the demo office's longest service, with the
printer's own QR command and with the QR as an image, with the time each
takes on a serial line. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antrean.client import DeviceClient
from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import DeviceKind, Priority
from bench.fanout import port_open, process
from kiosk.presses import Outcome, Result
from kiosk.profiles import PROFILES, PaperProfile
from kiosk.settings import ButtonSettings, FilePrinterSettings, KioskSettings, SimulationSettings
from kiosk.simulated import simulated_kiosk
from kiosk.specimen import specimen
from kiosk.ticket_layout import layout_ticket
from kiosk.ticket_print import layout_bytes

WARMUP = 5
SERVICES = {"GPIO17": "A", "GPIO27": "B", "GPIO22": "C", "GPIO23": "D", "GPIO24": "E"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_office(data_dir: Path) -> tuple[str, str, str]:
    from server.admin import add_device, create_site
    from server.demo_office import demo_spec
    from server.store.database import Database
    from server.store.migrate import upgrade

    url = f"sqlite:///{data_dir / 'antrean.db'}"
    db = Database(url)
    upgrade(db)
    office = demo_spec()
    for service in office.services:
        service.daily_quota = None  # a long run must never be refused
    with db.writing() as work:
        create_site(work, office)
        _, kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
        _, bare = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC), name="bare")
    db.dispose()
    return url, kiosk, bare


@contextlib.contextmanager
def server(database_url: str, data_dir: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "launcher", "server", "--port", str(port)]
    env = {
        "ANTREAN_DATABASE_URL": database_url, "ANTREAN_DATA_DIR": str(data_dir),
        "ANTREAN_LOG_LEVEL": "warning",
    }
    with process(command, env, port_open(port)):
        yield f"http://127.0.0.1:{port}"


async def presses(
    url: str, tokens: tuple[str, str], paper: str, count: int, out: Path
) -> tuple[list[float], list[float]]:
    """Seconds from a key press to the ticket's last byte at the printer, and the baseline.

    Each press is paired with one bare issue_ticket round trip from a second
    client, taken just before it, so both see the same load on the machine.
    """
    kiosk_token, bare_token = tokens
    settings = KioskSettings(
        server_url=url, token=kiosk_token, site="demo",
        buttons=ButtonSettings(services=SERVICES, cooldown_seconds=0),
        printer=FilePrinterSettings(paper=paper),
        simulation=SimulationSettings(output_dir=out),
    )
    sim = simulated_kiosk(settings, say=lambda text: None)
    last_byte = 0.0

    def wrote(_: int) -> None:
        nonlocal last_byte
        last_byte = time.perf_counter()

    sim.printer.on_write = wrote
    results: asyncio.Queue[Result] = asyncio.Queue()
    sim.kiosk.on_result(results.put_nowait)
    running = asyncio.create_task(sim.kiosk.run(sim.stop))
    kiosk_times, bare_times = [], []
    async with DeviceClient(url, bare_token, site="demo") as bare:
        await bare.wait_online(15)
        await sim.kiosk.client.wait_online(15)
        for n in range(count + WARMUP):
            key = n % len(SERVICES)
            started = time.perf_counter()
            await bare.send(IssueTicketCommand(site="demo", service=list(SERVICES.values())[key]))
            answered = time.perf_counter()
            pressed = time.perf_counter()
            sim.keyboard.key(str(key + 1))
            result = await asyncio.wait_for(results.get(), 30)
            if result.outcome is not Outcome.PRINTED:
                raise RuntimeError(f"press {n}: {result.outcome.value} {result.detail}")
            if n >= WARMUP:
                bare_times.append(answered - started)
                kiosk_times.append(last_byte - pressed)
    sim.stop.set()
    await running
    return kiosk_times, bare_times


def ticket_sizes() -> list[tuple[PaperProfile, int, int]]:
    content = specimen(Priority.NONE)
    sizes = []
    for paper in PROFILES.values():
        native = paper.with_options(cutter=None, native_qr=True)
        image = paper.with_options(cutter=None, native_qr=False)
        sizes.append((
            paper,
            len(layout_bytes(layout_ticket(content, native), native)),
            len(layout_bytes(layout_ticket(content, image), image)),
        ))
    return sizes


def serial_seconds(size: int, baud: int) -> float:
    return size * 10 / baud  # 8 data bits, a start and a stop bit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()

    print("bytes per ticket (the specimen: demo service B, with requirements):")
    print(f"  {'paper':<10} {'native QR':>10} {'image QR':>10} {'ratio':>6}   "
          "at 9600 baud: native / image")
    for paper, native, image in ticket_sizes():
        print(f"  {paper.name:<10} {native:>10} {image:>10} {image / native:>5.1f}×   "
              f"{serial_seconds(native, 9600):.1f} s / {serial_seconds(image, 9600):.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        database_url, *tokens = prepare_office(data)
        with server(database_url, data) as url:
            print("\npress to last byte at the printer (simulated kiosk), against the bare")
            print("issue_ticket round trip from another client just before each press:")
            for paper in ("58mm", "80mm-576"):
                kiosk, bare = asyncio.run(
                    presses(url, (tokens[0], tokens[1]), paper, args.presses, data / paper)
                )
                qr = "native" if PROFILES[paper].native_qr else "image"
                print(f"  {paper:<9} ({qr} QR) {len(kiosk)} presses: "
                      f"p50 {percentile(kiosk, 0.5) * 1000:.1f} ms, "
                      f"p99 {percentile(kiosk, 0.99) * 1000:.1f} ms | bare command "
                      f"p50 {percentile(bare, 0.5) * 1000:.1f} ms, "
                      f"p99 {percentile(bare, 0.99) * 1000:.1f} ms | "
                      f"p50 ratio {percentile(kiosk, 0.5) / percentile(bare, 0.5):.1f}×")


if __name__ == "__main__":
    main()
