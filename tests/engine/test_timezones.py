"""The office's own day: numbering, expiry and `local_day` follow local midnight.

WIB is UTC+7, WITA UTC+8, WIT UTC+9, so local midnight falls at 17:00, 16:00
and 15:00 UTC of the day before, and UTC midnight falls at 07:00, 08:00 and
09:00 local: in the middle of the morning queue. Numbering must restart at the
first and carry on through the second. Every scenario runs on a SQLite file,
whose timestamps are stored in UTC and must come back as the same instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from antrean.vocabulary import EventType, TicketStatus
from server.engine import commands as engine
from server.engine import views
from server.engine.clock import local_day
from tests.engine.offices import OpenDesk, at, office_spec

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
UTC_OFFSET_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}


@pytest.mark.parametrize("zone_name", ZONES)
def test_numbers_restart_at_local_midnight_not_utc(open_desk: OpenDesk, zone_name: str) -> None:
    zone = ZONES[zone_name]
    offset = UTC_OFFSET_HOURS[zone_name]
    desk = open_desk(office_spec(timezone=zone))
    tuesday = [
        at("2026-11-24 00:30", zone),  # UTC still says Monday
        at(f"2026-11-24 {offset - 1:02d}:59", zone),  # 23:59 UTC Monday
        at(f"2026-11-24 {offset:02d}:00", zone),  # 00:00 UTC Tuesday
        at("2026-11-24 23:59", zone),
    ]
    issued = [desk.issue("A", moment) for moment in tuesday]
    assert [t.code for t in issued] == ["A001", "A002", "A003", "A004"]
    assert {t.local_day for t in issued} == {date(2026, 11, 24)}
    # The UTC date changed in the middle of the morning; the numbering did not.
    assert tuesday[1].astimezone(UTC).date() != tuesday[2].astimezone(UTC).date()

    midnight = at("2026-11-25 00:00", zone)
    assert midnight.astimezone(UTC).hour == 24 - offset
    assert midnight.astimezone(UTC).date() == tuesday[-1].astimezone(UTC).date()
    wednesday = desk.issue("A", midnight)
    assert (wednesday.code, wednesday.number, wednesday.local_day) == (
        "A001", 1, date(2026, 11, 25),
    )
    assert desk.issue("B", midnight).code == "B001"
    assert desk.issue("A", midnight + timedelta(minutes=1)).code == "A002"


@pytest.mark.parametrize("zone_name", ZONES)
def test_left_over_tickets_expire_with_events_when_the_day_turns(
    open_desk: OpenDesk, zone_name: str
) -> None:
    zone = ZONES[zone_name]
    desk = open_desk(office_spec(timezone=zone))
    evening = at("2026-11-24 23:50", zone)
    waiting = desk.issue("A", evening)
    at_counter = desk.issue("B", evening)
    desk.issue("C", evening)
    called = desk.call_next(2, evening + timedelta(minutes=1))
    assert called is not None and called.id == waiting.id  # A before B at counter 2
    assert desk.call_next(3, evening + timedelta(minutes=2)).id == at_counter.id  # type: ignore[union-attr]
    served = desk.issue("C", evening + timedelta(minutes=3))
    desk.run(lambda repo, site: engine.call_ticket(repo, site, served.id, 1,
                                                  evening + timedelta(minutes=4)))
    desk.run(lambda repo, site: engine.finish(repo, served.id,
                                             evening + timedelta(minutes=5)))
    before = len(desk.events())

    # The first command after local midnight closes yesterday before anything else.
    midnight = at("2026-11-25 00:00", zone)
    first_of_day = desk.call_next(2, midnight)
    assert first_of_day is None, "yesterday's tickets must never be called today"

    tickets = {t.id: t for t in desk.tickets()}
    left_over = [t for t in tickets.values() if t.id != served.id]
    assert {t.status for t in left_over} == {TicketStatus.EXPIRED}
    assert all(t.expired_at == midnight for t in left_over)
    assert tickets[served.id].status == TicketStatus.DONE
    new_events = desk.events()[before:]
    assert [(e.type, e.ticket_id) for e in new_events] == [
        (EventType.EXPIRED, t.id) for t in sorted(left_over, key=lambda t: t.id)
    ]
    assert [e.seq for e in new_events] == list(range(before + 1, before + 1 + len(new_events)))
    assert desk.issue("A", midnight).code == "A001"
    refused = desk.refusal(lambda repo, site: engine.call_ticket(repo, site, waiting.id, 1,
                                                                  midnight))
    assert refused.code == "invalid_transition"


@pytest.mark.parametrize("zone_name", ZONES)
def test_utc_storage_keeps_the_instant_and_the_local_day(
    open_desk: OpenDesk, zone_name: str
) -> None:
    zone = ZONES[zone_name]
    desk = open_desk(office_spec(timezone=zone))
    moments = [at("2026-11-24 23:59:58.250000", zone), at("2026-11-25 00:00:00.500000", zone)]
    for moment in moments:
        desk.issue("E", moment)
    stored = desk.tickets()
    assert [t.issued_at for t in stored] == moments
    assert all(t.issued_at.utcoffset() == timedelta(0) for t in stored)
    assert [t.local_day for t in stored] == [date(2026, 11, 24), date(2026, 11, 25)]
    assert [t.code for t in stored] == ["E001", "E001"]
    assert [e.at for e in desk.events() if e.type == EventType.ISSUED] == moments


def test_one_instant_is_a_different_day_in_each_zone(open_desk: OpenDesk) -> None:
    instant = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
    days = {}
    for name, zone in ZONES.items():
        desk = open_desk(office_spec(timezone=zone))
        days[name] = desk.issue("A", instant).local_day
        assert desk.run(lambda repo, site: local_day(site, instant)) == days[name]
    # 23:30 in Jakarta, already 00:30 in Makassar and 01:30 in Jayapura.
    assert days == {
        "WIB": date(2026, 11, 24), "WITA": date(2026, 11, 25), "WIT": date(2026, 11, 25),
    }


def test_snapshot_turns_the_day_at_local_midnight(open_desk: OpenDesk) -> None:
    zone = ZONES["WITA"]
    desk = open_desk(office_spec(timezone=zone))
    late = at("2026-11-24 23:59", zone)
    for _ in range(3):
        desk.issue("A", late)
    before = desk.run(lambda repo, site: views.snapshot(repo, site, late))
    midnight = at("2026-11-25 00:00", zone)
    after = desk.run(lambda repo, site: views.snapshot(repo, site, midnight))

    assert before.site.local_day == date(2026, 11, 24)
    assert (before.services[0].code, before.services[0].issued_today) == ("A", 3)
    assert len(before.waiting) == 3
    # Nothing has run since midnight, yet the new day already shows an empty line.
    assert after.site.local_day == date(2026, 11, 25)
    assert after.site.local_time == midnight
    assert after.services[0].issued_today == 0
    assert after.waiting == []



def test_the_snapshot_hides_yesterdays_ticket_at_a_counter(open_desk: OpenDesk) -> None:
    """Until the new day's first command expires it, yesterday's call is not shown as current."""
    zone = ZONES["WITA"]
    desk = open_desk(office_spec(timezone=zone))
    evening, morning = at("2026-11-24 21:00", zone), at("2026-11-25 08:30", zone)
    desk.issue("A", evening)
    called = desk.call_next(1, evening)
    assert called is not None

    def counter_one_now(moment: datetime) -> tuple[object, list[object]]:
        def look(repo, site):  # type: ignore[no-untyped-def]
            view = views.snapshot(repo, site, moment)
            current = next(c.current for c in view.counters if c.number == 1)
            return current, view.recent_calls

        return desk.run(look)

    current, calls = counter_one_now(evening)
    assert current is not None and current.code == called.code and len(calls) == 1
    assert counter_one_now(morning) == (None, [])
