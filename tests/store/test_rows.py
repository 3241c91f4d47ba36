"""The store's compiled statements on the driver against SQLAlchemy's own path.

The unit of work runs Core statements compiled once per dialect, straight on
the driver, converting values through the column types itself. Here rows it
writes are read back through SQLAlchemy's ORM and the other way round, and
its reads are compared with the same Core statements executed by SQLAlchemy:
both must see exactly the same values, on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from antrean.vocabulary import (
    Channel,
    CounterState,
    DeviceKind,
    EventType,
    Priority,
    Satisfaction,
    TicketStatus,
)
from server.admin import add_device
from server.engine.commands import (
    call_next,
    find_site,
    finish,
    issue_ticket,
    no_show,
    rate,
    set_counter_state,
    transfer,
)
from server.engine.model import Event, Ticket, TicketFacts
from server.engine.schedule import Schedule
from server.store import accounts, event_log, notices, pairings, statements
from server.store.database import Database
from server.store.models import CounterService, Service
from server.store.models import Event as EventRow
from server.store.models import Site as SiteRow
from server.store.models import Ticket as TicketRow
from server.store.rows import Shape
from tests.conftest import Clock

COLUMNS = [c.key for c in statements.TICKETS.columns]
DAY = date(2026, 11, 24)
HOUR = timedelta(hours=1)


def _as_dict(ticket: Ticket | TicketRow) -> dict[str, object]:
    values = {key: getattr(ticket, key) for key in COLUMNS}
    values["history"] = [dict(step) for step in values["history"]]  # type: ignore[attr-defined]
    return values


def test_a_ticket_written_by_the_unit_of_work_reads_the_same_through_the_orm(
    demo_db: Database, clock: Clock
) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        # Microseconds too: a stored timestamp must keep them.
        issued = issue_ticket(
            work, site, "A", clock.advance(microseconds=1), priority=Priority.ELDERLY
        )
        called = call_next(work, site, 1, clock.advance(seconds=30.000002))
        assert called is issued, "one object per ticket within a transaction"
        transfer(work, issued.id, "C", clock.advance(seconds=10))
        assert call_next(work, site, 1, clock.advance(seconds=1)) is issued
        finish(work, issued.id, clock.advance(seconds=300.5))
        written = _as_dict(issued)
    with Session(demo_db.engine) as session:
        stored = session.exec(select(TicketRow).where(TicketRow.id == written["id"])).one()
        assert _as_dict(stored) == written
        assert stored.status == TicketStatus.DONE and stored.finished_at is not None
        assert stored.finished_at == clock.now and stored.finished_at.tzinfo is not None
        events = session.exec(select(EventRow).order_by(col(EventRow.seq))).all()
        assert [e.type.value for e in events] == [
            "issued", "called", "transferred", "called", "finished",
        ]
        assert {e.version for e in events} == {event_log.VERSION}
        assert events[1].data["ticket"]["status"] == "called"


def test_a_ticket_written_through_the_orm_reads_the_same_in_the_unit_of_work(
    demo_db: Database,
) -> None:
    moment = datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=UTC)
    with Session(demo_db.engine) as session:
        site = session.exec(select(SiteRow).where(SiteRow.code == "demo")).one()
        service = session.exec(select(Service).where(Service.site_id == site.id)).first()
        assert service is not None and service.id is not None
        row = TicketRow(
            site_id=site.id or 0, service_id=service.id, origin_service_id=service.id,
            local_day=DAY, number=7, code="A007", priority=Priority.PREGNANT,
            channel=Channel.WEB, status=TicketStatus.WAITING, token="t" * 24,
            queued_at=moment, issued_at=moment, history=[{"service": "A", "at": "x"}],
        )
        session.add(row)
        session.commit()
        expected = _as_dict(row)
    with demo_db.reading() as work:
        loaded = work.ticket(int(expected["id"]))  # type: ignore[call-overload]
        assert loaded is not None
        assert _as_dict(loaded) == expected
        assert loaded.queued_at == moment and loaded.queued_at.tzinfo is not None
        assert isinstance(loaded.priority, Priority) and isinstance(loaded.local_day, date)
        assert loaded.history == ({"service": "A", "at": "x"},)


def test_an_office_reads_back_as_it_was_written(demo_db: Database) -> None:
    """Sites keep their schedule as a JSON document, counters their services in a
    table of their own: both must come back as the engine's objects."""
    with demo_db.reading() as work:
        site = find_site(work, "demo")
        services = {s.id: s.code for s in work.services(site.id)}
        served = {c.number: [services[i] for i in c.service_ids] for c in work.counters(site.id)}
    assert isinstance(site.schedule, Schedule) and site.schedule == Schedule.every_day(
        "00:00", "23:59:59"
    )
    assert site.address_lines[0].startswith("Jl. Contoh") and isinstance(site.address_lines, tuple)
    assert served == {1: ["A", "C"], 2: ["A", "B"], 3: ["B", "C", "D"], 4: ["E", "D", "C"]}
    with Session(demo_db.engine) as session:
        row = session.exec(select(SiteRow).where(SiteRow.code == "demo")).one()
        assert Schedule.model_validate(row.schedule_plan) == site.schedule
        assert row.address_lines == list(site.address_lines)
        links = session.exec(
            select(CounterService).order_by(
                col(CounterService.counter_id), col(CounterService.preference)
            )
        ).all()
        assert len(links) == sum(len(codes) for codes in served.values())


