"""City scale: many offices on one PostgreSQL, several server processes, Poisson load.

    .venv/bin/python bench/city.py                           # 200 offices, 2,000 displays (~4 min)
    .venv/bin/python bench/city.py --offices 2000 --displays 2 --rates 50,150
    .venv/bin/python bench/city.py --rates 150 --seconds 60 --no-profile

What runs: a throwaway PostgreSQL cluster (initdb in a temporary folder,
fsync and synchronous_commit on, as shipped); `--processes` real `antrean
server` processes on it, sharing events through LISTEN/NOTIFY; `--offices`
offices of four counters each, and `--displays` display sockets per office
spread over the processes (an office's screens are on every process, so its
events always travel both ways: straight to the sockets of the process that
ran the command, through NOTIFY to the others). The load is Poisson over REST,
as kiosks and keypads without sockets send it, spread over the processes as a
proxy would: half `issue` (a kiosk), half `call-next` (a keypad at a random
counter), each with a request id, to random offices, at each rate in
`--rates` for `--seconds`. Every office starts with a few citizens waiting.

Per rate it prints: the command's round trip (request sent → answer read);
call → every display of the office (request sent → the `called` event at the
slowest of that office's displays, or a snapshot that showed the call); server
and PostgreSQL CPU per command (from /proc, every process and thread of the
servers and of the cluster); deliveries that came by snapshot instead of delta;
refresh snapshots received (the refresh runs every `--refresh` seconds, so at
least one round falls in every window) and the worst 5-second slice's p99
against the whole window's, which would show a step if a refresh caused one.
Before the load: resident memory per process and per idle socket. At one rate
the servers are sampled with py-spy (if installed) and the CPU of a command
is broken down by where it went. The saturation rate is the first rate whose
commands fall behind (fewer than 95 % answered in time) or whose call → every
display p99 passes one second. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect

from antrean.protocol import PROTOCOL_VERSION
from bench.fanout import (
    free_port,
    percentile,
    port_open,
    process,
    raise_fd_limit,
    rss_kib,
    run_loop,
)

COUNTERS = 4
ISSUED_SERVICES = ["A", "B", "C", "E"]  # every counter serves at least one of them
BACKLOG = 4
CONNECT_BATCH = 200
DRAIN_SECONDS = 4.0
SLICE_SECONDS = 5.0
ANSWER_TIMEOUT = 10.0
SATURATED_P99 = 1.0
GOAL_P99 = 0.250
GOAL_CPU_MS = 3.0
GOAL_KIB = 20.0
BASELINE_COMMANDS = 600
STATEMENTS_SHOWN = 14
TICKS = os.sysconf("SC_CLK_TCK")


# --- a throwaway PostgreSQL cluster ------------------------------------------------------


@dataclass
class Cluster:
    url: str
    data: Path

    def cpu_seconds(self) -> float:
        """CPU time of the postmaster and every process it started (backends, writer,
        WAL, …), those that have exited since included (the postmaster waited for them)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return cpu_seconds([postmaster, *children(postmaster)]) + waited_for(postmaster)


@contextlib.contextmanager
def postgres_cluster(max_connections: int) -> Iterator[Cluster]:
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not initdb:
        raise SystemExit("PostgreSQL is not installed (Debian: apt install postgresql)")
    bin_dir = initdb[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="antrean-city-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8"], cwd="/tmp", check=True, stdout=subprocess.DEVNULL,
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
        f"-c max_connections={max_connections} "
        "-c shared_preload_libraries=pg_stat_statements"  # which statements cost what
    )
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
         "-o", options, "start"], cwd="/tmp", check=True, stdout=subprocess.DEVNULL,
    )
    try:
        yield Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data)
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            cwd="/tmp", stdout=subprocess.DEVNULL, check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def statement_stats(url: str, reset: bool = False) -> list[tuple[str, int, float]]:
    """(statement, calls, total milliseconds) by pg_stat_statements, costliest first."""
    import psycopg

    from server.realtime.postgres import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if reset:
            connection.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = connection.execute(
            "SELECT query, calls, total_exec_time FROM pg_stat_statements "
            "WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC"
        ).fetchall()
    return [(" ".join(str(q).split()), int(c), float(t)) for q, c, t in rows]


