"""Fanout: from a counter's call-next to its arrival at every display, against bare websockets.

    .venv/bin/python bench/fanout.py                       # 10, 100, 1000 displays (~30-60 s)
    .venv/bin/python bench/fanout.py --clients 10,100 --calls 20

The antrean side is the real server (`antrean server`, uvicorn, SQLite file
with synchronous=FULL, in-process fanout) in its own process. For each call the
counter first finishes its ticket (not timed), then the clock starts when its
`call_next` frame is sent and stops, per display, when the `called` event
arrives there. The baseline is a bare `websockets` server in its own process
that broadcasts the same event frame, received by the same client code; its
clock starts when the counter's frame is sent. Both servers run at once and
the calls alternate between them, so both see the same (possibly busy)
machine; both run on uvloop when it is installed (as uvicorn does). Memory
per idle connection is the server process's resident memory growth divided by
the number of connected displays.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from antrean.protocol import PROTOCOL_VERSION
from antrean.vocabulary import DeviceKind, Role

CALLED = '"type":"called"'
FINISHED = '"type":"finished"'
WARMUP = 3
ARRIVAL_TIMEOUT = 15.0


def run_loop(main: Awaitable[Any]) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)  # type: ignore[arg-type]
    return uvloop.run(main)  # type: ignore[arg-type]


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# The office, the server processes.


def prepare_office(data_dir: Path, displays: int, tickets: int) -> tuple[str, dict[str, Any]]:
    from server.admin import add_device, add_user, create_site
    from server.demo_office import DEMO_PASSWORD, demo_spec
    from server.operations import Operations
    from server.permissions import Caller
    from server.store.database import Database
    from server.store.migrate import upgrade

    url = f"sqlite:///{data_dir / 'antrean.db'}"
    db = Database(url)
    upgrade(db)
    now = datetime.now(UTC)
    with db.writing() as work:
        create_site(work, demo_spec())
        add_user(work, "admin", DEMO_PASSWORD, Role.ADMIN)
        _, counter = add_device(work, "demo", DeviceKind.COUNTER, now, [1], name="counter")
        screens = [
            add_device(work, "demo", DeviceKind.DISPLAY, now, name=f"display {n}")[1]
            for n in range(displays)
        ]
    from antrean.protocol import IssueTicketCommand

    admin = Caller(label="user:bench", site_id=None, role=Role.ADMIN)
    operations = Operations(db)
    for _ in range(tickets):
        operations.execute(admin, IssueTicketCommand(site="demo", service="C"))
    db.dispose()
    return url, {"counter": counter, "displays": screens}


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], ready: Callable[[], bool]) -> Iterator[int]:
    child = subprocess.Popen(args, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 30
        while not ready():
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{args[:4]} did not start")
            time.sleep(0.1)
        yield child.pid
    finally:
        child.terminate()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    return check


# Displays: the same receiving code for both servers.


@dataclass
class Tally:
    marker: str
    expected: int
    started: float = 0.0
    arrivals: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    sample: str | None = None

    def arrived(self, frame: str | bytes, at: float) -> None:
        if isinstance(frame, str) and self.marker in frame:
            self.arrivals.append(at - self.started)
            self.sample = self.sample or frame
            if len(self.arrivals) == self.expected:
                self.done.set()


class Displays:
    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.tally = Tally("", 0)

    async def open(self, url: str, hellos: list[str | None], ready: str) -> None:
        for start in range(0, len(hellos), 100):
            await asyncio.gather(*(self._one(url, h, ready) for h in hellos[start : start + 100]))

    async def _one(self, url: str, hello: str | None, ready: str) -> None:
        ws = await connect(url, compression=None, open_timeout=60, ping_interval=None,
                           max_size=None)
        await ws.send(hello or "display")
        while ready not in await ws.recv():
            pass
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                self.tally.arrived(frame, time.monotonic())

    async def expect(self, marker: str) -> Tally:
        self.tally = Tally(marker, len(self.sockets))
        return self.tally

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for start in range(0, len(self.sockets), 200):
            await asyncio.gather(*(ws.close() for ws in self.sockets[start : start + 200]))
        self.sockets, self.tasks = [], []


@dataclass
class Run:
    clients: int
    arrivals: list[float] = field(default_factory=list)  # every (call, display)
    last: list[float] = field(default_factory=list)  # per call, the slowest display
    answers: list[float] = field(default_factory=list)  # counter's own round trip
    rss_per_connection_kib: float = 0.0


async def wait_all(tally: Tally) -> None:
    try:
        await asyncio.wait_for(tally.done.wait(), ARRIVAL_TIMEOUT)
    except TimeoutError:
        print(f"  warning: {len(tally.arrivals)}/{tally.expected} arrived", file=sys.stderr)


def record(run: Run, tally: Tally) -> None:
    run.arrivals += tally.arrivals
    run.last.append(max(tally.arrivals, default=ARRIVAL_TIMEOUT))


# antrean: the counter and the displays speak the device protocol.


def hello(token: str) -> str:
    return json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token})


class AntreanArm:
    def __init__(self, ws_url: str, tokens: dict[str, Any], clients: int, pid: int) -> None:
        self.ws_url, self.tokens, self.pid = ws_url, tokens, pid
        self.run = Run(clients)
        self.displays = Displays()
        self.current: int | None = None
        self.sent = 0
        self.sample = ""

    async def open(self) -> None:
        self.counter = await connect(
            self.ws_url, compression=None, ping_interval=None, max_size=None
        )
        await self.counter.send(hello(self.tokens["counter"]))
        while '"snapshot"' not in await self.counter.recv():
            pass
        await asyncio.sleep(0.5)
        before = rss_kib(self.pid)
        displays = [hello(t) for t in self.tokens["displays"][: self.run.clients]]
        await self.displays.open(self.ws_url, displays, '"snapshot"')
        await asyncio.sleep(1.0)
        self.run.rss_per_connection_kib = (rss_kib(self.pid) - before) / self.run.clients

    async def command(self, body: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        request_id = f"bench-{time.time_ns()}-{self.sent}"
        frame = {"type": "command", "request_id": request_id, "command": body}
        await self.counter.send(json.dumps(frame))
        while True:
            answer = json.loads(await self.counter.recv())
            if answer.get("request_id") == request_id:
                if answer["type"] != "result":
                    raise RuntimeError(answer)
                return dict(answer)

    async def call(self, timed: bool) -> None:
        if self.current is not None:
            finished = await self.displays.expect(FINISHED)
            await self.command({"type": "finish", "ticket_id": self.current})
            await wait_all(finished)
        tally = await self.displays.expect(CALLED)
        tally.started = time.monotonic()
        answer = await self.command({"type": "call_next", "site": "demo", "counter": 1})
        answered = time.monotonic() - tally.started
        await wait_all(tally)
        self.current = answer["body"]["id"]
        self.sample = self.sample or tally.sample or ""
        if timed:
            record(self.run, tally)
            self.run.answers.append(answered)

    async def close(self) -> None:
        await self.displays.close()
        await self.counter.close()


# Bare websockets: the counter's frame is broadcast as it is.


async def bare_server(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    screens: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        role = await ws.recv()
        if role == "counter":
            async for frame in ws:
                broadcast(screens, frame)
            return
        screens.add(ws)
        await ws.send("ready")
        try:
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None):
        await asyncio.Future()


class BareArm:
    def __init__(self, ws_url: str, clients: int, pid: int) -> None:
        self.ws_url, self.pid = ws_url, pid
        self.run = Run(clients)
        self.displays = Displays()

    async def open(self) -> None:
        self.counter = await connect(self.ws_url, compression=None, ping_interval=None)
        await self.counter.send("counter")
        await asyncio.sleep(0.5)
        before = rss_kib(self.pid)
        await self.displays.open(self.ws_url, [None] * self.run.clients, "ready")
        await asyncio.sleep(1.0)
        self.run.rss_per_connection_kib = (rss_kib(self.pid) - before) / self.run.clients

    async def call(self, timed: bool, payload: str) -> None:
        tally = await self.displays.expect(CALLED)
        tally.started = time.monotonic()
        await self.counter.send(payload)
        await wait_all(tally)
        if timed:
            record(self.run, tally)

    async def close(self) -> None:
        await self.displays.close()
        await self.counter.close()


async def measure(
    clients: int, calls: int, ours: AntreanArm, bare: BareArm
) -> tuple[Run, Run]:
    """Both servers up at once, calls alternating: both see the same machine."""
    await ours.open()
    await bare.open()
    for n in range(WARMUP + calls):
        await ours.call(timed=n >= WARMUP)
        await bare.call(timed=n >= WARMUP, payload=ours.sample)
    await ours.close()
    await bare.close()
    return ours.run, bare.run


# Putting it together.


def milliseconds(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:8.2f}" if values else "       -"


def report(ours: list[Run], bare: list[Run]) -> None:
    print()
    print("call-next → arrival at each display (ms); 'last' = the slowest display of each call")
    print(
        f"{'clients':>7} | {'antrean p50':>11} {'p99':>8} {'last p99':>8} | "
        f"{'bare p50':>8} {'p99':>8} {'last p99':>8} | {'p99 ratio':>9} | "
        f"{'KiB/conn antrean':>16} {'bare':>6}"
    )
    for a, b in zip(ours, bare, strict=True):
        ratio = percentile(a.arrivals, 0.99) / percentile(b.arrivals, 0.99)
        print(
            f"{a.clients:>7} | {milliseconds(a.arrivals, 0.5):>11} "
            f"{milliseconds(a.arrivals, 0.99)} {milliseconds(a.last, 0.99)} | "
            f"{milliseconds(b.arrivals, 0.5)} {milliseconds(b.arrivals, 0.99)} "
            f"{milliseconds(b.last, 0.99)} | {ratio:>8.2f}x | "
            f"{a.rss_per_connection_kib:>16.1f} {b.rss_per_connection_kib:>6.1f}"
        )
    answers = [x for a in ours for x in a.answers]
    if answers:
        print(
            "counter's own answer (command committed, result back): "
            f"p50 {milliseconds(answers, 0.5).strip()} ms, "
            f"p99 {milliseconds(answers, 0.99).strip()} ms"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="10,100,1000", help="comma-separated display counts")
    parser.add_argument("--calls", type=int, default=50, help="timed calls per display count")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_server:
        run_loop(bare_server(args.bare_server))
        return 0
    sizes = [int(n) for n in args.clients.split(",")]
    raise_fd_limit(max(sizes) * 4 + 256)
    tickets = len(sizes) * (WARMUP + args.calls) + 1
    started = time.monotonic()
    ours: list[Run] = []
    bare: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="antrean-bench-") as tmp:
        data_dir = Path(tmp)
        print(f"preparing the office: {max(sizes)} displays, {tickets} waiting tickets")
        database_url, tokens = prepare_office(data_dir, max(sizes), tickets)
        port, bare_port = free_port(), free_port()
        env = {
            "ANTREAN_DATABASE_URL": database_url, "ANTREAN_DATA_DIR": str(data_dir),
            "ANTREAN_FANOUT": "memory", "ANTREAN_LOG_LEVEL": "warning",
        }
        server = [sys.executable, "-m", "launcher", "server", "--port", str(port)]
        baseline = [sys.executable, __file__, "--bare-server", str(bare_port)]
        with (
            process(server, env, port_open(port)) as pid,
            process(baseline, {}, port_open(bare_port)) as bare_pid,
        ):
            for clients in sizes:
                print(f"{clients} displays on each server …")
                arms = (
                    AntreanArm(f"ws://127.0.0.1:{port}/ws", tokens, clients, pid),
                    BareArm(f"ws://127.0.0.1:{bare_port}", clients, bare_pid),
                )
                a, b = run_loop(measure(clients, args.calls, *arms))
                ours.append(a)
                bare.append(b)
                payload = arms[0].sample
    report(ours, bare)
    print(
        f"payload {len(payload)} bytes; {args.calls} timed calls per size, alternating "
        f"between the two servers; {os.cpu_count()} CPUs; took {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