def test_an_event_reads_back_as_it_was_written(demo_db: Database, clock: Clock) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "B", clock.advance(microseconds=7))
        transfer(work, ticket.id, "D", clock.advance(seconds=3))
        written = list(work.appended)
    with demo_db.reading() as work:
        stored = work.events_since(find_site(work, "demo").id, 0)
    assert stored == written
    assert stored[1] == Event(
        site_id=stored[1].site_id, seq=2, type=EventType.TRANSFERRED, at=clock.now,
        actor="system", ticket_id=ticket.id, counter_id=None,
        ticket=TicketFacts(
            code="B001", service="D", priority=Priority.NONE, status=TicketStatus.WAITING,
            counter=None, issued_at=ticket.issued_at, last_called_at=None, call_count=0,
        ),
        counter=None, details={"from_service": "B", "to_service": "D"},
    )


def _some_history(db: Database, clock: Clock) -> dict[str, Any]:
    """Tickets in every state, a device: something for each read to find."""
    with db.writing() as work:
        site = find_site(work, "demo")
        for code in "AABCC":
            issue_ticket(work, site, code, clock.advance(seconds=1), priority=Priority.CHILD)
        first = call_next(work, site, 1, clock.advance(seconds=40.000003))
        assert first is not None
        call_next(work, site, 2, clock.advance(seconds=5))
        finish(work, first.id, clock.advance(seconds=61.5))
        rate(work, first.id, Satisfaction.SATISFIED, clock.advance(seconds=10))
        at_two = work.at_counter(work.counters(site.id)[1].id)
        assert at_two is not None
        no_show(work, at_two.id, clock.advance(seconds=30))
        call_next(work, site, 1, clock.advance(seconds=1))
        set_counter_state(work, site, 1, CounterState.PAUSED, clock.now, reason="Istirahat")
        device, _token = add_device(work, "demo", DeviceKind.COUNTER, clock.now, [1, 2])
        tv, _token = add_device(work, "demo", DeviceKind.DISPLAY, clock.now)
        pairing = pairings.add(
            work, site.id, "c0de", "TV", {"sound": "chime"}, clock.now, clock.now + HOUR,
        )
        pairings.claimed(work, pairing, tv.id, clock.now)
        user = accounts.user_by_name(work, "petugas")
        assert user is not None
        token = accounts.add_token(work, user.id, "a" * 64, clock.now, clock.now + HOUR)
        services = {s.code: s.id for s in work.services(site.id)}
        counters = {c.number: c.id for c in work.counters(site.id)}
        # Texts asked for: one waiting for its turn, one due, one left half-sent.
        asked = [t.id for t in work.tickets_of_site(site.id)][:3]
        for ticket_id in asked:
            notices.ask(work, ticket_id, site.id, "+6281234567890", clock.now)
        for ticket_id in asked[1:]:
            notice = notices.of_ticket(work, ticket_id)
            assert notice is not None
            notices.make_due(work, notice, 1, clock.now)
        notices.claim_due(work, clock.now, 1)
    return {
        "site_id": site.id, "service_id": services["A"], "local_day": DAY,
        "counter_id": counters[1], "id": first.id, "code": "demo", "seq": 0,
        "limit": 10, "token_hash": device.token_hash, "username": "petugas",
        "service_0": services["A"], "service_1": services["C"],
        "type": EventType.COUNTER_CHANGED, "code_hash": "c0de", "device_id": tv.id,
        "hash_0": device.token_hash, "hash_1": token.token_hash,
        "ticket_id": asked[0], "state": "waiting", "now": clock.now,
        "before": clock.now + HOUR,
    }


