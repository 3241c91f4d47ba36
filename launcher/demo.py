"""`antrean demo`: a whole office on one machine, on simulated hardware.

Starts the queue server with the demo office and the ticket kiosk on mock
pins with a file printer (every ticket also saved as a PNG); simulated
citizens press the kiosk's buttons and simulated officers work the four
counters, and everything that happens is printed as it happens. Open
http://127.0.0.1:PORT/docs, or a ticket's status page, while it runs.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from kiosk.settings import KioskSettings
from kiosk.simulated import Keyboard, simulated_kiosk
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD, DEMO_SITE

# Share of citizens per service (A–E), and of those on the priority path.
SERVICE_MIX = {"A": 0.40, "B": 0.20, "C": 0.25, "D": 0.05, "E": 0.10}
PRIORITY_SHARE = 0.15
DEMO_KIOSK = "demo kiosk"
NO_SHOW_SHARE = 0.05
SUMMARY_EVERY = 30.0


@dataclass
class Tally:
    pressed: int = 0
    called: int = 0
    finished: int = 0
    no_shows: int = 0


def run_demo(port: int = 8000, seconds: float = 0, speed: float = 1.0) -> int:
    settings = ServerSettings(port=port)
    _prepare(settings)
    kiosk_token = _register_kiosk(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            print("the server did not start (is the port taken? try --port)")
            return 1
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    print(f"antrean demo running at {base}  (API docs: {base}/docs)  — Ctrl-C stops it")
    try:
        asyncio.run(_office(base, seconds, speed, _kiosk_settings(settings, base, kiosk_token)))
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return 0


def _prepare(settings: ServerSettings) -> None:
    from launcher.cli import main as cli

    print(f"data directory: {settings.data_dir}")
    cli(["init", "--demo", "--public-url", f"http://127.0.0.1:{settings.port}"])


def _register_kiosk(settings: ServerSettings) -> str:
    """A fresh kiosk device for this run; the previous run's demo kiosks are revoked."""
    from antrean.vocabulary import DeviceKind
    from server.admin import add_device, revoke_device
    from server.store import accounts
    from server.store.database import Database

    db = Database(settings.database)
    now = datetime.now(UTC)
    with db.writing() as work:
        for old in accounts.devices(work, name=DEMO_KIOSK):
            if old.revoked_at is None:
                revoke_device(work, old.id, now)
        _, token = add_device(work, DEMO_SITE, DeviceKind.KIOSK, now, name=DEMO_KIOSK)
    db.dispose()
    return token


def _kiosk_settings(settings: ServerSettings, base: str, token: str) -> KioskSettings:
    return KioskSettings(
        server_url=base,
        token=token,
        site=DEMO_SITE,
        simulation={"output_dir": settings.data_dir / "kiosk-output"},
    )


async def _office(base: str, seconds: float, speed: float, kiosk: KioskSettings) -> None:
    tally = Tally()
    sim = simulated_kiosk(kiosk, say=KioskNarrator())
    _say(f"kiosk    tickets are printed to {kiosk.simulation.output_dir}/ (one PNG each)")
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        officers = [await _login(http, "petugas1"), await _login(http, "petugas2")]
        tasks = [
            asyncio.create_task(sim.kiosk.run(sim.stop)),
            asyncio.create_task(_citizens(sim.keyboard, speed, tally)),
        ]
        for counter in range(1, 5):
            headers = officers[counter % 2]
            tasks.append(asyncio.create_task(_counter(http, headers, counter, speed, tally)))
        tasks.append(asyncio.create_task(_summaries(http, officers[0], tally)))
        try:
            if seconds > 0:
                await asyncio.sleep(seconds)
            else:
                await asyncio.Event().wait()
        finally:
            sim.stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    print(
        f"demo ended: {tally.pressed} kiosk presses, {tally.called} calls, "
        f"{tally.finished} served, {tally.no_shows} no-shows"
    )


async def _login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await http.post(
        "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _citizens(keyboard: Keyboard, speed: float, tally: Tally) -> None:
    """Citizens walk up to the kiosk and press a service button (PRIORITAS first, if due)."""
    services, weights = list(SERVICE_MIX), list(SERVICE_MIX.values())
    await asyncio.sleep(2)
    while True:
        await asyncio.sleep(random.expovariate(1 / 4) / speed)
        button = services.index(random.choices(services, weights)[0]) + 1
        if random.random() < PRIORITY_SHARE:
            keyboard.key("p")
            await asyncio.sleep(0.5)
        keyboard.key(str(button))
        tally.pressed += 1


async def _counter(
    http: httpx.AsyncClient, headers: dict[str, str], number: int, speed: float, tally: Tally
) -> None:
    await asyncio.sleep(number)
    while True:
        answer = await http.post(
            f"/api/v1/sites/{DEMO_SITE}/counters/{number}/call-next",
            json={"request_id": _request_id()},
            headers=headers,
        )
        if answer.status_code == 204:
            await asyncio.sleep(2 / speed)
            continue
        if answer.status_code != 200:
            _say(f"loket {number}  error {answer.status_code}: {answer.text[:100]}")
            await asyncio.sleep(2 / speed)
            continue
        ticket: dict[str, Any] = answer.json()
        tally.called += 1
        _say(f"loket {number}  memanggil {ticket['code']}")
        await asyncio.sleep(random.uniform(1, 3) / speed)
        if random.random() < NO_SHOW_SHARE:
            await http.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=headers)
            tally.no_shows += 1
            _say(f"loket {number}  {ticket['code']} tidak hadir")
            continue
        await http.post(f"/api/v1/tickets/{ticket['id']}/start", headers=headers)
        await asyncio.sleep(random.uniform(6, 20) / speed)
        await http.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=headers)
        tally.finished += 1


async def _summaries(http: httpx.AsyncClient, headers: dict[str, str], tally: Tally) -> None:
    while True:
        await asyncio.sleep(SUMMARY_EVERY)
        queue = (await http.get(f"/api/v1/sites/{DEMO_SITE}/queue", headers=headers)).json()
        waiting = ", ".join(
            f"{s['code']}:{s['waiting']}"
            + (f"(±{round(s['estimated_wait_minutes'])}m)" if s["estimated_wait_minutes"] else "")
            for s in queue["services"]
        )
        _say(
            f"summary  pressed {tally.pressed}, served {tally.finished}, "
            f"no-show {tally.no_shows}; waiting {waiting}"
        )


@dataclass
class KioskNarrator:
    """Prints what the kiosk says; of its lamps, only the problem lamp's changes."""

    problem_lamp: str = "problem:off"

    def __call__(self, text: str) -> None:
        if text.startswith("lamps"):
            problem = next((w for w in text.split() if w.startswith("problem:")), "")
            if problem == self.problem_lamp:
                return
            self.problem_lamp = problem
        _say(f"kiosk    {text}")


def _request_id() -> str:
    return f"demo-{random.getrandbits(64):016x}"


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {line}", flush=True)
