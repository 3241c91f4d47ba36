"""Buttons and lamps on gpiozero's mock pins, and the rules for presses and patterns."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from antrean.health import PrinterState
from antrean.lamps import Pattern
from kiosk.buttons import ButtonBoard, Press, PressGate, PriorityArming
from kiosk.lights import KioskStatus, Lights, Scene, scene_for
from kiosk.settings import ButtonSettings, LightSettings


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.reset()


def test_board_reports_presses_with_service_and_time(factory: MockFactory) -> None:
    presses: list[Press] = []
    ticks = iter([1.0, 2.0, 3.0])
    board = ButtonBoard(
        ButtonSettings(services={"GPIO17": "A", "27": "B"}, priority="GPIO22"),
        presses.append, pin_factory=factory, clock=lambda: next(ticks),
    )
    try:
        for pin in (17, 27, 22):
            factory.pin(pin).drive_low()
            factory.pin(pin).drive_high()  # releasing is not a press
        assert presses == [
            Press("GPIO17", "A", 1.0), Press("27", "B", 2.0), Press("GPIO22", None, 3.0)
        ]
        assert presses[2].is_priority
    finally:
        board.close()


def test_board_with_pull_down_buttons(factory: MockFactory) -> None:
    presses: list[Press] = []
    board = ButtonBoard(
        ButtonSettings(services={"GPIO17": "A"}, pull_up=False), presses.append,
        pin_factory=factory,
    )
    try:
        factory.pin(17).drive_high()
        assert [p.service for p in presses] == ["A"]
    finally:
        board.close()


def test_gate_ignores_bounces_and_presses_while_busy() -> None:
    gate = PressGate(cooldown=3.0)
    assert gate.admit(Press("17", "A", 10.0), busy=False)
    assert not gate.admit(Press("17", "A", 10.002), busy=False)  # contact bounce
    assert not gate.admit(Press("27", "B", 10.5), busy=True)  # another button, but busy
    gate.finished("17", 11.0)
    assert not gate.admit(Press("17", "A", 13.9), busy=False)  # still cooling down
    assert gate.admit(Press("27", "B", 11.1), busy=False)  # other buttons are not held back
    assert gate.admit(Press("17", "A", 14.0), busy=False)


def test_priority_arming_lasts_for_the_window_and_is_used_once() -> None:
    arming = PriorityArming(window=10.0)
    assert not arming.take(0.0)
    arming.arm(100.0)
    assert arming.armed(109.9) and arming.remaining(105.0) == 5.0
    assert arming.take(105.0)
    assert not arming.take(106.0)
    arming.arm(200.0)
    assert not arming.take(210.0)


@pytest.mark.parametrize(
    ("status", "scene"),
    [
        (KioskStatus(online=True, printer=PrinterState.OK), Scene(ready=Pattern.ON)),
        (KioskStatus(online=True, printer=None), Scene(ready=Pattern.ON)),
        (KioskStatus(online=True, printer=PrinterState.OK, busy=True),
         Scene(busy=Pattern.ON)),
        (KioskStatus(online=True, printer=PrinterState.PAPER_NEAR_END),
         Scene(ready=Pattern.ON, problem=Pattern.FLASH)),
        (KioskStatus(online=True, printer=PrinterState.PAPER_OUT), Scene(problem=Pattern.ON)),
        (KioskStatus(online=True, printer=PrinterState.OFFLINE), Scene(problem=Pattern.ON)),
        (KioskStatus(online=True, printer=PrinterState.OK, print_failed=True),
         Scene(problem=Pattern.ON)),
        (KioskStatus(online=False, printer=PrinterState.OK), Scene(problem=Pattern.BLINK)),
        (KioskStatus(online=False, printer=PrinterState.PAPER_OUT), Scene(problem=Pattern.ON)),
        (KioskStatus(online=True, printer=PrinterState.OK, closed_signal=True),
         Scene(ready=Pattern.BLINK)),
        (KioskStatus(online=True, printer=PrinterState.OK, priority_armed=True),
         Scene(ready=Pattern.ON, priority=Pattern.FAST)),
    ],
)
def test_scene_for_each_state(status: KioskStatus, scene: Scene) -> None:
    assert scene_for(status) == scene


def test_lights_drive_the_pins(factory: MockFactory) -> None:
    shown: list[Scene] = []
    lights = Lights(
        LightSettings(ready=5, busy=6, problem=13, buzzer=26), pin_factory=factory,
        on_show=shown.append,
    )
    try:
        lights.show(Scene(ready=Pattern.ON))
        assert factory.pin(5).state and not factory.pin(6).state and not factory.pin(13).state
        lights.show(Scene(busy=Pattern.ON, problem=Pattern.BLINK))
        assert not factory.pin(5).state and factory.pin(6).state
        assert lights.leds["problem"].is_active  # blinking runs in the background
        lights.show(Scene(busy=Pattern.ON, problem=Pattern.BLINK))  # same scene: nothing sent
        assert len(shown) == 2
    finally:
        lights.close()


def test_active_low_lamps(factory: MockFactory) -> None:
    lights = Lights(LightSettings(ready=5, active_high=False), pin_factory=factory)
    try:
        lights.show(Scene(ready=Pattern.ON))
        assert factory.pin(5).state is False  # lit by pulling the pin low
    finally:
        lights.close()
