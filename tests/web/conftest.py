"""The pages against a real server: uvicorn on a loopback port, the demo office."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from server.store.models import Event, Ticket
from tests.conftest import make_demo_database
from tests.live import serving


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
        with self.db.reading() as session:
            found = session.exec(select(Ticket).where(Ticket.code == code)).one()
            session.expunge_all()
            return found

    def events(self, kind: str) -> list[Event]:
        with self.db.reading() as session:
            found = list(session.exec(select(Event).where(Event.type == kind)))
            session.expunge_all()
            return found


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.transaction() as session:
        _, token = add_device(session, "demo", DeviceKind.KIOSK, datetime.now(UTC))
    with serving(create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))) as url:
        yield Office(url, db, {"Authorization": f"Bearer {token}"})
    db.dispose()
