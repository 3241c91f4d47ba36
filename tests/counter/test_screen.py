"""What the LCD says, for each width, worked out from the counter's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from antrean.protocol import TicketView
from antrean.vocabulary import CounterState, Priority, TicketStatus
from counter import screen
from counter.screen import DeskView, elapsed, lines_for

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def ticket(code: str = "A012", **changes: object) -> TicketView:
    values: dict[str, object] = {
        "id": 12, "code": code, "service": code[0], "priority": Priority.NONE,
        "status": TicketStatus.CALLED, "counter": 1, "issued_at": AT, "called_at": AT,
        "call_count": 1,
    }
    values.update(changes)
    return TicketView.model_validate(values)


def view(**changes: object) -> DeskView:
    values: dict[str, object] = {
        "number": 1, "state": CounterState.OPEN, "current": ticket(), "waiting": 5,
        "since_call": timedelta(minutes=3, seconds=25),
    }
    values.update(changes)
    return DeskView(**values)  # type: ignore[arg-type]


def test_16x2() -> None:
    assert lines_for(view(), 16, 2) == ["L1 A012    03:25", "MENUNGGU: 5"]
    priority = view(current=ticket(priority=Priority.ELDERLY), number=12)
    assert lines_for(priority, 16, 2)[0] == "L12 A012P  03:25"
    idle = view(current=None, since_call=None, message=screen.NO_QUEUE)
    assert lines_for(idle, 16, 2) == ["L1 -            ", "ANTREAN KOSONG"]


def test_20x4() -> None:
    assert lines_for(view(message=screen.recalled(2)), 20, 4) == [
        "LOKET 1         BUKA",
        "A012 DIPANGGIL 03:25",
        "MENUNGGU: 5",
        "PANGGILAN KE-2",
    ]
    serving = view(current=ticket(status=TicketStatus.SERVING), state=CounterState.PAUSED,
                   message=screen.NO_QUEUE)
    assert lines_for(serving, 20, 4) == [
        "LOKET 1       DIJEDA",
        "A012 DILAYANI  03:25",
        "MENUNGGU: 5",
        "TIDAK ADA ANTREAN",
    ]


def test_every_message_fits_its_width() -> None:
    messages = [value for value in vars(screen).values() if isinstance(value, screen.Message)]
    messages += [
        screen.unknown_counter(999), screen.not_this_counter(999), screen.pin_twice("GPIO27"),
        screen.no_show("ABC999"), screen.transferred("ABC999", "ABC"), screen.finished("ABC999"),
        screen.recalled(10), *(screen.refusal_message(code) for code in screen._REFUSALS),
    ]
    assert len(messages) > 20
    for message in messages:
        assert len(message.long) <= 20 and len(message.short) <= 16, message
        assert message.for_width(16) == message.short or len(message.long) <= 16


def test_the_clock() -> None:
    assert elapsed(timedelta(seconds=5)) == "00:05"
    assert elapsed(timedelta(minutes=61, seconds=1)) == "61:01"
    assert elapsed(timedelta(hours=2)) == "99+"
    assert elapsed(timedelta(seconds=-3)) == "00:00"  # clocks a little apart
