"""The kiosk's buttons, and which presses count.

gpiozero reports every edge; real switches bounce, a worried citizen holds
or hammers a button, and gpiozero's mock pins do not debounce at all. So
the board only reports presses with their time, and `PressGate` decides:
nothing counts while a ticket is being issued or printed, and a button that
just gave a ticket stays quiet for its cool-down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from antrean.pins import Pin
from kiosk.settings import ButtonSettings


@dataclass(frozen=True)
class Press:
    button: str  # the pin, as written in the settings
    service: str | None  # None: the priority button
    at: float  # monotonic seconds

    @property
    def is_priority(self) -> bool:
        return self.service is None


class ButtonBoard:
    """gpiozero buttons that hand each press, stamped with its time, to `on_press`.

    `on_press` runs on gpiozero's thread: it must only pass the press on.
    """

    def __init__(
        self,
        settings: ButtonSettings,
        on_press: Callable[[Press], None],
        *,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from gpiozero import Button

        self._on_press = on_press
        self._clock = clock
        self.buttons: dict[str, Any] = {}
        wiring: list[tuple[Pin, str | None]] = list(settings.pins().items())
        priority = settings.priority_pin()
        if priority is not None:
            wiring.append((priority, None))
        try:
            for pin, service in wiring:
                # bounce_time=None: debouncing is PressGate's job, the same on every pin type.
                button = Button(
                    pin, pull_up=settings.pull_up, bounce_time=None, pin_factory=pin_factory
                )
                button.when_pressed = partial(self._pressed, str(pin), service)
                self.buttons[str(pin)] = button
        except Exception:
            self.close()
            raise

    def _pressed(self, button: str, service: str | None) -> None:
        self._on_press(Press(button, service, self._clock()))

    def close(self) -> None:
        for button in self.buttons.values():
            button.close()
        self.buttons.clear()


@dataclass
class PressGate:
    """Admits a press unless the kiosk is busy or that button is still cooling down."""

    cooldown: float
    _quiet_until: dict[str, float] = field(default_factory=dict)

    def admit(self, press: Press, *, busy: bool) -> bool:
        if busy or press.at < self._quiet_until.get(press.button, float("-inf")):
            return False
        self._quiet_until[press.button] = press.at + self.cooldown
        return True

    def finished(self, button: str, at: float) -> None:
        """The press's work is done: the cool-down runs from now."""
        self._quiet_until[button] = at + self.cooldown


@dataclass
class PriorityArming:
    """PRIORITAS first, then a service button within the window."""

    window: float
    _until: float = float("-inf")

    def arm(self, at: float) -> None:
        self._until = at + self.window

    def armed(self, at: float) -> bool:
        return at < self._until

    def take(self, at: float) -> bool:
        """Whether this ticket is a priority one; the arming is used up either way."""
        armed = self.armed(at)
        self._until = float("-inf")
        return armed

    def remaining(self, at: float) -> float:
        return max(0.0, self._until - at)
