"""What the store says when it cannot do its work, and the sockets' batched token check.

A database that cannot be written (a read-only or full card) is the store's
StorageUnavailable, one that cannot be reached is DatabaseUnavailable: told
by the database's own codes, so the API answers 503 and the supervision
waits instead of crashing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from antrean.vocabulary import DeviceKind, Role
from server.admin import add_device, add_user, revoke_device
from server.auth import sign_in, token_verdicts
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.store import accounts
from server.store.database import Database
from server.store.errors import DatabaseUnavailable, StorageUnavailable
from server.store.statements import USERS
from tests.conftest import Clock, make_demo_database


def test_a_read_only_database_cannot_be_written_but_can_be_read(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "antrean.db"
    make_demo_database(f"sqlite:///{path}").dispose()
    # Opened read-only, as a card the kernel remounted read-only is (root writes any file).
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(StorageUnavailable) as caught, read_only.writing() as work:
        accounts.add_device(work, 1, DeviceKind.KIOSK, "kiosk", "x" * 64, (), clock())
    assert "readonly" in str(caught.value)
    with read_only.reading() as work:  # what is there can still be shown
        assert find_site(work, "demo").name == "Kantor Kecamatan Demo"
    read_only.dispose()


def test_a_database_server_that_is_away_is_unavailable() -> None:
    away = Database("postgresql+psycopg://postgres@127.0.0.1:9/antrean?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable) as caught, away.reading() as work:
        find_site(work, "demo")
    assert not isinstance(caught.value, StorageUnavailable)
    away.dispose()


def test_many_tokens_are_judged_in_a_few_statements(demo_sqlite: Database, clock: Clock) -> None:
    now = clock()
    with demo_sqlite.writing() as work:
        devices = [add_device(work, "demo", DeviceKind.DISPLAY, now) for _ in range(300)]
        revoke_device(work, devices[7][0].id, now)
        add_user(work, "pensiun", DEMO_PASSWORD, Role.OFFICER, "demo")
        people = {
            name: sign_in(work, name, DEMO_PASSWORD, now, timedelta(hours=hours))[0]
            for name, hours in [("petugas", 8), ("admin", 1), ("pensiun", 8)]
        }
        retired = accounts.user_by_name(work, "pensiun")
        assert retired is not None
        work.update(USERS, retired.id, {"active": False})
    later = clock.advance(hours=2)  # the admin's one-hour token has run out
    unknown = [f"atd_made-up-{n}" for n in range(250)]
    tokens = [token for _, token in devices] + list(people.values()) + unknown
    with demo_sqlite.reading() as work:
        verdicts = token_verdicts(work, tokens + tokens[:5], later)
    assert len(verdicts) == len(tokens)
    refused = {token: v.code for token, v in verdicts.items() if v is not None}
    assert refused == {
        devices[7][1]: "device_revoked",
        people["admin"]: "not_authenticated",
        people["pensiun"]: "not_authenticated",
        **{token: "not_authenticated" for token in unknown},
    }
