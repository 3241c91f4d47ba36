"""Bad set-up is said in one line in the log and in a few words on the LCD; the rest works."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from antrean.lamps import Pattern
from antrean.vocabulary import TicketStatus
from counter.app import Outcome
from counter.settings import CounterWiring
from server.config import ServerSettings
from tests.conftest import make_demo_database
from tests.counter.conftest import (
    NEXT,
    PROBLEM,
    SECOND,
    Office,
    keypad_settings,
    running_keypad,
    wiring,
)
from tests.realtime.conftest import LiveServer


def test_a_counter_the_office_lacks_and_a_token_for_another_counter(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.issue("A", "A")
    token = office.keypad_token([1])  # bound to counter 1 only
    settings = keypad_settings(office.url, token, wiring(1), wiring(2, pins=SECOND), third(9))

    async def scenario() -> None:
        async with running_keypad(settings) as rig:
            await rig.until(lambda: rig.glass(2)[1] == "TOKEN BUKAN L2  ")
            await rig.until(lambda: rig.glass(9)[1] == "LOKET 9 TAK ADA ")
            assert rig.lit(SECOND[7]), "counter 2's problem lamp is on"
            assert rig.lit(3), "counter 9's problem lamp is on"
            rig.press(SECOND[0])
            refused = await rig.result()
            assert (refused.counter, refused.outcome) == (2, Outcome.REFUSED_HERE)
            rig.press(NEXT)  # counter 1 is set up right and works
            assert (await rig.result()).outcome is Outcome.DONE
            assert not rig.lit(PROBLEM)
            assert "counter 9" in (rig.keypad.health().detail or "")

    with caplog.at_level(logging.INFO, logger="counter.app"):
        asyncio.run(scenario())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "counter 2: the token is not for counter 2 (device:1, counters: 1): "
        "fix the token or the settings",
        "counter 9: the office demo has no counter 9",
    ]
    assert [t.status for t in office.tickets()] == [TicketStatus.CALLED, TicketStatus.WAITING]


def third(number: int) -> CounterWiring:
    """A third counter with only NEXT and a problem lamp, on the two pins left over
    (on a Pi they carry the LCD's I2C; mock pins do not mind)."""
    return CounterWiring.model_validate(
        {"number": number, "keys": {"next": 2}, "lights": {"problem": 3}}
    )


def test_a_pin_wired_twice_stops_both_counters_it_touches(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    token = office.keypad_token([1, 2, 3])
    clash = list(SECOND)
    clash[5] = 17  # counter 2's ready lamp on counter 1's NEXT
    settings = keypad_settings(
        office.url, token, wiring(1), wiring(2, pins=tuple(clash)), third(3)
    )

    async def scenario() -> None:
        async with running_keypad(settings) as rig:
            await rig.until(lambda: rig.glass(1)[1] == "PIN GANDA GPIO17")
            await rig.until(lambda: rig.glass(2)[1] == "PIN GANDA GPIO17")
            await rig.until(lambda: rig.glass(3)[1] == "MENUNGGU: 0     ")
            assert rig.keypad.desks[1].buttons is None and rig.keypad.desks[1].lights is None
            assert rig.keypad.desks[3].buttons is not None

    with caplog.at_level(logging.INFO, logger="counter.app"):
        asyncio.run(scenario())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    line = (
        "pin GPIO17 is wired twice (counter 1 keys.next, counter 2 lights.ready): "
        "fix the settings"
    )
    assert errors == [f"counter 1: {line}", f"counter 2: {line}"]


def test_offline_shows_on_the_lcd_refuses_presses_and_never_calls_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    server = LiveServer(
        ServerSettings(database_url=db.url, data_dir=tmp_path), lambda: datetime.now(UTC)
    )
    server.start()
    office = Office(server.url, db)
    office.issue("A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(server.url, token)) as rig:
            await rig.until(lambda: rig.glass()[1] == "MENUNGGU: 1     ")
            await asyncio.to_thread(server.stop)
            await rig.until(lambda: rig.glass()[1] == "OFFLINE         ")
            await rig.until(lambda: rig.keypad.desks[1].lights.scene.problem is Pattern.BLINK)  # type: ignore[union-attr]
            rig.press(NEXT)
            refused = await rig.result()
            assert refused.outcome is Outcome.REFUSED_HERE
            assert refused.detail == "OFFLINE: MENYAMBUNG"
            await asyncio.to_thread(server.start)  # the same port
            await rig.until(lambda: rig.glass()[1] == "MENUNGGU: 1     ", timeout=30)
            await asyncio.sleep(1.0)  # time enough for any replay to arrive
            assert rig.glass()[0].startswith("L1 -"), "nobody was called behind the officer's back"
            assert rig.keypad.desks[1].lights.scene.problem is Pattern.OFF  # type: ignore[union-attr]

    try:
        asyncio.run(scenario())
    finally:
        server.stop()
        db.dispose()
    [ticket] = office.tickets()
    assert ticket.status is TicketStatus.WAITING