KEPT_TABLES = ("tickets", "events", "daily_numbers")  # the request log is kept 48 h only


def table_bytes(url: str) -> dict[str, int]:
    """On-disk size of the tables a command writes, with their indexes and TOAST."""
    import psycopg

    from server.realtime.postgres import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        return {
            table: int(connection.execute(
                "SELECT pg_total_relation_size(%s::regclass)", (table,)
            ).fetchone()[0])  # type: ignore[index]
            for table in (*KEPT_TABLES, "request_log")
        }


# --- /proc --------------------------------------------------------------------------------


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def waited_for(pid: int) -> float:
    """User + system time of the children `pid` has waited for (exited backends)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / TICKS


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of these processes (all their threads), so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since: its time is lost (a short-lived helper)
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


# --- the city --------------------------------------------------------------------------------


@dataclass
class Office:
    code: str
    kiosk: str
    counters: list[str]
    displays: list[str]


def office_code(n: int) -> str:
    return f"k{n:04d}"


def prepare_city(url: str, offices: int, displays: int) -> list[Office]:
    from antrean.protocol import IssueTicketCommand
    from antrean.vocabulary import DeviceKind, Role
    from server.admin import add_device, create_site
    from server.demo_office import demo_spec
    from server.operations import Operations
    from server.permissions import Caller
    from server.store.database import Database
    from server.store.migrate import upgrade

    db = Database(url)
    upgrade(db)
    now = datetime.now(UTC)
    city: list[Office] = []
    started = time.monotonic()
    for start in range(0, offices, 50):
        with db.writing() as work:
            for n in range(start, min(offices, start + 50)):
                code = office_code(n)
                create_site(work, replace(demo_spec(), code=code, name=f"Kecamatan {n}"))
                kiosk = add_device(work, code, DeviceKind.KIOSK, now)[1]
                counters = [
                    add_device(work, code, DeviceKind.COUNTER, now, [c])[1]
                    for c in range(1, COUNTERS + 1)
                ]
                screens = [
                    add_device(work, code, DeviceKind.DISPLAY, now, name=f"tv {d}")[1]
                    for d in range(displays)
                ]
                city.append(Office(code, kiosk, counters, screens))
        print(f"\r  offices and devices: {len(city)}/{offices}", end="", flush=True)
    admin = Caller(label="user:bench", site_id=None, role=Role.ADMIN)
    operations = Operations(db)
    for n, office in enumerate(city):
        for k in range(BACKLOG):
            service = ISSUED_SERVICES[k % len(ISSUED_SERVICES)]
            operations.execute(admin, IssueTicketCommand(site=office.code, service=service))
        if n % 50 == 49:
            print(f"\r  waiting citizens: {n + 1}/{offices} offices   ", end="", flush=True)
    db.dispose()
    print(f"\r  {offices} offices ready in {time.monotonic() - started:.0f} s" + " " * 20)
    return city


# --- the baseline: the same commands straight through the engine ---------------------------


def engine_baseline(url: str, city: list[Office], commands: int, seed: int) -> float:
    """Client CPU per command for issue/call-next through `Operations.execute` in this
    process, on the same cluster and offices: what a command costs with no HTTP, no
    sockets, no fanout."""
    from antrean.protocol import CallNextCommand, IssueTicketCommand
    from antrean.vocabulary import Role
    from server.engine.errors import QueueError
    from server.operations import Operations
    from server.permissions import Caller
    from server.store.database import Database

    db = Database(url)
    operations = Operations(db)
    admin = Caller(label="user:baseline", site_id=None, role=Role.ADMIN)
    chooser = random.Random(seed)
    started = time.process_time()
    for n in range(commands):
        office = chooser.choice(city).code
        command: Any = (
            IssueTicketCommand(site=office, service=chooser.choice(ISSUED_SERVICES))
            if n % 2 == 0
            else CallNextCommand(site=office, counter=chooser.randint(1, COUNTERS))
        )
        with contextlib.suppress(QueueError):
            operations.execute(admin, command, f"baseline-{n}")
    spent = time.process_time() - started
    db.dispose()
    return spent / commands


# --- a lean HTTP/1.1 client (the load generator must not be the bottleneck) --------------


class HttpPool:
    """Keep-alive connections to one server; one request at a time on each."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, token: str, body: dict[str, Any]) -> tuple[int, bytes]:
        payload = json.dumps(body).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        while self.idle:
            # uvicorn closes a connection idle for 5 s; only an answer proves it was open.
            reader, writer = self.idle.pop()
            answer = await self._exchange(reader, writer, request)
            if answer is not None:
                return answer
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        answer = await self._exchange(reader, writer, request)
        if answer is None:
            raise ConnectionResetError("the server closed a new connection")
        return answer

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> tuple[int, bytes] | None:
        try:
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                writer.close()
                return None
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length) if length else b""
        except ConnectionResetError:
            writer.close()
            return None
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status, answer

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


