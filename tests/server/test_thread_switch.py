"""The server sets how long a thread may keep Python's interpreter lock (server/threads.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.conftest import Clock


@pytest.fixture
def interval_restored() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("interval_restored")
def test_the_server_sets_the_threads_turn(demo_sqlite: Database, clock: Clock) -> None:
    sys.setswitchinterval(0.005)  # Python's default
    default = ServerSettings(database_url=demo_sqlite.url)
    assert default.thread_switch_ms == 1.0
    with TestClient(create_app(default, clock=clock)):
        assert sys.getswitchinterval() == pytest.approx(0.001)
    chosen = ServerSettings(database_url=demo_sqlite.url, thread_switch_ms=2.5)
    with TestClient(create_app(chosen, clock=clock)):
        assert sys.getswitchinterval() == pytest.approx(0.0025)


def test_a_turn_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="thread_switch_ms"):
        ServerSettings(thread_switch_ms=0)
