"""Signing in: the same time whether or not the user exists; failures throttled."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from antrean.refusals import REASONS
from antrean.vocabulary import Role
from server.admin import add_user
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.store.database import Database
from server.store.statements import USERS
from tests.conftest import Clock

ROUNDS = 7


@pytest.fixture
def make_client(demo_sqlite: Database, clock: Clock) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(address: str = "192.168.1.20", app: FastAPI | None = None, **settings: Any) -> Any:
        """A client at `address`: of a new server, or another one of `app` (already running)."""
        if app is not None:
            return TestClient(app, client=(address, 50000))
        served = create_app(ServerSettings(database_url=demo_sqlite.url, **settings), clock=clock)
        client = TestClient(served, client=(address, 50000))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def sign_in(client: TestClient, username: str, password: str = "wrong") -> Any:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_an_unknown_user_name_takes_as_long_as_a_wrong_password(
    make_client: Any, demo_sqlite: Database
) -> None:
    client = make_client(signin_failures_per_user=1000, signin_failures_per_address=1000)
    with demo_sqlite.writing() as work:
        retired = add_user(work, "pensiun", DEMO_PASSWORD, Role.OFFICER, "demo")
        work.update(USERS, retired.id, {"active": False})
    timings: dict[str, list[float]] = {"unknown": [], "wrong password": [], "inactive": []}
    who = {"unknown": "tidak-ada", "wrong password": "petugas", "inactive": "pensiun"}
    for round_ in range(ROUNDS):
        for case, username in who.items():
            password = DEMO_PASSWORD if case == "inactive" else f"wrong-{round_}"
            started = time.perf_counter()
            answer = sign_in(client, username, password)
            timings[case].append(time.perf_counter() - started)
            assert answer.status_code == 401
            assert answer.json()["error"]["code"] == "invalid_credentials"
    medians = {case: statistics.median(t) for case, t in timings.items()}
    print("\nsign-in medians: " + ", ".join(f"{c} {m * 1000:.1f} ms" for c, m in medians.items()))
    # A real check of a password (scrypt) takes tens of milliseconds; skipping it
    # for unknown names made them answer ten times faster.
    slowest, fastest = max(medians.values()), min(medians.values())
    assert slowest < 2 * fastest, medians


def test_failed_sign_ins_are_throttled_per_user_name(make_client: Any, clock: Clock) -> None:
    client = make_client()
    for _ in range(5):
        assert sign_in(client, "petugas").status_code == 401
    # The sixth try is refused before the password is looked at, even the right one.
    refused = sign_in(client, "petugas", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    error = refused.json()["error"]
    assert error["code"] == "too_many_attempts"
    assert error["message"] == {
        "id": REASONS["too_many_attempts"].id, "en": REASONS["too_many_attempts"].en,
    }
    assert "coba lagi" in error["message"]["id"] and error["details"] == {"retry_after": 900}
    # The same name in other letters is the same name.
    assert sign_in(client, " PETUGAS ").status_code == 429
    # Other people at the same desk are not locked out.
    assert sign_in(client, "admin", DEMO_PASSWORD).status_code == 200
    clock.advance(minutes=10)
    assert sign_in(client, "petugas", DEMO_PASSWORD).headers["Retry-After"] == "300"
    clock.advance(minutes=5)
    assert sign_in(client, "petugas", DEMO_PASSWORD).status_code == 200
    # A success wipes the slate for that name.
    for _ in range(4):
        assert sign_in(client, "petugas").status_code == 401
    assert sign_in(client, "petugas", DEMO_PASSWORD).status_code == 200


def test_failed_sign_ins_are_throttled_per_client_address(make_client: Any, clock: Clock) -> None:
    here = make_client("10.1.1.5", signin_failures_per_address=8)
    elsewhere = make_client("10.1.1.6", app=here.app)
    for number in range(8):
        assert sign_in(here, f"tebakan-{number}").status_code == 401
    refused = sign_in(here, "admin", DEMO_PASSWORD)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "too_many_attempts")
    assert int(refused.headers["Retry-After"]) == 900
    assert sign_in(elsewhere, "admin", DEMO_PASSWORD).status_code == 200
    clock.advance(minutes=15, seconds=1)
    assert sign_in(here, "admin", DEMO_PASSWORD).status_code == 200