# --- displays -------------------------------------------------------------------------------


@dataclass
class Screens:
    """Every display socket's view: what arrived when, and how."""

    # (office, ticket id, call count) → arrival times, one per display that saw it
    calls: dict[tuple[str, int, int], list[float]] = field(default_factory=dict)
    by_snapshot: int = 0  # events a display got inside a snapshot instead of as a delta
    gaps: int = 0  # a delta whose seq was not the next one (missed or repeated)
    refreshes: list[float] = field(default_factory=list)
    last_seq: dict[int, int] = field(default_factory=dict)  # per display


class Display:
    def __init__(self, index: int, office: str, screens: Screens) -> None:
        self.index, self.office, self.screens = index, office, screens

    async def open(self, url: str, token: str) -> ClientConnection:
        ws = await connect(url, compression=None, open_timeout=120, ping_interval=None,
                           max_size=None)
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "snapshot":
                self.screens.last_seq[self.index] = message["snapshot"]["seq"]
                return ws

    async def listen(self, ws: ClientConnection) -> None:
        screens, index = self.screens, self.index
        with contextlib.suppress(Exception):
            async for frame in ws:
                at = time.monotonic()
                message = json.loads(frame)
                kind = message["type"]
                if kind == "event":
                    event = message["event"]
                    seq = event["seq"]
                    if seq != screens.last_seq[index] + 1:
                        screens.gaps += 1
                    screens.last_seq[index] = max(seq, screens.last_seq[index])
                    if event["type"] == "called":
                        ticket = event["ticket"]
                        key = (self.office, ticket["id"], ticket["call_count"])
                        screens.calls.setdefault(key, []).append(at)
                elif kind == "snapshot":
                    snapshot = message["snapshot"]
                    if message["reason"] == "refresh":
                        screens.refreshes.append(at)
                    behind = snapshot["seq"] - screens.last_seq[index]
                    if behind > 0:
                        screens.by_snapshot += behind
                        for call in snapshot["recent_calls"]:
                            key = (self.office, call["ticket_id"], call["call_count"])
                            seen = screens.calls.setdefault(key, [])
                            seen.append(at)
                    screens.last_seq[index] = max(snapshot["seq"], screens.last_seq[index])


# --- one rate ---------------------------------------------------------------------------------


@dataclass
class Window:
    rate: float
    sent: int = 0
    answered: list[float] = field(default_factory=list)  # round trips
    errors: Tally[str] = field(default_factory=Tally)
    calls: list[tuple[str, int, int, float]] = field(default_factory=list)  # office, id, n, sent
    call_to_all: list[float] = field(default_factory=list)
    slices: dict[int, list[float]] = field(default_factory=dict)
    missed: int = 0
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    client_cpu: float = 0.0
    by_snapshot: int = 0
    gaps: int = 0
    refreshes: int = 0
    seconds: float = 0.0


