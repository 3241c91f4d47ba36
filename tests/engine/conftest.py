"""Engine scenarios, each on an office in its own SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.admin import SiteSpec
from tests.engine.offices import Desk, OpenDesk, Tweak, office_spec, sqlite_desk


@pytest.fixture
def open_desk(tmp_path: Path) -> Iterator[OpenDesk]:
    """Opens offices for this test, each a file under tmp_path."""
    opened: list[Desk] = []

    def open_office(spec: SiteSpec | None = None, tweak: Tweak | None = None) -> Desk:
        desk = sqlite_desk(tmp_path / f"office{len(opened)}.db", spec or office_spec(), tweak)
        opened.append(desk)
        return desk

    yield open_office
    for desk in opened:
        desk.db.dispose()
