"""A simulated day runs the server's own commands, repeatably, the way officers work."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from antrean.vocabulary import EventType
from server.engine.model import Event
from server.simulation.database import OfficeDatabase
from server.simulation.day import Day, DayResult
from server.simulation.scenario import Scenario, load_scenario


@pytest.fixture(scope="module")
def breaks() -> Scenario:
    return load_scenario("counter-break")


def run_with_events(scenario: Scenario, seed: int) -> tuple[DayResult, list[Event]]:
    office = OfficeDatabase(scenario)
    try:
        with office.day() as db:
            result = Day(scenario, seed, db, office.site_id).run()
            with db.reading() as work:
                events = work.events_since(office.site_id, 0, limit=100_000)
        return result, events
    finally:
        office.close()


def _facts(events: list[Event]) -> list[tuple[Any, ...]]:
    return [
        (e.seq, e.type, e.at, e.ticket_id, e.counter_id, e.ticket, e.counter, e.details)
        for e in events
    ]


@pytest.fixture(scope="module")
def day(breaks: Scenario) -> Iterator[tuple[DayResult, list[Event]]]:
    yield run_with_events(breaks, 3)


def test_the_same_seed_gives_the_same_day(
    breaks: Scenario, day: tuple[DayResult, list[Event]]
) -> None:
    again = run_with_events(breaks, 3)
    assert again[0].tickets == day[0].tickets
    assert _facts(again[1]) == _facts(day[1])
    other = run_with_events(breaks, 4)
    assert other[0].tickets != day[0].tickets


def test_every_citizen_is_issued_called_and_finished_once(
    day: tuple[DayResult, list[Event]],
) -> None:
    result, events = day
    issued = [e for e in events if e.type == EventType.ISSUED]
    assert len(issued) == len(result.tickets) > 100
    calls: dict[int, int] = {}
    for event in events:
        if event.type == EventType.CALLED:
            assert event.ticket_id is not None
            calls[event.ticket_id] = calls.get(event.ticket_id, 0) + 1
    assert set(calls.values()) == {1}
    assert len(calls) == len(result.tickets)
    finished = {e.ticket_id for e in events if e.type == EventType.FINISHED}
    absent = {e.ticket_id for e in events if e.type == EventType.NO_SHOW}
    assert finished.isdisjoint(absent)
    assert finished | absent == set(calls)
    assert {t.ticket_id for t in result.tickets if t.citizen.no_show} == absent
    # Each absent citizen was called a second time before being marked.
    recalled = {e.ticket_id for e in events if e.type == EventType.RECALLED}
    assert recalled == absent


def test_a_counter_serves_one_citizen_at_a_time(day: tuple[DayResult, list[Event]]) -> None:
    result, _ = day
    for number in {t.counter for t in result.tickets}:
        spans = sorted(
            (t.called_at, t.finished_at or t.called_at)
            for t in result.tickets if t.counter == number and t.called_at is not None
        )
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end


def _local(result: DayResult, event: Event) -> float:
    return (event.at - result.midnight.astimezone(UTC)).total_seconds()


def test_the_counter_break_pauses_the_counter_for_thirty_minutes(
    day: tuple[DayResult, list[Event]],
) -> None:
    result, events = day
    changes = [
        (_local(result, e), e.details["state"]) for e in events
        if e.type == EventType.COUNTER_CHANGED and e.counter == 2
    ]
    pause = next(moment for moment, state in changes if state == "paused")
    back = next(moment for moment, state in changes if state == "open" and moment > pause)
    # The officer leaves after the citizen at the counter at 10:00, for 30 minutes.
    assert 10 * 3600 <= pause < 10 * 3600 + 45 * 60
    assert back - pause == pytest.approx(30 * 60)
    calls_at_two = [t.called_at for t in result.tickets if t.counter == 2 and t.called_at]
    assert not [c for c in calls_at_two if pause <= c < back]


def test_nobody_is_called_during_the_office_break(day: tuple[DayResult, list[Event]]) -> None:
    result, _ = day
    calls = [t.called_at for t in result.tickets if t.called_at is not None]
    assert not [c for c in calls if 12 * 3600 <= c < 13 * 3600]
    # People still took numbers during the break and were served after it.
    during = [t for t in result.tickets if 12 * 3600 <= t.issued_at < 13 * 3600]
    assert during and all(t.called_at and t.called_at >= 13 * 3600 for t in during)


def test_the_kiosk_answer_is_recorded_with_both_baselines(
    day: tuple[DayResult, list[Event]],
) -> None:
    result, _ = day
    first = min(result.tickets, key=lambda t: t.issued_at)
    # The first citizen of the day finds free counters: no wait at all, by every method.
    assert first.people_ahead == 0 and first.estimate == 0
    assert first.naive_ahead == 0 and first.naive_recent == 0
    assert first.called_at == first.issued_at
    assert all(t.estimate is not None and t.naive_ahead is not None for t in result.tickets)


def test_the_night_service_runs_on_the_office_clock() -> None:
    result, events = run_with_events(load_scenario("night-service"), 1)
    first_issue = min(e.at for e in events if e.type == EventType.ISSUED)
    # 19:30 WITA is 11:30 UTC; nothing is issued before the night session opens.
    assert first_issue >= datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    assert {t.counter for t in result.tickets} == {1, 2}
    assert all(t.refused is None for t in result.tickets)