class Load:
    def __init__(self, city: list[Office], ports: list[int], seed: int) -> None:
        self.city = city
        self.pools = [HttpPool(port) for port in ports]
        self.random = random.Random(seed)
        self.sequence = 0

    async def command(self, window: Window, started_at: float) -> None:
        office = self.random.choice(self.city)
        pool = self.random.choice(self.pools)
        self.sequence += 1
        request_id = f"city-{self.sequence}"
        if self.random.random() < 0.5:
            service = self.random.choice(ISSUED_SERVICES)
            path, token = f"/api/v1/sites/{office.code}/tickets", office.kiosk
            body: dict[str, Any] = {"service": service, "request_id": request_id}
        else:
            counter = self.random.randint(1, COUNTERS)
            path = f"/api/v1/sites/{office.code}/counters/{counter}/call-next"
            token, body = office.counters[counter - 1], {"request_id": request_id}
        sent = time.monotonic()
        window.sent += 1
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                status, answer = await pool.post(path, token, body)
        except TimeoutError:
            window.errors["timeout"] += 1
            return
        except OSError as error:
            window.errors[type(error).__name__] += 1
            return
        window.answered.append(time.monotonic() - sent)
        if status >= 400:
            code = json.loads(answer).get("code", str(status)) if answer else str(status)
            window.errors[f"{status} {code}"] += 1
        elif status == 200 and "call-next" in path:
            called = json.loads(answer)
            window.calls.append((office.code, called["id"], called["call_count"], sent))

    async def run(self, window: Window, seconds: float) -> None:
        """Poisson arrivals at `window.rate` per second for `seconds`."""
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()
        start = loop.time()
        due = start
        while True:
            due += self.random.expovariate(window.rate)
            if due - start >= seconds:
                break
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.command(window, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)