READS = [
    statements.site_by_code, statements.services_of_site, statements.counters_of_site,
    statements.waiting, statements.places(2), statements.ticket, statements.at_counter,
    statements.busy_counters, statements.at_counters, statements.service_durations,
    statements.recent_calls, statements.services_durations(2),
    statements.tickets_of_site, statements.events_since, statements.user_by_name,
    statements.device_and_site_by_hash, statements.no_shows(2),
    statements.latest_counter_event, statements.last_numbers,
    statements.pairing_by_code, statements.pairing_of_device, statements.token_access(2),
    statements.ping, statements.latest_event_at,
    statements.waiting_counts, statements.contents,
    statements.notice_of_ticket, statements.notices_in_state, statements.due_notices,
    statements.stale_sendings, statements.sites_with_open_notices, statements.next_notice_due,
    statements.open_notices,
]


def test_each_read_sees_what_sqlalchemy_sees(demo_db: Database, clock: Clock) -> None:
    """The same Core statements, executed by SQLAlchemy and by the store's compiled form."""
    params = _some_history(demo_db, clock)
    for statement in READS:
        construct = statement.construct(demo_db.dialect)
        names = statement.compiled(demo_db.engine.dialect).names
        given = {name: params[name] for name in names if name in params}
        with demo_db.engine.connect() as connection:
            expected = [list(row) for row in connection.execute(construct, given)]
        with demo_db.reading() as work:
            found = work.connection.rows(statement, given)
        assert found == expected, statement.name
        assert found, f"the history gives {statement.name} something to find"


def test_service_durations_are_exact_to_the_microsecond(demo_db: Database, clock: Clock) -> None:
    """The database works out how long each service took; it must agree with
    Python's own arithmetic to the microsecond, on both databases."""
    expected = []
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        for seconds in (61.000001, 299.999999, 0.5, 3601.25):
            ticket = issue_ticket(work, site, "A", clock.advance(microseconds=3))
            assert call_next(work, site, 1, clock.advance(seconds=1.000007)) is ticket
            began = clock.now
            finish(work, ticket.id, clock.advance(seconds=seconds))
            expected.append((clock.now - began).total_seconds())
        service = work.services(site.id)[0]
        durations = work.service_durations(service.id, DAY, 10)
    assert durations == expected


def test_an_object_and_its_table_must_agree() -> None:
    """A column added to a table but not to its engine object (or the other way
    round) stops the server when it loads, naming what differs."""

    @dataclass
    class Narrow:
        id: int
        name: str
        rating: int

    with pytest.raises(TypeError, match=r"fields without a column \['rating'\]"):
        Shape(Narrow, statements.COUNTERS)
