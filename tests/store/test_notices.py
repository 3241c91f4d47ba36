"""Texts asked for: one per ticket, claimed by one process, the number gone once it ends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from server.engine.commands import find_site, issue_ticket
from server.store import notices
from server.store.database import Database
from server.store.notices import NoticeState
from tests.conftest import Clock

PHONE = "+6281234567890"


def test_a_notice_from_asked_to_sent(demo_db: Database, clock: Clock) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "A", clock())
        notices.ask(work, ticket.id, site.id, PHONE, clock())
        changed = notices.ask(work, ticket.id, site.id, "+6285700001111", clock())
    assert changed.phone == "+6285700001111"
    with demo_db.reading() as work:
        [waiting] = notices.in_state(work, site.id, NoticeState.WAITING)
        assert waiting.phone == "+6285700001111" and waiting.attempts == 0
        assert notices.sites_with_open(work) == ["demo"]
        assert notices.next_due(work) is None

    with demo_db.writing() as work:
        notices.make_due(work, waiting, 2, clock.advance(minutes=1))
        assert notices.claim_due(work, clock.now - timedelta(seconds=1), 5) == [], "not yet"
        [claimed] = notices.claim_due(work, clock.now, 5)
        assert (claimed.state, claimed.attempts) == (NoticeState.SENDING, 1)
        notices.retry_later(work, claimed, clock.now + timedelta(seconds=30), "HTTP 503")
    with demo_db.reading() as work:
        assert notices.next_due(work) == clock.now + timedelta(seconds=30)
    with demo_db.writing() as work:
        [again] = notices.claim_due(work, clock.advance(seconds=30), 5)
        assert again.attempts == 2 and again.last_error == "HTTP 503"
        notices.end(work, again, NoticeState.SENT, clock.now)
    with demo_db.reading() as work:
        sent = notices.of_ticket(work, ticket.id)
        assert sent is not None and sent.state == NoticeState.SENT and sent.phone is None
        assert notices.sites_with_open(work) == []
    with pytest.raises(ValueError, match="has ended"), demo_db.writing() as work:
        notices.ask(work, ticket.id, site.id, PHONE, clock())


def test_a_claim_left_by_a_dead_process_is_taken_back(demo_db: Database, clock: Clock) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "A", clock())
        notice = notices.ask(work, ticket.id, site.id, PHONE, clock())
        notices.make_due(work, notice, 1, clock())
        notices.claim_due(work, clock(), 5)
    with demo_db.writing() as work:
        assert notices.release_stale(work, clock.now, clock.now) == 0, "still in its POST"
        assert notices.release_stale(work, clock.now + timedelta(seconds=1), clock.now) == 1
        [due] = notices.claim_due(work, clock.now, 5)
        assert due.attempts == 2 and due.phone == PHONE


def test_two_processes_never_claim_the_same_text(demo_db: Database, clock: Clock) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        for _ in range(3):
            ticket = issue_ticket(work, site, "A", clock())
            asked = notices.ask(work, ticket.id, site.id, PHONE, clock())
            notices.make_due(work, asked, 0, clock())
    other = Database(demo_db.url)
    first_claimed = threading.Event()
    found: dict[str, list[int]] = {}

    def second() -> None:
        first_claimed.wait(10)
        with other.writing() as work:
            found["second"] = [n.id for n in notices.claim_due(work, clock.now, 10)]

    racer = threading.Thread(target=second)
    racer.start()
    with demo_db.writing() as work:
        found["first"] = [n.id for n in notices.claim_due(work, clock.now, 2)]
        first_claimed.set()
        racer.join(0.5)  # on PostgreSQL the second skips the locked rows meanwhile
    racer.join(20)
    other.dispose()
    assert len(found["first"]) == 2 and len(found["second"]) == 1
    assert not set(found["first"]) & set(found["second"])


def test_a_notice_being_decided_on_is_held_until_the_decision_commits(
    demo_db: Database, clock: Clock
) -> None:
    """Two processes' notifiers may both read a notice as waiting; the one deciding
    second must see the first's decision, or it would make a text due again after the
    first had sent it."""
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "A", clock())
        notices.ask(work, ticket.id, site.id, PHONE, clock())
    other = Database(demo_db.url)
    first_read = threading.Event()
    seen: dict[str, notices.Notice | None] = {}

    def second() -> None:
        first_read.wait(10)
        with other.writing() as work:
            seen["second"] = notices.of_ticket(work, ticket.id, lock=True)

    racer = threading.Thread(target=second)
    racer.start()
    with demo_db.writing() as work:
        mine = notices.of_ticket(work, ticket.id, lock=True)
        assert mine is not None and mine.state == NoticeState.WAITING
        first_read.set()
        racer.join(0.5)
        assert racer.is_alive(), "the other process waits for this decision"
        notices.make_due(work, mine, 2, clock())
    racer.join(20)
    other.dispose()
    decided = seen["second"]
    assert decided is not None and decided.state == NoticeState.DUE


def test_an_office_that_stops_texting_erases_the_numbers_owed(
    demo_db: Database, clock: Clock
) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        asked = []
        for _ in range(4):
            ticket = issue_ticket(work, site, "A", clock())
            asked.append(notices.ask(work, ticket.id, site.id, PHONE, clock()))
        notices.make_due(work, asked[1], 1, clock())
        notices.make_due(work, asked[2], 1, clock())
        notices.make_due(work, asked[3], 1, clock())
        sending, sent = notices.claim_due(work, clock(), 2)[:2]
        notices.end(work, sent, NoticeState.SENT, clock())
    with demo_db.reading() as work:
        assert notices.any_open(work)
    with demo_db.writing() as work:
        assert notices.end_open(work, clock.advance(minutes=1), "no gateway") == 3
    with demo_db.reading() as work:
        assert not notices.any_open(work)
    with demo_db.reading() as work:
        after = {n.id: notices.of_ticket(work, n.ticket_id) for n in asked}
    assert all(n is not None and n.phone is None for n in after.values())
    states = {i: n.state for i, n in after.items() if n is not None}
    assert states == {
        asked[0].id: NoticeState.DROPPED, sending.id: NoticeState.DROPPED,
        sent.id: NoticeState.SENT, asked[3].id: NoticeState.DROPPED,
    }
    with demo_db.writing() as work:
        assert notices.end_open(work, clock(), "no gateway") == 0
