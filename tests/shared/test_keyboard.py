"""The simulated devices' keyboard: keys from a terminal (a real pseudo-terminal here)
or a pipe, handed on one at a time while the program runs; a key pressing a mock pin."""

from __future__ import annotations

import asyncio
import os
import pty
import termios
from collections.abc import Iterator
from typing import IO

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockFactory

from antrean.keyboard import press, run_with_keys, single_keys


@pytest.fixture
def terminal() -> Iterator[IO[str]]:
    leader, follower = pty.openpty()
    stream = os.fdopen(follower, "r")
    yield stream
    stream.close()
    os.close(leader)


def test_a_terminal_gives_single_unechoed_keys_and_is_given_back(terminal: IO[str]) -> None:
    before = termios.tcgetattr(terminal.fileno())
    assert before[3] & termios.ICANON and before[3] & termios.ECHO
    with single_keys(terminal):
        during = termios.tcgetattr(terminal.fileno())
        assert not during[3] & termios.ICANON and not during[3] & termios.ECHO
    assert termios.tcgetattr(terminal.fileno()) == before


def test_keys_reach_the_program_while_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    reading, writing = os.pipe()
    keys: list[str] = []

    def key(typed: str) -> str | None:
        keys.append(typed)
        return f"did {typed}" if typed != "x" else None

    async def program(stop: asyncio.Event) -> None:
        await asyncio.wait_for(stop.wait(), 10)

    async def scenario() -> None:
        stop = asyncio.Event()
        with os.fdopen(reading, "r") as stream:
            running = asyncio.create_task(run_with_keys(program(stop), key, stream))
            os.write(writing, b"AxQ")
            os.close(writing)  # the input ends: the program runs on without keys
            while len(keys) < 3:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert not running.done()
            stop.set()
            await running

    asyncio.run(scenario())
    assert keys == ["a", "x", "q"]
    assert capsys.readouterr().out == "did a\ndid q\n"


def test_a_key_presses_and_releases_a_button() -> None:
    factory = MockFactory()
    try:
        button = Button(17, pin_factory=factory)
        pressed: list[bool] = []
        button.when_pressed = lambda: pressed.append(True)
        press(factory, 17)
        assert pressed == [True] and not button.is_pressed
    finally:
        factory.reset()
