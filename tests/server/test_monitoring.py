"""/healthz and /metrics of a real server with real devices connected, read back
with prometheus-client's own parser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from antrean.client import DeviceClient
from antrean.health import DeviceHealth, PrinterState
from antrean.protocol import CallNextCommand, IssueTicketCommand
from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.conftest import Clock
from tests.live import serving
from tests.realtime.conftest import register_devices

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    answer = httpx.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def eventually(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        time.sleep(0.05)


def test_health_and_metrics_of_a_working_office(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    tokens, _ = register_devices(demo_sqlite, clock())
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    with serving(create_app(settings, clock=clock)) as url:
        kiosk_token = {"Authorization": f"Bearer {tokens['kiosk']}"}
        for service in "AAB":
            answer = httpx.post(
                f"{url}/api/v1/sites/demo/tickets", json={"service": service},
                headers=kiosk_token, timeout=10,
            )
            assert answer.status_code == 201
        unknown = httpx.post(
            f"{url}/api/v1/sites/demo/tickets", json={"service": "Z"},
            headers=kiosk_token, timeout=10,
        )
        assert unknown.status_code == 404

        async def with_devices_connected() -> tuple[Samples, dict[str, object]]:
            kiosk = DeviceClient(url, tokens["kiosk"], site="demo")
            counter = DeviceClient(url, tokens["counter1"], site="demo")
            display = DeviceClient(url, tokens["display"], site="demo")
            async with kiosk, counter, display:
                for client in (kiosk, counter, display):
                    await client.wait_online(10)
                await kiosk.report_health(DeviceHealth(
                    version="test", uptime_seconds=5, printer=PrinterState.PAPER_OUT,
                    detail="paper out",
                ))
                await kiosk.send(IssueTicketCommand(site="demo", service="B"))
                await counter.send(CallNextCommand(site="demo", counter=1))

                def printer_reported() -> bool:
                    found = value(
                        scrape(url), "antrean_printer_state",
                        site="demo", device="kiosk", device_id=str(_id(tokens, "kiosk")),
                        state="paper_out",
                    )
                    return found == 1

                await asyncio.to_thread(eventually, printer_reported)
                samples = await asyncio.to_thread(scrape, url)
                health = (await asyncio.to_thread(httpx.get, f"{url}/healthz")).json()
                return samples, health

        samples, health = asyncio.run(with_devices_connected())

    def commands(command: str, result: str) -> float | None:
        return value(samples, "antrean_commands_total", command=command, result=result)

    assert commands("issue_ticket", "ok") == 4  # three over REST, one over the socket
    assert commands("issue_ticket", "service_not_found") == 1
    assert commands("call_next", "ok") == 1
    assert value(
        samples, "antrean_http_requests_total",
        method="POST", route="/api/v1/sites/{site}/tickets", status="201",
    ) == 3
    assert value(
        samples, "antrean_http_requests_total",
        method="POST", route="/api/v1/sites/{site}/tickets", status="404",
    ) == 1
    for kind, count in [("kiosk", 1), ("counter", 1), ("display", 1), ("user", 0)]:
        assert value(samples, "antrean_connected_devices", kind=kind) == count
    # A001 was called to counter 1 (oldest first): A002 and B001, B002 wait.
    assert value(samples, "antrean_waiting_tickets", site="demo", service="A") == 1
    assert value(samples, "antrean_waiting_tickets", site="demo", service="B") == 2
    assert value(samples, "antrean_event_lag", site="demo") == 0
    assert value(samples, "antrean_clock_plausible") == 1
    assert value(samples, "antrean_storage_ok") == 1
    assert (value(samples, "antrean_storage_free_bytes") or 0) > 0
    printer_states = {
        dict(labels)["state"]: found for (name, labels), found in samples.items()
        if name == "antrean_printer_state" and dict(labels)["device"] == "kiosk"
    }
    assert printer_states["paper_out"] == 1 and sum(printer_states.values()) == 1
    assert value(samples, "antrean_command_seconds_count", command="issue_ticket") == 5

    assert health["status"] == "ok" and health["problems"] == []
    assert health["database"]["ok"] is True and health["database"]["dialect"] == "sqlite"
    assert health["devices"] == {"kiosk": 1, "counter": 1, "display": 1, "user": 0}
    assert health["clock"]["plausible"] is True
    assert health["storage"]["ok"] is True and health["storage"]["free_bytes"] > 0
    assert health["backup"] is None  # none taken yet in this data directory


def _id(tokens: dict[str, str], name: str) -> int:
    from tests.realtime.conftest import DEVICES

    return list(DEVICES).index(name) + 1


def test_health_never_says_ok_and_not_migrated_at_once(
    demo_sqlite: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migration may finish while /healthz asks the database: the answer must
    stay one reading, not "ok" from after and "not migrated" from before."""
    from fastapi.testclient import TestClient

    from server import healthz
    from server.store import monitoring

    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with TestClient(app) as client:
        supervision = app.state.supervision
        asked = monitoring.answers

        def migrated_meanwhile(db: Database) -> None:
            asked(db)
            supervision.database_ready = True

        supervision.database_ready = False
        monkeypatch.setattr(healthz.monitoring, "answers", migrated_meanwhile)
        during = client.get("/healthz")
        assert during.json()["database"]["migrated"] is False
        assert during.json()["database"]["ok"] is False
        assert during.status_code == 503
        after = client.get("/healthz")
        database = after.json()["database"]
        assert database["migrated"] is True and database["ok"] is True
        assert after.status_code == 200
