"""A simulated device's keyboard: keys from the terminal, and buttons pressed on mock pins.

`--simulate` runs the real program on gpiozero's mock pins. Each key typed is
handed on at once, unechoed (the terminal is put in cbreak mode while a
terminal is attached, and given back as it was); a key that means a button
drives that button's pin low and high again, as a switch does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import termios
import tty
from collections.abc import Callable, Coroutine, Iterator
from typing import IO, Any

from antrean.pins import Pin


def press(factory: Any, pin: Pin) -> None:
    """The button on `pin` pressed and let go (`factory`: gpiozero's MockFactory)."""
    mock = factory.pin(pin)
    mock.drive_low()
    mock.drive_high()


@contextlib.contextmanager
def single_keys(stream: IO[str]) -> Iterator[None]:
    """Keys arrive one at a time, unechoed, while a terminal is attached."""
    if not stream.isatty():
        yield
        return
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def run_with_keys(
    program: Coroutine[Any, Any, None],
    key: Callable[[str], str | None],
    stream: IO[str] = sys.stdin,
) -> None:
    """Run `program` while each key typed goes, in lower case, to `key`.

    What `key` returns (what the key did) is printed. When the input ends
    the program runs on without keys.
    """
    loop = asyncio.get_running_loop()
    fd = stream.fileno()

    def read_keys() -> None:
        keys = os.read(fd, 64).decode(errors="ignore")
        if not keys:  # end of input: keep running without keys
            loop.remove_reader(fd)
        for typed in keys:
            said = key(typed.lower())
            if said:
                print(said, flush=True)

    with single_keys(stream):
        loop.add_reader(fd, read_keys)
        try:
            await program
        finally:
            loop.remove_reader(fd)
