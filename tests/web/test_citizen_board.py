"""The ticket page's status: the same as the public status, for one ticket or many at once."""

from __future__ import annotations

from antrean.vocabulary import Priority, TicketStatus
from server.engine.commands import (
    call_next,
    cancel,
    find_site,
    finish,
    issue_ticket,
    no_show,
    start,
    transfer,
)
from server.engine.views import ticket_status
from server.store.database import Database
from server.web.citizen.board import CitizenStatus, read_many, read_one
from tests.conftest import Clock


def _a_busy_morning(db: Database, clock: Clock) -> None:
    """Tickets in every state, priorities, a transfer, two services."""
    with db.writing() as work:
        site = find_site(work, "demo")
        for code, priority in [
            ("A", Priority.NONE), ("A", Priority.NONE), ("A", Priority.ELDERLY),
            ("B", Priority.NONE), ("B", Priority.NONE), ("C", Priority.NONE),
            ("A", Priority.NONE), ("A", Priority.PREGNANT), ("C", Priority.NONE),
        ]:
            issue_ticket(work, site, code, clock.advance(seconds=40), priority=priority)
        first = call_next(work, site, 1, clock.advance(seconds=30))
        second = call_next(work, site, 2, clock.advance(seconds=10))
        assert first is not None and second is not None
        start(work, first.id, clock.advance(seconds=20))
        finish(work, first.id, clock.advance(minutes=6))
        no_show(work, second.id, clock.advance(minutes=1))
        third = call_next(work, site, 3, clock.advance(seconds=5))
        assert third is not None
        waiting = work.waiting(site.id, clock().date())
        transfer(work, waiting[-1].id, "A", clock.advance(seconds=5))
        cancel(work, waiting[-2].id, clock.advance(seconds=5), reason="pulang")
        last = call_next(work, site, 1, clock.advance(seconds=5))
        assert last is not None
        start(work, last.id, clock.advance(seconds=30))


def test_the_page_shows_what_the_public_status_says(demo_db: Database, clock: Clock) -> None:
    _a_busy_morning(demo_db, clock)
    with demo_db.reading() as work:
        site = find_site(work, "demo")
        tickets = work.tickets_of_site(site.id)
        expected = {t.id: ticket_status(work, t, clock()) for t in tickets}
        one_by_one = {t.id: read_one(work, t.id, t.token, clock()) for t in tickets}
        all_at_once = read_many(work, site, [t.id for t in tickets], {}, set(), clock())
    assert {s.status for s in expected.values()} >= {
        TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE,
        TicketStatus.NO_SHOW, TicketStatus.CANCELLED,
    }, "the morning has a ticket in each state"
    assert {i: s.view for i, s in one_by_one.items() if s} == expected
    assert {i: s.view for i, s in all_at_once.items()} == expected
    aheads = sorted(s.people_ahead for s in expected.values() if s.people_ahead is not None)
    assert aheads == [0, 0, 0, 1], "places in three lines"


def test_a_wrong_token_reads_nothing(demo_sqlite: Database, clock: Clock) -> None:
    with demo_sqlite.writing() as work:
        ticket = issue_ticket(work, find_site(work, "demo"), "A", clock())
    with demo_sqlite.reading() as work:
        assert read_one(work, ticket.id, ticket.token, clock()) is not None
        assert read_one(work, ticket.id, ticket.token[:-1] + "x", clock()) is None
        assert read_one(work, ticket.id + 1, ticket.token, clock()) is None


def test_many_rereads_a_ticket_out_of_line_only_when_an_event_named_it(
    demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.writing() as work:
        site = find_site(work, "demo")
        served = issue_ticket(work, site, "A", clock())
        waiting = issue_ticket(work, site, "A", clock.advance(seconds=1))
        call_next(work, site, 1, clock.advance(seconds=1))
        finish(work, served.id, clock.advance(minutes=3))
    ids = [served.id, waiting.id]
    with demo_sqlite.reading() as work:
        known = {t.id: read_one(work, t.id, t.token, clock()) for t in (served, waiting)}
    assert {i: s.status for i, s in known.items() if s} == {
        served.id: TicketStatus.DONE, waiting.id: TicketStatus.WAITING,
    }
    with demo_sqlite.reading() as work:
        quiet = read_many(work, site, ids, _seen(known), set(), clock())
        named = read_many(work, site, ids, _seen(known), {served.id}, clock())
    assert set(quiet) == {waiting.id}, "a served ticket nothing happened to is left alone"
    assert set(named) == set(ids)
    assert named[served.id].status == TicketStatus.DONE
    assert named[waiting.id].view.people_ahead == 0


def test_a_ticket_left_open_when_its_day_ended_reads_expired(
    demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.writing() as work:
        site = find_site(work, "demo")
        called = issue_ticket(work, site, "A", clock())
        missed = issue_ticket(work, site, "A", clock.advance(seconds=1))
        waiting = issue_ticket(work, site, "A", clock.advance(seconds=1))
        assert call_next(work, site, 1, clock.advance(seconds=1)) == called
        assert call_next(work, site, 2, clock.advance(seconds=1)) == missed
        no_show(work, missed.id, clock.advance(minutes=2))
    tickets = [called, missed, waiting]
    with demo_sqlite.reading() as work:
        today = {t.id: read_one(work, t.id, t.token, clock()) for t in tickets}
    assert [s.status for s in today.values() if s] == [
        TicketStatus.CALLED, TicketStatus.NO_SHOW, TicketStatus.WAITING,
    ]
    # The next day, before the office's first command has expired anything.
    next_day = clock.advance(days=1)
    with demo_sqlite.reading() as work:
        stored = [work.ticket(t.id) for t in tickets]
        one_by_one = [read_one(work, t.id, t.token, next_day) for t in tickets]
        site = find_site(work, "demo")
        all_at_once = read_many(
            work, site, [t.id for t in tickets], _seen(today), set(), next_day
        )
    assert [t.status for t in stored if t] == ["called", "no_show", "waiting"]
    for status in one_by_one:
        assert status is not None and status.status == TicketStatus.EXPIRED
        assert status.view.counter is None and status.view.people_ahead is None
        assert not status.near
    assert {i: s.status for i, s in all_at_once.items()} == dict.fromkeys(
        (called.id, missed.id, waiting.id), TicketStatus.EXPIRED
    ), "the pages already open learn it at their next refresh, no event needed"
    with demo_sqlite.reading() as work:
        again = read_many(
            work, site, [t.id for t in tickets], all_at_once, set(), clock.advance(minutes=1)
        )
    assert again == {}, "and then nothing more is read for them"


def _seen(statuses: dict[int, CitizenStatus | None]) -> dict[int, CitizenStatus]:
    return {i: s for i, s in statuses.items() if s is not None}
