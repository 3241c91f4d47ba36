"""An office file applied to a real database (SQLite and PostgreSQL), and read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from antrean.vocabulary import CounterState, EventType
from server.audit import Author
from server.engine.commands import call_next, find_counter, find_site, issue_ticket
from server.engine.errors import QueueError
from server.engine.views import snapshot
from server.office.apply import (
    OfficeChangeRefused,
    apply_office,
    planned_changes,
    stored_office,
)
from server.office.file import parse_office_file, read_office_file, render
from server.store import audit
from server.store.audit import AuditFilter
from server.store.database import Database
from server.store.migrate import upgrade
from tests.conftest import Clock
from tests.server.test_office_file import EXAMPLE

WHO = Author("tester", "file")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


def _apply(db: Database, text: str, clock: Clock) -> list[str]:
    with db.writing() as work:
        return [c.describe() for c in apply_office(work, parse_office_file(text), WHO, clock())]


def _audited(db: Database) -> list[str]:
    with db.reading() as work:
        return [e.subject for e in reversed(audit.entries(work, AuditFilter(), limit=1000))]


def test_the_example_applied_twice_changes_nothing_the_second_time(
    db: Database, clock: Clock
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    first = _apply(db, text, clock)
    assert first[0] == "+ office kecamatan: Kantor Kecamatan Bontang Selatan"
    assert len(first) == 1 + 7 + 5
    assert _apply(db, text, clock) == []
    assert len(_audited(db)) == len(first), "one audit entry per change, none for no change"
    with db.reading() as work:
        site = find_site(work, "kecamatan")
        assert stored_office(work, site) == read_office_file(EXAMPLE)
        assert site.timezone == "Asia/Makassar"
        night = {s.code: s for s in work.services(site.id)}["A"].schedule
        assert night is not None and len(night.sessions["thu"]) == 2


def test_an_exported_office_applies_back_with_no_change(db: Database, clock: Clock) -> None:
    _apply(db, EXAMPLE.read_text(encoding="utf-8"), clock)
    with db.reading() as work:
        exported = render(stored_office(work, find_site(work, "kecamatan")))
    assert _apply(db, exported, clock) == []
    with db.reading() as work:
        again = render(stored_office(work, find_site(work, "kecamatan")))
    assert again == exported


EDITED = [
    ('name = "Legalisasi Dokumen"', 'name = "Legalisasi & Cap Dokumen"'),
    ("daily_quota = 80", "daily_quota = 100"),
    (
        'mon = ["07:30-16:00"]\ntue = ["07:30-16:00"]\nwed',
        'mon = ["7.30-15.00"]\ntue = ["07:30-16:00"]\nwed',
    ),
    ('[[services]]\ncode = "G"\nname = "Informasi & Pengaduan"\nminutes = 5\n', ""),
    ('[[counters]]\nnumber = 5\nname = "Meja Informasi"\nservices = ["G", "F"]\n', ""),
]
NEW_COUNTER = '\n[[counters]]\nnumber = 6\nname = "Loket Prioritas"\nservices = ["B", "A"]\n'


def _edited(text: str) -> str:
    for old, new in EDITED:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + NEW_COUNTER


def test_a_changed_file_shows_exactly_its_differences(db: Database, clock: Clock) -> None:
    original = EXAMPLE.read_text(encoding="utf-8")
    _apply(db, original, clock)
    with db.writing() as work:
        site = find_site(work, "kecamatan")
        issue_ticket(work, site, "G", clock())  # history the retired service keeps
    edited = _edited(original)
    expected = [
        "~ office hours.mon: [07:30-16:00] → [07:30-15:00]",
        "~ service B daily_quota: 80 → 100",
        "~ service F name: Legalisasi Dokumen → Legalisasi & Cap Dokumen",
        "~ service G active: True → False",
        "+ counter 6: Loket Prioritas",
        "- counter 5: Meja Informasi",
    ]
    with db.reading() as work:
        assert [c.describe() for c in planned_changes(work, parse_office_file(edited))] == expected
    before = _audited(db)
    assert _apply(db, edited, clock) == expected
    assert _audited(db)[len(before):] == [
        "kecamatan: office hours.mon", "kecamatan: service B daily_quota",
        "kecamatan: service F name", "kecamatan: service G active", "kecamatan: counter 6",
        "kecamatan: counter 5",
    ]
    assert _apply(db, edited, clock) == []

    with db.reading() as work:
        site = find_site(work, "kecamatan")
        services = {s.code: s for s in work.services(site.id)}
        assert not services["G"].active
        assert [t.code for t in work.tickets_of_site(site.id)] == ["G001"], "history kept"
        retired = next(c for c in work.counters(site.id) if c.number == 5)
        assert not retired.active and retired.state is CounterState.CLOSED
        closing = work.latest_counter_event(retired, EventType.COUNTER_CHANGED)
        assert closing is not None and closing.details["reason"] == "retired from the office"
        with pytest.raises(QueueError, match="counter_not_found"):
            find_counter(work, site, 5)
        wall = snapshot(work, site, clock())
        assert [c.number for c in wall.counters] == [1, 2, 3, 4, 6]
        assert {s.code: s.active for s in wall.services}["G"] is False
        assert stored_office(work, site) == parse_office_file(edited).model_copy(
            update={"services": [
                *parse_office_file(edited).services,
                parse_office_file(original).services[-1].model_copy(update={"active": False}),
            ]}
        )

    # The original file brings the service and the counter back.
    assert _apply(db, original, clock) == [
        "~ office hours.mon: [07:30-15:00] → [07:30-16:00]",
        "~ service B daily_quota: 100 → 80",
        "~ service F name: Legalisasi & Cap Dokumen → Legalisasi Dokumen",
        "~ service G active: False → True",
        "+ counter 5: Meja Informasi",
        "- counter 6: Loket Prioritas",
    ]
    with db.reading() as work:
        site = find_site(work, "kecamatan")
        codes = {s.id: s.code for s in work.services(site.id)}
        back = find_counter(work, site, 5)
        assert [codes[i] for i in back.service_ids] == ["G", "F"]


def test_a_counter_with_a_citizen_at_it_is_not_retired(db: Database, clock: Clock) -> None:
    original = EXAMPLE.read_text(encoding="utf-8")
    _apply(db, original, clock)
    with db.writing() as work:
        site = find_site(work, "kecamatan")
        issue_ticket(work, site, "G", clock())
        call_next(work, site, 5, clock.advance(seconds=30))
    with pytest.raises(OfficeChangeRefused, match="counter 5 has G001 at it now"):
        _apply(db, _edited(original), clock)
    with db.reading() as work:
        site = find_site(work, "kecamatan")
        assert find_counter(work, site, 5).active
        assert {s.code: s.active for s in work.services(site.id)}["G"], "nothing was applied"


def test_a_service_closed_on_its_own_dates_is_closed_then(db: Database) -> None:
    """`closed_dates` on a service without its own hours close it on those days."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'name = "Legalisasi Dokumen"', 'name = "Legalisasi Dokumen"\nclosed_dates = [2026-11-24]'
    )
    _apply(db, text, Clock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)))
    with db.writing() as work:
        site = find_site(work, "kecamatan")
        tuesday_ten = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 WITA
        with pytest.raises(QueueError, match="closed_date"):
            issue_ticket(work, site, "F", tuesday_ten)
        assert issue_ticket(work, site, "G", tuesday_ten).code == "G001"
