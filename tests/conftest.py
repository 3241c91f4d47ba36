"""Shared fixtures: real databases (a SQLite file, a PostgreSQL server), a settable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from antrean.vocabulary import Role
from server.admin import add_user, create_site
from server.demo_office import DEMO_PASSWORD, demo_spec
from server.store.database import Database
from server.store.migrate import upgrade

POSTGRES_ENV = "ANTREAN_TEST_POSTGRES_URL"


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    # 10:00 WITA on a Tuesday.
    return Clock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'antrean.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server, dropped afterwards."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: run the suite with scripts/test.sh, which starts "
            "a PostgreSQL server for it"
        )
    name = f"antrean_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on a SQLite file and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


def make_demo_database(url: str) -> Database:
    db = Database(url)
    upgrade(db)
    with db.writing() as work:
        create_site(work, demo_spec())
        add_user(work, "admin", DEMO_PASSWORD, Role.ADMIN)
        add_user(work, "petugas", DEMO_PASSWORD, Role.OFFICER, "demo")
    return db


@pytest.fixture
def demo_db(database_url: str) -> Iterator[Database]:
    """The demo office, on each database in turn."""
    db = make_demo_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def demo_sqlite(sqlite_url: str) -> Iterator[Database]:
    db = make_demo_database(sqlite_url)
    yield db
    db.dispose()
