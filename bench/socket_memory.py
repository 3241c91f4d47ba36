"""Resident memory of an idle display socket in a real `antrean server` process.

    .venv/bin/python bench/socket_memory.py                     # 1,000 sockets, 200 offices
    .venv/bin/python bench/socket_memory.py --against main      # and main's code, in turns
    .venv/bin/python bench/socket_memory.py --postgres --runs 3
    .venv/bin/python bench/socket_memory.py --trace             # what the sockets hold

What runs: one `antrean server` process (SQLite, or a throwaway PostgreSQL
cluster with LISTEN/NOTIFY as in bench/city.py), `--offices` offices with the
`--sockets` display devices spread over them (the city's shape per process:
1,000 sockets over 200 offices), and the same number of sockets on a bare
`websockets` server (bench/fanout.py's) as the floor. Each display says hello
as a real one does and waits for its first snapshot; after a pause for the
server to settle, resident memory is read from /proc.

Per run it prints the resident memory of the process with no socket, after
the first `--warm` sockets and with all of them, and per socket: from start
(what bench/city.py reports) and from warm (the cost of one more socket once
the code paths have run). `--against REV` runs the servers of that git
revision too (from `git archive`), alternately with this copy's, and prints
the ratio. `--trace` starts the server with tracemalloc and, with `--sockets`
open, prints what was allocated since the warm sockets, by source line, and
the count of new objects by type per socket (tracemalloc's own overhead makes
its resident figures meaningless; the per-line sizes are the point).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect

from antrean.protocol import PROTOCOL_VERSION
from bench.fanout import free_port, port_open, process, raise_fd_limit, rss_kib, run_loop

ROOT = Path(__file__).resolve().parent.parent
BATCH = 100
SETTLE_SECONDS = 3.0
GOAL_KIB = 20.0
TRACE_LINES = 25


@dataclass
class Reading:
    label: str
    empty: int = 0
    warm: int = 0
    full: int = 0
    sockets: int = 0
    warm_sockets: int = 0

    @property
    def per_socket(self) -> float:
        return (self.full - self.empty) / self.sockets

    @property
    def per_socket_warm(self) -> float:
        return (self.full - self.warm) / (self.sockets - self.warm_sockets)


@dataclass
class Results:
    by_label: dict[str, list[Reading]] = field(default_factory=dict)

    def add(self, reading: Reading) -> None:
        self.by_label.setdefault(reading.label, []).append(reading)


# --- the clients ---------------------------------------------------------------------------


async def open_display(url: str, token: str | None) -> ClientConnection:
    """A display as bench/city.py opens one: hello, then wait for the first snapshot
    (the bare server answers `ready` to anything)."""
    ws = await connect(url, compression=None, open_timeout=120, ping_interval=None,
                       max_size=None)
    if token is None:
        await ws.send("display")
        await ws.recv()
        return ws
    await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
    while json.loads(await ws.recv())["type"] != "snapshot":
        pass
    return ws


async def open_many(url: str, tokens: list[str | None]) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []
    for start in range(0, len(tokens), BATCH):
        batch = tokens[start : start + BATCH]
        sockets += await asyncio.gather(*(open_display(url, t) for t in batch))
    return sockets


async def drain(ws: ClientConnection) -> None:
    """Read whatever the server sends (a refresh) so nothing piles up on either side."""
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


async def measure(label: str, url: str, pid: int, tokens: list[str | None], warm: int,
                  trace_file: Path | None = None) -> Reading:
    reading = Reading(label, sockets=len(tokens), warm_sockets=warm)
    await asyncio.sleep(1.0)
    reading.empty = rss_kib(pid)
    sockets = await open_many(url, tokens[:warm])
    readers = [asyncio.create_task(drain(ws)) for ws in sockets]
    await asyncio.sleep(SETTLE_SECONDS)
    reading.warm = rss_kib(pid)
    if trace_file is not None:
        await traced(pid, trace_file, "warm")
    more = await open_many(url, tokens[warm:])
    readers += [asyncio.create_task(drain(ws)) for ws in more]
    sockets += more
    await asyncio.sleep(SETTLE_SECONDS)
    reading.full = rss_kib(pid)
    if trace_file is not None:
        await traced(pid, trace_file, "full")
    for task in readers:
        task.cancel()
    for start in range(0, len(sockets), 500):
        await asyncio.gather(*(ws.close() for ws in sockets[start : start + 500]),
                             return_exceptions=True)
    return reading


# --- tracing inside the server process ------------------------------------------------------


def serve_traced(trace_file: Path, argv: list[str]) -> None:
    """Run `antrean server` with tracemalloc; on SIGUSR1 keep a snapshot and type counts,
    on SIGUSR2 compare the newest with the one before and write the report."""
    import gc
    import tracemalloc
    from collections import Counter

    kept: list[tuple[tracemalloc.Snapshot, Counter[str]]] = []

    garbage: list[int] = []

    def types() -> Counter[str]:
        return Counter(type(o).__qualname__ for o in gc.get_objects())

    def keep(*_: object) -> None:
        # Tracing starts at the first signal (with the warm sockets open): only what
        # came after is traced, and start-up is not slowed down. Garbage in cycles
        # that the collector has not reached yet is counted, then left out.
        if not tracemalloc.is_tracing():
            tracemalloc.start(12)
        garbage.append(gc.collect())
        kept.append((tracemalloc.take_snapshot(), types()))
        trace_file.with_suffix(".kept").write_text(str(len(kept)))

    def compare(*_: object) -> None:
        (before, types_before), (after, types_after) = kept[-2], kept[-1]
        stats = after.filter_traces([
            tracemalloc.Filter(False, tracemalloc.__file__),
        ]).compare_to(before, "traceback")
        lines = ["by line:"]
        by_line = after.filter_traces([
            tracemalloc.Filter(False, tracemalloc.__file__),
        ]).compare_to(before, "lineno")
        lines += [f"{s.size_diff / 1024:9.1f} KiB {s.count_diff:7d} blocks  {s.traceback}"
                  for s in by_line[:TRACE_LINES * 2]]
        lines.append("by call stack:")
        for stat in stats[:TRACE_LINES]:
            lines.append(f"{stat.size_diff / 1024:9.1f} KiB {stat.count_diff:7d} blocks")
            lines += [f"      {frame}" for frame in stat.traceback.format(limit=8)]
        grown = types_after - types_before
        lines.append("new objects by type:")
        lines += [f"  {n:7d}  {name}" for name, n in grown.most_common(TRACE_LINES)]
        lines.append(f"unreachable objects collected before each snapshot: {garbage}")
        total = sum(s.size_diff for s in stats)
        lines.append(f"traced in all: {total / 1024:.1f} KiB")
        trace_file.write_text("\n".join(lines))

    signal.signal(signal.SIGUSR1, keep)
    signal.signal(signal.SIGUSR2, compare)
    from launcher.cli import main

    sys.argv = ["antrean", *argv]
    raise SystemExit(main())


async def traced(pid: int, trace_file: Path, moment: str) -> None:
    marker = trace_file.with_suffix(".kept")
    count = int(marker.read_text()) if marker.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    while not marker.exists() or int(marker.read_text()) == count:
        await asyncio.sleep(0.2)
    if moment == "full":
        os.kill(pid, signal.SIGUSR2)
        while not trace_file.exists():
            await asyncio.sleep(0.2)


# --- the servers ----------------------------------------------------------------------------


@contextlib.contextmanager
def code_of(revision: str) -> Iterator[Path]:
    """That revision's files in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="antrean-mem-code-") as folder:
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


