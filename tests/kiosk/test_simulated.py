"""The simulated kiosk: keys press the buttons, the printer is a file, tickets become PNGs."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import zxingcpp
from PIL import Image

from antrean.health import PrinterState
from kiosk.presses import Outcome, Result
from kiosk.settings import KioskSettings, SimulationSettings
from kiosk.simulated import simulated_kiosk
from tests.kiosk.conftest import Office
from tests.kiosk.escpos_reader import read

ROOT = Path(__file__).parents[2]


def test_keys_press_buttons_and_tickets_become_files(office: Office, tmp_path: Path) -> None:
    settings = KioskSettings(
        server_url=office.url, token=office.token, site="demo",
        simulation=SimulationSettings(output_dir=tmp_path / "out"),
    )
    said: list[str] = []

    async def scenario() -> None:
        sim = simulated_kiosk(settings, say=said.append)
        results: asyncio.Queue[Result] = asyncio.Queue()
        sim.kiosk.on_result(results.put_nowait)
        running = asyncio.create_task(sim.kiosk.run(sim.stop))
        await sim.kiosk.client.wait_online(15)
        assert sim.keyboard.key("1") == "pressed button 1 (GPIO17)"
        assert (await asyncio.wait_for(results.get(), 10)).outcome is Outcome.PRINTED
        assert sim.keyboard.key("x") == "printer paper: paper_out"
        while sim.kiosk.reading.state is not PrinterState.PAPER_OUT:
            await asyncio.sleep(0.05)
        sim.keyboard.key("2")
        refused = await asyncio.wait_for(results.get(), 10)
        assert refused.outcome is Outcome.PRINTER_NOT_READY
        assert sim.keyboard.key("q") == "quitting"
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    [png] = sorted((tmp_path / "out").glob("ticket-*.png"))
    assert re.fullmatch(r"ticket-\d{8}-\d{6}-0001-A001\.png", png.name), png.name
    with Image.open(png) as picture:
        assert picture.width == 384
        [found] = zxingcpp.read_barcodes(picture)
    assert found.text.startswith(office.url + "/t/")
    printed = read((tmp_path / "out" / "printer.bin").read_bytes())
    assert "A001" in printed.text
    assert any(line.startswith("printed A001") for line in said)
    assert any(line.startswith("lamps  ready:on") for line in said)


def test_command_line_simulated_kiosk(office: Office, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    out = tmp_path / "out"
    config.write_text(
        f'server_url = "{office.url}"\ntoken = "{office.token}"\nsite = "demo"\n'
        f'[printer]\nkind = "file"\npaper = "80mm-576"\n'
        f'[simulation]\noutput_dir = "{out}"\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher", "kiosk", "--simulate", "--config", str(config)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None
    try:
        deadline = time.monotonic() + 30
        while not list(out.glob("ticket-*.png")):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "no ticket came out"
            process.stdin.write(b"3")  # service C; presses during the cool-down are ignored
            process.stdin.flush()
            time.sleep(0.5)
        process.stdin.write(b"q")
        process.stdin.flush()
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    [png] = out.glob("ticket-*.png")
    assert re.fullmatch(r"ticket-\d{8}-\d{6}-0001-C001\.png", png.name), png.name
    assert b"printed C001" in output


def test_command_line_explains_bad_settings(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[printer]\nkind = "usb"\n')
    finished = subprocess.run(
        [sys.executable, "-m", "launcher", "kiosk", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert finished.returncode == 2
    assert "vendor_id" in finished.stderr and str(config) in finished.stderr