def settle(window: Window, screens: Screens, displays_per_office: int, started: float) -> None:
    for office, ticket, count, sent in window.calls:
        seen = screens.calls.get((office, ticket, count), [])
        if len(seen) < displays_per_office:
            window.missed += 1
            continue
        delay = sorted(seen)[displays_per_office - 1] - sent
        window.call_to_all.append(delay)
        window.slices.setdefault(int((sent - started) // SLICE_SECONDS), []).append(delay)


# --- profile ----------------------------------------------------------------------------------

CATEGORIES = [
    ("PostgreSQL driver (psycopg)", ("psycopg",)),
    ("SQLAlchemy (pool, compiling)", ("sqlalchemy",)),
    ("queue rules (server/engine)", ("server/engine/",)),
    ("storage (server/store)", ("server/store/",)),
    ("command path (operations, auth, permissions)",
     ("server/operations.py", "server/auth.py", "server/permissions.py", "server/security.py")),
    ("REST routes (server/api)", ("server/api/",)),
    ("fanout and sockets (server/realtime)", ("server/realtime/",)),
    ("pydantic (validation, JSON)", ("pydantic",)),
    ("FastAPI and Starlette", ("fastapi/", "starlette/")),
    ("HTTP server (uvicorn, httptools)", ("uvicorn/protocols/http", "httptools", "uvicorn/")),
    ("websocket frames (websockets)", ("websockets/",)),
    ("threads (anyio, threading, futures)", ("anyio/", "threading.py", "concurrent/", "queue.py")),
    ("event loop (asyncio, uvloop)", ("asyncio/", "uvloop")),
    ("json", ("json/",)),
    ("metrics, logging", ("prometheus_client", "logging/", "server/metrics.py")),
]


def profile(pids: list[int], seconds: float, folder: Path) -> list[subprocess.Popen[bytes]]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists() and not shutil.which("py-spy"):
        return []
    return [
        subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
             "--gil", "--nonblocking", "--format", "raw", "-o", str(folder / f"{pid}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def breakdown(folder: Path) -> dict[str, float]:
    """Share of sampled server CPU per category, by the innermost frame that names one."""
    shares: Tally[str] = Tally()
    for path in folder.glob("*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            label = "other"
            for frame in reversed(frames):
                label = next(
                    (name for name, marks in CATEGORIES if any(m in frame for m in marks)), ""
                )
                if label:
                    break
            shares[label or "other"] += int(count)
    total = sum(shares.values())
    return {name: n / total for name, n in shares.most_common()} if total else {}


# --- putting it together ----------------------------------------------------------------------


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f}" if values else "-"


def report(window: Window, processes: int, baseline: float) -> None:
    done = len(window.answered)
    commands = done / window.seconds if window.seconds else 0.0
    print(f"\n  rate {window.rate:g}/s offered: {window.sent} sent, {done} answered "
          f"({commands:.1f}/s), errors {sum(window.errors.values())}"
          + (f" {dict(window.errors)}" if window.errors else ""))
    print(f"    command round trip      p50 {ms(window.answered, 0.5)} ms, "
          f"p99 {ms(window.answered, 0.99)} ms, max {ms(window.answered, 1.0)} ms")
    print(f"    call → every display    p50 {ms(window.call_to_all, 0.5)} ms, "
          f"p99 {ms(window.call_to_all, 0.99)} ms, max {ms(window.call_to_all, 1.0)} ms "
          f"({len(window.call_to_all)} calls, {window.missed} not seen by every display)")
    slices = [percentile(v, 0.99) for v in window.slices.values() if len(v) >= 20]
    whole = percentile(window.call_to_all, 0.99) if window.call_to_all else 0.0
    if slices and whole:
        print(f"    worst {SLICE_SECONDS:g}-s slice p99   {max(slices) * 1000:.0f} ms "
              f"({max(slices) / whole:.2f}x the window's p99); refresh snapshots received: "
              f"{window.refreshes}")
    per_command = 1000 / done if done else 0.0
    print(f"    CPU per command         server {window.server_cpu * per_command:.2f} ms "
          f"({processes} processes; {window.server_cpu * per_command / baseline:.1f}x the "
          f"engine alone), PostgreSQL {window.postgres_cpu * per_command:.2f} ms, "
          f"load generator {window.client_cpu * per_command:.2f} ms")
    print(f"    deliveries by snapshot instead of delta: {window.by_snapshot}; "
          f"seq gaps seen by displays: {window.gaps}")


def saturated(window: Window) -> bool:
    answered = len(window.answered) / window.sent if window.sent else 1.0
    p99 = percentile(window.call_to_all, 0.99) if window.call_to_all else 0.0
    return answered < 0.95 or p99 > SATURATED_P99 or window.missed > 0


async def measure(
    city: list[Office], ports: list[int], server_pids: list[int], cluster: Cluster,
    args: argparse.Namespace, baseline: float,
) -> None:
    screens = Screens()
    sockets: list[ClientConnection] = []
    listeners: list[asyncio.Task[None]] = []
    rss_before = {pid: rss_kib(pid) for pid in server_pids}
    jobs: list[tuple[Display, int, str]] = []
    for office in city:
        for d, token in enumerate(office.displays):
            # An office's screens on every process: its events always cross by NOTIFY.
            jobs.append((Display(len(jobs), office.code, screens), ports[d % len(ports)], token))
    started = time.monotonic()
    for start in range(0, len(jobs), CONNECT_BATCH):
        batch = jobs[start : start + CONNECT_BATCH]
        opened = await asyncio.gather(
            *(display.open(f"ws://127.0.0.1:{port}/ws", token) for display, port, token in batch)
        )
        for (display, _, _), ws in zip(batch, opened, strict=True):
            sockets.append(ws)
            listeners.append(asyncio.create_task(display.listen(ws)))
        print(f"\r  display sockets open: {len(sockets)}/{len(jobs)}", end="", flush=True)
    print(f" in {time.monotonic() - started:.0f} s")
    await asyncio.sleep(3)
    per_process = len(jobs) / len(ports)
    for pid in server_pids:
        grown = rss_kib(pid) - rss_before[pid]
        print(f"  server {pid}: RSS {rss_kib(pid) / 1024:.0f} MiB with {per_process:.0f} idle "
              f"sockets, {grown / per_process:.1f} KiB per socket "
              f"(goal ≤ {GOAL_KIB:g})")

    load = Load(city, ports, args.seed)
    windows: list[Window] = []
    sizes_before = table_bytes(cluster.url)
    profiled: dict[str, float] = {}
    profiled_cpu = 0.0
    statements: list[tuple[str, int, float]] = []
    statements_per = 1
    profile_rate = args.profile_rate if args.profile else None
    for rate in args.rates:
        window = Window(rate)
        refreshes, by_snapshot, gaps = len(screens.refreshes), screens.by_snapshot, screens.gaps
        cpu = (cpu_seconds(server_pids), cluster.cpu_seconds(), time.process_time())
        spies: list[subprocess.Popen[bytes]] = []
        spy_folder = Path(tempfile.mkdtemp(prefix="antrean-city-spy-"))
        if rate == profile_rate:
            spies = profile(server_pids, args.seconds * 0.8, spy_folder)
            statement_stats(cluster.url, reset=True)
        print(f"\n  {rate:g} commands/s for {args.seconds:g} s …", flush=True)
        started = time.monotonic()
        await load.run(window, args.seconds)
        window.seconds = time.monotonic() - started
        window.server_cpu = cpu_seconds(server_pids) - cpu[0]
        window.postgres_cpu = cluster.cpu_seconds() - cpu[1]
        window.client_cpu = time.process_time() - cpu[2]
        await asyncio.sleep(DRAIN_SECONDS)
        settle(window, screens, args.displays, started)
        window.refreshes = len(screens.refreshes) - refreshes
        window.by_snapshot = screens.by_snapshot - by_snapshot
        window.gaps = screens.gaps - gaps
        for spy in spies:
            spy.wait()
        if rate == profile_rate:
            statements = statement_stats(cluster.url)
            statements_per = max(1, len(window.answered))
        if spies:
            profiled = breakdown(spy_folder)
            profiled_cpu = window.server_cpu * 1000 / max(1, len(window.answered))
        if spies and args.keep_profile:
            print(f"  py-spy's samples (collapsed stacks): {spy_folder}")
        else:
            shutil.rmtree(spy_folder, ignore_errors=True)
        report(window, len(server_pids), baseline * 1000)
        windows.append(window)

    sizes_after = table_bytes(cluster.url)
    for task in listeners:
        task.cancel()
    for start in range(0, len(sockets), 500):
        await asyncio.gather(*(ws.close() for ws in sockets[start : start + 500]),
                             return_exceptions=True)
    for pool in load.pools:
        pool.close()

    print("\nSummary")
    print(f"engine alone (Operations.execute in the bench's process, same cluster): "
          f"{baseline * 1000:.2f} ms of CPU per command")
    print(f"{'rate/s':>7} {'done/s':>7} {'rtt p99':>8} {'call→all p50':>13} {'p99':>6} "
          f"{'max':>6} {'server ms':>9} {'ratio':>6} {'pg ms':>6} {'by snapshot':>11} "
          f"{'missed':>6}")
    for w in windows:
        done = len(w.answered)
        per = 1000 / done if done else 0.0
        print(f"{w.rate:>7g} {done / w.seconds:>7.1f} {ms(w.answered, 0.99):>8} "
              f"{ms(w.call_to_all, 0.5):>13} {ms(w.call_to_all, 0.99):>6} "
              f"{ms(w.call_to_all, 1.0):>6} {w.server_cpu * per:>9.2f} "
              f"{w.server_cpu * per / (baseline * 1000):>5.1f}x "
              f"{w.postgres_cpu * per:>6.2f} {w.by_snapshot:>11} {w.missed:>6}")
    commands = sum(len(w.answered) for w in windows)
    kept = sum(sizes_after[t] - sizes_before[t] for t in KEPT_TABLES) / max(1, commands)
    log = (sizes_after["request_log"] - sizes_before["request_log"]) / max(1, commands)
    print(f"disk per command: {kept:.0f} bytes kept (tickets, events, numbers, with indexes), "
          f"{log:.0f} bytes of request log (kept {48} h)")
    first = next((w.rate for w in windows if saturated(w)), None)
    print("saturation: " + (f"at {first:g} commands/s" if first is not None else
                            f"not reached up to {windows[-1].rate:g} commands/s"))
    goal = next((w for w in windows if w.rate == 150), None)
    if goal is not None and goal.call_to_all:
        p99 = percentile(goal.call_to_all, 0.99)
        goal_cpu = goal.server_cpu * 1000 / max(1, len(goal.answered))
        print(f"goals at 150/s: call → every display p99 {p99 * 1000:.0f} ms "
              f"(≤ {GOAL_P99 * 1000:.0f}), server CPU {goal_cpu:.2f} ms per command "
              f"(≤ {GOAL_CPU_MS:g})")
    if statements:
        calls = sum(c for _, c, _ in statements)
        spent = sum(t for _, _, t in statements)
        print(f"\nPostgreSQL at {profile_rate:g}/s: {calls / statements_per:.1f} statements and "
              f"{spent / statements_per:.2f} ms of execution per command; the costliest:")
        for query, count, total in statements[:STATEMENTS_SHOWN]:
            share = total / statements_per
            print(f"  {share:6.3f} ms {count / statements_per:5.2f}x  {query[:90]}")
    if profiled:
        print(f"\nWhere the servers' CPU went at {profile_rate:g}/s "
              f"(py-spy, GIL holder sampled; {profiled_cpu:.2f} ms per command):")
        for name, share in profiled.items():
            print(f"  {name:<46} {share * 100:5.1f} %  {share * profiled_cpu:5.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--displays", type=int, default=10, help="display sockets per office")
    parser.add_argument("--processes", type=int, default=2, help="antrean server processes")
    parser.add_argument("--rates", default="50,100,150,200",
                        help="commands per second, comma-separated, in this order")
    parser.add_argument("--seconds", type=float, default=30, help="per rate")
    parser.add_argument("--refresh", type=float, default=30,
                        help="the servers' ws_refresh_seconds (shorter than --seconds)")
    parser.add_argument("--profile-rate", type=float, default=150,
                        help="the rate at which the servers are sampled with py-spy")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--keep-profile", action="store_true",
                        help="keep py-spy's raw samples (collapsed stacks) and say where")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--server-code", type=Path, metavar="DIR",
        help="run the servers from another copy of the code (e.g. `git archive` of an "
        "earlier commit), to compare; the load and the measuring stay this copy's",
    )
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",")]
    sockets = args.offices * args.displays
    raise_fd_limit(sockets * 2 + 2048)
    print(f"city: {args.offices} offices × {COUNTERS} counters, {sockets} display sockets "
          f"over {args.processes} server processes; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    with postgres_cluster(max_connections=100 + 50 * args.processes) as cluster:
        city = prepare_city(cluster.url, args.offices, args.displays)
        baseline = engine_baseline(cluster.url, city, BASELINE_COMMANDS, args.seed)
        print(f"  engine alone: {baseline * 1000:.2f} ms of CPU per command "
              f"({BASELINE_COMMANDS} commands through Operations.execute)")
        ports = [free_port() for _ in range(args.processes)]
        env = {
            "ANTREAN_DATABASE_URL": cluster.url, "ANTREAN_FANOUT": "postgres",
            "ANTREAN_LOG_LEVEL": "warning", "ANTREAN_WS_REFRESH_SECONDS": str(args.refresh),
            "ANTREAN_WS_MAX_PENDING_HELLOS": "1000",
        }
        if args.server_code is not None:
            env["PYTHONPATH"] = str(args.server_code.resolve())
            env["PYTHONSAFEPATH"] = "1"  # not this folder first
            print(f"  servers run the code in {args.server_code}")
        with contextlib.ExitStack() as servers:
            pids = []
            for n, port in enumerate(ports):
                data = Path(servers.enter_context(tempfile.TemporaryDirectory()))
                command = [sys.executable, "-m", "launcher", "server", "--port", str(port)]
                pids.append(servers.enter_context(
                    process(command, {**env, "ANTREAN_DATA_DIR": str(data)}, port_open(port))
                ))
                print(f"  server process {n + 1}: pid {pids[-1]}, port {port}")
            run_loop(measure(city, ports, pids, cluster, args, baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
