"""A revoked device is cut off at once, on every server process, not at the next refresh."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from antrean.client import websocket_url
from antrean.messages import CLOSE_NOT_AUTHENTICATED
from antrean.protocol import PROTOCOL_VERSION
from antrean.vocabulary import Role
from server.admin import add_user, revoke_device
from server.auth import sign_in
from server.demo_office import DEMO_PASSWORD
from server.operations import utc_now
from server.store.database import Database
from server.store.statements import USERS
from tests.conftest import make_demo_database
from tests.realtime.conftest import Office, greeted, next_frame, register_devices
from tests.realtime.processes import start_server, stop_server

NEVER = 3600  # the periodic refresh, which must not be what closes the socket


async def cut_off(ws: ClientConnection, timeout: float) -> tuple[str, int | None]:
    """The refusal a socket gets and its close code; fails if none comes in time."""
    async with asyncio.timeout(timeout):
        refused = await next_frame(ws, "refused", timeout=timeout)
        with pytest.raises(ConnectionClosed):
            while True:
                await ws.recv()
    return refused["code"], ws.close_code


async def still_open(ws: ClientConnection) -> bool:
    await ws.send(json.dumps({"type": "ping", "nonce": "alive"}))
    return (await next_frame(ws, "pong"))["nonce"] == "alive"


def test_a_revocation_in_the_same_process_closes_the_socket_at_once(make_office: Any) -> None:
    office: Office = make_office(ws_refresh_seconds=0)  # no periodic refresh at all
    check_every = office.server.settings.ws_access_check_seconds
    with office.db.writing() as work:
        add_user(work, "loket", DEMO_PASSWORD, Role.OFFICER, "demo")
        officer, _, user = sign_in(work, "loket", DEMO_PASSWORD, office.clock(), timedelta(hours=1))

    async def scenario() -> None:
        kiosk, _ = await greeted(office, office.tokens["kiosk"])
        display, _ = await greeted(office, office.tokens["display"])
        person, _ = await greeted(office, officer)
        with office.db.writing() as work:
            revoke_device(work, office.device_ids["kiosk"], office.clock())
        started = time.monotonic()
        assert await cut_off(kiosk, 3 * check_every + 2) == (
            "device_revoked", CLOSE_NOT_AUTHENTICATED,
        )
        assert time.monotonic() - started < 2 * check_every + 1
        assert await still_open(display)
        # A person switched off by an administrator loses the socket the same way.
        with office.db.writing() as work:
            work.update(USERS, user.id, {"active": False})
        assert await cut_off(person, 3 * check_every + 2) == (
            "not_authenticated", CLOSE_NOT_AUTHENTICATED,
        )
        assert await still_open(display)
        await display.close()

    asyncio.run(scenario())


@pytest.fixture
def two_processes(
    postgres_url: str, tmp_path: Path
) -> Iterator[tuple[Database, dict[str, str], dict[str, int], list[str]]]:
    db = make_demo_database(postgres_url)
    tokens, ids = register_devices(db, utc_now())
    settings = {"fanout": "postgres", "ws_refresh_seconds": str(NEVER)}
    first, url_a = start_server(postgres_url, tmp_path / "a", **settings)
    try:
        second, url_b = start_server(postgres_url, tmp_path / "b", **settings)
    except BaseException:
        stop_server(first)
        raise
    yield db, tokens, ids, [url_a, url_b]
    for process in (first, second):
        stop_server(process)
    db.dispose()


@pytest.mark.postgres
def test_a_revocation_from_the_command_line_reaches_every_process_at_once(
    two_processes: tuple[Database, dict[str, str], dict[str, int], list[str]], tmp_path: Path
) -> None:
    db, tokens, ids, urls = two_processes

    async def greet(url: str, token: str) -> ClientConnection:
        ws = await connect(websocket_url(url), compression=None, open_timeout=10)
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
        assert (await next_frame(ws, timeout=10))["type"] == "welcome"
        assert (await next_frame(ws, timeout=10))["type"] == "snapshot"
        return ws

    async def scenario() -> float:
        kiosks = [await greet(url, tokens["kiosk"]) for url in urls]
        displays = [await greet(url, tokens["display"]) for url in urls]
        env = {**os.environ, "ANTREAN_DATABASE_URL": db.url, "ANTREAN_DATA_DIR": str(tmp_path)}
        revoke = [sys.executable, "-m", "launcher", "device", "revoke", str(ids["kiosk"])]
        process = await asyncio.create_subprocess_exec(
            *revoke, env=env, stdout=subprocess.PIPE
        )
        assert await process.wait() == 0
        revoked_at = time.monotonic()
        verdicts = await asyncio.gather(*(cut_off(ws, 5) for ws in kiosks))
        delay = time.monotonic() - revoked_at
        assert verdicts == [("device_revoked", CLOSE_NOT_AUTHENTICATED)] * 2
        for display in displays:
            assert await still_open(display)
            await display.close()
        return delay

    delay = asyncio.run(scenario())
    print(f"\nboth processes had closed the revoked kiosk's sockets {delay * 1000:.0f} ms "
          "after the revoke command exited")
    assert delay < 2  # NOTIFY; the refresh would have taken an hour
