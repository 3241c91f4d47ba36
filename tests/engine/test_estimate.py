"""The estimated wait: its parts worked by hand, and its behaviour over a minute.

How well it holds on whole simulated days, against the actual waits and two
naive estimates, is checked in tests/simulation/test_accuracy.py and measured
by bench/estimate.py.
"""

from __future__ import annotations

import contextlib
import math
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antrean.vocabulary import CounterState, Priority
from server.engine import commands as engine
from server.engine import estimate, views
from server.engine.errors import QueueError
from server.engine.estimate import (
    CAP_FACTOR,
    IN_PROGRESS_SHARE,
    PAUSE_MINUTES,
    PRIOR_TICKETS,
    Desk,
    Office,
    Place,
    expected_return,
    minutes_left,
    new_ticket_wait,
    priority_rate,
    service_minutes,
    wait_minutes,
)
from server.engine.model import Site
from server.engine.repository import QueueRepository
from tests.engine import offices
from tests.engine.offices import at, office_spec, sqlite_desk

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
A, B = 1, 2


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def line(*services: int) -> list[Place]:
    """Normal tickets that came a minute apart within the last hour, oldest first."""
    return [
        Place(100 + i, service, False, NOW - minutes(60 - i)) for i, service in enumerate(services)
    ]


def office(desks: list[Desk], waiting: list[Place], **extra: object) -> Office:
    return Office(NOW, desks, waiting, {A: 8.0, B: 12.0}, **extra)  # type: ignore[arg-type]


# Expected minutes at the counter.


def test_service_minutes_start_from_the_configured_figure() -> None:
    assert service_minutes([], default_minutes=8) == 8
    # The configured 8 minutes count as PRIOR_TICKETS tickets beside two of 10.
    assert service_minutes([600, 600], 8) == pytest.approx(
        (PRIOR_TICKETS * 8 + 20) / (PRIOR_TICKETS + 2)
    )
    assert service_minutes([600] * 30, 8) == pytest.approx((PRIOR_TICKETS * 8 + 300) / 34)


def test_one_long_citizen_moves_the_service_minutes_little() -> None:
    usual = [480.0] * 10
    base = service_minutes(usual, 8)
    with_long = service_minutes([*usual, 90 * 60], 8)
    # 90 minutes counts as CAP_FACTOR times the typical (median) 8 minutes, no more.
    assert with_long == pytest.approx((PRIOR_TICKETS * 8 + 80 + CAP_FACTOR * 8) / 15)
    assert with_long - base < 2.5


def test_a_few_finishes_pressed_hours_late_do_not_raise_their_own_cap() -> None:
    # Three citizens of 8 minutes, and two left "serving" for four hours (a
    # finish pressed after lunch, or the next morning).
    durations = [480.0] * 3 + [4 * 3600.0] * 2
    value = service_minutes(durations, 6)
    typical = 8.0  # the median of the prior's four 6s and the five durations
    assert value == pytest.approx((PRIOR_TICKETS * 6 + 24 + 2 * CAP_FACTOR * typical) / 9)
    assert value < 12, "a wait printed from this is not hours long"


@given(st.lists(st.floats(min_value=30, max_value=7200), min_size=1, max_size=30))
def test_service_minutes_lie_between_the_prior_and_the_durations(durations: list[float]) -> None:
    value = service_minutes(durations, 10)
    low = min(10.0, min(durations) / 60)
    high = max(10.0, max(durations) / 60)
    assert low - 1e-9 <= value <= high + 1e-9
    # The order of the durations does not matter: no ticket weighs more for being last.
    assert service_minutes(list(reversed(durations)), 10) == pytest.approx(value)


def test_a_service_that_has_run_long_still_has_a_little_left() -> None:
    assert minutes_left(3, 10) == 7
    assert minutes_left(9.9, 10) == pytest.approx(2.5)
    assert minutes_left(40, 10) == pytest.approx(2.5)


def test_a_paused_counter_is_expected_back_after_a_break() -> None:
    assert expected_return(NOW - minutes(5), NOW) == NOW + minutes(PAUSE_MINUTES - 5)
    assert expected_return(None, NOW) == NOW + minutes(PAUSE_MINUTES)
    # Overdue: still expected, a little later.
    assert expected_return(NOW - minutes(60), NOW) == NOW + minutes(5)


# Playing the office forward.


def test_a_free_counter_means_no_wait() -> None:
    desks = [Desk(1, (A,), NOW), Desk(2, (A,), NOW + minutes(5))]
    assert new_ticket_wait(office(desks, []), A) == 0
    assert new_ticket_wait(office(desks, line(A)), A) == pytest.approx(5)


