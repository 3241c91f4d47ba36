"""Monitor wall: frame costs, call → screen latency, frame → sound, memory after many calls.

    .venv/bin/python bench/display.py                 # everything (~3 minutes)
    .venv/bin/python bench/display.py --calls 50 --memory-calls 60

1. Frames at 1920x1080 on SDL's `offscreen` driver, the demo office on the
   wall: a full frame (everything drawn, text from the cache), an ordinary
   frame (the clock ticked, nothing else changed) and, in the same run, a bare
   pygame fill + flip of the same size. Both ratios are printed.
2. End to end on loopback: the real server (`antrean server`) in its own
   process; a counter keypad's DeviceClient sends call_next; the clock stops
   when the wall (in this process) has shown a frame with that number.
3. From that frame to the first sound of the call, with the call's clip
   already in the cache: pygame's mixer on SDL's `disk` driver (real time),
   timed to the moment the clip is handed to the mixer; SDL's buffer (1024
   samples, 46 ms) comes on top.
4. Resident memory of the wall, run alone in a child process: after start,
   and after `--memory-calls` calls, each rendered by espeak-ng and spoken.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")

SIZE = (1920, 1080)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def prepare_office(data_dir: Path, tickets: int) -> tuple[str, dict[str, str]]:
    from antrean.protocol import IssueTicketCommand
    from antrean.vocabulary import DeviceKind, Role
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
        tokens = {
            "counter": add_device(work, "demo", DeviceKind.COUNTER, now, [1])[1],
            "display": add_device(work, "demo", DeviceKind.DISPLAY, now)[1],
            "memory": add_device(work, "demo", DeviceKind.DISPLAY, now, name="memory")[1],
        }
    admin = Caller(label="user:bench", site_id=None, role=Role.ADMIN)
    operations = Operations(db)
    for _ in range(tickets):
        operations.execute(admin, IssueTicketCommand(site="demo", service="C"))
    db.dispose()
    return url, tokens


# 1. Frames.


def demo_snapshot() -> Any:
    from antrean.protocol import (
        CallView,
        CounterView,
        QueueSnapshot,
        ServiceState,
        SiteInfo,
        TicketView,
    )
    from antrean.vocabulary import CounterState, Priority, TicketStatus
    from server.demo_office import demo_spec

    now = datetime.now(UTC)
    spec = demo_spec()
    services = [
        ServiceState(code=s.code, name=s.name, requirements=s.requirements, active=True,
                     accepting=True, waiting=3 + i, issued_today=20, estimated_wait_minutes=8.0 * i)
        for i, s in enumerate(spec.services)
    ]
    counters = [
        CounterView(number=c.number, name=c.name, state=CounterState.OPEN, services=c.services,
                    current=TicketView(id=c.number, code=f"C{c.number:03d}", service="C",
                                       priority=Priority.NONE, status=TicketStatus.SERVING,
                                       counter=c.number,
                                       issued_at=now, called_at=now, call_count=1))
        for c in spec.counters
    ]
    calls = [CallView(ticket_id=n, code=f"C{n:03d}", service="C", counter=(n % 4) + 1,
                      at=now - timedelta(seconds=30 * (10 - n)), call_count=1)
             for n in range(10, 0, -1)]
    site = SiteInfo(code="demo", name=spec.name, timezone=spec.timezone,
                    local_day=now.date(), local_time=now)
    return QueueSnapshot(seq=1, site=site, services=services, counters=counters, waiting=[],
                         recent_calls=calls, announcements=spec.announcements)


def frames(count: int) -> dict[str, float]:
    import pygame

    from antrean.client import ConnectionState
    from display.model import wall_model
    from display.painter import Painter, Scene

    pygame.display.init()
    canvas = pygame.display.set_mode(SIZE)
    model = wall_model(demo_snapshot())
    painter = Painter(SIZE)
    now = datetime.now(UTC)

    def scene(second: int) -> Scene:
        return Scene(now=now + timedelta(seconds=second), state=ConnectionState.ONLINE,
                     model=model)

    def timed(step: Any) -> float:
        started = time.perf_counter()
        for n in range(count):
            step(n)
        return (time.perf_counter() - started) / count * 1000

    def bare(n: int) -> None:
        canvas.fill((9, 24, 46))
        pygame.display.flip()

    first_started = time.perf_counter()
    pygame.display.update(painter.paint(canvas, scene(0)))
    first = (time.perf_counter() - first_started) * 1000
    seconds = iter(range(1, 10**9))

    def full(n: int) -> None:
        painter.invalidate()
        pygame.display.update(painter.paint(canvas, scene(next(seconds))))

    def ordinary(n: int) -> None:
        pygame.display.update(painter.paint(canvas, scene(next(seconds))))

    figures = {"bare": timed(bare), "full": timed(full), "ordinary": timed(ordinary),
               "first": first}
    pygame.display.quit()
    return figures


# 2 and 3. Calls through the real server.


async def calls_to_screen(url: str, tokens: dict[str, str], count: int, cache: Path) -> list[float]:
    from antrean.client import DeviceClient
    from antrean.protocol import CallNextCommand
    from antrean.voice import CallVoice, SoundMode
    from display.app import DisplayApp, Frame
    from display.screen import PygameScreen
    from display.settings import DisplaySettings
    from display.speaker import RecordingSpeaker

    settings = DisplaySettings(
        server_url=url, token=tokens["display"], site="demo",  # type: ignore[arg-type]
        screen={"mode": "window", "driver": "offscreen", "size": SIZE},  # type: ignore[arg-type]
        voice={"mode": "chime", "cache_dir": cache},  # type: ignore[arg-type]
    )
    screen = PygameScreen(settings.screen)
    wall_client = DeviceClient(url, tokens["display"], site="demo")
    app = DisplayApp(settings, wall_client, screen, RecordingSpeaker(speed=1000),
                     CallVoice(cache, mode=SoundMode.CHIME))
    shown: dict[str, float] = {}

    def frame(done: Frame) -> None:
        model = done.scene.model
        if model is not None and model.latest is not None and model.latest.code not in shown:
            shown[model.latest.code] = done.shown_at

    app.on_frame(frame)
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    latencies = []
    async with DeviceClient(url, tokens["counter"], site="demo") as counter:
        await counter.wait_online(15)
        await wall_client.wait_online(15)
        for n in range(count + 5):
            sent = time.monotonic()
            answer = await counter.send(CallNextCommand(site="demo", counter=1))
            assert answer is not None
            code = answer["code"]
            while code not in shown:
                await asyncio.sleep(0.0005)
            if n >= 5:
                latencies.append(shown[code] - sent)
    stop.set()
    await running
    screen.close()
    return latencies


async def frame_to_sound(url: str, tokens: dict[str, str], count: int, cache: Path) -> list[float]:
    from antrean.client import DeviceClient
    from antrean.protocol import CallNextCommand
    from antrean.voice import CallVoice, Espeak
    from display.app import DisplayApp, Frame
    from display.screen import PygameScreen
    from display.settings import DisplaySettings
    from display.speaker import PygameSpeaker

    cache.mkdir(parents=True, exist_ok=True)
    os.environ["SDL_DISKAUDIOFILE"] = str(cache / "sound-card.raw")
    settings = DisplaySettings(
        server_url=url, token=tokens["display"], site="demo",  # type: ignore[arg-type]
        screen={"mode": "window", "driver": "offscreen", "size": SIZE},  # type: ignore[arg-type]
        # Only the calls made here: the earlier part's calls are not spoken first.
        voice={"cache_dir": cache, "fresh_seconds": 1},  # type: ignore[arg-type]
    )
    screen = PygameScreen(settings.screen)
    started: list[float] = []
    speaker = PygameSpeaker(driver="disk", on_start=lambda path: started.append(time.monotonic()))
    voice = CallVoice(cache, espeak=Espeak.find())
    wall_client = DeviceClient(url, tokens["display"], site="demo")
    app = DisplayApp(settings, wall_client, screen, speaker, voice)
    shown: dict[str, float] = {}

    def frame(done: Frame) -> None:
        model = done.scene.model
        if model is not None and model.latest is not None and model.latest.code not in shown:
            shown[model.latest.code] = done.shown_at

    app.on_frame(frame)
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    gaps = []
    async with DeviceClient(url, tokens["counter"], site="demo") as counter:
        await counter.wait_online(15)
        await wall_client.wait_online(15)
        await asyncio.sleep(0.5)
        for _ in range(count):
            while app.announcer.speaking or app.announcer.waiting:
                await asyncio.sleep(0.01)
            snapshot = wall_client.snapshot
            assert snapshot is not None
            # The next call's sentence is rendered before it is made: a cached clip.
            waiting = [t for t in snapshot.waiting if t.service in ("A", "C")]
            await app.announcer.prepare(app.announcer.sentence(_call_for(waiting[0])))
            before = len(started)
            answer = await counter.send(CallNextCommand(site="demo", counter=1))
            assert answer is not None and answer["code"] == waiting[0].code
            while len(started) == before:
                await asyncio.sleep(0.001)
            gaps.append(started[-1] - shown[answer["code"]])
    stop.set()
    await running
    speaker.close()
    screen.close()
    return gaps


def _call_for(ticket: Any) -> Any:
    from display.model import Call

    return Call(ticket.id, ticket.code, ticket.service, 1, "Loket 1", ticket.issued_at, 1)


# 4. Memory, in a child process running only the wall.


def memory_child(url: str, token: str, counter_token: str, calls: int, cache: str) -> None:
    from antrean.client import DeviceClient
    from antrean.protocol import CallNextCommand
    from antrean.voice import CallVoice, Espeak
    from display.app import DisplayApp
    from display.screen import PygameScreen
    from display.settings import DisplaySettings
    from display.speaker import PygameSpeaker

    os.environ["SDL_DISKAUDIOFILE"] = "/dev/null"
    os.environ["SDL_DISKAUDIODELAY"] = "0"  # the clips play as fast as the mixer can

    async def run() -> dict[str, int]:
        settings = DisplaySettings(
            server_url=url, token=token, site="demo",  # type: ignore[arg-type]
            screen={"mode": "window", "driver": "offscreen", "size": SIZE},  # type: ignore[arg-type]
            voice={"cache_dir": cache},  # type: ignore[arg-type]
        )
        screen = PygameScreen(settings.screen)
        speaker = PygameSpeaker(driver="disk")
        client = DeviceClient(url, token, site="demo")
        app = DisplayApp(settings, client, screen, speaker,
                         CallVoice(Path(cache), espeak=Espeak.find()))
        stop = asyncio.Event()
        running = asyncio.create_task(app.run(stop))
        await client.wait_online(15)
        await asyncio.sleep(2)
        figures = {"start": rss_kib(os.getpid())}
        async with DeviceClient(url, counter_token, site="demo") as counter:
            await counter.wait_online(15)
            for _ in range(calls):
                await counter.send(CallNextCommand(site="demo", counter=1))
                await asyncio.sleep(0.05)
                while app.announcer.speaking or app.announcer.waiting:
                    await asyncio.sleep(0.01)
        figures["after"] = rss_kib(os.getpid())
        figures["spoken"] = app.announcer.spoken
        figures["frames"] = app.frame_number
        stop.set()
        await running
        return figures

    print(json.dumps(asyncio.run(run())))


def memory(url: str, tokens: dict[str, str], calls: int, cache: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child", url, tokens["memory"], tokens["counter"],
         str(calls), str(cache)],
        capture_output=True, text=True, timeout=1800, check=True,
    )
    figures: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--sound-calls", type=int, default=20)
    parser.add_argument("--memory-calls", type=int, default=240)
    parser.add_argument("--memory-child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--frames-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        url, token, counter, calls, cache = args.memory_child
        memory_child(url, token, counter, int(calls), cache)
        return
    if args.frames_child:
        print(json.dumps(frames(args.frames_child)))
        return

    for acceleration, what in (
        ("0", "SDL's own framebuffer: the drawing alone"),
        ("1", "framebuffer as a GL texture uploaded at each update, as kmsdrm does on a Pi"),
    ):
        done = subprocess.run(
            [sys.executable, __file__, "--frames-child", str(args.frames)],
            env={**os.environ, "SDL_FRAMEBUFFER_ACCELERATION": acceleration},
            capture_output=True, text=True, timeout=600, check=True,
        )
        f = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"frames at {SIZE[0]}x{SIZE[1]}, offscreen, {what}; {args.frames} each:")
        print(f"  bare fill + flip   {f['bare']:.2f} ms")
        print(f"  full frame         {f['full']:.2f} ms   ({f['full'] / f['bare']:.2f}x bare; "
              f"the very first, nothing cached: {f['first']:.0f} ms)")
        print(f"  ordinary frame     {f['ordinary']:.2f} ms   "
              f"({f['ordinary'] / f['full']:.2f}x a full frame)")

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        tickets = args.calls + args.sound_calls + args.memory_calls + 20
        database_url, tokens = prepare_office(data, tickets)
        from bench.kiosk import server  # not in the memory child: it would weigh on it

        with server(database_url, data) as url:
            latencies = asyncio.run(calls_to_screen(url, tokens, args.calls, data / "c1"))
            print(f"\ncall_next sent → frame showing the number, {len(latencies)} calls:")
            print(f"  p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
                  f"max {max(latencies) * 1000:.1f} ms")
            gaps = asyncio.run(frame_to_sound(url, tokens, args.sound_calls, data / "c2"))
            print(f"\nframe → clip handed to the mixer (cached clip), {len(gaps)} calls:")
            print(f"  p50 {percentile(gaps, 0.5) * 1000:.1f} ms, "
                  f"p99 {percentile(gaps, 0.99) * 1000:.1f} ms (+ SDL's 46 ms buffer)")
            mem = memory(url, tokens, args.memory_calls, data / "c3")
            print(f"\nresident memory of the wall (child process), {mem['spoken']} calls "
                  f"rendered and spoken, {mem['frames']} frames:")
            print(f"  after start {mem['start'] / 1024:.1f} MiB, "
                  f"after the calls {mem['after'] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
