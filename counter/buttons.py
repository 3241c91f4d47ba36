"""A counter's buttons: the officer's keys and the citizen's four faces.

gpiozero reports each edge from its own thread; the board turns edges into
presses stamped with their time and hands them on, nothing more. NEXT acts
when it is let go, so that holding it can mean something else: held for
`hold_seconds` it becomes PAUSE (pause or reopen the counter) and its
release then does nothing. Bounce and double presses are the keypad's job
(`counter.app`): nothing counts while a command is on its way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from antrean.vocabulary import Satisfaction
from counter.settings import CounterWiring


class Key(StrEnum):
    NEXT = "next"
    RECALL = "recall"
    NO_SHOW = "no_show"
    FINISH = "finish"
    TRANSFER = "transfer"
    PAUSE = "pause"  # NEXT held down
    FACE = "face"


@dataclass(frozen=True)
class Press:
    counter: int
    key: Key
    at: float  # monotonic seconds
    face: Satisfaction | None = None


class CounterButtons:
    """gpiozero buttons of one counter; `on_press` runs on gpiozero's threads."""

    def __init__(
        self,
        wiring: CounterWiring,
        on_press: Callable[[Press], None],
        *,
        hold_seconds: float,
        pull_up: bool = True,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from gpiozero import Button

        self.number = wiring.number
        self._on_press = on_press
        self._clock = clock
        self._held = threading.Event()
        self.buttons: dict[str, Any] = {}
        try:
            for name, pin in wiring.keys.pins().items():
                button = Button(
                    pin, pull_up=pull_up, bounce_time=None, hold_time=hold_seconds,
                    pin_factory=pin_factory,
                )
                if name == "next":
                    button.when_pressed = self._held.clear
                    button.when_held = self._next_held
                    button.when_released = self._next_released
                else:
                    button.when_pressed = partial(self._press, Key(name), None)
                self.buttons[name] = button
            for face, pin in wiring.faces.pins().items():
                button = Button(pin, pull_up=pull_up, bounce_time=None, pin_factory=pin_factory)
                button.when_pressed = partial(self._press, Key.FACE, face)
                self.buttons[face.value] = button
        except Exception:
            self.close()
            raise

    def _press(self, key: Key, face: Satisfaction | None) -> None:
        self._on_press(Press(self.number, key, self._clock(), face))

    def _next_held(self) -> None:
        self._held.set()
        self._press(Key.PAUSE, None)

    def _next_released(self) -> None:
        if not self._held.is_set():
            self._press(Key.NEXT, None)
        self._held.clear()

    def close(self) -> None:
        for button in self.buttons.values():
            button.close()
        self.buttons.clear()
