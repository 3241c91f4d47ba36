"""The queue repository on SQL, inside one session's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from antrean.vocabulary import TicketStatus
from server.store.models import (
    Counter,
    CounterService,
    DailyNumber,
    Event,
    Service,
    Site,
    Ticket,
)

OPEN_STATUSES = (
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.NO_SHOW,
)


class SqlRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    @property
    def _locks_rows(self) -> bool:
        # SQLite serialises writers with BEGIN IMMEDIATE; it has no row locks.
        return self.dialect == "postgresql"

    def site(self, code: str) -> Site | None:
        return self.session.exec(select(Site).where(Site.code == code)).first()

    def site_by_id(self, site_id: int) -> Site:
        site = self.session.get(Site, site_id)
        assert site is not None
        return site

    def services(self, site_id: int) -> list[Service]:
        return list(self.session.exec(select(Service).where(Service.site_id == site_id)))

    def service(self, service_id: int) -> Service:
        service = self.session.get(Service, service_id)
        assert service is not None
        return service

    def counters(self, site_id: int) -> list[Counter]:
        return list(self.session.exec(select(Counter).where(Counter.site_id == site_id)))

    def counter(self, counter_id: int) -> Counter:
        counter = self.session.get(Counter, counter_id)
        assert counter is not None
        return counter

    def counter_service_ids(self, counter_id: int) -> list[int]:
        rows = self.session.exec(
            select(CounterService.service_id)
            .where(CounterService.counter_id == counter_id)
            .order_by(col(CounterService.preference), col(CounterService.service_id))
        )
        return list(rows)

    def allocate_number(self, service_id: int, local_day: date, first_number: int) -> int:
        dialect_insert: Any = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        statement = (
            dialect_insert(DailyNumber)
            .values(service_id=service_id, local_day=local_day, last_number=first_number)
            .on_conflict_do_update(
                index_elements=["service_id", "local_day"],
                set_={"last_number": DailyNumber.__table__.c.last_number + 1},
            )
            .returning(DailyNumber.__table__.c.last_number)
        )
        return int(self.session.execute(statement).scalar_one())

    def issued_count(self, service_id: int, local_day: date, first_number: int) -> int:
        last = self.session.exec(
            select(DailyNumber.last_number).where(
                DailyNumber.service_id == service_id, DailyNumber.local_day == local_day
            )
        ).first()
        return 0 if last is None else last - first_number + 1

    def waiting(
        self, site_id: int, local_day: date, service_ids: Collection[int] | None = None
    ) -> list[Ticket]:
        query = select(Ticket).where(
            Ticket.site_id == site_id,
            Ticket.local_day == local_day,
            Ticket.status == TicketStatus.WAITING,
        )
        if service_ids is not None:
            query = query.where(col(Ticket.service_id).in_(list(service_ids)))
        return list(self.session.exec(query.order_by(col(Ticket.queued_at), col(Ticket.id))))

    def claim(self, ticket_id: int) -> Ticket | None:
        query = select(Ticket).where(Ticket.id == ticket_id, Ticket.status == TicketStatus.WAITING)
        if self._locks_rows:
            # Another counter holding this row is calling it: skip, try the next.
            query = query.with_for_update(skip_locked=True)
        return self.session.exec(query.execution_options(populate_existing=True)).first()

    def ticket(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        query = select(Ticket).where(Ticket.id == ticket_id)
        if lock and self._locks_rows:
            query = query.with_for_update()
        return self.session.exec(query.execution_options(populate_existing=True)).first()

    def at_counter(self, counter_id: int) -> Ticket | None:
        query = select(Ticket).where(
            Ticket.counter_id == counter_id,
            col(Ticket.status).in_([TicketStatus.CALLED, TicketStatus.SERVING]),
        )
        if self._locks_rows:
            query = query.with_for_update()
        return self.session.exec(query.order_by(col(Ticket.id).desc())).first()

    def unfinished_before(self, site_id: int, local_day: date) -> list[Ticket]:
        query = select(Ticket).where(
            Ticket.site_id == site_id,
            Ticket.local_day < local_day,
            col(Ticket.status).in_(OPEN_STATUSES),
        )
        if self._locks_rows:
            query = query.with_for_update(skip_locked=True)
        return list(self.session.exec(query.order_by(col(Ticket.id))))

    def service_durations(self, service_id: int, local_day: date, limit: int) -> list[float]:
        rows = self.session.exec(
            select(Ticket)
            .where(
                Ticket.service_id == service_id,
                Ticket.local_day == local_day,
                Ticket.status == TicketStatus.DONE,
                col(Ticket.finished_at).is_not(None),
            )
            .order_by(col(Ticket.finished_at).desc())
            .limit(limit)
        )
        durations = []
        for ticket in rows:
            began = ticket.started_at or ticket.last_called_at
            if began is not None and ticket.finished_at is not None:
                durations.append((ticket.finished_at - began).total_seconds())
        return list(reversed(durations))

    def recent_calls(self, site_id: int, local_day: date, limit: int) -> list[Ticket]:
        return list(
            self.session.exec(
                select(Ticket)
                .where(
                    Ticket.site_id == site_id,
                    Ticket.local_day == local_day,
                    col(Ticket.last_called_at).is_not(None),
                )
                .order_by(col(Ticket.last_called_at).desc())
                .limit(limit)
            )
        )

    def add(self, item: Ticket | Event) -> None:
        self.session.add(item)
        self.session.flush()

    def next_seq(self, site: Site) -> int:
        # The UPDATE holds the site row until commit, so events commit in seq order.
        seq = self.session.execute(
            update(Site)
            .where(col(Site.id) == site.id)
            .values(last_seq=Site.last_seq + 1)
            .returning(col(Site.last_seq))
        ).scalar_one()
        set_committed_value(site, "last_seq", seq)
        return int(seq)

    def last_seq(self, site_id: int) -> int:
        value = self.session.exec(select(Site.last_seq).where(Site.id == site_id)).one()
        return int(value)

    def events_since(self, site_id: int, seq: int, limit: int = 1000) -> list[Event]:
        return list(
            self.session.exec(
                select(Event)
                .where(Event.site_id == site_id, Event.seq > seq)
                .order_by(col(Event.seq))
                .limit(limit)
            )
        )
