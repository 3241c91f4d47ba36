"""Set-up mistakes the keypad can find itself, before it drives a single pin.

Each is reported in one line in the log and in a few words on the LCD of
every counter it touches; those counters' buttons and lamps are left alone
(a pin wired twice cannot be trusted for either), the others work.
Mistakes only the server can tell (a counter the office does not have, a
token for another counter) are found once connected, in `counter.app`.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter.screen import Message, pin_twice
from counter.settings import CounterSettings, pin_key


@dataclass(frozen=True)
class Problem:
    counters: frozenset[int]
    log_line: str
    lcd: Message


def pin_problems(settings: CounterSettings) -> list[Problem]:
    users: dict[str, list[tuple[int, str]]] = {}
    for wiring in settings.counters:
        for name, pin in wiring.wired_pins():
            users.setdefault(pin_key(pin), []).append((wiring.number, name))
    problems = []
    for pin, uses in users.items():
        if len(uses) > 1:
            where = ", ".join(f"counter {number} {name}" for number, name in uses)
            problems.append(
                Problem(
                    frozenset(number for number, _ in uses),
                    f"pin {pin} is wired twice ({where}): fix the settings",
                    pin_twice(pin),
                )
            )
    return problems