@contextlib.contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder / 'antrean.db'}"
        return
    from bench.city import postgres_cluster

    with postgres_cluster(max_connections=100) as cluster:
        yield cluster.url


def antrean_run(label: str, code: Path | None, env: dict[str, str], tokens: list[str | None],
                warm: int, trace: bool) -> Reading:
    port = free_port()
    command = [sys.executable, "-m", "launcher", "server", "--port", str(port)]
    server_env = dict(env)
    trace_file = None
    with tempfile.TemporaryDirectory(prefix="antrean-mem-data-") as data:
        server_env["ANTREAN_DATA_DIR"] = data
        if code is not None:
            server_env["PYTHONPATH"] = str(code)
            server_env["PYTHONSAFEPATH"] = "1"  # not this folder first
        if trace:
            trace_file = Path(data) / "trace.txt"
            command = [sys.executable, __file__, "--serve-traced", str(trace_file), "--",
                       "server", "--port", str(port)]
        with process(command, server_env, port_open(port)) as pid:
            reading: Reading = run_loop(
                measure(label, f"ws://127.0.0.1:{port}/ws", pid, tokens, warm, trace_file)
            )
            if trace_file is not None:
                print(trace_file.read_text())
    return reading


def bare_run(sockets: int, warm: int) -> Reading:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "fanout.py"), "--bare-server", str(port)]
    with process(command, {}, port_open(port)) as pid:
        tokens: list[str | None] = [None] * sockets
        reading: Reading = run_loop(
            measure("bare websockets", f"ws://127.0.0.1:{port}", pid, tokens, warm)
        )
        return reading


