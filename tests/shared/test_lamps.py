"""The lamps every device shares: patterns and their timings, driven on gpiozero's mock
pins; and a module the display (which has no gpiozero) may import."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from gpiozero.pins.mock import MockFactory

from antrean.lamps import Lamps, Pattern, Scene


@dataclass(frozen=True)
class WithPriority(Scene):
    """A device with a fourth lamp, as the kiosk has."""

    priority: Pattern = Pattern.OFF


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.reset()


def test_a_scene_describes_its_lamps_in_order() -> None:
    assert Scene(problem=Pattern.BLINK).describe() == "ready:off  busy:off  problem:blink"
    assert WithPriority(priority=Pattern.FAST).describe() == (
        "ready:off  busy:off  problem:off  priority:fast"
    )


def test_only_wired_lamps_are_driven_and_only_when_they_change(factory: MockFactory) -> None:
    shown: list[WithPriority] = []
    lamps = Lamps(
        WithPriority(), {"ready": 5, "priority": 19}, buzzer=26, pin_factory=factory,
        on_show=shown.append,
    )
    try:
        assert set(lamps.leds) == {"ready", "priority"}  # the others are not wired: skipped
        lamps.show(WithPriority(ready=Pattern.ON, busy=Pattern.ON))
        assert factory.pin(5).state and not factory.pin(19).state
        factory.pin(5).clear_states()
        lamps.show(WithPriority(ready=Pattern.ON, priority=Pattern.ON))
        assert factory.pin(19).state
        assert len(factory.pin(5).states) == 1  # ready did not change: nothing sent to it
        lamps.show(WithPriority(ready=Pattern.ON, priority=Pattern.ON))  # the same again
        assert len(shown) == 2
        lamps.beep(2)
        time.sleep(0.6)
        beeps = [s for s in factory.pin(26).states[1:] if s.state]
        assert len(beeps) == 2
    finally:
        lamps.close()
    assert lamps.leds == {} and lamps.buzzer is None


def test_blinking_keeps_its_timings(factory: MockFactory) -> None:
    lamps = Lamps(Scene(), {"ready": 5, "problem": 6}, pin_factory=factory)
    try:
        lamps.show(Scene(ready=Pattern.FAST, problem=Pattern.BLINK))
        time.sleep(1.3)
    finally:
        lamps.close()
    # Each recorded state carries how long the state before it lasted.
    fast = [s.timestamp for s in factory.pin(5).states[2:]]
    slow = [s.timestamp for s in factory.pin(6).states[2:]]
    assert len(fast) >= 4 and 0.1 <= statistics.median(fast) <= 0.25, fast  # 4 Hz
    assert slow and 0.45 <= slow[0] <= 0.8, slow  # 1 Hz


def test_importing_the_lamps_needs_no_gpiozero() -> None:
    # The display's install has no gpiozero; only making lamps imports it.
    check = "import sys, antrean.lamps; sys.exit('gpiozero' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", check], timeout=60).returncode == 0
