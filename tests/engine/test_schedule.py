"""Opening hours as Bontang Selatan keeps them, and the refusals they cause.

Day service 08:00–15:00 on weekdays, night service 19:30–21:30 WITA on Tuesday
and Thursday, the Friday midday prayer break, a public holiday, and numbers
no longer given out in the last 30 minutes of a session. Tickets may be taken
during the break (the citizen waits for the counters to reopen).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from antrean.refusals import ClosedReason
from server.engine import commands as engine
from server.engine import views
from server.engine.model import Service, Site
from server.engine.schedule import (
    WEEKDAYS,
    Schedule,
    TimeRange,
    effective,
    opening,
)
from tests.engine.offices import OpenDesk, office_spec

WITA = ZoneInfo("Asia/Makassar")
DAY = TimeRange.parse("08:00-15:00")
NIGHT = TimeRange.parse("19:30–21:30")
FRIDAY_PRAYER = TimeRange.parse("11:30-13:00")
CHRISTMAS = date(2026, 12, 25)  # a Friday
CUTOFF = 30
BONTANG_SELATAN = Schedule(
    sessions={"mon": [DAY], "tue": [NIGHT, DAY], "wed": [DAY], "thu": [DAY, NIGHT], "fri": [DAY]},
    breaks={"fri": [FRIDAY_PRAYER]},
    closed_dates=[CHRISTMAS],
    cutoff_minutes=CUTOFF,
)
# Permits are handled Monday and Wednesday mornings only.
PERMIT_HOURS = Schedule(sessions={"mon": [TimeRange.parse("09:00-12:00")],
                                  "wed": [TimeRange.parse("09:00-12:00")]})


def wita(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


# local time → (reason or None when accepting, next opening when refused)
CASES = {
    "2026-11-24 07:59": (ClosedReason.BEFORE_OPENING, "2026-11-24 08:00"),
    "2026-11-24 08:00": (None, None),
    "2026-11-24 14:29:59": (None, None),
    "2026-11-24 14:30": (ClosedReason.AFTER_CUTOFF, "2026-11-24 19:30"),
    "2026-11-24 15:30": (ClosedReason.BETWEEN_SESSIONS, "2026-11-24 19:30"),
    "2026-11-24 19:30": (None, None),
    "2026-11-24 21:00": (ClosedReason.AFTER_CUTOFF, "2026-11-25 08:00"),
    "2026-11-24 21:45": (ClosedReason.AFTER_CLOSING, "2026-11-25 08:00"),
    "2026-11-25 16:00": (ClosedReason.AFTER_CLOSING, "2026-11-26 08:00"),  # no night on Wed
    "2026-11-27 12:00": (None, None),  # Friday prayer: still issuing
    "2026-11-27 15:10": (ClosedReason.AFTER_CLOSING, "2026-11-30 08:00"),
    "2026-11-28 10:00": (ClosedReason.NO_SESSION_TODAY, "2026-11-30 08:00"),
    "2026-12-24 21:10": (ClosedReason.AFTER_CUTOFF, "2026-12-28 08:00"),  # skips Christmas
    "2026-12-25 09:00": (ClosedReason.CLOSED_DATE, "2026-12-28 08:00"),
}


@pytest.mark.parametrize("local", CASES)
def test_opening_at(local: str) -> None:
    reason, next_open = CASES[local]
    state = opening(BONTANG_SELATAN, wita(local))
    assert state.accepting == (reason is None)
    assert state.reason == reason
    assert state.next_open == (wita(next_open) if next_open else None)


def test_sessions_are_kept_in_order() -> None:
    assert BONTANG_SELATAN.sessions["tue"] == [DAY, NIGHT]


def test_friday_prayer_break_accepts_tickets_and_says_so() -> None:
    during = opening(BONTANG_SELATAN, wita("2026-11-27 12:00"))
    assert (during.accepting, during.on_break) == (True, True)
    assert during.break_end == wita("2026-11-27 13:00")
    assert during.session_end == wita("2026-11-27 15:00")
    after = opening(BONTANG_SELATAN, wita("2026-11-27 13:00"))
    assert (after.accepting, after.on_break, after.break_end) == (True, False, None)
    # No prayer break on other days.
    assert not opening(BONTANG_SELATAN, wita("2026-11-26 12:00")).on_break


def test_during_the_break_a_ticket_is_issued_and_the_wait_covers_the_break(
    open_desk: OpenDesk,
) -> None:
    desk = open_desk(office_spec(schedule=BONTANG_SELATAN))
    noon = wita("2026-11-27 12:00")
    ticket = desk.issue("A", noon)
    assert ticket.code == "A001"
    shot = desk.run(lambda repo, site: views.snapshot(repo, site, noon))
    assert shot.site.on_break
    service_a = next(s for s in shot.services if s.code == "A")
    assert service_a.accepting and service_a.closed_reason is None
    # One citizen ahead at two free counters waits for nothing but the break.
    assert service_a.estimated_wait_minutes == 60.0


@pytest.mark.parametrize(
    ("local", "reason", "next_open"),
    [
        ("2026-11-24 14:45", "after_cutoff", "2026-11-24 19:30"),
        ("2026-11-24 17:00", "between_sessions", "2026-11-24 19:30"),
        ("2026-11-28 10:00", "no_session_today", "2026-11-30 08:00"),
        ("2026-12-25 10:00", "closed_date", "2026-12-28 08:00"),
        ("2026-11-24 06:00", "before_opening", "2026-11-24 08:00"),
        ("2026-11-25 15:00", "after_closing", "2026-11-26 08:00"),
    ],
)
def test_issuing_is_refused_with_the_reason_and_the_next_opening(
    open_desk: OpenDesk, local: str, reason: str, next_open: str
) -> None:
    desk = open_desk(office_spec(schedule=BONTANG_SELATAN))
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "A", wita(local)))
    assert refused.code == reason
    assert refused.details == {"service": "A", "next_open": wita(next_open).isoformat()}
    assert refused.status == 409
    assert refused.body()["error"]["message"]["id"]  # a sentence for the citizen
    # A refusal takes nothing: no ticket, no event, no number.
    assert desk.tickets() == [] and desk.events() == []
    assert desk.issue("A", wita(next_open)).code == "A001"


def _permits_by_appointment(site: Site, services: dict[str, Service]) -> None:
    services["D"].schedule = PERMIT_HOURS


def test_a_service_keeps_its_own_sessions(open_desk: OpenDesk) -> None:
    desk = open_desk(office_spec(schedule=BONTANG_SELATAN), _permits_by_appointment)
    tuesday = wita("2026-11-24 10:00")
    assert desk.issue("A", tuesday).code == "A001"
    refused = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "D", tuesday))
    assert refused.code == "no_session_today"
    assert refused.details["next_open"] == wita("2026-11-25 09:00").isoformat()

    # The site's cut-off applies to the service's own sessions too.
    assert desk.issue("D", wita("2026-11-25 11:29")).code == "D001"
    late = desk.refusal(lambda repo, site: engine.issue_ticket(repo, site, "D",
                                                                wita("2026-11-25 11:30")))
    assert late.code == "after_cutoff"
    assert late.details["next_open"] == wita("2026-11-30 09:00").isoformat()

    shot = desk.run(lambda repo, site: views.snapshot(repo, site, tuesday))
    states = {s.code: s for s in shot.services}
    assert states["A"].accepting and not states["D"].accepting
    assert states["D"].closed_reason == "no_session_today"
    assert states["D"].next_open == wita("2026-11-25 09:00")


def test_a_service_schedule_keeps_the_sites_holidays_and_breaks() -> None:
    own_friday = Schedule(sessions={"fri": [TimeRange.parse("10:00-14:00")]})
    merged = effective(BONTANG_SELATAN, own_friday)
    assert merged.closed_dates == [CHRISTMAS]
    assert merged.breaks == BONTANG_SELATAN.breaks
    assert opening(merged, wita("2026-12-25 11:00")).reason == ClosedReason.CLOSED_DATE
    assert opening(merged, wita("2026-11-27 12:00")).on_break
    assert effective(BONTANG_SELATAN, None) is BONTANG_SELATAN
    assert effective(BONTANG_SELATAN, Schedule()) is BONTANG_SELATAN


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValidationError, match="must end after it starts"):
        TimeRange.parse("15:00-08:00")
    with pytest.raises(ValidationError, match="overlapping"):
        Schedule(sessions={"mon": [DAY, TimeRange.parse("14:00-16:00")]})
    with pytest.raises(ValidationError):
        Schedule(sessions={"monday": [DAY]})
    with pytest.raises(ValidationError):
        Schedule(cutoff_minutes=-5)


# -- the rules re-derived by hand, compared at random instants ------------------------

def _issuing_by_hand(moment: datetime) -> bool:
    if moment.date() == CHRISTMAS:
        return False
    clock = moment.time()
    for session in BONTANG_SELATAN.sessions.get(WEEKDAYS[moment.weekday()], []):
        last = (datetime.combine(moment.date(), session.end) - timedelta(minutes=CUTOFF)).time()
        if session.start <= clock < last:
            return True
    return False


def _reason_by_hand(moment: datetime) -> ClosedReason:
    sessions = BONTANG_SELATAN.sessions.get(WEEKDAYS[moment.weekday()], [])
    clock = moment.time()
    if moment.date() == CHRISTMAS:
        return ClosedReason.CLOSED_DATE
    if not sessions:
        return ClosedReason.NO_SESSION_TODAY
    if clock < sessions[0].start:
        return ClosedReason.BEFORE_OPENING
    for s in sessions:
        cut = (datetime.combine(moment.date(), s.end) - timedelta(minutes=CUTOFF)).time()
        if cut <= clock < s.end:
            return ClosedReason.AFTER_CUTOFF
    if clock < sessions[-1].end:
        return ClosedReason.BETWEEN_SESSIONS
    return ClosedReason.AFTER_CLOSING


def _next_open_by_hand(moment: datetime) -> datetime:
    # Sessions start on whole five minutes: walk that grid until issuing opens.
    step = timedelta(minutes=5)
    probe = moment.replace(second=0, microsecond=0, minute=moment.minute - moment.minute % 5)
    while True:
        probe += step
        if _issuing_by_hand(probe):
            return probe


@given(
    st.datetimes(
        min_value=datetime(2026, 11, 23), max_value=datetime(2026, 12, 31, 23, 59)
    ).map(lambda naive: naive.replace(tzinfo=WITA))
)
def test_opening_agrees_with_the_rules_by_hand(moment: datetime) -> None:
    state = opening(BONTANG_SELATAN, moment)
    assert state.accepting == _issuing_by_hand(moment)
    if state.accepting:
        assert state.reason is None and state.next_open is None
        assert state.session_end is not None and state.session_end > moment
    else:
        assert state.reason == _reason_by_hand(moment)
        assert state.next_open == _next_open_by_hand(moment)
    friday_prayer = moment.weekday() == 4 and FRIDAY_PRAYER.start <= moment.time() < time(13)
    assert state.on_break == friday_prayer