def test_one_counter_works_through_everyone_ahead() -> None:
    desks = [Desk(1, (A, B), NOW + minutes(3))]
    # Three ahead at the only counter: 3 minutes until free, then 8 + 12 + 8.
    assert new_ticket_wait(office(desks, line(A, B, A)), A) == pytest.approx(3 + 28)


def test_a_counter_serving_two_services_takes_the_oldest_of_both() -> None:
    # The old per-service formula saw one A ahead: 8 minutes. The counter will
    # first serve the two older B citizens too.
    desks = [Desk(1, (A, B), NOW)]
    waiting = line(B, A, B)
    assert wait_minutes(office(desks, [*waiting, Place(9, A, False, NOW)]), 9) == 32
    # A younger B citizen is not ahead.
    younger = Place(10, B, False, NOW + minutes(1))
    assert wait_minutes(office(desks, [*waiting, Place(9, A, False, NOW), younger]), 9) == 32


def test_counters_that_serve_other_services_still_help() -> None:
    # Counter 2 serves only B; counter 1 serves A and B. The B ahead are shared
    # between them, so A's citizen waits less than for all of them at counter 1.
    desks = [Desk(1, (A, B), NOW), Desk(2, (B,), NOW)]
    alone = wait_minutes(office([desks[0]], [*line(B, B), Place(9, A, False, NOW)]), 9)
    helped = wait_minutes(office(desks, [*line(B, B), Place(9, A, False, NOW)]), 9)
    assert alone == 24
    assert helped is not None and helped < alone


def test_many_counters_share_a_long_line() -> None:
    # c counters busy with everyone ahead: each more citizen ahead adds about a
    # c-th of a service, and the first counter free is part-way through its own.
    for counters in (2, 3, 5):
        desks = [Desk(n, (A,), NOW + minutes(4)) for n in range(counters)]
        waits = [new_ticket_wait(office(desks, line(*[A] * k)), A) for k in range(20, 23)]
        assert waits[1] - waits[0] == pytest.approx(8 / counters)  # type: ignore[operator]
        expected = 4 + (20 * 8 - (counters - 1) * IN_PROGRESS_SHARE * 8) / counters
        assert waits[0] == pytest.approx(expected)


def test_a_counter_joining_late_never_speeds_the_figure_up() -> None:
    # Counters ready in 1.5, 4 and 10 minutes; one more A citizen ahead. When
    # the third counter joins, it takes its share of the work from then on: the
    # figure moved by more than that citizen's 4 minutes when it was counted
    # as if the third had been there all along.
    desks = [Desk(1, (A, B), NOW + minutes(10)), Desk(2, (A, B), NOW + minutes(1.5)),
             Desk(3, (A,), NOW + minutes(4))]
    four = {A: 4.0, B: 16.0}
    waits = [new_ticket_wait(Office(NOW, desks, line(*ahead), four), A)
             for ahead in ([B, A], [B, A, A])]
    assert waits[0] is not None and waits[1] is not None
    assert 0 <= waits[1] - waits[0] <= 4


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([(A,), (B,), (A, B)]), st.floats(0, 30)),
             min_size=1, max_size=5),
    st.lists(st.sampled_from([A, B]), max_size=12),
    st.sampled_from([4.0, 8.0, 12.0]),
    st.sampled_from([4.0, 8.0, 16.0]),
)
def test_one_more_citizen_ahead_adds_at_most_their_minutes(
    counters: list[tuple[tuple[int, ...], float]], ahead: list[int], a: float, b: float
) -> None:
    desks = [Desk(n, services, NOW + minutes(ready))
             for n, (services, ready) in enumerate(counters)]
    before = new_ticket_wait(Office(NOW, desks, line(*ahead), {A: a, B: b}), A)
    after = new_ticket_wait(Office(NOW, desks, line(*ahead, A), {A: a, B: b}), A)
    if before is None or after is None:
        assert before is None and after is None
        return
    assert before - 1e-9 <= after <= before + a + 1e-9


def test_a_paused_counter_comes_back() -> None:
    # Only counter 2 serves B, and its officer paused it 5 minutes ago.
    back = expected_return(NOW - minutes(5), NOW)
    desks = [Desk(1, (A,), NOW), Desk(2, (B,), back)]
    assert new_ticket_wait(office(desks, []), B) == pytest.approx(PAUSE_MINUTES - 5)


