"""Engine scenarios run on a MemoryRepository and on a real SQLite file alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.admin import SiteSpec
from tests.engine.offices import Desk, OpenDesk, SqlDesk, Tweak, make_desk, office_spec


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_desk(backend: str, tmp_path: Path) -> Iterator[OpenDesk]:
    """Opens offices on this test's backend; SQLite ones are files under tmp_path."""
    opened: list[Desk] = []

    def open_office(spec: SiteSpec | None = None, tweak: Tweak | None = None) -> Desk:
        url = f"sqlite:///{tmp_path / f'office{len(opened)}.db'}"
        desk = make_desk(backend, spec or office_spec(), url, tweak)
        opened.append(desk)
        return desk

    yield open_office
    for desk in opened:
        if isinstance(desk, SqlDesk):
            desk.db.dispose()
