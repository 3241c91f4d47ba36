"""The pages against a real server: uvicorn on a loopback port, the demo office."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.engine.commands import find_site
from server.engine.model import Event, Ticket
from server.store.database import Database
from tests.conftest import Clock, make_demo_database
from tests.live import serving
from tests.server.conftest import Api, make_api


@dataclass
class Office:
    url: str
    db: Database
    kiosk: dict[str, str]

    def issue(self, service: str, priority: str = "none") -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/api/v1/sites/demo/tickets",
            json={"service": service, "priority": priority}, headers=self.kiosk, timeout=10,
        )
        answer.raise_for_status()
        return dict(answer.json()["ticket"])

    def ticket(self, code: str) -> Ticket:
        with self.db.reading() as work:
            tickets = work.tickets_of_site(find_site(work, "demo").id)
            [found] = [t for t in tickets if t.code == code]
            return found

    def events(self, kind: str) -> list[Event]:
        with self.db.reading() as work:
            stored = work.events_since(find_site(work, "demo").id, 0, limit=100_000)
            return [e for e in stored if e.type == kind]


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        _, token = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
    with serving(create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))) as url:
        yield Office(url, db, {"Authorization": f"Bearer {token}"})
    db.dispose()


@pytest.fixture
def api(demo_sqlite: Database, clock: Clock) -> Iterator[Api]:
    """The API (and pages) of the demo office through a TestClient, on a clock the test moves."""
    yield from make_api(demo_sqlite, clock)


@pytest.fixture
def officer(api: Api) -> dict[str, str]:
    return api.login("petugas")
