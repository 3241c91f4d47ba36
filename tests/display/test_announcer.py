"""The rule for speaking: once per (ticket, call count), oldest first, only while fresh."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from antrean.voice import CallVoice, SoundMode
from display.announcer import Announcement, Announcer
from display.clock import ServerClock
from display.model import Call
from display.speaker import RecordingSpeaker

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def call(ticket: int, count: int = 1, age: float = 0.0, counter: int = 1) -> Call:
    return Call(ticket, f"A{ticket:03d}", "A", counter, f"Loket {counter}",
                NOW - timedelta(seconds=age), count)


def test_once_each_in_order_and_only_while_fresh(tmp_path: Path) -> None:
    ticks = Ticks()
    clock = ServerClock(ticks)
    clock.tell(NOW)
    spoken: list[Announcement] = []
    announcer = Announcer(
        CallVoice(tmp_path, mode=SoundMode.CHIME), RecordingSpeaker(speed=50), clock,
        wording="Nomor {code} ke loket {counter}.", fresh_seconds=60, on_spoken=spoken.append,
    )

    async def scenario() -> None:
        task = asyncio.create_task(announcer.run())
        # A snapshot lists newest first; it is spoken oldest first.
        assert announcer.consider([call(3, age=1), call(2, age=5), call(1, age=90)]) == [
            call(2, age=5), call(3, age=1),
        ]
        assert announcer.consider([call(3, age=1), call(2, age=5)]) == []  # seen: a reconnect
        ticks.now += 30  # half a minute later the server says the same again
        assert announcer.consider([call(1, age=90), call(2, age=5)]) == []
        assert announcer.consider([call(2, count=2)]) == [call(2, count=2)]  # a recall
        while announcer.waiting or announcer.speaking:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(scenario())
    assert [(a.call.ticket_id, a.call.call_count) for a in spoken] == [(2, 1), (3, 1), (2, 2)]
    assert spoken[0].sentence == "Nomor A dua ke loket satu."


def test_the_server_clock_not_the_pis() -> None:
    ticks = Ticks()
    clock = ServerClock(ticks)
    clock.tell(NOW, "Asia/Jayapura")
    ticks.now += 61
    assert clock.age(NOW) == 61
    assert clock.now().utcoffset() == timedelta(hours=9)