def test_a_scheduled_break_stops_every_counter() -> None:
    desks = [Desk(1, (A,), NOW)]
    lunch = [(NOW + minutes(20), NOW + minutes(80))]
    # Three of 8 minutes ahead: the turn would come at 24 minutes, after the break starts.
    assert new_ticket_wait(office(desks, line(A, A, A), breaks=lunch), A) == 24 + 60
    # Two ahead: called at 16 minutes, before the break.
    assert new_ticket_wait(office(desks, line(A, A), breaks=lunch), A) == 16
    # During the break counters are ready when it ends.
    during = Office(NOW + minutes(30), desks, [], {A: 8.0}, breaks=lunch)
    assert new_ticket_wait(during, A) == 50


def test_priority_citizens_go_first_and_later_ones_stretch_a_normal_wait() -> None:
    desks = [Desk(1, (A,), NOW + minutes(2))]
    waiting = [*line(A, A, A), Place(9, A, True, NOW)]
    assert wait_minutes(office(desks, waiting), 9) == 2
    # One priority citizen every 40 minutes, 8 minutes each: a fifth of the counter's time.
    rate = {A: 1 / 40}
    plain = new_ticket_wait(office(desks, line(A, A)), A)
    stretched = new_ticket_wait(office(desks, line(A, A), priority_per_minute=rate), A)
    assert plain == 18
    assert stretched == pytest.approx(18 / (1 - 8 / 40))


def test_no_counter_no_figure() -> None:
    assert new_ticket_wait(office([Desk(1, (B,), NOW)], []), A) is None
    assert wait_minutes(office([Desk(1, (A,), NOW)], []), 12345) is None


def test_the_priority_rate_follows_the_day() -> None:
    issued = [(A, True, NOW - minutes(10)), (A, False, NOW - minutes(9)),
              (A, True, NOW - minutes(5))]
    # Open for 10 minutes (counted as at least 15): two priority citizens.
    early = priority_rate(issued, NOW)
    weights = math.exp(-10 / 60) + math.exp(-5 / 60)  # each counts less as it ages
    assert early[A] == pytest.approx(weights / (60 * (1 - math.exp(-15 / 60))))
    assert B not in early
    # Much later with nobody new, they count for little.
    assert priority_rate(issued, NOW + minutes(240))[A] < early[A] / 10


# Over a minute with nothing happening.


def _random_morning(seed: int, folder: Path) -> tuple[offices.Desk, datetime, str]:
    """The demo office after a random hour: numbers taken, calls, pauses."""
    rng = random.Random(seed)
    desk = sqlite_desk(folder / f"office-{seed}.db", office_spec())
    moment = at("2026-11-24 08:00", "Asia/Makassar")
    for _ in range(rng.randint(5, 70)):
        moment += minutes(rng.expovariate(1 / 2))
        roll = rng.random()
        if roll < 0.55:
            service = rng.choice("AAABBCDE")
            priority = Priority.ELDERLY if rng.random() < 0.15 else Priority.NONE
            desk.issue(service, moment, priority)
        elif roll < 0.95:
            with contextlib.suppress(QueueError):  # a paused counter refuses
                desk.call_next(rng.randint(1, 4), moment)
        else:
            number, state = rng.randint(1, 4), rng.choice([CounterState.PAUSED, CounterState.OPEN])
            desk.run(lambda repo, site, n=number, s=state, m=moment:
                     engine.set_counter_state(repo, site, n, s, m))
    return desk, moment + minutes(rng.uniform(0, 30)), rng.choice("ABCDE")


def _issue_and_estimate(
    repo: QueueRepository, site: Site, service: str, now: datetime
) -> tuple[float | None, float, float]:
    ticket = engine.issue_ticket(repo, site, service, now)
    estimator = views.WaitEstimator(repo, views.SiteIndex(repo, site), now)
    _, wait = estimator.for_ticket(ticket)
    share = estimate.priority_share(estimator.office(), ticket.service_id)
    return wait, estimator.mean_minutes(ticket.service_id), share


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_two_tickets_a_minute_apart_differ_by_that_minutes_work(seed: int) -> None:
    """The later one waits for the earlier one's turn (its service's minutes,
    stretched by the priority citizens expected meanwhile) and a minute less of
    everything else; never more, never much less."""
    with tempfile.TemporaryDirectory() as folder:
        desk, first_at, service = _random_morning(seed, Path(folder))
        try:
            first, _, _ = desk.run(
                lambda repo, site: _issue_and_estimate(repo, site, service, first_at))
            second, turn, share = desk.run(
                lambda repo, site: _issue_and_estimate(repo, site, service, first_at + minutes(1)))
        except QueueError:
            return  # the quota of a small service ran out
        finally:
            desk.db.dispose()
    if first is None or second is None:
        assert first is None and second is None
        return
    rounding = 0.1  # both figures are given to a tenth of a minute
    assert second >= first - 1 - rounding
    assert second <= first + turn / (1 - share) + rounding