def show(reading: Reading) -> None:
    print(f"  {reading.label:<16} RSS {reading.empty / 1024:6.1f} MiB empty, "
          f"{reading.warm / 1024:6.1f} with {reading.warm_sockets}, "
          f"{reading.full / 1024:6.1f} with {reading.sockets}: "
          f"{reading.per_socket:5.1f} KiB per socket from start, "
          f"{reading.per_socket_warm:5.1f} from warm", flush=True)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--serve-traced"]:
        serve_traced(Path(argv[1]), argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--warm", type=int, default=50, help="sockets opened before the rest")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--postgres", action="store_true",
                        help="a throwaway PostgreSQL cluster and LISTEN/NOTIFY, as the city")
    parser.add_argument("--against", metavar="REV[,REV…]",
                        help="also run the servers of these git revisions, alternately")
    parser.add_argument("--no-bare", dest="bare", action="store_false")
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc in the server: what the sockets hold, by line")
    args = parser.parse_args(argv)
    raise_fd_limit(args.sockets * 2 + 1024)
    from bench.city import prepare_city

    per_office = -(-args.sockets // args.offices)
    print(f"{args.sockets} idle display sockets over {args.offices} offices, "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    results = Results()
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="antrean-mem-")))
        url = stack.enter_context(database(args.postgres, folder))
        city = prepare_city(url, args.offices, per_office)
        # Round-robin over the offices, as a city's processes each hold some of every office.
        spread = [office.displays[d] for d in range(per_office) for office in city]
        tokens: list[str | None] = list(spread[: args.sockets])
        env = {
            "ANTREAN_DATABASE_URL": url, "ANTREAN_LOG_LEVEL": "warning",
            "ANTREAN_FANOUT": "postgres" if args.postgres else "memory",
            "ANTREAN_WS_MAX_PENDING_HELLOS": "1000",
        }
        arms: list[tuple[str, Path | None]] = [("this code", None)]
        for revision in args.against.split(",") if args.against else []:
            arms.append((revision, stack.enter_context(code_of(revision))))
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}")
            for label, code in arms:
                reading = antrean_run(label, code, env, tokens, args.warm, args.trace)
                show(reading)
                results.add(reading)
            if args.bare and not args.trace:
                reading = bare_run(args.sockets, args.warm)
                show(reading)
                results.add(reading)
    if args.trace:
        return 0
    print("\nmedian KiB per idle socket (from start / from warm):")
    medians = {}
    for label, readings in results.by_label.items():
        start = median(r.per_socket for r in readings)
        warm = median(r.per_socket_warm for r in readings)
        medians[label] = start
        print(f"  {label:<16} {start:5.1f} / {warm:5.1f}")
    ours = medians["this code"]
    print(f"goal ≤ {GOAL_KIB:g} KiB per socket: {'met' if ours <= GOAL_KIB else 'not met'}")
    for revision in args.against.split(",") if args.against else []:
        print(f"this code / {revision}: {ours / medians[revision]:.2f}")
    if "bare websockets" in medians:
        print(f"this code / bare websockets: {ours / medians['bare websockets']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
