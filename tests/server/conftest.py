"""An API client on the demo office, with a clock the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.store.database import Database
from tests.conftest import Clock


class Api:
    """A TestClient plus the tokens of the demo's people and devices."""

    def __init__(self, client: TestClient, db: Database) -> None:
        self.client = client
        self.db = db
        self.tokens: dict[str, str] = {}

    def login(self, username: str) -> dict[str, str]:
        answer = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def device(self, kind: DeviceKind, counters: list[int] | None = None) -> dict[str, str]:
        with self.db.writing() as work:
            _, token = add_device(work, "demo", kind, datetime.now(UTC), counters)
        return {"Authorization": f"Bearer {token}"}

    def issue(self, headers: dict[str, str], service: str = "A", **extra: object) -> dict:
        answer = self.client.post(
            "/api/v1/sites/demo/tickets", json={"service": service, **extra}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def make_api(db: Database, clock: Clock) -> Iterator[Api]:
    settings = ServerSettings(database_url=db.url)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, db)


@pytest.fixture
def api(demo_sqlite: Database, clock: Clock) -> Iterator[Api]:
    yield from make_api(demo_sqlite, clock)


@pytest.fixture
def api_on_each_database(demo_db: Database, clock: Clock) -> Iterator[Api]:
    yield from make_api(demo_db, clock)


@pytest.fixture
def officer(api: Api) -> dict[str, str]:
    return api.login("petugas")
