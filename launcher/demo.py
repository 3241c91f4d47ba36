"""`antrean demo`: a whole office on one machine, on simulated hardware.

Starts the queue server with the demo office, the ticket kiosk on mock
pins with a file printer (every ticket also saved as a PNG) and two counter
keypads on mock pins with emulated LCDs; simulated citizens press the
kiosk's buttons (sometimes a whole group at once) and simulated officers
work the four counters' keys (launcher.demo_counters), and everything that
happens is printed as it happens. Open http://127.0.0.1:PORT/console
(petugas1 / demo1234), /docs, or a ticket's status page, while it runs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import uvicorn

from counter.settings import CounterSettings
from kiosk.presses import PressHandler
from kiosk.settings import KioskSettings
from kiosk.simulated import simulated_kiosk
from launcher import demo_counters
from launcher.demo_display import start_wall
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD, DEMO_SITE

DEMO_KIOSK = "demo kiosk"
SUMMARY_EVERY = 30.0
CLOSING_SECONDS = 3.0
"""At the end, how long the citizen at the kiosk may wait for the ticket being printed."""


# What a press that gave no ticket came to, in the words the end line uses.
NO_TICKET_WORDS = {
    "ignored": "pressed again while the kiosk was still printing",
    "closed": "the service takes no numbers now",
    "server_unreachable": "the server could not be reached",
    "printer_not_ready": "the printer was not ready",
    "print_failed": "the ticket did not print and was cancelled",
    "refused": "refused by the server",
    "unfinished": "still being served when the demo stopped",
}


@dataclass
class Tally:
    pressed: int = 0
    called: int = 0
    finished: int = 0
    no_shows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    ignored: int = 0  # presses the kiosk let pass (too soon after the last): no outcome

    def ending(self) -> str:
        """The demo's last line: what the presses came to, and the counters' work."""
        printed = self.outcomes["printed"]
        missing = {k: n for k, n in self.outcomes.items() if k != "printed" and n}
        if self.ignored:
            missing["ignored"] = self.ignored
        unfinished = self.pressed - printed - sum(missing.values())
        if unfinished > 0:
            missing["unfinished"] = unfinished
        presses = f"{self.pressed} presses at the kiosk gave {printed} tickets"
        if missing:
            why = ", ".join(f"{n} {NO_TICKET_WORDS.get(k, k)}" for k, n in missing.items())
            presses += f"; {sum(missing.values())} gave none ({why})"
        return (
            f"demo ended: {presses}; {self.called} calls, {self.finished} served, "
            f"{self.no_shows} no-shows"
        )


def run_demo(port: int = 8000, seconds: float = 0, speed: float = 1.0) -> int:
    settings = ServerSettings(port=port)
    _prepare(settings)
    kiosk_token = _register_kiosk(settings)
    keypad_tokens = demo_counters.register_keypads(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port,
            # The server's own socket limits; only quieter logs than a server's.
            **{**settings.uvicorn_options(), "log_level": "warning"},
        )
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
    print(f"officer console: {base}/console  (petugas1 / {DEMO_PASSWORD})")
    keypads = demo_counters.keypad_settings(base, keypad_tokens, speed)
    wall = start_wall(settings, base)
    tally = Tally()
    try:
        asyncio.run(
            _office(
                base, seconds, speed, _kiosk_settings(settings, base, kiosk_token), keypads, tally
            )
        )
    except KeyboardInterrupt:
        pass
    finally:
        wall.stop()
        server.should_exit = True
        thread.join(timeout=10)
        print(tally.ending(), flush=True)  # after Ctrl-C too: what the run came to
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


async def _office(
    base: str,
    seconds: float,
    speed: float,
    kiosk: KioskSettings,
    keypads: list[CounterSettings],
    tally: Tally,
) -> None:
    sim = simulated_kiosk(kiosk, say=KioskNarrator())
    sim.kiosk.on_result(lambda result: tally.outcomes.update([result.outcome.value]))
    _say(f"kiosk    tickets are printed to {kiosk.simulation.output_dir}/ (one PNG each)")
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        watcher = await _login(http, "supervisor")
        citizens = asyncio.create_task(demo_counters.citizens(sim.keyboard, speed, tally))
        tasks = [asyncio.create_task(sim.kiosk.run(sim.stop)), citizens]
        pis = demo_counters.start_keypads(keypads)
        for pi, desks in pis:
            tasks.append(asyncio.create_task(pi.keypad.run(pi.stop)))
            for desk in desks:
                tasks.append(asyncio.create_task(demo_counters.officer(desk, speed, tally)))
        tasks.append(asyncio.create_task(_summaries(http, watcher, tally)))
        try:
            if seconds > 0:
                await asyncio.sleep(seconds)
            else:
                await asyncio.Event().wait()
        finally:
            # Closing time: nobody new steps up, and the ticket being printed is handed
            # out (and counted) rather than cut off halfway.
            citizens.cancel()
            await _press_finished(sim.kiosk.presses, CLOSING_SECONDS)
            sim.stop.set()
            for pi, _ in pis:
                pi.stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            tally.ignored = sim.kiosk.counts.get("ignored_presses", 0)


async def _press_finished(presses: PressHandler, longest: float) -> None:
    deadline = time.monotonic() + longest
    await asyncio.sleep(0.1)  # a press just made reaches the kiosk's loop
    while presses.busy and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def _login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await http.post(
        "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


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


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {line}", flush=True)
