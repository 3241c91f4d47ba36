"""Who is called next, and the refusals around calling and issuing.

The demo office: counter 1 serves A then C, counter 2 A then B, counter 3 B,
C then D, counter 4 E, D then C; at most 3 priority calls in a row at one
counter while a normal ticket waits.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from antrean.vocabulary import CounterState, EventType, Priority, TicketStatus
from server.engine import commands as engine
from server.engine import views
from server.engine.model import Service, Site, Ticket
from server.engine.policy import call_order
from server.engine.repository import QueueRepository
from tests.engine.offices import Desk, OpenDesk, at, office_spec, sqlite_desk

ZONE = "Asia/Makassar"
MORNING = at("2026-11-24 08:00", ZONE)
ELDERLY = Priority.ELDERLY


def minutes(n: float) -> datetime:
    return MORNING + timedelta(minutes=n)


def codes(tickets: list[Ticket | None]) -> list[str | None]:
    return [t.code if t else None for t in tickets]


def press_next(desk: Desk, counter: int, times: int, start: float) -> list[Ticket | None]:
    return [desk.call_next(counter, minutes(start + i)) for i in range(times)]


# -- priority and fairness ---------------------------------------------------------

def test_priority_goes_first_but_not_more_than_three_in_a_row(open_desk: OpenDesk) -> None:
    desk = open_desk()
    normal = [desk.issue("A", minutes(i)) for i in range(3)]  # A001–A003, came first
    priority = [desk.issue("A", minutes(3 + i), ELDERLY) for i in range(5)]  # A004–A008
    called = press_next(desk, 1, 8, start=10)
    assert codes(called) == [
        "A004", "A005", "A006",  # priority overtakes the earlier arrivals...
        "A001",  # ...but after three in a row a waiting normal ticket gets its turn
        "A007", "A008",
        "A002", "A003",
    ]
    assert {t.id for t in called if t} == {t.id for t in normal + priority}


def test_priority_calls_continue_when_nobody_else_waits(open_desk: OpenDesk) -> None:
    desk = open_desk()
    for i in range(5):
        desk.issue("A", minutes(i), ELDERLY)
    assert codes(press_next(desk, 1, 4, start=10)) == ["A001", "A002", "A003", "A004"]
    # Four priority calls in a row already: a normal arrival is next, ahead of A005.
    desk.issue("A", minutes(20))
    assert codes(press_next(desk, 1, 2, start=21)) == ["A006", "A005"]


def test_the_priority_streak_belongs_to_one_counter(open_desk: OpenDesk) -> None:
    desk = open_desk()
    desk.issue("A", minutes(0))
    for i in range(6):
        desk.issue("A", minutes(1 + i), ELDERLY)  # A002–A007
    assert codes(press_next(desk, 1, 3, start=10)) == ["A002", "A003", "A004"]
    # Counter 2 has called nobody yet: priority first there.
    assert codes(press_next(desk, 2, 1, start=13)) == ["A005"]
    assert codes(press_next(desk, 1, 2, start=14)) == ["A001", "A006"]
    streaks = desk.run(lambda repo, site: {c.number: c.priority_streak
                                           for c in repo.counters(site.id)})
    assert streaks == {1: 1, 2: 1, 3: 0, 4: 0}


def _fairness_two(site: Site, services: dict[str, Service]) -> None:
    site.priority_max_in_row = 2


@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.booleans(), st.integers(0, 2)),
        min_size=1, max_size=25,
    ),
    presses=st.lists(st.integers(1, 4), min_size=1, max_size=30),
)
def test_no_counter_calls_more_priority_in_a_row_than_allowed(
    arrivals: list[tuple[str, bool, int]], presses: list[int]
) -> None:
    """Whatever arrives and whichever counter presses NEXT, fairness holds."""
    with tempfile.TemporaryDirectory() as folder:
        desk = sqlite_desk(Path(folder) / "office.db", FAIRNESS_TWO, _fairness_two)
        try:
            _press_and_check(desk, arrivals, presses)
        finally:
            desk.db.dispose()


FAIRNESS_TWO = office_spec()


def _press_and_check(desk: Desk, arrivals: list[tuple[str, bool, int]], presses: list[int]) -> None:
    moment = MORNING
    for code, is_priority, gap in arrivals:
        moment += timedelta(minutes=gap)
        desk.issue(code, moment, ELDERLY if is_priority else Priority.NONE)
    in_a_row = dict.fromkeys(range(1, 5), 0)
    served = {1: "AC", 2: "AB", 3: "BCD", 4: "EDC"}
    codes_of = {s.id: s.code for s in desk.read(lambda repo, site: repo.services(site.id))}
    for counter in presses:
        moment += timedelta(minutes=1)

        def look_then_press(
            repo: QueueRepository, site: Site, counter: int = counter, now: datetime = moment
        ) -> tuple[list[Ticket], Ticket | None]:
            return repo.waiting(site.id, now.date()), engine.call_next(repo, site, counter, now)

        waiting, called = desk.run(look_then_press)
        eligible = [t for t in waiting if codes_of[t.service_id] in served[counter]]
        normal_waits = any(not t.priority.is_priority for t in eligible)
        if called is None:
            assert eligible == []
            continue
        assert called.id in {t.id for t in eligible}
        if called.priority.is_priority:
            assert not (normal_waits and in_a_row[counter] >= 2), "fairness broken"
            in_a_row[counter] += 1
        else:
            # A normal ticket is only called when no priority one waits, or on its turn.
            assert not any(t.priority.is_priority for t in eligible) or in_a_row[counter] >= 2
            in_a_row[counter] = 0


@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 3), st.sampled_from([10, 11, 12])),
        min_size=0, max_size=12,
    ),
    st.integers(0, 5),
    st.integers(1, 4),
)
def test_call_order_against_the_rule_stated_plainly(
    waiting: list[tuple[bool, int, int]], streak: int, max_in_row: int
) -> None:
    preference = {12: 0, 10: 1, 11: 2}
    tickets = [
        Ticket(
            id=index + 1, site_id=1, service_id=service, origin_service_id=service,
            local_day=date(2026, 11, 24), number=index + 1, code=f"T{index:03d}",
            priority=ELDERLY if is_priority else Priority.NONE, token=str(index),
            queued_at=minutes(arrived), issued_at=minutes(arrived),
        )
        for index, (is_priority, arrived, service) in enumerate(waiting)
    ]
    order = call_order(tickets, preference, streak, max_in_row)
    assert sorted(t.id for t in order) == [t.id for t in tickets]
    if not tickets:
        return

    def place(t: Ticket) -> tuple[datetime, int, int]:
        return (t.queued_at, preference[t.service_id], t.id)

    priority = [t for t in tickets if t.priority.is_priority]
    normal = [t for t in tickets if not t.priority.is_priority]
    turn_for_normal = bool(priority and normal and streak >= max_in_row)
    group = normal if turn_for_normal or not priority else priority
    assert order[0] is min(group, key=place)
    # Within each group: oldest first, the counter's preference breaking ties.
    for same in (priority, normal):
        in_order = [t for t in order if t in same]
        assert in_order == sorted(same, key=place)


# -- ties, transfers and returns ----------------------------------------------------

def test_preference_breaks_a_tie_between_equally_old_tickets(open_desk: OpenDesk) -> None:
    desk = open_desk()
    same_moment = minutes(0)
    for code in "DCB":
        desk.issue(code, same_moment)
    # Counter 3 prefers B, then C, then D.
    assert codes(press_next(desk, 3, 3, start=5)) == ["B001", "C001", "D001"]
    for code in "CD":
        desk.issue(code, minutes(10))
    # Counter 4 prefers D over C.
    assert codes(press_next(desk, 4, 2, start=15)) == ["D002", "C002"]


def test_an_older_ticket_beats_the_preferred_service(open_desk: OpenDesk) -> None:
    desk = open_desk()
    desk.issue("D", minutes(0))
    desk.issue("B", minutes(1))
    assert codes(press_next(desk, 3, 2, start=5)) == ["D001", "B001"]


def test_transfer_keeps_the_code_and_the_place_in_line(open_desk: OpenDesk) -> None:
    desk = open_desk()
    first = desk.issue("A", minutes(0))
    desk.issue("B", minutes(1))
    desk.issue("B", minutes(2))
    assert desk.call_next(1, minutes(5)).id == first.id  # type: ignore[union-attr]
    desk.run(lambda repo, site: engine.start(repo, first.id, minutes(6)))
    moved = desk.run(lambda repo, site: engine.transfer(repo, first.id, "B", minutes(10)))
    assert (moved.code, moved.status, moved.counter_id) == ("A001", TicketStatus.WAITING, None)
    assert moved.queued_at == first.issued_at
    assert [step["service"] for step in moved.history] == ["A", "B"]
    assert moved.history[1]["from_counter"] == 1
    transfer_event = desk.events()[-1]
    assert transfer_event.type == EventType.TRANSFERRED
    assert transfer_event.details["from_service"] == "A"
    assert transfer_event.details["to_service"] == "B"

    # At the B counter it comes before the B tickets issued after it.
    assert codes(press_next(desk, 3, 3, start=11)) == ["A001", "B001", "B002"]
    # Its number is not handed out again.
    assert desk.issue("A", minutes(20)).code == "A002"


def test_transfer_refusals(open_desk: OpenDesk) -> None:
    desk = open_desk(office_spec(), _retire_e)
    ticket = desk.issue("A", minutes(0))
    same = desk.refusal(lambda repo, site: engine.transfer(repo, ticket.id, "A", minutes(1)))
    assert same.code == "same_service"
    off = desk.refusal(lambda repo, site: engine.transfer(repo, ticket.id, "E", minutes(1)))
    assert off.code == "service_inactive"
    desk.run(lambda repo, site: engine.cancel(repo, ticket.id, minutes(2)))
    done = desk.refusal(lambda repo, site: engine.transfer(repo, ticket.id, "B", minutes(3)))
    assert done.code == "invalid_transition"


def test_a_returning_no_show_goes_back_to_its_original_place(open_desk: OpenDesk) -> None:
    desk = open_desk()
    for i in range(3):
        desk.issue("A", minutes(i))
    first = desk.call_next(1, minutes(5))
    assert first is not None and first.code == "A001"
    desk.run(lambda repo, site: engine.no_show(repo, first.id, minutes(8)))
    assert codes(press_next(desk, 1, 1, start=9)) == ["A002"]
    back = desk.run(lambda repo, site: engine.requeue(repo, first.id, minutes(20)))
    assert (back.status, back.counter_id, back.queued_at) == (
        TicketStatus.WAITING, None, first.issued_at,
    )
    # Ahead of A003, which came after it.
    again = desk.call_next(2, minutes(21))
    assert again is not None and again.code == "A001"
    assert (again.call_count, again.called_at, again.last_called_at) == (
        2, minutes(5), minutes(21),
    )
    assert codes(press_next(desk, 2, 1, start=22)) == ["A003"]
    types = [e.type for e in desk.events() if e.ticket_id == first.id]
    assert types == [
        EventType.ISSUED, EventType.CALLED, EventType.NO_SHOW, EventType.REQUEUED,
        EventType.CALLED, EventType.FINISHED,
    ]


# -- the counter -------------------------------------------------------------------

def test_next_finishes_the_counters_current_ticket(open_desk: OpenDesk) -> None:
    desk = open_desk()
    desk.issue("A", minutes(0))
    desk.issue("A", minutes(1))
    current = desk.call_next(1, minutes(2))
    assert current is not None
    desk.run(lambda repo, site: engine.start(repo, current.id, minutes(3)))
    before = len(desk.events())
    following = desk.call_next(1, minutes(12))
    assert following is not None and following.code == "A002"
    done = desk.ticket(current.id)
    assert (done.status, done.finished_at) == (TicketStatus.DONE, minutes(12))
    assert [(e.type, e.ticket_id) for e in desk.events()[before:]] == [
        (EventType.FINISHED, current.id), (EventType.CALLED, following.id),
    ]
    # Nobody left: NEXT still finishes the one at the counter.
    assert desk.call_next(1, minutes(20)) is None
    assert desk.ticket(following.id).status == TicketStatus.DONE
    shot = desk.run(lambda repo, site: views.snapshot(repo, site, minutes(20)))
    assert shot.counters[0].current is None


def test_calling_a_ticket_by_hand_also_finishes_the_current_one(open_desk: OpenDesk) -> None:
    desk = open_desk()
    a = desk.issue("A", minutes(0))
    c = desk.issue("C", minutes(1))
    desk.call_next(1, minutes(2))
    desk.run(lambda repo, site: engine.call_ticket(repo, site, c.id, 1, minutes(5)))
    assert desk.ticket(a.id).status == TicketStatus.DONE
    assert desk.ticket(c.id).status == TicketStatus.CALLED


def test_the_counter_must_be_open(open_desk: OpenDesk) -> None:
    desk = open_desk()
    ticket = desk.issue("A", minutes(0))
    for state in (CounterState.PAUSED, CounterState.CLOSED):
        desk.run(lambda repo, site, s=state: engine.set_counter_state(repo, site, 1, s,
                                                                       minutes(1)))
        before = len(desk.events())
        refused = desk.refusal(lambda repo, site: engine.call_next(repo, site, 1, minutes(2)))
        assert (refused.code, refused.details) == (
            "counter_not_open", {"counter": 1, "state": state.value},
        )
        by_hand = desk.refusal(lambda repo, site: engine.call_ticket(repo, site, ticket.id,
                                                                      1, minutes(2)))
        assert by_hand.code == "counter_not_open"
        assert len(desk.events()) == before
        assert desk.ticket(ticket.id).status == TicketStatus.WAITING
    desk.run(lambda repo, site: engine.set_counter_state(repo, site, 1, CounterState.OPEN,
                                                         minutes(3)))
    assert desk.call_next(1, minutes(4)).id == ticket.id  # type: ignore[union-attr]
    # Setting the state it already has changes nothing and records nothing.
    before = len(desk.events())
    desk.run(lambda repo, site: engine.set_counter_state(repo, site, 1, CounterState.OPEN,
                                                         minutes(5)))
    assert len(desk.events()) == before


# -- refusals when issuing ---------------------------------------------------------

def _quota_two(site: Site, services: dict[str, Service]) -> None:
    services["B"].daily_quota = 2


def _retire_e(site: Site, services: dict[str, Service]) -> None:
    services["E"].active = False


def test_the_daily_quota_is_enforced(open_desk: OpenDesk) -> None:
    desk = open_desk(office_spec(), _quota_two)
    assert [desk.issue("B", minutes(i)).code for i in range(2)] == ["B001", "B002"]
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "B", minutes(3)))
    assert (refused.code, refused.details) == ("quota_reached", {"service": "B", "quota": 2})
    assert len(desk.tickets()) == 2
    # Other services are not affected, and tomorrow the quota is fresh.
    assert desk.issue("A", minutes(4)).code == "A001"
    assert desk.issue("B", minutes(24 * 60)).code == "B001"


def test_an_inactive_service_takes_no_tickets(open_desk: OpenDesk) -> None:
    desk = open_desk(office_spec(), _retire_e)
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "E", minutes(0)))
    assert (refused.code, refused.details) == ("service_inactive", {"service": "E"})
    shot = desk.run(lambda repo, site: views.snapshot(repo, site, minutes(0)))
    e = next(s for s in shot.services if s.code == "E")
    assert (e.active, e.accepting) == (False, False)
    unknown = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "Z", minutes(0)))
    assert unknown.code == "service_not_found"


def _start_at_990(site: Site, services: dict[str, Service]) -> None:
    services["C"].first_number = 990


def test_numbers_stop_at_999(open_desk: OpenDesk) -> None:
    desk = open_desk(office_spec(), _start_at_990)
    issued = [desk.issue("C", minutes(i / 10)).code for i in range(10)]
    assert issued[0] == "C990" and issued[-1] == "C999"
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "C", minutes(2)))
    assert refused.code == "quota_reached"


def test_a_full_day_reaches_999_and_no_further(open_desk: OpenDesk) -> None:
    desk = open_desk()  # C has no quota of its own
    # One transaction for the whole day, to spare the disk 999 commits.
    desk.run(lambda repo, site: [
        engine.issue_ticket(repo, site, "C", minutes(n / 100)) for n in range(999)
    ])
    codes_issued = [t.code for t in desk.tickets()]
    assert codes_issued[0] == "C001" and codes_issued[-1] == "C999"
    assert len(set(codes_issued)) == 999
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "C", minutes(11)))
    assert refused.code == "quota_reached"
