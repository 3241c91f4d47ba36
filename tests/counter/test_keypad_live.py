"""The keypad end to end: mock pins in, a real server, bytes on the LCD's bus out."""

from __future__ import annotations

import asyncio
import logging

import pytest

from antrean.lamps import Pattern
from antrean.vocabulary import CounterState, Satisfaction, TicketStatus
from counter.app import Outcome
from counter.buttons import Key
from counter.hd44780 import EmulatedLcd
from tests.counter.conftest import (
    DISSATISFIED,
    FINISH,
    NEXT,
    NO_SHOW,
    PROBLEM,
    READY,
    RECALL,
    SATISFIED,
    SECOND,
    TRANSFER,
    Office,
    keypad_settings,
    running_keypad,
    wiring,
)


def test_next_calls_a_citizen_and_the_lcd_shows_them(office: Office) -> None:
    office.issue("A", "C", "A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(office.url, token)) as rig:
            await rig.until(lambda: rig.glass()[1] == "MENUNGGU: 3     ")
            assert rig.glass()[0].startswith("L1 -")
            assert rig.lit(READY) and not rig.lit(PROBLEM)
            rig.press(NEXT)
            result = await rig.result()
            assert (result.key, result.outcome) == (Key.NEXT, Outcome.DONE)
            assert result.ticket is not None and result.ticket.code == "A001"
            await rig.until(lambda: rig.glass()[0].startswith("L1 A001"))
            assert rig.glass()[0][-5:] in {"00:00", "00:01", "00:02"}
            await rig.until(lambda: rig.glass()[1] == "MENUNGGU: 2     ")

    asyncio.run(scenario())
    first = office.tickets()[0]
    assert first.status is TicketStatus.CALLED and first.counter_id == office.counter(1).id


def test_a_double_press_of_next_calls_one_citizen(office: Office) -> None:
    office.issue("A", "A", "A")
    token = office.keypad_token([1])

    async def scenario() -> list[Outcome]:
        async with running_keypad(keypad_settings(office.url, token)) as rig:
            rig.press(NEXT)
            rig.press(NEXT)  # a bounce, or an impatient finger
            outcomes = [(await rig.result()).outcome, (await rig.result()).outcome]
            rig.press(NEXT)  # right after the answer: still quiet
            outcomes.append((await rig.result()).outcome)
            await rig.until(lambda: rig.glass()[0].startswith("L1 A001"))
            return outcomes

    assert sorted(asyncio.run(scenario())) == [Outcome.DONE, Outcome.IGNORED, Outcome.IGNORED]
    assert [t.status for t in office.tickets()] == [
        TicketStatus.CALLED, TicketStatus.WAITING, TicketStatus.WAITING,
    ]


def test_next_right_after_a_call_is_refused_while_the_citizen_walks_up(office: Office) -> None:
    office.issue("A", "A")
    token = office.keypad_token([1])
    settings = keypad_settings(office.url, token, next_guard_seconds=30)

    async def scenario() -> None:
        async with running_keypad(settings) as rig:
            rig.press(NEXT)
            assert (await rig.result()).outcome is Outcome.DONE
            await asyncio.sleep(0.4)  # past the quiet time
            rig.press(NEXT)
            result = await rig.result()
            assert result.outcome is Outcome.REFUSED_HERE
            await rig.until(lambda: rig.glass()[1] == "BARU DIPANGGIL  ")
            rig.press(FINISH)  # finishing is always allowed
            assert (await rig.result()).outcome is Outcome.DONE
            await rig.until(lambda: rig.glass()[1] == "A001 SELESAI    ")

    asyncio.run(scenario())
    assert [t.status for t in office.tickets()] == [TicketStatus.DONE, TicketStatus.WAITING]


def test_recall_up_to_the_limit_then_no_show_is_asked(office: Office) -> None:
    office.issue("A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(office.url, token, recall_limit=2)) as rig:
            rig.press(NEXT)
            await rig.result()
            for count in (2, 3):
                await asyncio.sleep(0.35)
                rig.press(RECALL)
                assert (await rig.result()).outcome is Outcome.DONE
                await rig.until(lambda c=count: rig.glass()[1] == f"PANGGILAN KE-{c}  ")
            await asyncio.sleep(0.35)
            rig.press(RECALL)
            assert (await rig.result()).outcome is Outcome.REFUSED_HERE
            await rig.until(lambda: rig.glass()[1] == "TEKAN TDK HADIR ")
            rig.press(NO_SHOW)
            assert (await rig.result()).outcome is Outcome.DONE
            await rig.until(lambda: rig.glass()[1] == "A001 TIDAK HADIR")
            await rig.until(lambda: rig.glass()[0].startswith("L1 -"))

    asyncio.run(scenario())
    [ticket] = office.tickets()
    assert ticket.status is TicketStatus.NO_SHOW and ticket.call_count == 3


def test_holding_next_pauses_and_holding_it_again_reopens(office: Office) -> None:
    office.issue("A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(office.url, token)) as rig:
            await rig.hold(NEXT)
            result = await rig.result()
            assert (result.key, result.outcome) == (Key.PAUSE, Outcome.DONE)
            await rig.until(lambda: rig.glass()[1] == "LOKET DIJEDA    ")
            await rig.until(lambda: rig.keypad.desks[1].lights.scene.ready is Pattern.BLINK)  # type: ignore[union-attr]
            assert office.counter(1).state is CounterState.PAUSED
            await asyncio.sleep(0.35)
            rig.press(NEXT)  # a paused counter calls nobody
            refused = await rig.result()
            assert (refused.outcome, refused.detail) == (Outcome.REFUSED, "counter_not_open")
            await asyncio.sleep(0.35)
            await rig.hold(NEXT)
            assert (await rig.result()).outcome is Outcome.DONE
            await rig.until(lambda: rig.glass()[1] == "MENUNGGU: 1     ")
            assert rig.lit(READY)

    asyncio.run(scenario())
    assert office.counter(1).state is CounterState.OPEN
    assert office.tickets()[0].status is TicketStatus.WAITING


def test_a_face_after_finish_is_stored_once(office: Office) -> None:
    office.issue("A", "A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(office.url, token)) as rig:
            rig.press(SATISFIED)  # nobody has been served yet: not taken
            assert (await rig.result()).outcome is Outcome.IGNORED
            rig.press(NEXT)
            await rig.result()
            await asyncio.sleep(0.35)
            rig.press(FINISH)
            await rig.result()
            rig.press(SATISFIED)
            rig.press(DISSATISFIED)  # a second face: refused
            outcomes = sorted([(await rig.result()).outcome, (await rig.result()).outcome])
            assert outcomes == [Outcome.DONE, Outcome.IGNORED]
            await rig.until(lambda: rig.glass()[1] == "TERIMA KASIH    ")
            rig.press(DISSATISFIED)
            assert (await rig.result()).outcome is Outcome.IGNORED
            # NEXT finishes the citizen at the counter too: they may rate as well.
            await asyncio.sleep(0.35)
            rig.press(NEXT)
            assert (await rig.result()).ticket.code == "A002"  # type: ignore[union-attr]
            await asyncio.sleep(0.35)
            rig.press(NEXT)
            assert (await rig.result()).outcome is Outcome.NOBODY
            await rig.until(lambda: rig.keypad.desks[1].rateable is not None)
            rig.press(DISSATISFIED)
            assert (await rig.result()).outcome is Outcome.DONE

    asyncio.run(scenario())
    first, second = office.tickets()
    assert first.satisfaction is Satisfaction.SATISFIED
    assert second.satisfaction is Satisfaction.DISSATISFIED


def test_transfer_sends_the_citizen_to_the_preset_service(office: Office) -> None:
    office.issue("A")
    token = office.keypad_token([1])

    async def scenario() -> None:
        async with running_keypad(keypad_settings(office.url, token)) as rig:
            rig.press(NEXT)
            await rig.result()
            await asyncio.sleep(0.35)
            rig.press(TRANSFER)
            assert (await rig.result()).outcome is Outcome.DONE
            await rig.until(lambda: rig.glass()[1] == "A001 KE B       ")

    asyncio.run(scenario())
    [ticket] = office.tickets()
    assert ticket.status is TicketStatus.WAITING and ticket.code == "A001"


def test_several_counters_on_one_pi(office: Office) -> None:
    office.issue("A", "B", "A")
    token = office.keypad_token([1, 2])
    big = {"address": 0x26, "cols": 20, "rows": 4}
    settings = keypad_settings(office.url, token, wiring(1), wiring(2, pins=SECOND, lcd=big))

    async def scenario() -> None:
        async with running_keypad(settings) as rig:
            rig.press(NEXT)
            rig.press(SECOND[0])
            results = {(await rig.result()).counter for _ in range(2)}
            assert results == {1, 2}
            await rig.until(lambda: rig.glass(1)[0].startswith("L1 A00"))
            await rig.until(lambda: "DIPANGGIL" in rig.glass(2)[1])
            # Counter 2 serves A and B: one of the two A tickets is left.
            await rig.until(lambda: rig.glass(2)[2] == "MENUNGGU: 1         ")
            assert rig.glass(2)[0] == "LOKET 2         BUKA"

    asyncio.run(scenario())
    called = {t.code: t.counter_id for t in office.tickets() if t.status is TicketStatus.CALLED}
    assert set(called) == {"A001", "B001"}
    assert sorted(called.values()) == sorted([office.counter(1).id, office.counter(2).id])


def test_a_silent_lcd_leaves_the_buttons_working(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.issue("A")
    token = office.keypad_token([1])
    silent = EmulatedLcd(0x27, answers=False)
    lcd = {"address": 0x27, "cols": 16, "rows": 2, "retry_seconds": 0.3}
    settings = keypad_settings(office.url, token, wiring(1, lcd=lcd))

    async def scenario() -> None:
        async with running_keypad(settings, lcds={1: silent}) as rig:
            await rig.until(lambda: rig.keypad.desks[1].lights.scene.problem is Pattern.FLASH)  # type: ignore[union-attr]
            rig.press(NEXT)
            assert (await rig.result()).outcome is Outcome.DONE
            assert rig.glass() == [" " * 16, " " * 16]
            assert "LCD at 0x27" in (rig.keypad.health().detail or "")
            silent.answers = True  # plugged back in
            await rig.until(lambda: rig.glass()[0].startswith("L1 A001"))
            await rig.until(lambda: rig.keypad.desks[1].lights.scene.problem is Pattern.OFF)  # type: ignore[union-attr]

    with caplog.at_level(logging.INFO, logger="counter.app"):
        asyncio.run(scenario())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one line, however often it is retried"
    assert "counter 1: LCD at 0x27 on /dev/i2c-1 does not answer" in warnings[0]
    assert office.tickets()[0].status is TicketStatus.CALLED
