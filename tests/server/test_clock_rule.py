"""A server whose clock went back (a Pi has no battery clock) refuses to open a
new day on it, says so to devices and in /healthz, and carries on once the time
is right. The clock is injected; the server, its database and the device
client are real."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from antrean.client import CommandFailed, DeviceClient
from antrean.protocol import IssueTicketCommand
from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.conftest import Clock
from tests.live import serving
from tests.realtime.conftest import register_devices


def _issue(url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/sites/demo/tickets", json={"service": "A"},
        headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )


def test_a_server_started_with_its_clock_set_back_refuses_to_open_a_new_day(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    tokens, _ = register_devices(demo_sqlite, clock())
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    with serving(create_app(settings, clock=clock)) as url:
        assert _issue(url, tokens["kiosk"]).json()["ticket"]["code"] == "A001"
    yesterday_evening = clock.now

    # The power came back a week later at 10:00 on a Tuesday (an open day), but
    # the Pi's clock restarted from a week before the last ticket.
    clock.now = yesterday_evening - timedelta(days=7)
    with serving(create_app(settings, clock=clock)) as url:
        refused = _issue(url, tokens["kiosk"])
        assert refused.status_code == 503
        error = refused.json()["error"]
        assert error["code"] == "clock_behind"
        assert "Jam server mundur" in error["message"]["id"]
        assert error["details"]["last_event_at"].startswith("2026-11-24T02:00")

        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json()["status"] == "failing"
        assert health.json()["clock"]["plausible"] is False
        assert any("clock" in problem for problem in health.json()["problems"])

        async def from_the_kiosk() -> CommandFailed:
            async with DeviceClient(url, tokens["kiosk"], site="demo") as client:
                await client.wait_online(10)
                # The device shows the server's time, not its own: the snapshot carries it.
                assert client.snapshot is not None
                assert client.snapshot.site.local_time == clock.now.astimezone(
                    client.snapshot.site.local_time.tzinfo
                )
                with pytest.raises(CommandFailed) as failure:
                    await client.send(IssueTicketCommand(site="demo", service="A"))
                return failure.value

        failure = asyncio.run(from_the_kiosk())
        assert failure.code == "clock_behind"
        assert "hubungi petugas" in failure.message["id"].lower()

        # Set right (the time server answered): the new day opens with A001.
        clock.now = yesterday_evening + timedelta(days=1)
        issued = _issue(url, tokens["kiosk"])
        assert issued.status_code == 201
        assert issued.json()["ticket"]["code"] == "A001"
        assert httpx.get(f"{url}/healthz", timeout=10).json()["clock"]["plausible"] is True


def test_a_clock_a_little_behind_is_tolerated_and_more_is_not(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    tokens, _ = register_devices(demo_sqlite, clock())
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    with serving(create_app(settings, clock=clock)) as url:
        assert _issue(url, tokens["kiosk"]).status_code == 201
        clock.now -= timedelta(seconds=2)  # a time-sync correction: fine
        assert _issue(url, tokens["kiosk"]).status_code == 201
        clock.now -= timedelta(minutes=30)  # the same day, but before people already waiting
        refused = _issue(url, tokens["kiosk"])
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "clock_behind"
        codes = {
            t["code"] for t in httpx.get(
                f"{url}/api/v1/sites/demo/queue",
                headers={"Authorization": f"Bearer {tokens['display']}"}, timeout=10,
            ).json()["waiting"]
        }
        assert codes == {"A001", "A002"}, "nothing was recorded on the clock set back"


def test_the_check_can_be_switched_off_to_recover_from_a_date_typed_in_the_future(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    tokens, _ = register_devices(demo_sqlite, clock())
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    typed_wrong = Clock(clock.now + timedelta(days=365 * 10))
    with serving(create_app(settings, clock=typed_wrong)) as url:
        assert _issue(url, tokens["kiosk"]).status_code == 201
    with serving(create_app(settings, clock=clock)) as url:
        assert _issue(url, tokens["kiosk"]).json()["error"]["code"] == "clock_behind"
    unchecked = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path, clock_check=False)
    with serving(create_app(unchecked, clock=clock)) as url:
        assert _issue(url, tokens["kiosk"]).status_code == 201
        assert httpx.get(f"{url}/healthz", timeout=10).json()["clock"]["checked"] is False
