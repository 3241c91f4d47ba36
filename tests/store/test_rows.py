"""The repository reads and writes rows on the driver, the admin pages through
the ORM: both must see exactly the same values, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from antrean.vocabulary import Channel, Priority, TicketStatus
from server.engine.commands import call_next, finish, issue_ticket
from server.store.database import Database
from server.store.models import Event, Service, Site, Ticket
from server.store.repository import SqlRepository
from tests.conftest import Clock

COLUMNS = [c.key for c in Ticket.__table__.columns]  # type: ignore[attr-defined]


def _as_dict(ticket: Ticket) -> dict[str, object]:
    return {key: getattr(ticket, key) for key in COLUMNS}


def test_a_ticket_written_by_the_repository_reads_the_same_through_the_orm(
    demo_db: Database, clock: Clock
) -> None:
    with demo_db.transaction() as session:
        repo = SqlRepository(session)
        site = repo.site("demo")
        assert site is not None
        # Microseconds too: a stored timestamp must keep them.
        issued = issue_ticket(
            repo, site, "A", clock.advance(microseconds=1), priority=Priority.ELDERLY
        )
        called = call_next(repo, site, 1, clock.advance(seconds=30.000002))
        assert called is issued, "one object per ticket within a transaction"
        finish(repo, issued.id or 0, clock.advance(seconds=300.5))
        written = _as_dict(issued)
    with demo_db.reading() as session:
        stored = session.exec(select(Ticket).where(Ticket.id == written["id"])).one()
        assert _as_dict(stored) == written
        assert stored.status == TicketStatus.DONE and stored.finished_at is not None
        assert stored.finished_at == clock.now and stored.finished_at.tzinfo is not None
        events = session.exec(select(Event).order_by(Event.seq)).all()
        assert [e.type.value for e in events] == ["issued", "called", "finished"]
        assert events[1].data["ticket"]["status"] == "called"


def test_a_ticket_written_through_the_orm_reads_the_same_in_the_repository(
    demo_db: Database,
) -> None:
    moment = datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=UTC)
    with demo_db.transaction() as session:
        site = session.exec(select(Site).where(Site.code == "demo")).one()
        service = session.exec(select(Service).where(Service.site_id == site.id)).first()
        assert service is not None and service.id is not None
        ticket = Ticket(
            site_id=site.id or 0, service_id=service.id, origin_service_id=service.id,
            local_day=date(2026, 11, 24), number=7, code="A007", priority=Priority.PREGNANT,
            channel=Channel.WEB, status=TicketStatus.WAITING, token="t" * 24,
            queued_at=moment, issued_at=moment, history=[{"service": "A", "at": "x"}],
        )
        session.add(ticket)
        session.flush()
        expected = _as_dict(ticket)
    with demo_db.reading() as session:
        loaded = SqlRepository(session).ticket(int(expected["id"]))  # type: ignore[call-overload]
        assert loaded is not None
        assert _as_dict(loaded) == expected
        assert loaded.queued_at == moment and loaded.queued_at.tzinfo is not None
        assert isinstance(loaded.priority, Priority) and isinstance(loaded.local_day, date)


def test_service_durations_are_exact_to_the_microsecond(demo_db: Database, clock: Clock) -> None:
    """The database works out how long each service took; it must agree with
    Python's own arithmetic, or estimates would differ between repositories."""
    expected = []
    with demo_db.transaction() as session:
        repo = SqlRepository(session)
        site = repo.site("demo")
        assert site is not None
        for seconds in (61.000001, 299.999999, 0.5, 3601.25):
            ticket = issue_ticket(repo, site, "A", clock.advance(microseconds=3))
            assert call_next(repo, site, 1, clock.advance(seconds=1.000007)) is ticket
            began = clock.now
            finish(repo, ticket.id or 0, clock.advance(seconds=seconds))
            expected.append((clock.now - began).total_seconds())
        service = repo.services(site.id or 0)[0]
        durations = repo.service_durations(service.id or 0, date(2026, 11, 24), 10)
    assert durations == expected
