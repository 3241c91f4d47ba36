"""`antrean server --workers N`: several processes on one port, sharing events through
PostgreSQL; refused on SQLite, where one process serves the office."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from antrean.protocol import PROTOCOL_VERSION
from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.operations import utc_now
from server.store.database import Database
from tests.conftest import make_demo_database
from tests.realtime.conftest import free_socket
from tests.realtime.processes import START_TIMEOUT

DISPLAYS = 60
WORKERS = 2


def antrean(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "launcher", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def test_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "ANTREAN_DATA_DIR": str(tmp_path)}
    env.pop("ANTREAN_DATABASE_URL", None)
    port = free_port()
    done = antrean(env, "server", "--workers", "2", "--port", str(port))
    out, err = done.communicate(timeout=60)
    assert done.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("antrean: --workers needs PostgreSQL")
    assert "on SQLite one process serves the office" in lines[0]
    assert out == b""
    assert not (tmp_path / "antrean.db").exists()  # refused before touching anything


def test_workers_that_could_not_share_events_are_refused(tmp_path: Path) -> None:
    env = {
        **os.environ, "ANTREAN_DATA_DIR": str(tmp_path), "ANTREAN_FANOUT": "memory",
        # Never reached: the settings are refused before anything connects.
        "ANTREAN_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    }
    done = antrean(env, "server", "--workers", "3", "--port", str(free_port()))
    _, err = done.communicate(timeout=60)
    assert done.returncode == 2
    assert err.decode().strip().startswith('antrean: --workers needs fanout "postgres"')


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


def children(parent: int) -> list[int]:
    """Processes whose parent is `parent` (uvicorn's workers and its resource tracker)."""
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


def connections_to(pid: int, port: int) -> int:
    """Established TCP connections that process `pid` holds on local `port`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in inodes:
            count += 1
    return count


@pytest.fixture
def workers(
    postgres_url: str, tmp_path: Path
) -> Iterator[tuple[Database, str, int, dict[str, list[str]]]]:
    db = make_demo_database(postgres_url)
    tokens: dict[str, list[str]] = {"display": [], "counter": []}
    with db.writing() as work:
        for n in range(DISPLAYS):
            tokens["display"].append(
                add_device(work, "demo", DeviceKind.DISPLAY, utc_now(), name=f"tv {n}")[1]
            )
        for counter in (1, 2):
            tokens["counter"].append(
                add_device(work, "demo", DeviceKind.COUNTER, utc_now(), [counter])[1]
            )
        tokens["kiosk"] = [add_device(work, "demo", DeviceKind.KIOSK, utc_now())[1]]
    port = free_port()
    env = {
        **os.environ, "ANTREAN_DATABASE_URL": postgres_url, "ANTREAN_DATA_DIR": str(tmp_path),
        "ANTREAN_LOG_LEVEL": "warning",
    }
    server = antrean(env, "server", "--workers", str(WORKERS), "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                break
        except OSError:
            assert server.poll() is None, server.communicate()[1].decode()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
    try:
        yield db, url, server.pid, tokens
    finally:
        server.terminate()
        server.communicate(timeout=30)
        db.dispose()


async def greet(url: str, token: str) -> ClientConnection:
    ws = await connect(url.replace("http", "ws") + "/ws", compression=None, open_timeout=10)
    await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
    kinds = [json.loads(await ws.recv())["type"] for _ in range(2)]
    assert kinds == ["welcome", "snapshot"]
    return ws


@pytest.mark.postgres
def test_every_delta_reaches_sockets_on_every_worker_exactly_once(
    workers: tuple[Database, str, int, dict[str, list[str]]],
) -> None:
    db, url, parent, tokens = workers
    port = int(url.rsplit(":", 1)[1])

    async def scenario() -> tuple[list[list[int]], list[int]]:
        # The kernel hands each new connection to whichever worker accepts first:
        # open sockets until every worker holds some (it takes a few).
        displays: list[ClientConnection] = []
        for token in tokens["display"]:
            displays.append(await greet(url, token))
            spread = [connections_to(pid, port) for pid in children(parent)]
            if len(displays) >= 8 and sum(1 for n in spread if n) == WORKERS:
                break
        spread = [n for n in (connections_to(pid, port) for pid in children(parent)) if n]
        seen: list[list[int]] = [[] for _ in displays]

        async def listen(ws: ClientConnection, into: list[int]) -> None:
            async for frame in ws:
                message = json.loads(frame)
                if message["type"] == "event":
                    into.append(message["event"]["seq"])

        listeners = [
            asyncio.create_task(listen(ws, into))
            for ws, into in zip(displays, seen, strict=True)
        ]
        # Commands over REST: each lands on whichever worker accepts the connection.
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            kiosk = {"Authorization": f"Bearer {tokens['kiosk'][0]}"}
            for n in range(12):
                answer = await http.post(
                    "/api/v1/sites/demo/tickets", headers=kiosk,
                    json={"service": "A", "request_id": f"issue-{n}"},
                )
                assert answer.status_code == 201, answer.text
            for _ in range(6):
                for counter, token in enumerate(tokens["counter"], start=1):
                    answer = await http.post(
                        f"/api/v1/sites/demo/counters/{counter}/call-next",
                        headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                    )
                    assert answer.status_code == 200, answer.text
        expected = last_seq(db)
        async with asyncio.timeout(15):
            while any(len(s) < expected for s in seen):
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything twice would have arrived by now
        for task in listeners:
            task.cancel()
        for ws in displays:
            await ws.close()
        return seen, spread

    seen, spread = asyncio.run(scenario())
    assert len(spread) == WORKERS and min(spread) > 0, f"sockets per worker: {spread}"
    last = last_seq(db)
    assert last >= 12 + 12  # every ticket issued and called
    for seqs in seen:
        assert seqs == list(range(1, last + 1))


def last_seq(db: Database) -> int:
    with db.reading() as work:
        site = work.site("demo")
        assert site is not None
        return site.last_seq
